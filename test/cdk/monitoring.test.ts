import { App, type CfnResource, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AlarmThresholds, DEFAULT_ALARM_THRESHOLDS, Monitoring, PROPDESK_METRICS } from '../../cdk/constructs/monitoring.js';
import { TenantStack } from '../../cdk/stacks/tenant-stack.js';
import { loadTenantConfig, type TenantConfig } from '../../cdk/tenant-config.js';
import { METRICS } from '../../functions/metrics.js';

/** Bundling skipped and CDK's built-in CloudFormation validation off, as in trade-pipeline.test.ts. */
const appWithoutBundling = () => new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });

const EMAILS = ['oncall@example.com', 'risk-desk@example.com'];

/** The demo firm, with alarm emails and (optionally) other thresholds. TenantStack builds its Monitoring from them. */
function demoStack(alarms: Partial<TenantConfig['alarms']> = {}): TenantStack {
  const demo = loadTenantConfig('demo');
  const config: TenantConfig = { ...demo, alarms: { ...demo.alarms, emails: EMAILS, ...alarms } };
  return new TenantStack(appWithoutBundling(), 'Propdesk-demo', { config });
}

const logicalId = (stack: Stack, construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnResource);

type Resource = { Properties: Record<string, unknown> };
type Dimension = { Name: string; Value: unknown };
type Widget = { type: string; properties: Record<string, unknown> };

/** The dashboard's widgets, its body's Fn::Join parsed, a reference read as `<Ref:LogicalId>`, an attribute as `<GetAtt:LogicalId.Attribute>`. */
function widgetsOf(body: unknown): Widget[] {
  const [separator, parts] = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const reference = (part: { Ref?: string; 'Fn::GetAtt'?: [string, string] }) => {
    if (part.Ref !== undefined) return `<Ref:${part.Ref}>`;
    if (part['Fn::GetAtt'] !== undefined) return `<GetAtt:${part['Fn::GetAtt'].join('.')}>`;
    throw new Error(`unexpected intrinsic in the dashboard body: ${JSON.stringify(part)}`);
  };
  const text = parts.map((part) => (typeof part === 'string' ? part : reference(part as { Ref?: string }))).join(separator);
  return (JSON.parse(text) as { widgets: Widget[] }).widgets;
}

/**
 * Every alarm the demo firm must have, by name: 40. The purchase workflow added 9: its two dead-letter queues
 * (bridge commands, and the rule-target delivery queue it now shares with the KYC and payout workflows: still
 * one alarm), invalid bridge answers, failed and timed-out executions, and the steps and callbacks functions'
 * errors and throttles. The KYC workflow added 6: failed and timed-out executions, and the steps and webhook
 * functions' errors and throttles. The payout workflow added 5: its processor commands' dead-letter queue,
 * failed and timed-out executions, and the steps function's errors and throttles (its processor answers go to
 * the purchase workflow's callbacks function, already watched; invalid ones count in bridge-answers-invalid).
 * Abuse detection added 5: its queue's dead-letter queue and age, invalid records, and the detectors function's
 * errors and throttles.
 */
const EXPECTED_ALARMS = [
  'evaluator-iterator-age',
  'quarantine-dlq-depth',
  'account-outcomes-dlq-depth',
  'risk-alerts-dlq-depth',
  'stream-failure-queue-depth',
  'rollover-dlq-depth',
  'processor-events-dlq-depth',
  'records-quarantined',
  'evaluator-errors',
  'evaluator-throttles',
  'ingest-errors',
  'ingest-throttles',
  'rollover-errors',
  'rollover-throttles',
  'api-errors',
  'api-throttles',
  'ingest-api-server-errors',
  'api-server-errors',
  'trade-stream-write-throttles',
  'table-throttles',
  // The purchase workflow.
  'bridge-commands-dlq-depth',
  'purchase-delivery-dlq-depth',
  'bridge-answers-invalid',
  'purchase-executions-failed',
  'purchase-executions-timed-out',
  'purchase-steps-errors',
  'purchase-steps-throttles',
  'purchase-callbacks-errors',
  'purchase-callbacks-throttles',
  // The KYC workflow.
  'kyc-executions-failed',
  'kyc-executions-timed-out',
  'kyc-steps-errors',
  'kyc-steps-throttles',
  'kyc-webhook-errors',
  'kyc-webhook-throttles',
  // The payout workflow.
  'payout-commands-dlq-depth',
  'payout-executions-failed',
  'payout-executions-timed-out',
  'payout-steps-errors',
  'payout-steps-throttles',
  // Abuse detection.
  'abuse-detection-dlq-depth',
  'abuse-queue-age',
  'abuse-invalid-records',
  'abuse-detectors-errors',
  'abuse-detectors-throttles',
].map((what) => `propdesk-demo-${what}`);

describe('the demo tenant monitoring', () => {
  let stack: TenantStack;
  let monitoring: Monitoring;
  let template: Template;
  let alarms: Record<string, Resource>;
  let id: (construct: IConstruct) => string;
  const alarmNamed = (name: string): Resource => {
    const alarm = Object.values(alarms).find((candidate) => candidate.Properties.AlarmName === name);
    if (alarm === undefined) throw new Error(`no alarm named ${name}`);
    return alarm;
  };

  beforeAll(() => {
    stack = demoStack();
    monitoring = stack.monitoring;
    template = Template.fromStack(stack);
    alarms = template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>;
    id = (construct) => logicalId(stack, construct);
  });

  it('creates exactly the expected alarms, named after the tenant, and exposes them', () => {
    expect(EXPECTED_ALARMS).toHaveLength(45);
    expect(Object.values(alarms).map((alarm) => alarm.Properties.AlarmName).sort()).toEqual([...EXPECTED_ALARMS].sort());
    expect(monitoring.alarms).toHaveLength(EXPECTED_ALARMS.length);
  });

  it('notifies the topic on ALARM and on OK, treats missing data as fine and explains every alarm', () => {
    const topic = { Ref: id(monitoring.alarmTopic) };
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties, String(alarm.Properties.AlarmName)).toMatchObject({
        AlarmActions: [topic],
        OKActions: [topic],
        TreatMissingData: 'notBreaching',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      expect(String(alarm.Properties.AlarmDescription).length, String(alarm.Properties.AlarmName)).toBeGreaterThan(80);
      // CloudFormation refuses a longer AlarmDescription (cdk synth's validation reports it; this test does not run that).
      expect(String(alarm.Properties.AlarmDescription).length, String(alarm.Properties.AlarmName)).toBeLessThanOrEqual(1024);
    }
  });

  it('alarms when the evaluator falls 60 s behind the stream for 3 of 3 minutes', () => {
    expect(alarmNamed('propdesk-demo-evaluator-iterator-age').Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(stack.tradePipeline.evaluator) } }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 60_000,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
  });

  it('alarms on a message in each dead-letter and failure queue', () => {
    const pipeline = stack.tradePipeline;
    const depthAlarms = Object.values(alarms).filter((alarm) => alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible');
    const queuesWatched = depthAlarms.map((alarm) => {
      expect(alarm.Properties).toMatchObject({ Namespace: 'AWS/SQS', Statistic: 'Maximum', Threshold: 1 });
      return (alarm.Properties.Dimensions as Dimension[]).find((dimension) => dimension.Name === 'QueueName')?.Value;
    });
    const deadLetterQueues = [
      pipeline.quarantineDeadLetterQueue,
      pipeline.accountOutcomesDeadLetterQueue,
      pipeline.riskAlertsDeadLetterQueue,
      pipeline.streamFailureQueue,
      pipeline.rolloverDeadLetterQueue,
      stack.processorEvents.deadLetterQueue!,
      stack.purchaseWorkflow.bridgeCommandsDeadLetterQueue,
      stack.payoutWorkflow.processorCommandsDeadLetterQueue,
      stack.abuseDetection.deadLetterQueue,
      // Shared by the workflows' rules (KycNeeded, PayoutRequests and ProcessorAnswers included): one queue, one alarm.
      stack.workflowShared.deliveryDeadLetterQueue,
    ];
    expect(stack.purchaseWorkflow.deliveryDeadLetterQueue).toBe(stack.workflowShared.deliveryDeadLetterQueue);
    expect(queuesWatched).toEqual(expect.arrayContaining(deadLetterQueues.map((queue) => ({ 'Fn::GetAtt': [id(queue), 'QueueName'] }))));
    expect(queuesWatched).toHaveLength(deadLetterQueues.length);
  });

  it('alarms on quarantined records from the Propdesk namespace, for this service and tenant', () => {
    const alarm = alarmNamed('propdesk-demo-records-quarantined').Properties;
    expect(alarm).toMatchObject({ Namespace: 'Propdesk', MetricName: 'RecordsQuarantined', Statistic: 'Sum', Period: 300, Threshold: 1 });
    expect(alarm.Dimensions).toEqual(
      expect.arrayContaining([
        { Name: 'service', Value: 'evaluator' },
        { Name: 'tenant', Value: 'demo' },
      ]),
    );
    expect(alarm.Dimensions).toHaveLength(2);
    expect(PROPDESK_METRICS.namespace).toBe('Propdesk');
  });

  it('watches the custom metrics under the names, namespace and dimensions the functions emit them with', () => {
    // The handlers' side of the contract (functions/powertools.ts): same services, same metric names.
    expect(Object.fromEntries(Object.entries(PROPDESK_METRICS.services).map(([service, names]) => [service, Object.values(names)]))).toEqual(METRICS);
    // Powertools takes `service` from POWERTOOLS_SERVICE_NAME and `tenant` from TENANT_ID.
    const pipeline = stack.tradePipeline;
    const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
    for (const [service, fn] of [
      ['evaluator', pipeline.evaluator],
      ['ingest', pipeline.ingest],
      ['rollover', pipeline.rollover],
      ['callbacks', stack.purchaseWorkflow.callbacks],
      ['kyc', stack.kycWorkflow.steps],
      ['kyc-webhook', stack.kycWorkflow.webhook],
      ['payouts', stack.payoutWorkflow.steps],
      ['detectors', stack.abuseDetection.detectors],
    ] as const) {
      expect((functions[id(fn)]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: service,
        POWERTOOLS_METRICS_NAMESPACE: PROPDESK_METRICS.namespace,
        TENANT_ID: 'demo',
      });
    }
  });

  it('alarms on each function\u2019s errors and throttles', () => {
    const pipeline = stack.tradePipeline;
    for (const [name, fn] of [
      ['evaluator', pipeline.evaluator],
      ['ingest', pipeline.ingest],
      ['rollover', pipeline.rollover],
      ['api', stack.managementApi.handler],
      ['purchase-steps', stack.purchaseWorkflow.steps],
      ['purchase-callbacks', stack.purchaseWorkflow.callbacks],
      ['kyc-steps', stack.kycWorkflow.steps],
      ['kyc-webhook', stack.kycWorkflow.webhook],
      ['payout-steps', stack.payoutWorkflow.steps],
      ['abuse-detectors', stack.abuseDetection.detectors],
    ] as const) {
      for (const metricName of ['Errors', 'Throttles']) {
        expect(alarmNamed(`propdesk-demo-${name}-${metricName.toLowerCase()}`).Properties).toMatchObject({
          Namespace: 'AWS/Lambda',
          MetricName: metricName,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(fn) } }],
          Statistic: 'Sum',
          Period: 300,
          Threshold: 1,
        });
      }
    }
  });

  it('alarms when a bridge sends a malformed answer, from the callbacks function\u2019s custom metric', () => {
    const alarm = alarmNamed('propdesk-demo-bridge-answers-invalid').Properties;
    expect(alarm).toMatchObject({ Namespace: 'Propdesk', MetricName: 'AnswersInvalid', Statistic: 'Sum', Period: 300, Threshold: 1, EvaluationPeriods: 1 });
    expect(alarm.Dimensions).toEqual(
      expect.arrayContaining([
        { Name: 'service', Value: 'callbacks' },
        { Name: 'tenant', Value: 'demo' },
      ]),
    );
    expect(alarm.Dimensions).toHaveLength(2);
    expect(String(alarm.AlarmDescription)).toMatch(/malformed answer/);
    // The payout processor's answers reach the same function and count in the same metric.
    expect(String(alarm.AlarmDescription)).toMatch(/PayoutProcessorSettled \/ PayoutProcessorFailed/);
  });

  it('alarms on a purchase execution that failed or timed out, saying what to do first', () => {
    const stateMachine = { Name: 'StateMachineArn', Value: { Ref: id(stack.purchaseWorkflow.stateMachine) } };
    const failed = alarmNamed('propdesk-demo-purchase-executions-failed').Properties;
    expect(failed).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Dimensions: [stateMachine],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
    });
    expect(String(failed.AlarmDescription)).toMatch(/could not be provisioned/);
    expect(String(failed.AlarmDescription)).toMatch(/ProvisioningFailed \/ OrderRefused event/);
    expect(String(failed.AlarmDescription)).toMatch(/refund .* or retry/);
    expect(alarmNamed('propdesk-demo-purchase-executions-timed-out').Properties).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsTimedOut',
      Dimensions: [stateMachine],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
    });
  });

  it('alarms on a KYC execution that failed or timed out, saying what to do first', () => {
    const stateMachine = { Name: 'StateMachineArn', Value: { Ref: id(stack.kycWorkflow.stateMachine) } };
    for (const [name, metricName] of [
      ['propdesk-demo-kyc-executions-failed', 'ExecutionsFailed'],
      ['propdesk-demo-kyc-executions-timed-out', 'ExecutionsTimedOut'],
    ] as const) {
      const alarm = alarmNamed(name).Properties;
      expect(alarm, name).toMatchObject({
        Namespace: 'AWS/States',
        MetricName: metricName,
        Dimensions: [stateMachine],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        EvaluationPeriods: 1,
      });
      // The way out: the execution first, then a fresh KycNeeded, minding a case left open.
      expect(String(alarm.AlarmDescription), name).toMatch(/Open the execution in the Step Functions console/);
      expect(String(alarm.AlarmDescription), name).toMatch(/re-put the KycNeeded event/);
      expect(String(alarm.AlarmDescription), name).toMatch(/Already open/);
    }
    const failed = String(alarmNamed('propdesk-demo-kyc-executions-failed').Properties.AlarmDescription);
    expect(failed).toMatch(/identity verification is stuck/);
    expect(failed).toMatch(/funded activations waiting for it/);
  });

  it('alarms on a payout execution that failed or timed out, saying what to do first', () => {
    const stateMachine = { Name: 'StateMachineArn', Value: { Ref: id(stack.payoutWorkflow.stateMachine) } };
    for (const [name, metricName] of [
      ['propdesk-demo-payout-executions-failed', 'ExecutionsFailed'],
      ['propdesk-demo-payout-executions-timed-out', 'ExecutionsTimedOut'],
    ] as const) {
      expect(alarmNamed(name).Properties, name).toMatchObject({
        Namespace: 'AWS/States',
        MetricName: metricName,
        Dimensions: [stateMachine],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        EvaluationPeriods: 1,
      });
      expect(String(alarmNamed(name).Properties.AlarmDescription), name).toMatch(/execution in the Step Functions console/);
    }
    const failed = String(alarmNamed('propdesk-demo-payout-executions-failed').Properties.AlarmDescription);
    // What it means, what to read first, and the way out: nothing booked, so re-request or pay by hand...
    expect(failed).toMatch(/the processor did not pay/);
    expect(failed).toMatch(/step.* failed for good/);
    expect(failed).toMatch(/Read the PayoutFailed event/);
    expect(failed).toMatch(/nothing was booked/);
    expect(failed).toMatch(/re-request, or pay by hand/);
    // ...unless Settle failed, after the processor paid.
    expect(failed).toMatch(/Failed in Settle: the processor DID pay/);
    expect(failed).toMatch(/do NOT re-request/);
  });

  it('alarms on a payout processor command that was not delivered', () => {
    const alarm = alarmNamed('propdesk-demo-payout-commands-dlq-depth').Properties;
    expect((alarm.Dimensions as Dimension[]).find((dimension) => dimension.Name === 'QueueName')?.Value).toEqual({
      'Fn::GetAtt': [id(stack.payoutWorkflow.processorCommandsDeadLetterQueue), 'QueueName'],
    });
    expect(String(alarm.AlarmDescription)).toMatch(/PayoutInstructed/);
    expect(String(alarm.AlarmDescription)).toMatch(/ProcessorCommands rule/);
    // The bridge commands now carry the payouts' balance operations too.
    const bridgeCommands = String(alarmNamed('propdesk-demo-bridge-commands-dlq-depth').Properties.AlarmDescription);
    expect(bridgeCommands).toMatch(/TradingAccountRequested/);
    expect(bridgeCommands).toMatch(/BalanceOperationRequested/);
  });

  it('explains the shared delivery dead-letter queue for every rule that parks events in it', () => {
    const description = String(alarmNamed('propdesk-demo-purchase-delivery-dlq-depth').Properties.AlarmDescription);
    for (const rule of ['ProcessorPayments', 'StripeCheckouts', 'PhasesPassed', 'BridgeAnswers', 'KycNeeded', 'PayoutRequests', 'ProcessorAnswers']) expect(description).toContain(rule);
    // And what each parks: a payout request that never started, a processor answer that never resumed its payout.
    expect(description).toContain('PayoutRequested');
    expect(description).toMatch(/PayoutProcessorSettled \/ PayoutProcessorFailed/);
    // Every rule whose targets park undeliverable events there is named in it.
    const queueArn = JSON.stringify({ 'Fn::GetAtt': [id(stack.workflowShared.deliveryDeadLetterQueue), 'Arn'] });
    const rules = Object.entries(template.findResources('AWS::Events::Rule') as Record<string, Resource>).filter(([, rule]) => JSON.stringify(rule.Properties.Targets).includes(queueArn));
    const ruleIds = rules.map(([ruleId]) => ruleId);
    for (const name of ['ProcessorPayments', 'StripeCheckouts', 'PhasesPassed', 'BridgeAnswers']) {
      expect(ruleIds).toContain(id(stack.purchaseWorkflow.node.findChild(name)));
    }
    expect(ruleIds).toContain(id(stack.kycWorkflow.node.findChild('KycNeeded')));
    for (const name of ['PayoutRequests', 'ProcessorAnswers']) expect(ruleIds).toContain(id(stack.payoutWorkflow.node.findChild(name)));
    // The purchase workflow's four, KycNeeded and the payout workflow's two.
    expect(ruleIds).toHaveLength(7);
  });

  it('alarms on ingest API 5xx, stream write throttling and table throttling', () => {
    const pipeline = stack.tradePipeline;
    expect(alarmNamed('propdesk-demo-ingest-api-server-errors').Properties).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: id(pipeline.ingestApi) } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
    });
    expect(alarmNamed('propdesk-demo-api-server-errors').Properties).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: id(stack.managementApi.api) } }],
      Threshold: 1,
    });
    expect(alarmNamed('propdesk-demo-trade-stream-write-throttles').Properties).toMatchObject({
      Namespace: 'AWS/Kinesis',
      MetricName: 'WriteProvisionedThroughputExceeded',
      Dimensions: [{ Name: 'StreamName', Value: { Ref: id(pipeline.tradeStream) } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
    });
    const table = alarmNamed('propdesk-demo-table-throttles').Properties;
    expect(table).toMatchObject({ Threshold: 1, EvaluationPeriods: 1 });
    const queries = table.Metrics as Array<{ Expression?: string; MetricStat?: { Metric: { MetricName: string; Namespace: string; Dimensions: Dimension[] } } }>;
    const watched = queries.flatMap((query) => (query.MetricStat ? [query.MetricStat.Metric] : []));
    // Read and write, on the table and on its index.
    expect(watched.map((metric) => metric.MetricName).sort()).toEqual(['ReadThrottleEvents', 'ReadThrottleEvents', 'WriteThrottleEvents', 'WriteThrottleEvents']);
    for (const metric of watched) {
      expect(metric.Namespace).toBe('AWS/DynamoDB');
      expect(metric.Dimensions).toContainEqual({ Name: 'TableName', Value: { Ref: id(pipeline.table) } });
    }
    expect(queries.filter((query) => query.Expression !== undefined)).toHaveLength(1);
  });

  it('encrypts the alarm topic with a rotated key CloudWatch may use, and refuses publishing without TLS', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [id(monitoring.alarmTopicKey), 'Arn'] },
    });
    const key = template.findResources('AWS::KMS::Key')[id(monitoring.alarmTopicKey)] as Resource;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect((key.Properties.KeyPolicy as { Statement: unknown[] }).Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: id(monitoring.alarmTopic) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': Match.anyValue() } }),
          }),
        ]),
      },
    });
  });

  it('subscribes every alarm email to the topic', () => {
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription') as Record<string, Resource>);
    expect(subscriptions.map((subscription) => subscription.Properties.Endpoint).sort()).toEqual([...EMAILS].sort());
    for (const subscription of subscriptions) {
      expect(subscription.Properties).toMatchObject({ Protocol: 'email', TopicArn: { Ref: id(monitoring.alarmTopic) } });
    }
  });

  it('builds the tenant dashboard with the custom metrics and a status widget over every alarm', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard') as Record<string, Resource>);
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]?.Properties.DashboardName).toBe('propdesk-demo');
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    for (const name of [
      ...Object.values(PROPDESK_METRICS.services.evaluator),
      ...Object.values(PROPDESK_METRICS.services.ingest),
      'IteratorAge',
      'IncomingRecords',
      'ConsumedWriteCapacityUnits',
      'ApproximateNumberOfMessagesVisible',
      // The purchase workflow's row.
      ...Object.values(PROPDESK_METRICS.services.callbacks),
      'ExecutionsStarted',
      'ExecutionsSucceeded',
      'ExecutionsFailed',
    ]) {
      expect(body).toContain(name);
    }
    expect(body).toContain('## Purchase workflow');
    expect(body).toContain(`{"Ref":"${id(stack.purchaseWorkflow.stateMachine)}"}`);
    // The KYC workflow's row (the widgets between its heading and the next): its executions, and its two functions' health.
    const widgets = widgetsOf(dashboards[0]!.Properties.DashboardBody);
    const heading = (widget: Widget) => widget.type === 'text' && String(widget.properties.markdown).startsWith('## ');
    const kycRowStart = widgets.findIndex((widget) => widget.type === 'text' && widget.properties.markdown === '## KYC workflow');
    expect(kycRowStart).toBeGreaterThanOrEqual(0);
    const kycRowEnd = widgets.findIndex((widget, index) => index > kycRowStart && heading(widget));
    const kycRow = widgets.slice(kycRowStart + 1, kycRowEnd === -1 ? undefined : kycRowEnd);
    const metricsOf = (title: string) => kycRow.find((widget) => widget.properties.title === title)?.properties.metrics as unknown[][] | undefined;
    const kycMachine = `<Ref:${id(stack.kycWorkflow.stateMachine)}>`;
    expect(metricsOf('Executions')?.map((metric) => metric.slice(0, 4))).toEqual(
      expect.arrayContaining(['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed'].map((name) => ['AWS/States', name, 'StateMachineArn', kycMachine])),
    );
    for (const [title, fn] of [
      ['Steps: errors, throttles', stack.kycWorkflow.steps],
      ['Webhook: errors, throttles', stack.kycWorkflow.webhook],
    ] as const) {
      expect(metricsOf(title)?.map((metric) => metric.slice(0, 4)), title).toEqual([
        ['AWS/Lambda', 'Errors', 'FunctionName', `<Ref:${id(fn)}>`],
        ['AWS/Lambda', 'Throttles', 'FunctionName', `<Ref:${id(fn)}>`],
      ]);
    }
    // The payout workflow's row: its executions, and its steps function's health.
    const payoutRowStart = widgets.findIndex((widget) => widget.type === 'text' && widget.properties.markdown === '## Payout workflow');
    expect(payoutRowStart).toBeGreaterThanOrEqual(0);
    const payoutRowEnd = widgets.findIndex((widget, index) => index > payoutRowStart && heading(widget));
    const payoutRow = widgets.slice(payoutRowStart + 1, payoutRowEnd === -1 ? undefined : payoutRowEnd);
    const payoutMetricsOf = (title: string) => payoutRow.find((widget) => widget.properties.title === title)?.properties.metrics as unknown[][] | undefined;
    const payoutMachine = `<Ref:${id(stack.payoutWorkflow.stateMachine)}>`;
    expect(payoutMetricsOf('Executions')?.map((metric) => metric.slice(0, 4))).toEqual(
      ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut'].map((name) => ['AWS/States', name, 'StateMachineArn', payoutMachine]),
    );
    expect(payoutMetricsOf('Steps: errors, throttles')?.map((metric) => metric.slice(0, 4))).toEqual([
      ['AWS/Lambda', 'Errors', 'FunctionName', `<Ref:${id(stack.payoutWorkflow.steps)}>`],
      ['AWS/Lambda', 'Throttles', 'FunctionName', `<Ref:${id(stack.payoutWorkflow.steps)}>`],
    ]);
    // The processor commands queue beside the bridges' among the work queues.
    const workQueues = widgets.find((widget) => widget.properties.title === 'Work queues')?.properties.metrics as unknown[][] | undefined;
    expect(workQueues?.map((metric) => metric.slice(0, 4))).toContainEqual([
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      'QueueName',
      `<GetAtt:${id(stack.payoutWorkflow.processorCommandsQueue)}.QueueName>`,
    ]);
    for (const alarmId of Object.keys(alarms)) expect(body).toContain(`{"Fn::GetAtt":["${alarmId}","Arn"]}`);
  });
});

describe('alarm settings', () => {
  it('flow from the tenant settings into the alarms', () => {
    const template = Template.fromStack(demoStack({ iteratorAgeSeconds: 120, functionErrorsPer5Minutes: 5, ingest5xxPer5Minutes: 10 }));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'propdesk-demo-evaluator-iterator-age', Threshold: 120_000 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'propdesk-demo-ingest-errors', Threshold: 5 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'propdesk-demo-ingest-api-server-errors', Threshold: 10 });
  });

  it('create no subscription when there are no emails', () => {
    Template.fromStack(demoStack({ emails: [] })).resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('refuse a threshold that is not a positive finite number, naming the field', () => {
    const stack = demoStack();
    let attempt = 0;
    const monitor = (thresholds: Partial<AlarmThresholds>, alarmEmails: readonly string[] = []) => () =>
      new Monitoring(stack, `Attempt${attempt++}`, {
        tenantId: 'demo',
        pipeline: stack.tradePipeline,
        managementApi: stack.managementApi,
        processorEvents: stack.processorEvents,
        purchaseWorkflow: stack.purchaseWorkflow,
        kycWorkflow: stack.kycWorkflow,
        payoutWorkflow: stack.payoutWorkflow,
        abuseDetection: stack.abuseDetection,
        thresholds: { ...DEFAULT_ALARM_THRESHOLDS, ...thresholds },
        alarmEmails,
      });
    for (const field of Object.keys(DEFAULT_ALARM_THRESHOLDS) as Array<keyof AlarmThresholds>) {
      for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(monitor({ [field]: bad }), `${field} = ${bad}`).toThrow(new RegExp(`alarm threshold ${field} must be a positive finite number`));
      }
    }
    expect(monitor({}, ['not-an-address'])).toThrow(/alarm email "not-an-address" is not an email address/);
    expect(monitor({}, ['a@example.com', 'A@example.com'])).toThrow(/listed twice/);
    // Nothing was added to the stack by the refused attempts.
    expect(stack.node.children.filter((child) => child.node.id.startsWith('Attempt'))).toEqual([]);
  });
});
