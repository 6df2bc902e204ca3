/**
 * A monthly AWS cost model for one firm's Propdesk stack (one CloudFormation stack per firm, us-east-1).
 *
 * `monthlyCost(assumptions, prices)` is pure: every number it uses is a named field of `assumptions`
 * (the traffic and the way the stack behaves, each documented below with where it comes from) or of
 * `prices` (each price with its source and date). `npm run cost` (bench/cost.ts) prints the result.
 *
 * Conventions:
 * - a month is 730 hours (AWS's convention), so 30.42 calendar days;
 * - GB means 2^30 bytes, as AWS bills data volumes;
 * - free tiers are ignored: they are per AWS account (or organization), and an account may hold several
 *   firms' stacks, so a firm cannot count on them; the model is an upper bound in that respect;
 * - prices are on-demand list prices in us-east-1, without taxes, Savings Plans or negotiated discounts.
 *
 * What drives the traffic (events/README.md): a bridge sends an equity snapshot at least every 30 s
 * while an account has open positions (a 1 Hz bridge sends one a second), a deal for each open and
 * close, and the rollover puts one clock event per account on the stream at each firm-day boundary.
 */

export const HOURS_PER_MONTH = 730;
export const GB = 2 ** 30;
const KB = 1024;

export type StreamMode = 'on-demand' | 'provisioned';
export type LogClass = 'standard' | 'infrequentAccess';
export type CognitoPlan = 'lite' | 'essentials' | 'plus';

/** Everything the model assumes about one firm's traffic and stack. Every field is documented in ASSUMPTION_NOTES. */
export interface Assumptions {
  /** Traders (one trading account each) whose accounts are evaluated. */
  readonly traders: number;

  // Traffic
  readonly tradingDaysPerMonth: number;
  readonly calendarDaysPerMonth: number;
  readonly marketHoursPerTradingDay: number;
  readonly openPositionShare: number;
  readonly snapshotsPerOpenMinute: number;
  readonly tradesPerTraderPerDay: number;
  readonly dealsPerTrade: number;
  readonly dayBoundaries: number;
  readonly snapshotBytes: number;
  readonly dealBytes: number;
  readonly clockBytes: number;
  readonly peakToAverage: number;

  // DynamoDB
  readonly writesPerEvent: number;
  readonly accountSaveShareOfWrites: number;
  readonly accountItemBytes: number;
  readonly recordItemBytes: number;
  readonly historyChunkBytes: number;
  readonly historyRetentionMonths: number;
  readonly accountLoadsPerOpenMinute: number;
  readonly recordHistoryMonths: number;
  readonly itemOverheadBytes: number;
  readonly listingIndexEntryBytes: number;

  // Kinesis
  readonly streamMode: StreamMode;
  readonly onDemandMinShards: number;
  readonly onDemandHeadroom: number;
  readonly onDemandRetrievalRoundsUp: boolean;

  // Evaluator Lambda
  readonly evaluatorBatchSize: number;
  readonly batchingWindowSeconds: number;
  readonly pollIntervalSeconds: number;
  readonly evaluatorMemoryMb: number;
  readonly evaluatorCpuMsPerRecord: number;
  readonly evaluatorFixedMsPerInvocation: number;
  readonly newsReadsPerContainerMinute: number;

  // Ingest (API Gateway HTTP API + Lambda)
  readonly eventsPerPost: number;
  readonly ingestMemoryMb: number;
  readonly ingestFixedMsPerRequest: number;
  readonly ingestMsPerEvent: number;
  readonly ingestThrottlePerSecond: number;

  // Rollover
  readonly rolloverMemoryMb: number;
  readonly rolloverFixedMs: number;
  readonly rolloverMsPerAccount: number;

  // Domain events, EventBridge, SQS
  readonly otherDomainEventsPerTraderDay: number;
  readonly domainEventBytes: number;
  readonly sqsRequestsPerMessage: number;
  readonly sqsPolledQueues: number;
  readonly sqsEmptyReceivesPerQueueMinute: number;

  // CloudWatch Logs
  readonly logClass: LogClass;
  readonly appLogBytesPerInvocation: number;
  readonly metricsLogBytesPerInvocation: number;
  readonly platformLogBytesPerInvocation: number;
  readonly accessLogBytesPerRequest: number;
  readonly logEventOverheadBytes: number;
  readonly logStoredShareOfIngested: number;
  readonly logRetentionMonths: number;

  // X-Ray
  readonly tracing: boolean;
  readonly xrayReservoirPerSecond: number;
  readonly xrayFixedRate: number;

  // Fixed and small
  readonly kmsKeys: number;
  readonly kmsCallsPerCredentialHour: number;
  readonly secrets: number;
  readonly secretCacheMinutes: number;
  readonly alarmMetrics: number;
  readonly dashboards: number;
  readonly customMetrics: number;
  readonly cognito: boolean;
  readonly cognitoPlan: CognitoPlan;
  readonly cognitoMonthlyActiveShare: number;
}

/**
 * The defaults: a forex prop firm whose traders trade intraday, on the stack as `cdk/` builds it.
 * Measured numbers say where they were measured; the rest are assumptions to replace with a firm's own.
 */
export const DEFAULT_ASSUMPTIONS: Assumptions = {
  traders: 1_000,

  tradingDaysPerMonth: 22,
  calendarDaysPerMonth: HOURS_PER_MONTH / 24,
  marketHoursPerTradingDay: 24,
  openPositionShare: 0.1,
  snapshotsPerOpenMinute: 60,
  tradesPerTraderPerDay: 2,
  dealsPerTrade: 2,
  dayBoundaries: 1,
  snapshotBytes: 250,
  dealBytes: 351,
  clockBytes: 106,
  peakToAverage: 3,

  writesPerEvent: 0.048,
  accountSaveShareOfWrites: 0.952,
  accountItemBytes: 1_390,
  recordItemBytes: 570,
  historyChunkBytes: 622,
  historyRetentionMonths: 4,
  accountLoadsPerOpenMinute: 1,
  recordHistoryMonths: 12,
  itemOverheadBytes: 100,
  listingIndexEntryBytes: 100,

  streamMode: 'on-demand',
  onDemandMinShards: 4,
  onDemandHeadroom: 2,
  onDemandRetrievalRoundsUp: true,

  evaluatorBatchSize: 1_000,
  batchingWindowSeconds: 0,
  pollIntervalSeconds: 1,
  evaluatorMemoryMb: 1_024,
  evaluatorCpuMsPerRecord: 0.0454,
  evaluatorFixedMsPerInvocation: 20,
  newsReadsPerContainerMinute: 1,

  eventsPerPost: 10,
  ingestMemoryMb: 512,
  ingestFixedMsPerRequest: 20,
  ingestMsPerEvent: 0.05,
  ingestThrottlePerSecond: 1_000,

  rolloverMemoryMb: 512,
  rolloverFixedMs: 500,
  rolloverMsPerAccount: 0.1,

  otherDomainEventsPerTraderDay: 1,
  domainEventBytes: 800,
  sqsRequestsPerMessage: 3,
  sqsPolledQueues: 2,
  sqsEmptyReceivesPerQueueMinute: 3,

  logClass: 'standard',
  appLogBytesPerInvocation: 350,
  metricsLogBytesPerInvocation: 450,
  platformLogBytesPerInvocation: 360,
  accessLogBytesPerRequest: 250,
  logEventOverheadBytes: 26,
  logStoredShareOfIngested: 0.15,
  logRetentionMonths: 1,

  tracing: true,
  xrayReservoirPerSecond: 1,
  xrayFixedRate: 0.05,

  kmsKeys: 2,
  kmsCallsPerCredentialHour: 12,
  secrets: 1,
  secretCacheMinutes: 5,
  alarmMetrics: 22,
  dashboards: 1,
  customMetrics: 12,
  cognito: true,
  cognitoPlan: 'essentials',
  cognitoMonthlyActiveShare: 1,
};

/** What each assumption means and where its default comes from (printed by `npm run cost`). */
export const ASSUMPTION_NOTES: Readonly<Record<keyof Assumptions, string>> = {
  traders: 'traders, one trading account each (a trader with several accounts counts once per account)',
  tradingDaysPerMonth: 'days the market is open per month (forex: 22)',
  calendarDaysPerMonth: 'calendar days per month (730 h / 24): the rollover runs every day, weekends included',
  marketHoursPerTradingDay: 'hours per trading day the market is open (forex: 24)',
  openPositionShare: 'share of market hours a trader has a position open (0.1 = 2.4 h a day; the bench intraday mix is about 0.02)',
  snapshotsPerOpenMinute: 'equity snapshots a bridge sends per minute while positions are open (contract minimum 2, a 1 Hz bridge 60; writesPerEvent was measured at 60)',
  tradesPerTraderPerDay: 'positions opened and closed per trader per trading day (bench workload: 1 to 3, mean 2)',
  dealsPerTrade: 'deal events per trade (one open, one close)',
  dayBoundaries: 'rollover schedules (distinct firm-day boundaries); each puts one clock event per account on the stream per day',
  snapshotBytes: 'bytes of a canonical snapshot on the stream (measured: bench workload, compact JSON, mean 250; events/samples/snapshot.json 265)',
  dealBytes: 'bytes of a canonical deal (measured: bench workload mean 351; events/samples/deal.json 371)',
  clockBytes: 'bytes of a clock event (measured: 106)',
  peakToAverage: 'peak event rate over the average rate in market hours (London/New York overlap); sizes shards',
  writesPerEvent:
    'DynamoDB writes per stream event, all kinds (measured: `tsx bench/evaluator.ts 1000 1 100 dynalite intraday` = 0.048: 0.0457 account saves + 0.0023 records; scalping at batch 1000: 0.0675)',
  accountSaveShareOfWrites: 'share of those writes that are account-state saves (measured 0.0457 / 0.048); the rest are record items',
  accountItemBytes: 'bytes of an account item as shared/adapters/dynamodb/account-store.ts saves it (measured on the intraday bench: mean 1,390, p95 1,694, max 1,739, so 2 WRU each)',
  recordItemBytes: 'bytes of a record item (TradeClosed, DayClosed, verdicts; measured mean 570, max 626: 1 WRU each)',
  historyChunkBytes:
    'gzipped bytes of the history chunk written before each account save, for the program dry-run (measured: intraday bench 622 mean, 28.4 bytes/event; scalping 734): one more PutItem per save, 1 WRU',
  historyRetentionMonths: "months the event history is kept (the tenant file's evaluator.historyRetentionDays, 120 by default; DynamoDB's TTL deletes older chunks), for storage",
  accountLoadsPerOpenMinute:
    'strongly consistent account loads per minute a position is open: the evaluator forgets what it knows of an account after 60 s (knownForMs in shared/stream/evaluator.ts); plus one load per trade and per clock event (idle accounts)',
  recordHistoryMonths: 'months of record items kept in the table (no TTL today), for storage',
  itemOverheadBytes: 'DynamoDB per-item storage overhead (100 bytes, indexes included)',
  listingIndexEntryBytes: 'bytes of one account in the keys-only byListing index, for storage and the rollover query',
  streamMode: 'trade stream capacity mode whose cost counts in the total (the other is listed as an alternative); the demo tenant uses on-demand',
  onDemandMinShards: 'shards an on-demand stream starts with (4 MB/s write)',
  onDemandHeadroom: 'on-demand scales to twice the peak of the last 30 days: shards = max(min, headroom x peak / per-shard limit)',
  onDemandRetrievalRoundsUp: 'count on-demand reads with records rounded up to 1 KB like writes (conservative; not confirmed on the pricing page)',
  evaluatorBatchSize: 'evaluator event-source batch size (demo tenant: 1,000)',
  batchingWindowSeconds: 'evaluator maximum batching window (demo tenant: 0)',
  pollIntervalSeconds: 'Lambda polls each shard once a second with a standard iterator (aws-notes 2.1): a batch holds about a second of a shard\'s records',
  evaluatorMemoryMb: 'evaluator memory (cdk/constructs/trade-pipeline.ts: 1,024 MB, arm64)',
  evaluatorCpuMsPerRecord:
    'evaluator CPU ms per record on one full core (measured: 22,011 records/s per core against dynalite, intraday, batch 100); scaled by 1,769 MB / memory, the memory at which Lambda gives one vCPU',
  evaluatorFixedMsPerInvocation: 'ms per invocation besides the records: runtime and middleware, and on average one DynamoDB round trip and a share of an EventBridge call (assumed)',
  newsReadsPerContainerMinute: 'news-calendar reads per evaluator container per minute (cached 60 s, shared/adapters/dynamodb/news-calendar.ts)',
  eventsPerPost: 'events per bridge POST to the ingest API (bridges batch; at most 500 per request). One POST per snapshot would make this 1',
  ingestMemoryMb: 'ingest function memory (PropdeskFunction default 512 MB, arm64)',
  ingestFixedMsPerRequest: 'ingest ms per request: signature, validation and one Kinesis PutRecords round trip (assumed)',
  ingestMsPerEvent: 'ingest ms per event in the request (assumed)',
  ingestThrottlePerSecond: 'ingest API steady throttle (DEFAULT_INGEST_THROTTLE: 1,000 requests/s); the CLI warns when the peak exceeds it',
  rolloverMemoryMb: 'rollover function memory (512 MB)',
  rolloverFixedMs: 'rollover ms per run besides the accounts (assumed)',
  rolloverMsPerAccount: 'rollover ms per account: listing and PutRecords in 500s (assumed)',
  otherDomainEventsPerTraderDay:
    'domain events per trader and trading day besides TradeClosed and DayClosed: warnings, violations, objective updates (measured: about 1 on the bench program with every rule family on)',
  domainEventBytes: 'bytes of a published domain event with its EventBridge envelope (record item about 570 + envelope), for the archive',
  sqsRequestsPerMessage: 'SQS requests per alert or outcome message: send (by EventBridge), receive, delete',
  sqsPolledQueues: 'queues a consumer long-polls (account outcomes, risk alerts)',
  sqsEmptyReceivesPerQueueMinute: 'empty receives per polled queue per minute (20 s long polling)',
  logClass: 'CloudWatch Logs class of the function and access log groups (standard or infrequentAccess)',
  appLogBytesPerInvocation: 'bytes of the function\'s own log line per invocation (one line per batch or request, Powertools JSON with the Lambda context)',
  metricsLogBytesPerInvocation: 'bytes of the Powertools metrics EMF line flushed per invocation (functions/powertools.ts)',
  platformLogBytesPerInvocation: 'bytes of Lambda\'s START, END and REPORT lines per invocation (text format, with the X-Ray trace id)',
  accessLogBytesPerRequest: 'bytes of one ingest API access log line (the JSON format in trade-pipeline.ts)',
  logEventOverheadBytes: 'bytes CloudWatch Logs counts per log event on top of its text (26)',
  logStoredShareOfIngested: 'stored (compressed) bytes per ingested byte, for log storage (assumed)',
  logRetentionMonths: 'months of logs kept (log groups retain one month)',
  tracing: 'X-Ray active tracing on every function (PropdeskFunction)',
  xrayReservoirPerSecond: 'X-Ray default sampling: the first request each second per function...',
  xrayFixedRate: '...and this share of the rest',
  kmsKeys: 'customer-managed KMS keys: the data key (stream, table) and the alarm topic key',
  kmsCallsPerCredentialHour:
    'KMS calls per hour per set of credentials using an encrypted stream or table: Kinesis rotates data keys about every 5 minutes per credential (Kinesis SSE docs); the same is assumed for DynamoDB',
  secrets: 'Secrets Manager secrets (the ingest signing secrets)',
  secretCacheMinutes: 'minutes the ingest function caches the secret (Powertools parameters, 5)',
  alarmMetrics: 'CloudWatch alarm metrics: 19 alarms in cdk/constructs/monitoring.ts, one of them (table throttles) a metric-math alarm over 4 metrics',
  dashboards: 'CloudWatch dashboards',
  customMetrics: 'custom metrics: 9 names in functions/powertools.ts plus a ColdStart metric per function, one dimension set (service, tenant) each',
  cognito: "count the stack's Cognito user pool, one monthly active user per trader (off when the firm brings its own OIDC issuer)",
  cognitoPlan: 'Cognito user-pool feature plan (new pools default to Essentials)',
  cognitoMonthlyActiveShare: 'share of traders who sign in (or refresh a token) in a month',
};

export type PriceKey =
  | 'kinesisOnDemandStreamHour'
  | 'kinesisOnDemandGbIn'
  | 'kinesisOnDemandGbOut'
  | 'kinesisShardHour'
  | 'kinesisPutPayloadUnits'
  | 'lambdaRequests'
  | 'lambdaArmGbSecond'
  | 'dynamoWriteRequestUnits'
  | 'dynamoReadRequestUnits'
  | 'dynamoStorageGbMonth'
  | 'dynamoPitrGbMonth'
  | 'apiGatewayHttpRequestsFirst300M'
  | 'apiGatewayHttpRequestsNext700M'
  | 'eventBridgeEvents'
  | 'eventBridgeArchiveGb'
  | 'schedulerInvocations'
  | 'sqsRequests'
  | 'logsIngestStandardGb'
  | 'logsIngestInfrequentGb'
  | 'logsStorageGbMonth'
  | 'xrayTracesRecorded'
  | 'kmsKeyMonth'
  | 'kmsRequests'
  | 'secretMonth'
  | 'secretApiCalls'
  | 'alarmMetricMonth'
  | 'dashboardMonth'
  | 'customMetricMonth'
  | 'cognitoLiteMau'
  | 'cognitoEssentialsMau'
  | 'cognitoPlusMau';

export interface Price {
  /** US dollars per `per` units of `unit`. */
  readonly usd: number;
  readonly per: number;
  readonly unit: string;
  readonly source: string;
  /** When the source was published or read. */
  readonly date: string;
  /** `aws-notes`: /work/shared/reference/aws-notes.md §3.2; `searched`: found for this model; `unverified`: not confirmed. */
  readonly status: 'aws-notes' | 'searched' | 'unverified';
}

export type Prices = Readonly<Record<PriceKey, Price>>;

const NOTES = 'aws-notes.md §3.2';

/** us-east-1 list prices. */
export const PRICES: Prices = {
  kinesisOnDemandStreamHour: { usd: 0.04, per: 1, unit: 'stream-hour', source: `${NOTES}: Trek10 blog`, date: '2023-09-21', status: 'aws-notes' },
  kinesisOnDemandGbIn: { usd: 0.08, per: 1, unit: 'GB written (records rounded up to 1 KB)', source: `${NOTES}: Trek10; rounding from aws.amazon.com/kinesis/data-streams/pricing`, date: '2023-09-21', status: 'aws-notes' },
  kinesisOnDemandGbOut: { usd: 0.04, per: 1, unit: 'GB read', source: `${NOTES}: Trek10 blog`, date: '2023-09-21', status: 'aws-notes' },
  kinesisShardHour: { usd: 0.015, per: 1, unit: 'shard-hour', source: `${NOTES}: Trek10 blog`, date: '2023-09-21', status: 'aws-notes' },
  kinesisPutPayloadUnits: { usd: 0.014, per: 1e6, unit: 'PUT payload units (25 KB)', source: `${NOTES}: Trek10 blog; study notes in index`, date: '2023-09-21', status: 'aws-notes' },
  lambdaRequests: { usd: 0.2, per: 1e6, unit: 'requests', source: `${NOTES}: cloudchipr.com 2024 guide`, date: '2024', status: 'aws-notes' },
  lambdaArmGbSecond: { usd: 0.0000133334, per: 1, unit: 'GB-second arm64 (first tier)', source: `${NOTES}: cloudchipr.com 2024 guide`, date: '2024', status: 'aws-notes' },
  dynamoWriteRequestUnits: { usd: 0.625, per: 1e6, unit: 'write request units', source: `${NOTES}: airbyte.com, jusdb.com (after the 2024-11-01 cut)`, date: '2025-08-19', status: 'aws-notes' },
  dynamoReadRequestUnits: { usd: 0.125, per: 1e6, unit: 'read request units', source: `${NOTES}: airbyte.com, jusdb.com (after the 2024-11-01 cut)`, date: '2025-08-19', status: 'aws-notes' },
  dynamoStorageGbMonth: { usd: 0.25, per: 1, unit: 'GB-month (first 25 GB free, ignored)', source: 'aws.amazon.com/dynamodb/pricing/ ("prices start from $0.25 per GB-month")', date: 'read 2026', status: 'searched' },
  dynamoPitrGbMonth: { usd: 0.2, per: 1, unit: 'GB-month of table size (PITR)', source: 'finops.com.py/services/dynamodb/backups ("$0.20 per GB-month", citing the AWS pricing page)', date: 'read 2026', status: 'searched' },
  apiGatewayHttpRequestsFirst300M: { usd: 1.0, per: 1e6, unit: 'HTTP API requests (first 300M/month, 512 KB increments)', source: `${NOTES}: apigatewaycost.com; AWS whitepaper`, date: '-', status: 'aws-notes' },
  apiGatewayHttpRequestsNext700M: { usd: 0.9, per: 1e6, unit: 'HTTP API requests (next 700M/month)', source: `${NOTES}: apigatewaycost.com`, date: '-', status: 'aws-notes' },
  eventBridgeEvents: { usd: 1.0, per: 1e6, unit: 'custom events (64 KB chunks)', source: `${NOTES}: cloudburn.io`, date: '2026-03', status: 'aws-notes' },
  eventBridgeArchiveGb: { usd: 0.1, per: 1, unit: 'GB archived', source: `${NOTES}: cloudburn.io`, date: '2026-03', status: 'aws-notes' },
  schedulerInvocations: { usd: 1.0, per: 1e6, unit: 'scheduler invocations', source: `${NOTES}: cloudburn.io`, date: '2026-03', status: 'aws-notes' },
  sqsRequests: { usd: 0.4, per: 1e6, unit: 'standard queue requests (64 KB chunks)', source: `${NOTES}: cloudburn.io; factualminds`, date: '2026-03', status: 'aws-notes' },
  logsIngestStandardGb: { usd: 0.5, per: 1, unit: 'GB ingested, Standard class', source: `${NOTES}: c3x.dev; Duckbill Group`, date: '2026-06', status: 'aws-notes' },
  logsIngestInfrequentGb: { usd: 0.25, per: 1, unit: 'GB ingested, Infrequent Access class', source: `${NOTES}: c3x.dev`, date: '2026-06', status: 'aws-notes' },
  logsStorageGbMonth: { usd: 0.03, per: 1, unit: 'GB-month stored', source: `${NOTES}: c3x.dev`, date: '2026-06', status: 'aws-notes' },
  xrayTracesRecorded: { usd: 5.0, per: 1e6, unit: 'traces recorded', source: 'aws.amazon.com/xray/pricing/ (de, cn, vi copies: $0.000005 per trace); awsnegotiations.com/x-ray-pricing-strategy.html', date: 'read 2026', status: 'searched' },
  kmsKeyMonth: { usd: 1.0, per: 1, unit: 'customer-managed key-month (each rotation adds $1, capped after two)', source: 'aws.amazon.com/kms/pricing/; wring.co/blog/aws-kms-pricing-guide', date: '2026-03-15', status: 'searched' },
  kmsRequests: { usd: 0.03, per: 1e4, unit: 'symmetric key requests', source: 'wring.co/blog/aws-kms-pricing-guide; cloudburn.io/blog/aws-kms-pricing', date: '2026-03-15', status: 'searched' },
  secretMonth: { usd: 0.4, per: 1, unit: 'secret-month', source: 'aws.amazon.com/secrets-manager/pricing/ pricing examples, as transcribed by the api-evangelist/amazon-secrets-manager plans file; hivebook.wiki', date: '2026-09-20', status: 'searched' },
  secretApiCalls: { usd: 0.05, per: 1e4, unit: 'Secrets Manager API calls', source: 'aws.amazon.com/secrets-manager/pricing/ pricing examples, as transcribed by the api-evangelist/amazon-secrets-manager plans file', date: '2026-09-20', status: 'searched' },
  alarmMetricMonth: { usd: 0.1, per: 1, unit: 'standard-resolution alarm metric-month', source: 'c3x.dev/resources/aws/aws_cloudwatch_metric_alarm', date: 'read 2026', status: 'searched' },
  dashboardMonth: { usd: 3.0, per: 1, unit: 'dashboard-month', source: 'factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards ("dashboards at $3 each")', date: '2026-06-13', status: 'searched' },
  customMetricMonth: { usd: 0.3, per: 1, unit: 'custom metric-month (first 10k tier)', source: 'given in the brief; no page found that states it', date: '-', status: 'unverified' },
  cognitoLiteMau: { usd: 0.0055, per: 1, unit: 'MAU, Lite plan (first tier)', source: 'aws.amazon.com/cognito/pricing/ worked examples, as transcribed by api-evangelist/amazon-cognito plans file', date: '2026-09-20', status: 'searched' },
  cognitoEssentialsMau: { usd: 0.015, per: 1, unit: 'MAU, Essentials plan (10,000 free per account, ignored)', source: 'aws.amazon.com/cognito/pricing/ worked examples, as transcribed by api-evangelist/amazon-cognito plans file', date: '2026-09-20', status: 'searched' },
  cognitoPlusMau: { usd: 0.02, per: 1, unit: 'MAU, Plus plan (no free tier)', source: 'aws.amazon.com/cognito/pricing/ worked examples, as transcribed by api-evangelist/amazon-cognito plans file', date: '2026-09-20', status: 'searched' },
};

export interface CostLine {
  readonly service: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly usd: number;
}

/** The traffic the model derived from the assumptions, for the printout and the tests. */
export interface Traffic {
  readonly tradingSeconds: number;
  readonly openMinutesPerTrader: number;
  readonly snapshots: number;
  readonly deals: number;
  readonly clocks: number;
  readonly events: number;
  readonly bridgeEvents: number;
  readonly averageEventsPerSecond: number;
  readonly peakEventsPerSecond: number;
  readonly peakBytesPerSecond: number;
  readonly onDemandShards: number;
  readonly provisionedShards: number;
  readonly shards: number;
  readonly recordsPerInvocation: number;
  readonly evaluatorInvocations: number;
  readonly ingestRequests: number;
  readonly peakIngestRequestsPerSecond: number;
  readonly rolloverRuns: number;
  readonly dynamoWrites: number;
  readonly domainEvents: number;
}

export interface CostReport {
  readonly lines: CostLine[];
  readonly totalUsd: number;
  /** The stream mode not chosen, for comparison; not in the total. */
  readonly alternatives: CostLine[];
  readonly traffic: Traffic;
}

/** Records per Kinesis shard per second, and bytes (1 MiB) per shard per second, on writes. */
const SHARD_RECORDS_PER_SECOND = 1_000;
const SHARD_BYTES_PER_SECOND = 1024 * 1024;
/** The memory at which Lambda allocates one full vCPU. */
const ONE_VCPU_MB = 1_769;
const KINESIS_PUT_PAYLOAD_UNIT = 25 * KB;
const DYNAMO_WRITE_UNIT = KB;
const DYNAMO_READ_UNIT = 4 * KB;

const cost = (price: Price, quantity: number): number => (quantity * price.usd) / price.per;
/** Billing units of `unit` bytes a record or item of `bytes` takes: rounded up, at least one. */
const units = (bytes: number, unit: number): number => Math.max(1, Math.ceil(bytes / unit));

/** X-Ray traces recorded for a function invoked `invocations` times spread over `activeSeconds`. */
function traces(a: Assumptions, invocations: number, activeSeconds: number): number {
  if (!a.tracing || invocations <= 0) return 0;
  if (activeSeconds <= 0) return invocations;
  const rate = invocations / activeSeconds;
  const reservoir = Math.min(rate, a.xrayReservoirPerSecond);
  return activeSeconds * (reservoir + a.xrayFixedRate * (rate - reservoir));
}

/** API Gateway HTTP API requests, tiered. */
function apiGatewayUsd(prices: Prices, requests: number): number {
  const first = Math.min(requests, 300e6);
  const rest = Math.max(0, requests - 300e6);
  return cost(prices.apiGatewayHttpRequestsFirst300M, first) + cost(prices.apiGatewayHttpRequestsNext700M, rest);
}

function validate(a: Assumptions): void {
  for (const [key, value] of Object.entries(a)) {
    if (typeof value === 'number' && (!Number.isFinite(value) || value < 0)) throw new Error(`assumption ${key} must be a finite number >= 0, got ${value}`);
  }
  for (const key of ['evaluatorBatchSize', 'eventsPerPost', 'pollIntervalSeconds', 'evaluatorMemoryMb', 'ingestMemoryMb', 'rolloverMemoryMb', 'onDemandMinShards'] as const) {
    if (a[key] <= 0) throw new Error(`assumption ${key} must be > 0, got ${a[key]}`);
  }
  for (const key of ['openPositionShare', 'accountSaveShareOfWrites', 'cognitoMonthlyActiveShare', 'xrayFixedRate'] as const) {
    if (a[key] > 1) throw new Error(`assumption ${key} is a share and must be <= 1, got ${a[key]}`);
  }
}

/**
 * The monthly cost of one firm's stack under `assumptions`, line by line. Pure: the same inputs give the
 * same lines. Throws on an assumption that is negative or not a number.
 */
export function monthlyCost(a: Assumptions, prices: Prices = PRICES): CostReport {
  validate(a);
  const accounts = a.traders;

  // --- Traffic -------------------------------------------------------------------------------------
  const tradingSeconds = a.tradingDaysPerMonth * a.marketHoursPerTradingDay * 3_600;
  const openMinutesPerTrader = (tradingSeconds / 60) * a.openPositionShare;
  const tradesPerTrader = a.tradesPerTraderPerDay * a.tradingDaysPerMonth;
  const snapshots = accounts * openMinutesPerTrader * a.snapshotsPerOpenMinute;
  const deals = accounts * tradesPerTrader * a.dealsPerTrade;
  const rolloverRuns = a.dayBoundaries * a.calendarDaysPerMonth;
  const clocks = accounts * rolloverRuns;
  const bridgeEvents = snapshots + deals;
  const events = bridgeEvents + clocks;
  const bridgeBytes = snapshots * a.snapshotBytes + deals * a.dealBytes;
  const averageEventsPerSecond = tradingSeconds > 0 ? bridgeEvents / tradingSeconds : 0;
  const averageEventBytes = bridgeEvents > 0 ? bridgeBytes / bridgeEvents : a.snapshotBytes;
  const peakEventsPerSecond = averageEventsPerSecond * a.peakToAverage;
  const peakBytesPerSecond = peakEventsPerSecond * averageEventBytes;

  const provisionedShards = Math.max(1, Math.ceil(peakEventsPerSecond / SHARD_RECORDS_PER_SECOND), Math.ceil(peakBytesPerSecond / SHARD_BYTES_PER_SECOND));
  const onDemandShards = Math.max(
    a.onDemandMinShards,
    Math.ceil((a.onDemandHeadroom * peakEventsPerSecond) / SHARD_RECORDS_PER_SECOND),
    Math.ceil((a.onDemandHeadroom * peakBytesPerSecond) / SHARD_BYTES_PER_SECOND),
  );
  const shards = a.streamMode === 'on-demand' ? onDemandShards : provisionedShards;

  // --- Kinesis -------------------------------------------------------------------------------------
  const roundedBytes = (count: number, bytes: number) => count * units(bytes, KB) * KB;
  const gbInRounded = (roundedBytes(snapshots, a.snapshotBytes) + roundedBytes(deals, a.dealBytes) + roundedBytes(clocks, a.clockBytes)) / GB;
  const gbOut = a.onDemandRetrievalRoundsUp ? gbInRounded : (bridgeBytes + clocks * a.clockBytes) / GB;
  const putPayloadUnits =
    snapshots * units(a.snapshotBytes, KINESIS_PUT_PAYLOAD_UNIT) + deals * units(a.dealBytes, KINESIS_PUT_PAYLOAD_UNIT) + clocks * units(a.clockBytes, KINESIS_PUT_PAYLOAD_UNIT);
  const onDemandLines: CostLine[] = [
    { service: 'Kinesis (on-demand)', item: 'stream-hours', quantity: HOURS_PER_MONTH, unit: prices.kinesisOnDemandStreamHour.unit, usd: cost(prices.kinesisOnDemandStreamHour, HOURS_PER_MONTH) },
    { service: 'Kinesis (on-demand)', item: 'data in, records rounded up to 1 KB', quantity: gbInRounded, unit: 'GB', usd: cost(prices.kinesisOnDemandGbIn, gbInRounded) },
    { service: 'Kinesis (on-demand)', item: `data out to the evaluator${a.onDemandRetrievalRoundsUp ? ', rounded like writes' : ''}`, quantity: gbOut, unit: 'GB', usd: cost(prices.kinesisOnDemandGbOut, gbOut) },
  ];
  const provisionedLines: CostLine[] = [
    {
      service: 'Kinesis (provisioned)',
      item: 'shard-hours, shards sized to the peak rate',
      quantity: provisionedShards * HOURS_PER_MONTH,
      unit: prices.kinesisShardHour.unit,
      usd: cost(prices.kinesisShardHour, provisionedShards * HOURS_PER_MONTH),
    },
    { service: 'Kinesis (provisioned)', item: 'PUT payload units (one per record)', quantity: putPayloadUnits, unit: 'units', usd: cost(prices.kinesisPutPayloadUnits, putPayloadUnits) },
  ];

  // --- Evaluator Lambda ----------------------------------------------------------------------------
  const secondsPerBatch = Math.max(a.pollIntervalSeconds, a.batchingWindowSeconds);
  const recordsPerInvocation = Math.min(a.evaluatorBatchSize, Math.max(1, (averageEventsPerSecond / shards) * secondsPerBatch));
  const tradingInvocations = bridgeEvents / recordsPerInvocation;
  // Clock events arrive in a burst at each boundary: full batches on every shard that holds an account.
  const clockShards = Math.min(shards, accounts);
  const clockInvocations = accounts > 0 ? rolloverRuns * clockShards * Math.ceil(accounts / clockShards / a.evaluatorBatchSize) : 0;
  const evaluatorInvocations = tradingInvocations + clockInvocations;
  const perRecordMs = a.evaluatorCpuMsPerRecord * Math.max(1, ONE_VCPU_MB / a.evaluatorMemoryMb);
  const evaluatorSeconds = (evaluatorInvocations * a.evaluatorFixedMsPerInvocation + events * perRecordMs) / 1_000;
  const evaluatorGbSeconds = evaluatorSeconds * (a.evaluatorMemoryMb / 1_024);

  // --- Ingest --------------------------------------------------------------------------------------
  const ingestRequests = bridgeEvents / a.eventsPerPost;
  const peakIngestRequestsPerSecond = peakEventsPerSecond / a.eventsPerPost;
  const ingestSeconds = (ingestRequests * a.ingestFixedMsPerRequest + bridgeEvents * a.ingestMsPerEvent) / 1_000;
  const ingestGbSeconds = ingestSeconds * (a.ingestMemoryMb / 1_024);
  const ingestMsPerRequest = a.ingestFixedMsPerRequest + a.eventsPerPost * a.ingestMsPerEvent;
  const ingestContainers = Math.ceil((peakIngestRequestsPerSecond * ingestMsPerRequest) / 1_000) + 1;

  // --- Rollover ------------------------------------------------------------------------------------
  const rolloverSeconds = (rolloverRuns * (a.rolloverFixedMs + accounts * a.rolloverMsPerAccount)) / 1_000;
  const rolloverGbSeconds = rolloverSeconds * (a.rolloverMemoryMb / 1_024);

  // --- DynamoDB ------------------------------------------------------------------------------------
  const dynamoWrites = events * a.writesPerEvent;
  const accountSaves = dynamoWrites * a.accountSaveShareOfWrites;
  const recordWrites = dynamoWrites - accountSaves;
  const wruPerSave = units(a.accountItemBytes, DYNAMO_WRITE_UNIT);
  const wruPerRecord = units(a.recordItemBytes, DYNAMO_WRITE_UNIT);
  const wruPerHistoryChunk = units(a.historyChunkBytes, DYNAMO_WRITE_UNIT);
  const rruPerLoad = units(a.accountItemBytes, DYNAMO_READ_UNIT);
  const accountLoads = accounts * (openMinutesPerTrader * a.accountLoadsPerOpenMinute + tradesPerTrader + rolloverRuns);
  const newsReads = shards * a.newsReadsPerContainerMinute * (tradingSeconds / 60);
  const rolloverQueryRru = rolloverRuns * 0.5 * Math.ceil((accounts * a.listingIndexEntryBytes) / DYNAMO_READ_UNIT);
  const readUnits = accountLoads * rruPerLoad + newsReads * 0.5 + rolloverQueryRru;
  const domainEvents = accounts * (tradesPerTrader + a.calendarDaysPerMonth + a.otherDomainEventsPerTraderDay * a.tradingDaysPerMonth);
  const recordsPerTraderMonth = tradesPerTrader + a.calendarDaysPerMonth + a.otherDomainEventsPerTraderDay * a.tradingDaysPerMonth;
  const historyChunksPerTraderMonth = accounts === 0 ? 0 : accountSaves / accounts;
  const storageGb =
    (accounts *
      (a.accountItemBytes +
        a.itemOverheadBytes +
        a.listingIndexEntryBytes +
        a.recordHistoryMonths * recordsPerTraderMonth * (a.recordItemBytes + a.itemOverheadBytes) +
        a.historyRetentionMonths * historyChunksPerTraderMonth * (a.historyChunkBytes + a.itemOverheadBytes))) /
    GB;

  // --- EventBridge, Scheduler, SQS -----------------------------------------------------------------
  const archiveGb = (domainEvents * a.domainEventBytes) / GB;
  const alertMessages = accounts * a.otherDomainEventsPerTraderDay * a.tradingDaysPerMonth;
  const sqsRequests = alertMessages * a.sqsRequestsPerMessage + a.sqsPolledQueues * a.sqsEmptyReceivesPerQueueMinute * HOURS_PER_MONTH * 60;

  // --- CloudWatch Logs -----------------------------------------------------------------------------
  const functionLogBytes = a.appLogBytesPerInvocation + a.metricsLogBytesPerInvocation + a.platformLogBytesPerInvocation + 5 * a.logEventOverheadBytes;
  const evaluatorLogGb = (evaluatorInvocations * functionLogBytes) / GB;
  const ingestLogGb = (ingestRequests * functionLogBytes) / GB;
  const accessLogGb = (ingestRequests * (a.accessLogBytesPerRequest + a.logEventOverheadBytes)) / GB;
  const rolloverLogGb = (rolloverRuns * functionLogBytes) / GB;
  const logGb = evaluatorLogGb + ingestLogGb + accessLogGb + rolloverLogGb;
  const ingestPrice = a.logClass === 'standard' ? prices.logsIngestStandardGb : prices.logsIngestInfrequentGb;
  const logClassLabel = a.logClass === 'standard' ? 'Standard' : 'Infrequent Access';
  const storedLogGb = logGb * a.logStoredShareOfIngested * a.logRetentionMonths;

  // --- X-Ray ---------------------------------------------------------------------------------------
  const evaluatorTraces = traces(a, evaluatorInvocations, tradingSeconds);
  const ingestTraces = traces(a, ingestRequests, tradingSeconds);
  const rolloverTraces = traces(a, rolloverRuns, 0);

  // --- KMS, Secrets Manager ------------------------------------------------------------------------
  // Credential sets using the data key: Kinesis producers (ingest containers, rollover) and consumers
  // (evaluator containers, one per shard), and the evaluator and rollover on the table.
  const kmsCredentialSets = ingestContainers + 1 + shards + (shards + 1);
  const secretCalls = a.secrets > 0 ? ingestContainers * (60 / a.secretCacheMinutes) * HOURS_PER_MONTH : 0;
  const kmsRequests = kmsCredentialSets * a.kmsCallsPerCredentialHour * HOURS_PER_MONTH + secretCalls;

  // --- Cognito -------------------------------------------------------------------------------------
  const cognitoPrice = { lite: prices.cognitoLiteMau, essentials: prices.cognitoEssentialsMau, plus: prices.cognitoPlusMau }[a.cognitoPlan];
  const mau = a.cognito ? accounts * a.cognitoMonthlyActiveShare : 0;

  const lambda = (item: string, quantity: number, unit: string, usd: number): CostLine => ({ service: 'Lambda', item, quantity, unit, usd });
  const lines: CostLine[] = [
    ...(a.streamMode === 'on-demand' ? onDemandLines : provisionedLines),
    lambda('evaluator requests', evaluatorInvocations, 'requests', cost(prices.lambdaRequests, evaluatorInvocations)),
    lambda(`evaluator duration (${a.evaluatorMemoryMb} MB arm64)`, evaluatorGbSeconds, 'GB-s', cost(prices.lambdaArmGbSecond, evaluatorGbSeconds)),
    lambda('ingest requests', ingestRequests, 'requests', cost(prices.lambdaRequests, ingestRequests)),
    lambda(`ingest duration (${a.ingestMemoryMb} MB arm64)`, ingestGbSeconds, 'GB-s', cost(prices.lambdaArmGbSecond, ingestGbSeconds)),
    lambda('rollover requests and duration', rolloverRuns, 'runs', cost(prices.lambdaRequests, rolloverRuns) + cost(prices.lambdaArmGbSecond, rolloverGbSeconds)),
    { service: 'API Gateway (HTTP API)', item: 'ingest requests', quantity: ingestRequests, unit: 'requests', usd: apiGatewayUsd(prices, ingestRequests) },
    { service: 'DynamoDB (on-demand)', item: `account saves (${wruPerSave} WRU each)`, quantity: accountSaves * wruPerSave, unit: 'WRU', usd: cost(prices.dynamoWriteRequestUnits, accountSaves * wruPerSave) },
    { service: 'DynamoDB (on-demand)', item: `record items (${wruPerRecord} WRU each)`, quantity: recordWrites * wruPerRecord, unit: 'WRU', usd: cost(prices.dynamoWriteRequestUnits, recordWrites * wruPerRecord) },
    {
      service: 'DynamoDB (on-demand)',
      item: `history chunks, one per account save (${wruPerHistoryChunk} WRU each)`,
      quantity: accountSaves * wruPerHistoryChunk,
      unit: 'WRU',
      usd: cost(prices.dynamoWriteRequestUnits, accountSaves * wruPerHistoryChunk),
    },
    { service: 'DynamoDB (on-demand)', item: 'reads: account loads, news calendar, rollover listing', quantity: readUnits, unit: 'RRU', usd: cost(prices.dynamoReadRequestUnits, readUnits) },
    { service: 'DynamoDB (on-demand)', item: `storage (${a.recordHistoryMonths} months of records, ${a.historyRetentionMonths} of event history)`, quantity: storageGb, unit: 'GB-month', usd: cost(prices.dynamoStorageGbMonth, storageGb) },
    { service: 'DynamoDB (on-demand)', item: 'point-in-time recovery', quantity: storageGb, unit: 'GB-month', usd: cost(prices.dynamoPitrGbMonth, storageGb) },
    { service: 'EventBridge', item: 'domain events published', quantity: domainEvents, unit: 'events', usd: cost(prices.eventBridgeEvents, domainEvents) },
    { service: 'EventBridge', item: 'archive', quantity: archiveGb, unit: 'GB', usd: cost(prices.eventBridgeArchiveGb, archiveGb) },
    { service: 'EventBridge Scheduler', item: 'rollover schedules', quantity: rolloverRuns, unit: 'invocations', usd: cost(prices.schedulerInvocations, rolloverRuns) },
    { service: 'SQS', item: 'alerts and outcomes, consumer polling', quantity: sqsRequests, unit: 'requests', usd: cost(prices.sqsRequests, sqsRequests) },
    { service: 'CloudWatch Logs', item: `evaluator logs (${logClassLabel})`, quantity: evaluatorLogGb, unit: 'GB', usd: cost(ingestPrice, evaluatorLogGb) },
    { service: 'CloudWatch Logs', item: `ingest function logs (${logClassLabel})`, quantity: ingestLogGb, unit: 'GB', usd: cost(ingestPrice, ingestLogGb) },
    { service: 'CloudWatch Logs', item: `ingest API access logs (${logClassLabel})`, quantity: accessLogGb, unit: 'GB', usd: cost(ingestPrice, accessLogGb) },
    { service: 'CloudWatch Logs', item: `rollover logs (${logClassLabel})`, quantity: rolloverLogGb, unit: 'GB', usd: cost(ingestPrice, rolloverLogGb) },
    { service: 'CloudWatch Logs', item: 'storage', quantity: storedLogGb, unit: 'GB-month', usd: cost(prices.logsStorageGbMonth, storedLogGb) },
    { service: 'X-Ray', item: 'evaluator traces', quantity: evaluatorTraces, unit: 'traces', usd: cost(prices.xrayTracesRecorded, evaluatorTraces) },
    { service: 'X-Ray', item: 'ingest traces', quantity: ingestTraces, unit: 'traces', usd: cost(prices.xrayTracesRecorded, ingestTraces) },
    { service: 'X-Ray', item: 'rollover traces', quantity: rolloverTraces, unit: 'traces', usd: cost(prices.xrayTracesRecorded, rolloverTraces) },
    { service: 'KMS', item: 'customer-managed keys', quantity: a.kmsKeys, unit: 'key-months', usd: cost(prices.kmsKeyMonth, a.kmsKeys) },
    { service: 'KMS', item: 'requests (data keys, secret decrypts)', quantity: kmsRequests, unit: 'requests', usd: cost(prices.kmsRequests, kmsRequests) },
    { service: 'Secrets Manager', item: 'ingest signing secret', quantity: a.secrets, unit: 'secret-months', usd: cost(prices.secretMonth, a.secrets) },
    { service: 'Secrets Manager', item: 'API calls (cached per container)', quantity: secretCalls, unit: 'calls', usd: cost(prices.secretApiCalls, secretCalls) },
    { service: 'CloudWatch', item: 'alarms', quantity: a.alarmMetrics, unit: 'alarm metrics', usd: cost(prices.alarmMetricMonth, a.alarmMetrics) },
    { service: 'CloudWatch', item: 'dashboard', quantity: a.dashboards, unit: 'dashboards', usd: cost(prices.dashboardMonth, a.dashboards) },
    { service: 'CloudWatch', item: 'custom metrics (EMF)', quantity: a.customMetrics, unit: 'metrics', usd: cost(prices.customMetricMonth, a.customMetrics) },
    { service: 'Cognito', item: `user pool, ${a.cognitoPlan} plan`, quantity: mau, unit: 'MAU', usd: cost(cognitoPrice, mau) },
  ];
  const totalUsd = lines.reduce((sum, line) => sum + line.usd, 0);

  return {
    lines,
    totalUsd,
    alternatives: a.streamMode === 'on-demand' ? provisionedLines : onDemandLines,
    traffic: {
      tradingSeconds,
      openMinutesPerTrader,
      snapshots,
      deals,
      clocks,
      events,
      bridgeEvents,
      averageEventsPerSecond,
      peakEventsPerSecond,
      peakBytesPerSecond,
      onDemandShards,
      provisionedShards,
      shards,
      recordsPerInvocation,
      evaluatorInvocations,
      ingestRequests,
      peakIngestRequestsPerSecond,
      rolloverRuns,
      dynamoWrites,
      domainEvents,
    },
  };
}
