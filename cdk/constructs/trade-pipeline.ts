/**
 * The trade pipeline of one firm: bridges POST trading events to the ingest API, which puts them on the
 * firm's Kinesis trade stream (partition key = account id); the evaluator consumes the stream, applies the
 * rules, saves account state in the firm's table and publishes verdicts on the firm's event bus, from which
 * rules fan outcomes and risk alerts out to SQS queues. The rollover function closes firm days on schedule,
 * so days end even without traffic. Later constructs (alarms, dashboards, provisioning) build on the public
 * members below.
 */
import type { CreateTableCommandInput, KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { Duration, RemovalPolicy, TimeZone } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, type HttpStage, LogGroupLogDestination, type ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
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
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { Key } from 'aws-cdk-lib/aws-kms';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { tableDefinition } from '../../shared/adapters/dynamodb/table.js';
import { PropdeskFunction } from './propdesk-function.js';

/** On-demand scales by itself (and costs a stream-hour floor); provisioned is cheaper at a steady load. */
export type TradeStreamCapacity = { readonly mode: 'on-demand' } | { readonly mode: 'provisioned'; readonly shards: number };

/** A firm day boundary: the local time (`HH:mm`) in an IANA zone at which one firm day ends and the next starts. */
export interface FirmDayBoundary {
  readonly zone: string;
  readonly time: string;
}

export interface EvaluatorBatching {
  /** Records per invocation (1..10,000; a batch's payload, base64 inflated, must stay under 6 MB). */
  readonly batchSize: number;
  /** How long Lambda may wait to fill a batch (0..300 s): latency traded for fewer, larger invocations. */
  readonly maxBatchingWindowSeconds: number;
}

export interface TradePipelineProps {
  readonly tenantId: string;
  readonly stream: TradeStreamCapacity;
  readonly evaluator: EvaluatorBatching;
  /** Each distinct boundary gets one rollover schedule; duplicates are scheduled once. */
  readonly dayBoundaries: readonly FirmDayBoundary[];
  /**
   * The secrets bridges sign requests with (several while one is rotated), handed to the ingest function as
   * INGEST_SECRETS, a JSON array. Interim: the values land in the function's configuration and in the
   * template; a later issue moves them to Secrets Manager.
   */
  readonly ingestSecrets: readonly string[];
  /** @default DEFAULT_INGEST_THROTTLE */
  readonly ingestThrottle?: ThrottleSettings;
}

/**
 * Steady requests per second and burst for the ingest API. Bridges post batches, so a firm needs far fewer
 * requests than events; the cap keeps one firm's runaway bridge from eating the account-wide API Gateway
 * quota its neighbours share.
 */
export const DEFAULT_INGEST_THROTTLE: ThrottleSettings = { rateLimit: 1_000, burstLimit: 2_000 };

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

/** The ingest function refuses shorter secrets (functions/ingest/handler.ts). */
const MIN_INGEST_SECRET_LENGTH = 32;

const handlerEntry = (name: string) => fileURLToPath(new URL(`../../functions/${name}/handler.ts`, import.meta.url));

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

    // Only the schema is read: the table's name is CloudFormation's to choose (it reaches functions by binding).
    const schema = tableSchema(tableDefinition('unused'));
    this.table = new Table(this, 'Table', {
      partitionKey: schema.partitionKey,
      ...(schema.sortKey ? { sortKey: schema.sortKey } : {}),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.dataKey,
      // Account state, violations and the audit trail are the firm's records: never deleted with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of schema.globalSecondaryIndexes) this.table.addGlobalSecondaryIndex(index);

    // The only physical name here, derived from the tenant: bridges and operators address the bus by name.
    this.eventBus = new EventBus(this, 'EventBus', { eventBusName: `propdesk-${tenantId}` });
    // Every event the firm's bus carries, kept for a year: verdicts can be replayed into a new consumer.
    this.eventBus.archive('Archive', {
      description: `Propdesk ${tenantId}: every event on the firm's bus`,
      eventPattern: { account: [this.eventBus.stack.account] },
      retention: Duration.days(365),
    });

    // SQS-managed encryption (SSE-SQS) rather than the firm's KMS key: EventBridge and Lambda can write to it
    // without extra key-policy grants for service principals, and it costs nothing per request.
    [this.quarantineQueue, this.quarantineDeadLetterQueue] = queueWithDeadLetterQueue(this, 'Quarantine');
    [this.accountOutcomesQueue, this.accountOutcomesDeadLetterQueue] = queueWithDeadLetterQueue(this, 'AccountOutcomes');
    [this.riskAlertsQueue, this.riskAlertsDeadLetterQueue] = queueWithDeadLetterQueue(this, 'RiskAlerts');
    this.streamFailureQueue = encryptedQueue(this, 'StreamFailureQueue');
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

    this.evaluator = new PropdeskFunction(this, 'Evaluator', {
      entry: handlerEntry('evaluator'),
      description: `Propdesk ${tenantId}: applies the trade stream to account state`,
      // CPU scales with memory and the reducer is CPU-bound; a timeout fails the whole batch (then bisect
      // halves it), so the timeout leaves ample headroom over a 1,000-record batch.
      memorySize: 1024,
      timeout: Duration.minutes(1),
      environment: { TENANT_ID: tenantId },
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
      // One batch per shard at a time; raise toward 10 if iterator age grows (per-account order still holds).
      parallelizationFactor: 1,
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

    this.ingest = new PropdeskFunction(this, 'Ingest', {
      entry: handlerEntry('ingest'),
      description: `Propdesk ${tenantId}: verifies bridge requests and puts their events on the trade stream`,
      // Well under API Gateway's 30 s integration limit: a stuck put fails fast and the bridge retries.
      timeout: Duration.seconds(10),
      environment: { TENANT_ID: tenantId, INGEST_SECRETS: ingestSecretsVariable(props.ingestSecrets) },
    }).bindStreamWrite(this.tradeStream, 'TRADE_STREAM_NAME');

    // No API Gateway authorizer: each bridge signs its requests and the ingest function verifies them.
    this.ingestApi = new HttpApi(this, 'IngestApi', {
      description: `Propdesk ${tenantId}: trading-platform bridges post events here`,
      createDefaultStage: false,
    });
    this.ingestStage = this.ingestApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.ingestThrottle ?? DEFAULT_INGEST_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(new LogGroup(this, 'IngestAccessLogs', { retention: RetentionDays.ONE_MONTH })),
        // JSON with the HTTP API's own variables (CDK's default format is the REST API's).
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            sourceIp: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const ingestIntegration = new HttpLambdaIntegration('IngestIntegration', this.ingest);
    // Canonical events, and a platform's native payload that the function maps (mt5, ctrader, ...).
    this.ingestApi.addRoutes({ path: '/ingest/events', methods: [HttpMethod.POST], integration: ingestIntegration });
    this.ingestApi.addRoutes({ path: '/ingest/{platform}', methods: [HttpMethod.POST], integration: ingestIntegration });

    this.rollover = new PropdeskFunction(this, 'Rollover', {
      entry: handlerEntry('rollover'),
      description: `Propdesk ${tenantId}: puts the clock event that closes each firm day on the trade stream`,
      // It walks every account of the firm.
      timeout: Duration.minutes(5),
      environment: { TENANT_ID: tenantId },
      // The scheduler invokes asynchronously; after Lambda's own retries a failed rollover is parked here.
      deadLetterQueue: this.rolloverDeadLetterQueue,
      retryAttempts: 2,
    })
      .bindTable(this.table, 'read', 'TABLE_NAME')
      .bindStreamWrite(this.tradeStream, 'TRADE_STREAM_NAME');

    this.rolloverSchedules = distinctBoundaries(props.dayBoundaries).map((boundary) => {
      const { hour, minute } = parseLocalTime(boundary.time);
      // The id (hence the logical id) is derived from the boundary itself, so adding or removing one
      // boundary never replaces the others' schedules.
      const scheduleId = `Rollover${boundary.zone.replace(/[^A-Za-z0-9]/g, '')}${boundary.time.replace(':', '')}`;
      return new Schedule(this, scheduleId, {
        description: `Propdesk ${tenantId}: firm day boundary ${boundary.time} ${boundary.zone}`,
        // Local time with the zone, so the boundary follows daylight saving as the firm's day does.
        schedule: ScheduleExpression.cron({ minute, hour, timeZone: TimeZone.of(boundary.zone) }),
        target: new LambdaInvoke(this.rollover, {
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
  if (capacity.mode === 'on-demand') return { streamMode: StreamMode.ON_DEMAND };
  if (!Number.isInteger(capacity.shards) || capacity.shards < 1) {
    throw new Error(`a provisioned trade stream needs a whole number of shards >= 1, got ${capacity.shards}`);
  }
  return { streamMode: StreamMode.PROVISIONED, shardCount: capacity.shards };
}

/** Checked here as the ingest function checks it at cold start, so a bad value fails the synth, not the API. */
function ingestSecretsVariable(secrets: readonly string[]): string {
  if (secrets.length === 0 || secrets.some((secret) => secret.length < MIN_INGEST_SECRET_LENGTH)) {
    throw new Error(`ingest secrets: at least one, each at least ${MIN_INGEST_SECRET_LENGTH} characters`);
  }
  return JSON.stringify(secrets);
}

function encryptedQueue(scope: Construct, id: string, deadLetterQueue?: Queue): Queue {
  return new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: QUEUE_RETENTION,
    // A message that fails five receives is parked instead of being retried forever.
    ...(deadLetterQueue ? { deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 } } : {}),
  });
}

/** `<name>Queue` and its own `<name>DeadLetterQueue`. */
function queueWithDeadLetterQueue(scope: Construct, name: string): [Queue, Queue] {
  const deadLetterQueue = encryptedQueue(scope, `${name}DeadLetterQueue`);
  return [encryptedQueue(scope, `${name}Queue`, deadLetterQueue), deadLetterQueue];
}

function distinctBoundaries(boundaries: readonly FirmDayBoundary[]): FirmDayBoundary[] {
  const byKey = new Map<string, FirmDayBoundary>();
  for (const boundary of boundaries) {
    assertTimeZone(boundary.zone);
    byKey.set(`${boundary.zone} ${boundary.time}`, boundary);
  }
  return [...byKey.values()];
}

function assertTimeZone(zone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    throw new Error(`day boundary zone "${zone}" is not an IANA time zone`);
  }
}

/** `HH:mm` (24-hour) into cron fields, without leading zeros. */
function parseLocalTime(time: string): { hour: string; minute: string } {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!match?.[1] || !match[2]) throw new Error(`day boundary time "${time}" is not HH:mm (24-hour)`);
  return { hour: String(Number(match[1])), minute: String(Number(match[2])) };
}
