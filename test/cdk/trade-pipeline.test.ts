import { App, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { addTenantStack } from '../../cdk/app.js';
import type { PropdeskFunction } from '../../cdk/constructs/propdesk-function.js';
import { tableSchema } from '../../cdk/constructs/trade-pipeline.js';
import { TenantStack } from '../../cdk/stacks/tenant-stack.js';
import { loadTenantConfig, parseTenantConfig, type TenantConfigInput } from '../../cdk/tenant-config.js';
import { tableDefinition } from '../../shared/adapters/dynamodb/table.js';

/**
 * Bundling skipped (the template is the deployable one minus the Lambda bundles; no esbuild runs) and CDK's
 * built-in CloudFormation validation off (its WASM engine takes seconds to start; `cdk synth` still runs it).
 */
const appWithoutBundling = () => new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });

const logicalId = (stack: Stack, construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnResource);
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

const demo = loadTenantConfig('demo');

describe('the demo tenant stack', () => {
  let stack: TenantStack;
  let template: Template;
  let id: (construct: IConstruct) => string;

  beforeAll(() => {
    stack = addTenantStack(appWithoutBundling(), 'demo');
    template = Template.fromStack(stack);
    id = (construct) => logicalId(stack, construct);
  });

  it('is named after the tenant and deploys to its explicit account and region', () => {
    expect(stack.stackName).toBe('Propdesk-demo');
    expect(stack.account).toBe(demo.account);
    expect(stack.region).toBe(demo.region);
  });

  it('maps the evaluator to the trade stream with exactly the specified settings', () => {
    const pipeline = stack.tradePipeline;
    // This one and the abuse detectors' SQS mapping (test/cdk/abuse-detection.test.ts).
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    template.hasResourceProperties(
      'AWS::Lambda::EventSourceMapping',
      Match.objectEquals({
        EventSourceArn: arnOf(id(pipeline.tradeStream)),
        FunctionName: { Ref: id(pipeline.evaluator) },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 1000,
        MaximumBatchingWindowInSeconds: 0,
        ParallelizationFactor: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 5,
        MaximumRecordAgeInSeconds: 3600,
        DestinationConfig: { OnFailure: { Destination: arnOf(id(pipeline.streamFailureQueue)) } },
        Tags: [{ Key: 'tenant', Value: 'demo' }],
      }),
    );
  });

  it('routes account outcomes and risk alerts from the firm bus to their queues', () => {
    const pipeline = stack.tradePipeline;
    // These two, the payment processor's forwarding rule (test/cdk/processor-events.test.ts), the purchase
    // workflow's six (test/cdk/purchase-workflow.test.ts), the KYC workflow's KycNeeded (test/cdk/kyc-workflow.test.ts)
    // the payout workflow's three (PayoutRequests, ProcessorCommands, ProcessorAnswers: test/cdk/payout-workflow.test.ts)
    // and abuse detection's three (TradesClosed, IdentitiesObserved, AbuseAlerts: test/cdk/abuse-detection.test.ts).
    template.resourceCountIs('AWS::Events::Rule', 16);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: id(pipeline.eventBus) },
      EventPattern: Match.objectEquals({ source: ['propdesk.evaluator'], 'detail-type': ['AccountFailed', 'PhasePassed'] }),
      Targets: [
        Match.objectLike({ Arn: arnOf(id(pipeline.accountOutcomesQueue)), DeadLetterConfig: { Arn: arnOf(id(pipeline.accountOutcomesDeadLetterQueue)) } }),
      ],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: id(pipeline.eventBus) },
      EventPattern: Match.objectEquals({ 'detail-type': ['ViolationRecorded', 'WarningRaised'] }),
      Targets: [Match.objectLike({ Arn: arnOf(id(pipeline.riskAlertsQueue)), DeadLetterConfig: { Arn: arnOf(id(pipeline.riskAlertsDeadLetterQueue)) } })],
    });
  });

  it('names the bus after the tenant and archives everything on it', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'propdesk-demo' });
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: arnOf(id(stack.tradePipeline.eventBus)),
      EventPattern: { account: [demo.account] },
      RetentionDays: 365,
    });
  });

  it('builds the table from tableDefinition: keys, indexes, on-demand, recovery, the firm key, retained', () => {
    const definition = tableDefinition('any');
    const indexes = (definition.GlobalSecondaryIndexes ?? []).map(({ IndexName, KeySchema, Projection }) => ({ IndexName, KeySchema, Projection }));
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: definition.KeySchema,
        AttributeDefinitions: Match.arrayEquals(definition.AttributeDefinitions ?? []),
        ...(indexes.length > 0 ? { GlobalSecondaryIndexes: Match.arrayEquals(indexes) } : {}),
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: arnOf(id(stack.tradePipeline.dataKey)) },
      }),
    });
  });

  it('encrypts the trade stream with the firm key, on demand, and retains it', () => {
    template.hasResource('AWS::Kinesis::Stream', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        StreamModeDetails: { StreamMode: 'ON_DEMAND' },
        StreamEncryption: { EncryptionType: 'KMS', KeyId: arnOf(id(stack.tradePipeline.dataKey)) },
        RetentionPeriodHours: 24,
      }),
    });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ EnableKeyRotation: true }) });
  });

  it('encrypts every queue and gives the consumer-facing ones their own dead-letter queue', () => {
    const pipeline = stack.tradePipeline;
    const queues = template.findResources('AWS::SQS::Queue');
    // The pipeline's eight, the payment processor's dead-letter queue, the purchase workflow's two (bridge
    // commands and their dead-letter queue), the payout workflow's two (processor commands and their dead-letter
    // queue), the workflows' shared delivery dead-letter queue and abuse detection's two (its queue and its
    // dead-letter queue). The KYC workflow has none of its own.
    expect(Object.keys(queues)).toHaveLength(16);
    expect(Object.keys(queues)).toContain(id(stack.workflowShared.deliveryDeadLetterQueue));
    expect(Object.keys(queues)).toEqual(expect.arrayContaining([id(stack.payoutWorkflow.processorCommandsQueue), id(stack.payoutWorkflow.processorCommandsDeadLetterQueue)]));
    for (const queue of Object.values(queues)) expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    for (const [queue, deadLetterQueue] of [
      [pipeline.quarantineQueue, pipeline.quarantineDeadLetterQueue],
      [pipeline.accountOutcomesQueue, pipeline.accountOutcomesDeadLetterQueue],
      [pipeline.riskAlertsQueue, pipeline.riskAlertsDeadLetterQueue],
      [stack.payoutWorkflow.processorCommandsQueue, stack.payoutWorkflow.processorCommandsDeadLetterQueue],
    ] as const) {
      expect(queues[id(queue)]?.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: arnOf(id(deadLetterQueue)), maxReceiveCount: 5 });
    }
  });

  it('gives every function the shared defaults and the environment its handler reads', () => {
    const pipeline = stack.tradePipeline;
    const functions = template.findResources('AWS::Lambda::Function');
    // The pipeline's three, the staff API's one, the purchase workflow's two (steps, callbacks), the KYC
    // workflow's two (steps, webhook) and the payout workflow's one (steps; its processor answers reach the
    // purchase workflow's callbacks function) and abuse detection's one (detectors).
    expect(Object.keys(functions)).toHaveLength(10);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
        Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps', TENANT_ID: 'demo', POWERTOOLS_METRICS_NAMESPACE: 'Propdesk', POWERTOOLS_TRACE_ENABLED: 'true' } },
      });
      const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(template.findResources('AWS::Logs::LogGroup')[logGroupId]?.Properties.RetentionInDays).toBe(30);
    }
    const variables = (construct: IConstruct) => functions[id(construct)]?.Properties.Environment.Variables as Record<string, unknown>;
    const powertools = (service: string) => ({
      POWERTOOLS_SERVICE_NAME: service,
      POWERTOOLS_METRICS_NAMESPACE: 'Propdesk',
      POWERTOOLS_TRACE_ENABLED: 'true',
    });
    expect(variables(pipeline.evaluator)).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      TENANT_ID: 'demo',
      ...powertools('evaluator'),
      TABLE_NAME: { Ref: id(pipeline.table) },
      EVENT_BUS_NAME: { Ref: id(pipeline.eventBus) },
      QUARANTINE_QUEUE_URL: { Ref: id(pipeline.quarantineQueue) },
      HISTORY_RETENTION_DAYS: '120',
    });
    expect(variables(pipeline.ingest)).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      TENANT_ID: 'demo',
      ...powertools('ingest'),
      TRADE_STREAM_NAME: { Ref: id(pipeline.tradeStream) },
      INGEST_SECRETS_ARN: { Ref: id(pipeline.ingestSecret) },
    });
    expect(variables(pipeline.rollover)).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      TENANT_ID: 'demo',
      ...powertools('rollover'),
      TABLE_NAME: { Ref: id(pipeline.table) },
      TRADE_STREAM_NAME: { Ref: id(pipeline.tradeStream) },
    });
  });

  it('grants each function only what its bindings name', () => {
    const pipeline = stack.tradePipeline;
    const actionsOf = (fn: PropdeskFunction): string[] => {
      if (fn.role === undefined) throw new Error(`${fn.node.path} has no role`);
      const roleId = logicalId(stack, fn.role);
      return Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
        .flatMap((policy) => (policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>).flatMap((statement) => statement.Action));
    };
    const ingest = actionsOf(pipeline.ingest);
    expect(ingest).toEqual(expect.arrayContaining(['kinesis:PutRecord', 'kinesis:PutRecords', 'secretsmanager:GetSecretValue']));
    expect(ingest.filter((action) => /^(dynamodb|events|sqs|kinesis:GetRecords)/.test(action))).toEqual([]);
    const rollover = actionsOf(pipeline.rollover);
    expect(rollover).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'kinesis:PutRecords']));
    expect(rollover.filter((action) => /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$|^events:/.test(action))).toEqual([]);
    const evaluator = actionsOf(pipeline.evaluator);
    expect(evaluator).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'events:PutEvents', 'sqs:SendMessage', 'kinesis:GetRecords']));
    expect(evaluator.filter((action) => /^kinesis:PutRecord/.test(action))).toEqual([]);
  });

  it('schedules the rollover at each firm day boundary, in its zone, passing the scheduled time', () => {
    const rollover = arnOf(id(stack.tradePipeline.rollover));
    const input = JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' });
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    for (const [expression, zone] of [
      ['cron(0 0 * * ? *)', 'Europe/Prague'],
      ['cron(0 17 * * ? *)', 'America/New_York'],
    ]) {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: expression,
        ScheduleExpressionTimezone: zone,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: Match.objectLike({ Arn: rollover, Input: input, DeadLetterConfig: { Arn: arnOf(id(stack.tradePipeline.rolloverDeadLetterQueue)) } }),
      });
    }
  });

  it('serves both ingest routes from the ingest function (and the KYC webhook beside them), throttled', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /ingest/events' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /ingest/{platform}' });
    const ingestRoutes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).filter(
      (route) => (route.Properties.ApiId as { Ref: string }).Ref === id(stack.tradePipeline.ingestApi),
    );
    // The KYC provider's webhook shares the API (test/cdk/kyc-workflow.test.ts); both ingest routes go to the ingest function.
    expect(ingestRoutes.map((route) => route.Properties.RouteKey).sort()).toEqual(['POST /ingest/events', 'POST /ingest/{platform}', 'POST /webhooks/kyc']);
    const integrations = Object.entries(template.findResources('AWS::ApiGatewayV2::Integration'));
    const functionBehind = (route: (typeof ingestRoutes)[number]) => {
      const target = route.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
      return integrations.find(([integrationId]) => integrationId === target['Fn::Join'][1][1].Ref)?.[1].Properties.IntegrationUri;
    };
    for (const route of ingestRoutes) {
      const expected = route.Properties.RouteKey === 'POST /webhooks/kyc' ? stack.kycWorkflow.webhook : stack.tradePipeline.ingest;
      expect(functionBehind(route), route.Properties.RouteKey).toEqual(arnOf(id(expected)));
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      AccessLogSettings: Match.objectLike({ Format: Match.stringLikeRegexp('\\$context.requestId') }),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationUri: arnOf(id(stack.tradePipeline.ingest)),
      PayloadFormatVersion: '2.0',
    });
  });

  it('tags every taggable resource with the tenant', () => {
    const resources = Object.entries(template.toJSON().Resources as Record<string, { Type: string; Properties?: { Tags?: unknown } }>);
    const tagged = resources.filter(([, resource]) => resource.Properties?.Tags !== undefined);
    // The table, stream, key, bus, queues, functions, roles, log groups and the API at least.
    expect(tagged.length).toBeGreaterThan(20);
    for (const [resourceId, resource] of tagged) {
      const tags = resource.Properties?.Tags;
      const tenant = Array.isArray(tags) ? (tags as Array<{ Key: string; Value: string }>).find((tag) => tag.Key === 'tenant')?.Value : (tags as Record<string, string>)['tenant'];
      expect(tenant, resourceId).toBe('demo');
    }
  });
});

describe('tenant settings flow into the stack', () => {
  const acme: TenantConfigInput = {
    tenantId: 'acme-fx',
    account: '222222222222',
    region: 'eu-west-2',
    dayBoundaries: [
      { zone: 'Europe/London', time: '22:05' },
      { zone: 'Europe/London', time: '22:05' },
    ],
    stream: { mode: 'provisioned', shards: 3 },
    evaluator: { batchSize: 250, maxBatchingWindowSeconds: 2, parallelizationFactor: 4 },
    ingest: { rateLimit: 50, burstLimit: 100 },
    logRetentionDays: 90,
    features: { tracing: false },
    workflows: { credentialsSender: 'accounts@acme-fx.example', bridgeAnswerSeconds: 120 },
  };
  const template = Template.fromStack(new TenantStack(appWithoutBundling(), 'Acme', { config: parseTenantConfig(acme, 'acme') }));

  it('provisions shards, batches as configured and schedules a repeated boundary once', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 3, StreamModeDetails: { StreamMode: 'PROVISIONED' } });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 250, MaximumBatchingWindowInSeconds: 2, ParallelizationFactor: 4 });
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(5 22 * * ? *)', ScheduleExpressionTimezone: 'Europe/London' });
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'propdesk-acme-fx' });
  });

  it('throttles ingest, keeps logs and traces as the firm chose', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 } });
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    // Every function of the stack, as in the demo tenant's test above (the payout steps and detectors functions included).
    expect(functions).toHaveLength(10);
    for (const fn of functions) {
      expect(fn.Properties.TracingConfig).toBeUndefined();
      expect(fn.Properties.Environment.Variables.POWERTOOLS_TRACE_ENABLED).toBe('false');
      const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(template.findResources('AWS::Logs::LogGroup')[logGroupId]?.Properties.RetentionInDays).toBe(90);
    }
    const xray = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>).flatMap((statement) => statement.Action),
    );
    expect(xray.filter((action) => action.startsWith('xray:'))).toEqual([]);
  });
});

describe('tableSchema', () => {
  it('maps global secondary indexes declared beside the keys', () => {
    const definition = tableDefinition('any');
    const schema = tableSchema({
      ...definition,
      AttributeDefinitions: [...(definition.AttributeDefinitions ?? []), { AttributeName: 'gsi1pk', AttributeType: 'S' }, { AttributeName: 'gsi1sk', AttributeType: 'N' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byStatus',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status'] },
        },
      ],
    });
    expect(schema).toEqual({
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'S' },
      globalSecondaryIndexes: [
        { indexName: 'byStatus', partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'N' }, projectionType: 'INCLUDE', nonKeyAttributes: ['status'] },
      ],
    });

  });

  it('refuses what the stack cannot honour', () => {
    const definition = tableDefinition('any');
    expect(() => tableSchema({ ...definition, BillingMode: 'PROVISIONED' })).toThrow(/on-demand table/);
    expect(() => tableSchema({ ...definition, LocalSecondaryIndexes: [{ IndexName: 'lsi', KeySchema: [], Projection: {} }] })).toThrow(/local secondary/);
    expect(() => tableSchema({ ...definition, AttributeDefinitions: [] })).toThrow(/key attribute pk/);
  });
});
