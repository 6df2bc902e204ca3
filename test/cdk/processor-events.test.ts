import { App, type CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { TenantStack } from '../../cdk/stacks/tenant-stack.js';
import { loadTenantConfig, parseTenantConfig } from '../../cdk/tenant-config.js';

const STRIPE_SOURCE = 'aws.partner/stripe.com/ed_test_61Sx9';

function demoStack(paymentProcessors: unknown) {
  const config = parseTenantConfig({ ...loadTenantConfig('demo'), paymentProcessors }, 'test');
  const stack = new TenantStack(new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } }), 'Propdesk-demo', { config });
  const id = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnResource);
  return { stack, template: Template.fromStack(stack), id };
}

describe("payment processors' events", () => {
  it("forward every Stripe event from the firm's partner event bus to the firm bus, parking refusals", () => {
    const { stack, template, id } = demoStack({ stripe: { partnerEventSource: STRIPE_SOURCE } });
    const deadLetterQueue = stack.processorEvents.deadLetterQueue;
    if (!deadLetterQueue) throw new Error('a configured processor gets a dead-letter queue');
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: STRIPE_SOURCE,
      EventPattern: { source: [STRIPE_SOURCE] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [id(stack.tradePipeline.eventBus), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [id(deadLetterQueue), 'Arn'] } },
        }),
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'propdesk-demo-processor-events-dlq-depth' });
  });

  it('build nothing when the firm names no processor', () => {
    const { stack, template } = demoStack({});
    expect(stack.processorEvents.forwardingRules).toEqual([]);
    expect(Object.values(template.findResources('AWS::Events::Rule')).map((rule) => rule.Properties.EventBusName)).not.toContain(STRIPE_SOURCE);
    expect(Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties.AlarmName)).not.toContain('propdesk-demo-processor-events-dlq-depth');
  });

  it('refuse a source that is not a Stripe partner event source', () => {
    expect(() => demoStack({ stripe: { partnerEventSource: 'stripe-events' } })).toThrow(/paymentProcessors\.stripe\.partnerEventSource: the Stripe partner event source name/);
  });
});
