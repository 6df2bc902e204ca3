import type { App, CfnResource, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { addTenantStack, checkedApp } from '../../cdk/app.js';
import { tenantIds } from '../../cdk/tenant-config.js';

interface Finding {
  readonly rule: string;
  readonly resource: string;
}

interface ValidationReport {
  readonly pluginReports: ReadonlyArray<{
    readonly summary: { readonly pluginName: string };
    readonly violations: ReadonlyArray<{ readonly ruleName: string; readonly violatingResources: ReadonlyArray<{ readonly constructPath?: string; readonly resourceLogicalId?: string }> }>;
  }>;
}

/**
 * Synthesizes with cdk-nag's AwsSolutions plugin as `cdk synth` does (minus bundling and CloudFormation's own
 * validation, which cdk-nag does not need), and returns every finding the report lists. The synth throws on
 * findings, so its error is swallowed: the report is the evidence either way.
 */
function nagFindings(build: (app: App) => Stack): { findings: Finding[]; resources: number } {
  const outdir = mkdtempSync(join(tmpdir(), 'propdesk-nag-'));
  const app = checkedApp({ outdir, builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = build(app);
  let synthError: unknown;
  try {
    app.synth();
  } catch (error) {
    synthError = error;
  }
  const report = JSON.parse(readFileSync(join(outdir, 'policy-validation-report.json'), 'utf8')) as ValidationReport;
  const findings = report.pluginReports
    .filter((plugin) => plugin.summary.pluginName === 'AwsSolutions')
    .flatMap((plugin) => plugin.violations.flatMap((violation) => violation.violatingResources.map((resource) => ({ rule: violation.ruleName, resource: resource.constructPath ?? resource.resourceLogicalId ?? '?' }))));
  // A synth that fails for another reason must not pass as "no findings".
  if (synthError !== undefined && findings.length === 0) throw synthError;
  const template = JSON.parse(readFileSync(join(outdir, stack.templateFile), 'utf8')) as { Resources?: object };
  const resources = Object.keys(template.Resources ?? {}).length;
  return { findings, resources };
}

describe('cdk-nag 3, AwsSolutions pack', () => {
  it.each(tenantIds())('tenant %s: zero unacknowledged findings', (tenantId) => {
    const { findings, resources } = nagFindings((app) => addTenantStack(app, tenantId));
    const byRule = (a: Finding, b: Finding) => a.rule.localeCompare(b.rule);
    expect(findings.sort(byRule)).toEqual([]);
    // The whole platform was checked, not an empty or half-built stack.
    expect(resources).toBeGreaterThan(60);
  });

  it('canary: the same check on the demo stack reports a deliberately insecure construct added to it', () => {
    const { findings } = nagFindings((app) => {
      const stack = addTenantStack(app, 'demo');
      // A queue with no encryption, no TLS policy and no dead-letter queue, and a role that may do anything.
      new CfnQueue(stack, 'PlainQueue');
      const role = new Role(stack, 'AdminRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
      role.addToPolicy(new PolicyStatement({ actions: ['*'], resources: ['*'] }));
      return stack;
    });
    // Exactly these: the stack's acknowledgements cover their own causes and nothing else.
    const byRule = (a: Finding, b: Finding) => a.rule.localeCompare(b.rule);
    expect(findings.sort(byRule)).toEqual([
      { rule: 'AwsSolutions-IAM5[Action::*]', resource: 'Propdesk-demo/AdminRole/DefaultPolicy/Resource' },
      { rule: 'AwsSolutions-IAM5[Resource::*]', resource: 'Propdesk-demo/AdminRole/DefaultPolicy/Resource' },
      { rule: 'AwsSolutions-SQS3', resource: 'Propdesk-demo/PlainQueue' },
      { rule: 'AwsSolutions-SQS4', resource: 'Propdesk-demo/PlainQueue' },
    ]);
  });
});


describe('what a firm keeps when its stack is deleted', () => {
  /** Every resource type that holds the firm's data or its audit trail. */
  const STATEFUL = [
    'AWS::DynamoDB::Table',
    'AWS::Kinesis::Stream',
    'AWS::KMS::Key',
    'AWS::Logs::LogGroup',
    'AWS::SecretsManager::Secret',
    'AWS::Cognito::UserPool',
    'AWS::Events::Archive',
    'AWS::SQS::Queue',
  ];

  it.each(tenantIds())('tenant %s: every stateful resource is retained', (tenantId) => {
    const app = checkedApp({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = addTenantStack(app, tenantId);
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string }>;
    // The alarm topic's key encrypts notifications in flight only: nothing outlives the topic that needs it.
    const inFlightOnly = stack.getLogicalId(stack.monitoring.alarmTopicKey.node.defaultChild as CfnResource);
    const stateful = Object.entries(resources).filter(([id, resource]) => STATEFUL.includes(resource.Type) && id !== inFlightOnly);
    expect(new Set(stateful.map(([, resource]) => resource.Type))).toEqual(new Set(STATEFUL));
    expect(stateful.filter(([, resource]) => resource.DeletionPolicy !== 'Retain').map(([id, resource]) => `${resource.Type} ${id}`)).toEqual([]);
  });
});
