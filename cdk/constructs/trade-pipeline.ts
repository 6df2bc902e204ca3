/**
 * The trade pipeline of one firm: bridges POST trading events to the ingest API, which puts them on the
 * firm's Kinesis trade stream (partition key = account id); the evaluator consumes the stream, applies the
 * rules, saves account state in the firm's table and publishes verdicts on the firm's event bus, from which
 * rules fan outcomes and risk alerts out to SQS queues. The rollover function closes firm days on schedule,
 * so days end even without traffic. Later constructs (alarms, dashboards, provisioning) build on the public
 * members below.
 */
import type { CreateTableCommandInput, KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { type CfnResource, Duration, RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import { type HttpApi, HttpMethod, type HttpStage, type ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  type Attribute,
  AttributeType,
  BillingMode,
  type GlobalSecondaryIndexProps,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { Key } from 'aws-cdk-lib/aws-kms';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { EXPIRES_AT, tableDefinition } from '../../shared/adapters/dynamodb/table.js';
import type { EvaluatorBatching, FirmDayBoundary, TradeStreamCapacity } from '../tenant-config.js';
import { LoggedHttpApi } from './http-api.js';
import { acknowledge } from './nag.js';
import { type FunctionSettings, PropdeskFunction } from './propdesk-function.js';

/** The values come validated from the tenant file (cdk/tenant-config.ts). */
export interface TradePipelineProps {
  readonly tenantId: string;
  readonly stream: TradeStreamCapacity;
  readonly evaluator: EvaluatorBatching;
  /** Each distinct boundary gets one rollover schedule; duplicates are scheduled once. */
  readonly dayBoundaries: readonly FirmDayBoundary[];
  /**
   * Steady requests per second and burst for the ingest API. Bridges post batches, so a firm needs far fewer
   * requests than events; the cap keeps one firm's runaway bridge from eating the account-wide API Gateway
   * quota its neighbours share.
   */
  readonly ingestThrottle: ThrottleSettings;
  /** Log retention and tracing for every function. */
  readonly functions: FunctionSettings;
}

/** The event source and detail types the evaluator publishes; the bus rules below route on them. */
export const EVALUATOR_EVENT_SOURCE = 'propdesk.evaluator';
export const ACCOUNT_OUTCOME_DETAIL_TYPES: readonly string[] = ['AccountFailed', 'PhasePassed'];
export const RISK_ALERT_DETAIL_TYPES: readonly string[] = ['ViolationRecorded', 'WarningRaised'];

/**
 * How long the stream keeps records. The on-failure queue receives only the shard and sequence range of a
 * batch that gave up (SQS destinations never carry the records), so a failed batch must be re-read from
 * the stream within this window; 24 h is the price-free default.
 */
const STREAM_RETENTION = Duration.hours(24);

/** SQS's maximum: a consumer (a bridge, an operator) that is down for days must not lose messages. */
const QUEUE_RETENTION = Duration.days(14);

export const handlerEntry = (name: string) => fileURLToPath(new URL(`../../functions/${name}/handler.ts`, import.meta.url));

export class TradePipeline extends Construct {
  /** Encrypts the trade stream and the table: one customer-managed key per firm, so each firm's data has
   * its own key policy and its own CloudTrail record of every use. */
  readonly dataKey: Key;
  readonly tradeStream: Stream;
  readonly table: Table;
  readonly eventBus: EventBus;
  readonly quarantineQueue: Queue;
  readonly quarantineDeadLetterQueue: Queue;
  /** Where the evaluator's stream mapping reports a batch it gave up on (metadata only, see STREAM_RETENTION). */
  readonly streamFailureQueue: Queue;
  readonly accountOutcomesQueue: Queue;
  readonly accountOutcomesDeadLetterQueue: Queue;
  readonly riskAlertsQueue: Queue;
  readonly riskAlertsDeadLetterQueue: Queue;
  readonly accountOutcomesRule: Rule;
  readonly riskAlertsRule: Rule;
  readonly evaluator: PropdeskFunction;
  readonly evaluatorEventSource: KinesisEventSource;
  readonly ingest: PropdeskFunction;
  /** The HMAC secrets bridges sign with, as a JSON object of accepted values (`{"current": …}`). */
  readonly ingestSecret: Secret;
  readonly ingestApi: HttpApi;
  readonly ingestStage: HttpStage;
  readonly rollover: PropdeskFunction;
  /** Rollover invocations that failed for good, from the scheduler or from Lambda's async retries. */
  readonly rolloverDeadLetterQueue: Queue;
  readonly rolloverSchedules: readonly Schedule[];

  constructor(scope: Construct, id: string, props: TradePipelineProps) {
    super(scope, id);
    const { tenantId } = props;

    this.dataKey = new Key(this, 'DataKey', {
      description: `Propdesk ${tenantId}: trade stream and account table`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.tradeStream = new Stream(this, 'TradeStream', {
      ...streamCapacity(props.stream),
      encryption: StreamEncryption.KMS,
      encryptionKey: this.dataKey,
      retentionPeriod: STREAM_RETENTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.tradeStream,
      'KDS3',
      "Trade records are the firm's financial data: its own key gives it a key policy and a CloudTrail record of every use; the key cost is priced in the deployment guide",
    );

    // Only the schema is read: the table's name is CloudFormation's to choose (it reaches functions by binding).
    const schema = tableSchema(tableDefinition('unused'));
    this.table = new Table(this, 'Table', {
      partitionKey: schema.partitionKey,
      ...(schema.sortKey ? { sortKey: schema.sortKey } : {}),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.dataKey,
      // Remembered API answers (Idempotency-Key) expire by themselves.
      timeToLiveAttribute: EXPIRES_AT,
      // Account state, violations and the audit trail are the firm's records: never deleted with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of schema.globalSecondaryIndexes) this.table.addGlobalSecondaryIndex(index);

    // The only physical name here, derived from the tenant: bridges and operators address the bus by name.
    this.eventBus = new EventBus(this, 'EventBus', { eventBusName: `propdesk-${tenantId}` });
    // Every event the firm's bus carries, kept for a year: verdicts can be replayed into a new consumer.
    this.eventBus
      .archive('Archive', {
        description: `Propdesk ${tenantId}: every event on the firm's bus`,
        eventPattern: { account: [this.eventBus.stack.account] },
        retention: Duration.days(365),
      })
      .applyRemovalPolicy(RemovalPolicy.RETAIN);

    // SQS-managed encryption (SSE-SQS) rather than the firm's KMS key: EventBridge and Lambda can write to it
    // without extra key-policy grants for service principals, and it costs nothing per request.
    [this.quarantineQueue, this.quarantineDeadLetterQueue] = queueWithDeadLetterQueue(this, 'Quarantine');
    [this.accountOutcomesQueue, this.accountOutcomesDeadLetterQueue] = queueWithDeadLetterQueue(this, 'AccountOutcomes');
    [this.riskAlertsQueue, this.riskAlertsDeadLetterQueue] = queueWithDeadLetterQueue(this, 'RiskAlerts');
    this.streamFailureQueue = encryptedQueue(this, 'StreamFailureQueue');
    acknowledge(this.streamFailureQueue, 'SQS3', "It is a dead-letter queue itself: the stream mapping's on-failure destination, alarmed on depth");
    this.rolloverDeadLetterQueue = encryptedQueue(this, 'RolloverDeadLetterQueue');

    // Terminal outcomes, for the trading-platform bridges (disable the login) and, later, provisioning.
    this.accountOutcomesRule = new Rule(this, 'AccountOutcomes', {
      eventBus: this.eventBus,
      description: 'Accounts that failed or passed a phase',
      eventPattern: { source: [EVALUATOR_EVENT_SOURCE], detailType: [...ACCOUNT_OUTCOME_DETAIL_TYPES] },
      targets: [new SqsQueue(this.accountOutcomesQueue, { deadLetterQueue: this.accountOutcomesDeadLetterQueue })],
    });
    // Matched on detail type alone: any producer on the firm's bus (the evaluator now, abuse detection
    // later) may raise a risk alert.
    this.riskAlertsRule = new Rule(this, 'RiskAlerts', {
      eventBus: this.eventBus,
      description: 'Rule violations and early warnings for the risk desk',
      eventPattern: { detailType: [...RISK_ALERT_DETAIL_TYPES] },
      targets: [new SqsQueue(this.riskAlertsQueue, { deadLetterQueue: this.riskAlertsDeadLetterQueue })],
    });

    const functionDefaults = { tenantId, settings: props.functions };
    this.evaluator = new PropdeskFunction(this, 'Evaluator', {
      ...functionDefaults,
      serviceName: 'evaluator',
      entry: handlerEntry('evaluator'),
      description: `Propdesk ${tenantId}: applies the trade stream to account state`,
      // CPU scales with memory and the reducer is CPU-bound; a timeout fails the whole batch (then bisect
      // halves it), so the timeout leaves ample headroom over a 1,000-record batch.
      memorySize: 1024,
      timeout: Duration.minutes(1),
      environment: { HISTORY_RETENTION_DAYS: String(props.evaluator.historyRetentionDays) },
    })
      .bindTable(this.table, 'readWrite', 'TABLE_NAME')
      .bindBus(this.eventBus, 'EVENT_BUS_NAME')
      .bindQueueSend(this.quarantineQueue, 'QUARANTINE_QUEUE_URL');

    // Settings and reasons: aws-notes §2.4 and the Lambda Kinesis docs.
    this.evaluatorEventSource = new KinesisEventSource(this.tradeStream, {
      // Never skip records: a new or recreated mapping starts at the oldest record the stream still holds.
      startingPosition: StartingPosition.TRIM_HORIZON,
      // Large batches coalesce more events per account into one state write, the main cost lever (§2.3).
      batchSize: props.evaluator.batchSize,
      // A short wait fills batches under light load at the cost of that much latency.
      maxBatchingWindow: Duration.seconds(props.evaluator.maxBatchingWindowSeconds),
      // Concurrent batches per shard (1 by default); raise toward 10 if iterator age grows: per-account order holds.
      parallelizationFactor: props.evaluator.parallelizationFactor,
      // The evaluator reports the records that failed; Lambda checkpoints at the lowest and retries from it.
      reportBatchItemFailures: true,
      // A crash or timeout splits the batch to isolate the bad record; bisecting does not use up retries.
      bisectBatchOnError: true,
      // Bounded retries and age, so one bad batch cannot block its shard until the records expire.
      retryAttempts: 5,
      maxRecordAge: Duration.hours(1),
      // Then the batch's shard and sequence range go to a queue to re-read from the stream and replay.
      onFailure: new SqsDlq(this.streamFailureQueue),
    });
    this.evaluator.addEventSource(this.evaluatorEventSource);

    // Generated here, never in a template or a tenant file: operators read it from Secrets Manager to
    // configure the bridges. The ingest function accepts every value of the JSON object, so a rotation adds
    // a second key, moves the bridges, then removes the first (cdk/README.md).
    this.ingestSecret = new Secret(this, 'IngestSecret', {
      description: `Propdesk ${tenantId}: HMAC secrets trading-platform bridges sign ingest requests with`,
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'current',
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.ingestSecret,
      'SMG4',
      'The bridges hold this secret, so it is rotated by hand in two steps (add a value, move the bridges, remove the old one; cdk/README.md); an automatic rotation would cut the bridges off',
    );

    this.ingest = new PropdeskFunction(this, 'Ingest', {
      ...functionDefaults,
      serviceName: 'ingest',
      entry: handlerEntry('ingest'),
      description: `Propdesk ${tenantId}: verifies bridge requests and puts their events on the trade stream`,
      // Well under API Gateway's 30 s integration limit: a stuck put fails fast and the bridge retries.
      timeout: Duration.seconds(10),
    })
      .bindStreamWrite(this.tradeStream, 'TRADE_STREAM_NAME')
      .bindSecretRead(this.ingestSecret, 'INGEST_SECRETS_ARN');

    // No API Gateway authorizer: each bridge signs its requests and the ingest function verifies them.
    const ingestApi = new LoggedHttpApi(this, 'IngestHttp', {
      description: `Propdesk ${tenantId}: trading-platform bridges post events here`,
      throttle: props.ingestThrottle,
      logRetentionDays: props.functions.logRetentionDays,
    });
    this.ingestApi = ingestApi.api;
    this.ingestStage = ingestApi.stage;
    acknowledge(
      this.ingestApi,
      'APIG4',
      'Bridges sign every request (HMAC-SHA256 over timestamp and body, 300 s tolerance, constant-time comparison); the ingest function refuses unsigned or stale requests before reading the body. The KYC provider signs its webhooks (/webhooks/kyc, HMAC over the body, constant-time comparison), verified before the body is read',
    );
    const ingestIntegration = new HttpLambdaIntegration('IngestIntegration', this.ingest);
    // Canonical events, and a platform's native payload that the function maps (mt5, ctrader, ...).
    this.ingestApi.addRoutes({ path: '/ingest/events', methods: [HttpMethod.POST], integration: ingestIntegration });
    this.ingestApi.addRoutes({ path: '/ingest/{platform}', methods: [HttpMethod.POST], integration: ingestIntegration });

    this.rollover = new PropdeskFunction(this, 'Rollover', {
      ...functionDefaults,
      serviceName: 'rollover',
      entry: handlerEntry('rollover'),
      description: `Propdesk ${tenantId}: puts the clock event that closes each firm day on the trade stream`,
      // It walks every account of the firm.
      timeout: Duration.minutes(5),
      // The scheduler invokes asynchronously; after Lambda's own retries a failed rollover is parked here.
      deadLetterQueue: this.rolloverDeadLetterQueue,
      retryAttempts: 2,
    })
      .bindTable(this.table, 'read', 'TABLE_NAME')
      .bindStreamWrite(this.tradeStream, 'TRADE_STREAM_NAME');

    // Its own role, trusted only by this account's scheduler, instead of the stack-wide role CDK would share
    // between every schedule target.
    const scheduleRole = new Role(this, 'RolloverScheduleRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
    });
    acknowledge(scheduleRole, `IAM5[Resource::<${Stack.of(this).getLogicalId(this.rollover.node.defaultChild as CfnResource)}.Arn>:*]`, "The scheduler's Lambda target grant covers the rollover function's versions and aliases, nothing else");
    this.rolloverSchedules = distinctBoundaries(props.dayBoundaries).map((boundary) => {
      const { hour, minute } = cronTime(boundary.time);
      // The id (hence the logical id) is derived from the boundary itself, so adding or removing one
      // boundary never replaces the others' schedules.
      const scheduleId = `Rollover${boundary.zone.replace(/[^A-Za-z0-9]/g, '')}${boundary.time.replace(':', '')}`;
      return new Schedule(this, scheduleId, {
        description: `Propdesk ${tenantId}: firm day boundary ${boundary.time} ${boundary.zone}`,
        // Local time with the zone, so the boundary follows daylight saving as the firm's day does.
        schedule: ScheduleExpression.cron({ minute, hour, timeZone: TimeZone.of(boundary.zone) }),
        target: new LambdaInvoke(this.rollover, {
          role: scheduleRole,
          // The instant the boundary was due, not when the invocation ran, so a late or retried run
          // closes exactly the day it was scheduled for.
          input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
          deadLetterQueue: this.rolloverDeadLetterQueue,
        }),
      });
    });
  }
}

/** The key schema and GSIs a CreateTable definition declares, as CDK table props. */
export interface TableSchema {
  readonly partitionKey: Attribute;
  readonly sortKey?: Attribute;
  readonly globalSecondaryIndexes: readonly GlobalSecondaryIndexProps[];
}

const ATTRIBUTE_TYPES: Record<string, AttributeType> = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY };
const PROJECTION_TYPES: Record<string, ProjectionType> = {
  ALL: ProjectionType.ALL,
  KEYS_ONLY: ProjectionType.KEYS_ONLY,
  INCLUDE: ProjectionType.INCLUDE,
};

/**
 * Reads the table's keys and global secondary indexes from the one shared definition, so an index added
 * there reaches the stack without touching this file. What the stack cannot honour yet fails loudly.
 */
export function tableSchema(definition: CreateTableCommandInput): TableSchema {
  if (definition.BillingMode !== 'PAY_PER_REQUEST') {
    throw new Error(`tableDefinition: the stack builds an on-demand table, but the definition says ${String(definition.BillingMode)}`);
  }
  if (definition.LocalSecondaryIndexes?.length) {
    throw new Error('tableDefinition: local secondary indexes are not mapped into the stack yet');
  }
  const attribute = (name: string | undefined): Attribute => {
    const declared = definition.AttributeDefinitions?.find((candidate) => candidate.AttributeName === name);
    const type = declared?.AttributeType === undefined ? undefined : ATTRIBUTE_TYPES[declared.AttributeType];
    if (name === undefined || type === undefined) {
      throw new Error(`tableDefinition: key attribute ${String(name)} needs an AttributeDefinitions entry of type S, N or B`);
    }
    return { name, type };
  };
  const keys = (keySchema: readonly KeySchemaElement[] | undefined, owner: string) => {
    const hash = keySchema?.filter((element) => element.KeyType === 'HASH') ?? [];
    const range = keySchema?.filter((element) => element.KeyType === 'RANGE') ?? [];
    if (hash.length !== 1 || range.length > 1) {
      throw new Error(`tableDefinition: ${owner} needs one HASH key and at most one RANGE key`);
    }
    return { partitionKey: attribute(hash[0]?.AttributeName), ...(range[0] ? { sortKey: attribute(range[0].AttributeName) } : {}) };
  };
  const tableKeys = keys(definition.KeySchema, 'the table');
  const globalSecondaryIndexes = (definition.GlobalSecondaryIndexes ?? []).map((index): GlobalSecondaryIndexProps => {
    if (!index.IndexName) throw new Error('tableDefinition: a global secondary index has no IndexName');
    const projectionType = PROJECTION_TYPES[index.Projection?.ProjectionType ?? 'ALL'];
    if (projectionType === undefined) throw new Error(`tableDefinition: index ${index.IndexName} has an unknown projection`);
    return {
      indexName: index.IndexName,
      ...keys(index.KeySchema, `index ${index.IndexName}`),
      projectionType,
      ...(index.Projection?.NonKeyAttributes ? { nonKeyAttributes: index.Projection.NonKeyAttributes } : {}),
    };
  });
  return { ...tableKeys, globalSecondaryIndexes };
}

function streamCapacity(capacity: TradeStreamCapacity): { streamMode: StreamMode; shardCount?: number } {
  return capacity.mode === 'on-demand' ? { streamMode: StreamMode.ON_DEMAND } : { streamMode: StreamMode.PROVISIONED, shardCount: capacity.shards };
}

/** A queue as every Propdesk queue is: SSE-SQS, TLS only, 14 days, retained; optionally with a dead-letter queue. */
export function encryptedQueue(scope: Construct, id: string, deadLetterQueue?: Queue): Queue {
  return new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: QUEUE_RETENTION,
    // Messages not yet handled (dead letters above all) outlive the stack.
    removalPolicy: RemovalPolicy.RETAIN,
    // A message that fails five receives is parked instead of being retried forever.
    ...(deadLetterQueue ? { deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 } } : {}),
  });
}

/** `<name>Queue` and its own `<name>DeadLetterQueue`. */
export function queueWithDeadLetterQueue(scope: Construct, name: string): [Queue, Queue] {
  const deadLetterQueue = encryptedQueue(scope, `${name}DeadLetterQueue`);
  return [encryptedQueue(scope, `${name}Queue`, deadLetterQueue), deadLetterQueue];
}

function distinctBoundaries(boundaries: readonly FirmDayBoundary[]): FirmDayBoundary[] {
  return [...new Map(boundaries.map((boundary) => [`${boundary.zone} ${boundary.time}`, boundary])).values()];
}

/** `HH:mm` (validated by the tenant schema) into cron fields, without leading zeros. */
function cronTime(time: string): { hour: string; minute: string } {
  const [hour = '', minute = ''] = time.split(':');
  return { hour: String(Number(hour)), minute: String(Number(minute)) };
}
