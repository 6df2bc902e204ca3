import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DETECTORS_BATCH_SIZE, DETECTORS_TIMEOUT } from '../../cdk/constructs/abuse-detection.js';
import type { TenantStack } from '../../cdk/stacks/tenant-stack.js';
import { METRICS } from '../../functions/metrics.js';
import { compileEventPattern, type EventPattern } from '../../local/event-pattern.js';
import { actionsOf, type Resource, type Statement, statementsOf, tenantStack } from '../support/workflow-template.js';

const getAtt = (logicalId: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [logicalId, attribute] });

describe('the demo tenant abuse detection', () => {
  let stack: TenantStack;
  let template: Template;
  let id: (construct: IConstruct) => string;
  let resources: Record<string, Resource & { Type: string; DeletionPolicy?: string }>;
  const propertiesOf = (construct: IConstruct) => resources[id(construct)]!.Properties;

  beforeAll(() => {
    ({ stack, template, id } = tenantStack());
    resources = template.toJSON().Resources as typeof resources;
  });

  describe('its rules on the firm bus', () => {
    const matches = (pattern: unknown, source: string, detailType: string) =>
      compileEventPattern(pattern as EventPattern).matches({ version: '0', id: 'e-1', source, 'detail-type': detailType, account: '1', time: '2026-03-05T10:00:00Z', region: 'eu-central-1', resources: [], detail: {} });

    it('take TradeClosed from the evaluator only, and IdentityObserved from any propdesk.* source, to the abuse queue with its DLQ', () => {
      const { tradesRule, identitiesRule, queue, deadLetterQueue } = stack.abuseDetection;
      const target = [{ Arn: getAtt(id(queue)), DeadLetterConfig: { Arn: getAtt(id(deadLetterQueue)) }, Id: 'Target0' }];
      const bus = { Ref: id(stack.tradePipeline.eventBus) };
      expect(propertiesOf(tradesRule)).toMatchObject({ EventBusName: bus, EventPattern: { source: ['propdesk.evaluator'], 'detail-type': ['TradeClosed'] }, Targets: target });
      expect(propertiesOf(identitiesRule)).toMatchObject({ EventBusName: bus, EventPattern: { source: [{ prefix: 'propdesk.' }], 'detail-type': ['IdentityObserved'] }, Targets: target });

      const trades = propertiesOf(tradesRule).EventPattern;
      expect(matches(trades, 'propdesk.evaluator', 'TradeClosed')).toBe(true);
      // A forged trade from a bridge must never be judged (a `fail` policy would fail the account).
      expect(matches(trades, 'propdesk.bridge.mt5', 'TradeClosed')).toBe(false);
      expect(matches(trades, 'propdesk.evaluator', 'DayClosed')).toBe(false);
      const identities = propertiesOf(identitiesRule).EventPattern;
      for (const source of ['propdesk.bridge.mt5', 'propdesk.processor.stripe', 'propdesk.kyc', 'propdesk.workflows']) expect(matches(identities, source, 'IdentityObserved'), source).toBe(true);
      for (const source of ['acme.kyc', 'propdeskkyc', 'aws.partner/stripe.com/ed_1']) expect(matches(identities, source, 'IdentityObserved'), source).toBe(false);
    });

    it('route RiskAlertRaised to the risk desk queue beside violations and warnings, nothing else of propdesk.abuse', () => {
      const { alertsRule } = stack.abuseDetection;
      const pipeline = stack.tradePipeline;
      expect(propertiesOf(alertsRule)).toMatchObject({
        EventPattern: { source: ['propdesk.abuse'], 'detail-type': ['RiskAlertRaised'] },
        Targets: [{ Arn: getAtt(id(pipeline.riskAlertsQueue)), DeadLetterConfig: { Arn: getAtt(id(pipeline.riskAlertsDeadLetterQueue)) } }],
      });
      const pattern = propertiesOf(alertsRule).EventPattern;
      expect(matches(pattern, 'propdesk.abuse', 'RiskAlertRaised')).toBe(true);
      for (const type of ['AbuseFlagRaised', 'RiskScoreChanged', 'AbuseFlagResolved']) expect(matches(pattern, 'propdesk.abuse', type)).toBe(false);
      // Nothing routes the detectors' own output back to them.
      for (const rule of [stack.abuseDetection.tradesRule, stack.abuseDetection.identitiesRule]) {
        for (const type of ['AbuseFlagRaised', 'RiskScoreChanged', 'RiskAlertRaised']) expect(matches(propertiesOf(rule).EventPattern, 'propdesk.abuse', type)).toBe(false);
      }
    });
  });

  it('queues with a retained, encrypted dead-letter queue after 5 receives, and a visibility timeout of six function timeouts', () => {
    const { queue, deadLetterQueue } = stack.abuseDetection;
    expect(propertiesOf(queue)).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86_400,
      RedrivePolicy: { deadLetterTargetArn: getAtt(id(deadLetterQueue)), maxReceiveCount: 5 },
      VisibilityTimeout: DETECTORS_TIMEOUT.toSeconds() * 6,
    });
    expect(propertiesOf(stack.abuseDetection.detectors).Timeout).toBe(DETECTORS_TIMEOUT.toSeconds());
    expect(propertiesOf(deadLetterQueue)).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    for (const retained of [queue, deadLetterQueue]) expect(resources[id(retained)]!.DeletionPolicy).toBe('Retain');
    // TLS only; only this stack's two rules may send to it.
    const policies = Object.values(resources).filter((resource) => resource.Type === 'AWS::SQS::QueuePolicy' && JSON.stringify(resource.Properties.Queues) === JSON.stringify([{ Ref: id(queue) }]));
    expect(policies).toHaveLength(1);
    const statements = (policies[0]!.Properties.PolicyDocument as { Statement: Array<Statement & { Principal: unknown; Condition: unknown }> }).Statement;
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    const senders = statements.filter((statement) => statement.Effect === 'Allow');
    expect(senders.map((statement) => statement.Principal)).toEqual([{ Service: 'events.amazonaws.com' }, { Service: 'events.amazonaws.com' }]);
    expect(senders.map((statement) => statement.Condition)).toEqual(
      [stack.abuseDetection.tradesRule, stack.abuseDetection.identitiesRule].map((rule) => ({ ArnEquals: { 'aws:SourceArn': getAtt(id(rule)) } })),
    );
  });

  it('feeds the detectors batches of up to 100 records gathered for up to 1 s, reporting failed records, two batches at a time', () => {
    const mappings = Object.values(resources).filter((resource) => resource.Type === 'AWS::Lambda::EventSourceMapping' && JSON.stringify(resource.Properties.FunctionName) === JSON.stringify({ Ref: id(stack.abuseDetection.detectors) }));
    expect(mappings).toHaveLength(1);
    expect(mappings[0]!.Properties).toEqual({
      EventSourceArn: getAtt(id(stack.abuseDetection.queue)),
      FunctionName: { Ref: id(stack.abuseDetection.detectors) },
      BatchSize: DETECTORS_BATCH_SIZE,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
      Tags: [{ Key: 'tenant', Value: 'demo' }],
    });
    expect(DETECTORS_BATCH_SIZE).toBe(100);
  });

  it('runs the detectors handler with the environment its bindings set, and may do only what that environment implies', () => {
    const { detectors, queue } = stack.abuseDetection;
    const pipeline = stack.tradePipeline;
    const variables = (propertiesOf(detectors).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      TENANT_ID: 'demo',
      POWERTOOLS_SERVICE_NAME: 'detectors',
      POWERTOOLS_METRICS_NAMESPACE: 'Propdesk',
      POWERTOOLS_TRACE_ENABLED: 'true',
      TABLE_NAME: { Ref: id(pipeline.table) },
      EVENT_BUS_NAME: { Ref: id(pipeline.eventBus) },
      TRADE_STREAM_NAME: { Ref: id(pipeline.tradeStream) },
    });
    const table = getAtt(id(pipeline.table));
    const tableIndexes = { 'Fn::Join': ['', [table, '/index/*']] };
    const allowed: Record<string, (resource: unknown) => boolean> = {
      // The table (and its indexes): programs, the news calendar and the abuse memory, flags and scores.
      dynamodb: (resource) => [table, tableIndexes].some((expected) => JSON.stringify(expected) === JSON.stringify(resource)),
      // The firm key, for the table and the stream.
      kms: (resource) => JSON.stringify(resource) === JSON.stringify(getAtt(id(pipeline.dataKey))),
      events: (resource) => JSON.stringify(resource) === JSON.stringify(getAtt(id(pipeline.eventBus))),
      kinesis: (resource) => JSON.stringify(resource) === JSON.stringify(getAtt(id(pipeline.tradeStream))),
      sqs: (resource) => JSON.stringify(resource) === JSON.stringify(getAtt(id(queue))),
      logs: (resource) => JSON.stringify(resource).includes('DetectorsLogs'),
      xray: (resource) => resource === '*',
    };
    const statements = statementsOf(template, id, detectors);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      const services = new Set(actionsOf(statement).map((action) => action.split(':')[0]!));
      expect(services.size, JSON.stringify(statement)).toBe(1);
      const [service] = [...services];
      expect(Object.keys(allowed), JSON.stringify(statement)).toContain(service);
      for (const resource of Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]) expect(allowed[service!]!(resource), JSON.stringify(statement)).toBe(true);
    }
    const actions = statements.flatMap(actionsOf);
    // It writes the stream and the bus, never reads the stream or sends to a queue.
    expect(actions).toEqual(expect.arrayContaining(['events:PutEvents', 'kinesis:PutRecords', 'dynamodb:PutItem', 'dynamodb:Query', 'sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    for (const forbidden of ['kinesis:GetRecords', 'kinesis:GetShardIterator', 'sqs:SendMessage', 'dynamodb:DeleteTable', 'states:SendTaskSuccess', 'secretsmanager:GetSecretValue', 'ses:SendEmail']) expect(actions).not.toContain(forbidden);
    // Its own role, trusted by Lambda only.
    const role = resources[id(detectors.role!)]!.Properties;
    expect(role.AssumeRolePolicyDocument).toEqual({ Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }], Version: '2012-10-17' });
    expect(role.ManagedPolicyArns).toBeUndefined();
  });

  it('is watched: its DLQ, its queue age, invalid records, and the detectors function\u2019s errors and throttles', () => {
    const alarms = Object.values(resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm').map((resource) => resource.Properties);
    const named = (name: string) => {
      const alarm = alarms.find((candidate) => candidate.AlarmName === `propdesk-demo-${name}`);
      if (alarm === undefined) throw new Error(`no alarm ${name}`);
      return alarm;
    };
    const { deadLetterQueue, queue, detectors } = stack.abuseDetection;
    expect(named('abuse-detection-dlq-depth')).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: getAtt(id(deadLetterQueue), 'QueueName') }], Threshold: 1 });
    expect(named('abuse-queue-age')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(id(queue), 'QueueName') }],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 3,
    });
    // Above the visibility timeout: one retried record alone does not alarm.
    expect(named('abuse-queue-age').Threshold as number).toBeGreaterThan(DETECTORS_TIMEOUT.toSeconds() * 6);
    const invalid = named('abuse-invalid-records');
    expect(invalid).toMatchObject({ Namespace: 'Propdesk', MetricName: 'InvalidRecords', Statistic: 'Sum', Period: 300, Threshold: 1 });
    expect(invalid.Dimensions).toEqual(expect.arrayContaining([{ Name: 'service', Value: 'detectors' }, { Name: 'tenant', Value: 'demo' }]));
    expect(METRICS.detectors).toContain('InvalidRecords');
    for (const metricName of ['Errors', 'Throttles']) {
      expect(named(`abuse-detectors-${metricName.toLowerCase()}`)).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: metricName, Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(detectors) } }] });
    }
    for (const name of ['abuse-detection-dlq-depth', 'abuse-queue-age', 'abuse-invalid-records']) expect(String(named(name).AlarmDescription).length, name).toBeGreaterThan(200);
  });
});
