/**
 * The abuse detectors: Lambda on the abuse detection queue (SQS, ReportBatchItemFailures on), which bus rules
 * fill with the evaluator's TradeClosed and with IdentityObserved from bridges, processors, the KYC provider and
 * the workflows (cdk/constructs/abuse-detection.ts). A thin shell around AbuseDetection
 * (shared/abuse/detection.ts): each message body is the EventBridge event, parsed with zod; the records whose
 * processing failed go back as batchItemFailures; one log line and one set of metrics per batch.
 *
 * An invalid record (not an event, another detail-type or source, a detail breaking its contract, another
 * tenant's trade) is never retried and never blocks the others: it is counted (InvalidRecords, alarmed) and its
 * reason logged with its message and event ids, then dropped. The quarantine (shared/ports/quarantine.ts) is
 * not used: its entries are trade-stream records, replayed onto the trade stream, which a bus event must never
 * reach. The event itself stays in the bus archive, where its id finds it.
 *
 * Environment:
 *   TENANT_ID          the firm; a TradeClosed of another tenant is invalid
 *   TABLE_NAME         the tenant's table: programs, news calendar, the abuse windows, identity graph, flags, scores
 *   EVENT_BUS_NAME     the firm's bus, where AbuseFlagRaised, RiskScoreChanged and RiskAlertRaised are published
 *   TRADE_STREAM_NAME  the trade stream, where the override of a `fail` flag is put
 *   POWERTOOLS_*       see functions/powertools.ts
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { ABUSE_EVENT_SOURCE, type AbuseEvent } from '../../shared/abuse/abuse-events.js';
import { AbuseDetection, failOverrideOf, IDENTITY_SOURCE_PREFIX, type DetectionInput, type DetectionResult } from '../../shared/abuse/detection.js';
import { AbuseEngine } from '../../shared/abuse/engine.js';
import { IdentityObservation } from '../../shared/abuse/identity.js';
import { sleep } from '../../shared/adapters/backoff.js';
import { DynamoDbTradeMemory } from '../../shared/adapters/dynamodb/abuse-trades.js';
import { DynamoDbFlagDesk } from '../../shared/adapters/dynamodb/flag-desk.js';
import { DynamoDbIdentityGraph } from '../../shared/adapters/dynamodb/identity-graph.js';
import { DynamoDbNewsCalendar } from '../../shared/adapters/dynamodb/news-calendar.js';
import { CachedProgramStore, DynamoDbProgramStore } from '../../shared/adapters/dynamodb/program-store.js';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge/event-publisher.js';
import { KinesisTradeStream } from '../../shared/adapters/kinesis/trade-stream.js';
import { parseWith } from '../../shared/parsing.js';
import { DOMAIN_EVENT_SOURCE, TradeClosed } from '../../shared/stream/domain-events.js';
import { parseEnvironment } from '../environment.js';
import { createPowertools, type Powertools } from '../powertools.js';

export type DetectorsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const powertools = createPowertools('detectors');

/** The EventBridge event in a message body, by detail-type: the rules route only these two here. */
const DetectorEvent = z.discriminatedUnion('detail-type', [
  z.object({ id: z.string().min(1), 'detail-type': z.literal('TradeClosed'), source: z.literal(DOMAIN_EVENT_SOURCE), detail: TradeClosed }),
  z.object({
    id: z.string().min(1),
    'detail-type': z.literal('IdentityObserved'),
    source: z.string().startsWith(IDENTITY_SOURCE_PREFIX, `must start with ${IDENTITY_SOURCE_PREFIX}`),
    detail: IdentityObservation,
  }),
]);

type Parsed = { readonly ok: true; readonly input: DetectionInput } | { readonly ok: false; readonly reason: string };

/** The record's input, or why it is invalid: the first problem at its path, and how many more. */
export function parseRecord(body: string, tenant: string): Parsed {
  const parsed = parseWith(DetectorEvent, body, null);
  if (!parsed.ok) {
    const [first, ...rest] = parsed.problems;
    const more = rest.length > 0 ? ` (and ${rest.length} more)` : '';
    return { ok: false, reason: `${first!.path === '' ? '' : `${first!.path}: `}${first!.message}${more}` };
  }
  const event = parsed.value;
  if (event['detail-type'] === 'IdentityObserved') return { ok: true, input: { kind: 'identity', observation: event.detail } };
  if (event.detail.tenant !== tenant) return { ok: false, reason: `detail.tenant: belongs to tenant ${event.detail.tenant}, not to ${tenant}` };
  return { ok: true, input: { kind: 'trade', event: event.detail } };
}

/** The EventBridge id of a body, when it has one: what finds the event in the bus archive. */
function eventIdOf(body: string): string | null {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

const sum = (results: readonly DetectionResult[], count: (result: DetectionResult & { ok: true }) => number): number =>
  results.reduce((total, result) => total + (result.ok ? count(result) : 0), 0);

export function createDetectorsHandler(detection: AbuseDetection, tenant: string, { logger, middlewares, count }: Powertools<'detectors'> = powertools): DetectorsHandler {
  return middy<SQSEvent, SQSBatchResponse>()
    .use(middlewares)
    .handler(async (event) => {
      const valid: { record: SQSRecord; input: DetectionInput }[] = [];
      // Message and event ids and the reason only: a body may hold personal data (an email, an IP address).
      const invalid: { messageId: string; eventId: string | null; reason: string }[] = [];
      for (const record of event.Records) {
        const parsed = parseRecord(record.body, tenant);
        if (parsed.ok) valid.push({ record, input: parsed.input });
        else invalid.push({ messageId: record.messageId, eventId: eventIdOf(record.body), reason: parsed.reason });
      }
      const results = await detection.process(valid.map(({ input }) => input));
      const retried = results.flatMap((result, index) => {
        if (result.ok) return [];
        const { record } = valid[index]!;
        return [{ messageId: record.messageId, eventId: eventIdOf(record.body), kind: result.kind, error: `${result.error.name}: ${result.error.message}` }];
      });
      const counts = {
        TradesJudged: results.filter((result) => result.ok && result.kind === 'trade').length,
        IdentitiesObserved: results.filter((result) => result.ok && result.kind === 'identity').length,
        FlagsRaised: sum(results, (result) => result.flags),
        AlertsRaised: sum(results, (result) => result.alerts),
        InvalidRecords: invalid.length,
        RecordsRetried: retried.length,
      };
      count(counts);
      const line = { records: event.Records.length, ...counts, accountsFailed: sum(results, (result) => result.accountsFailed), invalid, retried };
      if (invalid.length > 0 || retried.length > 0) logger.warn('batch finished with invalid records or records to retry', line);
      else logger.info('batch judged', line);
      return { batchItemFailures: retried.map(({ messageId }) => ({ itemIdentifier: messageId })) };
    });
}

const Environment = z.object({
  TENANT_ID: z.string().min(1),
  TABLE_NAME: z.string().min(3),
  EVENT_BUS_NAME: z.string().min(1),
  TRADE_STREAM_NAME: z.string().min(1),
});

export interface DetectorsClients {
  readonly tenant: string;
  readonly dynamo: Pick<DynamoDBClient, 'send'>;
  readonly tableName: string;
  readonly eventBridge: Pick<EventBridgeClient, 'send'>;
  readonly busName: string;
  readonly kinesis: Pick<KinesisClient, 'send'>;
  readonly streamName: string;
}

/** AbuseDetection on the AWS adapters: the deployed function and the local platform build it here. */
export function awsAbuseDetection({ tenant, dynamo, tableName, eventBridge, busName, kinesis, streamName }: DetectorsClients): AbuseDetection {
  const calendar = new DynamoDbNewsCalendar(dynamo, tableName);
  const tradeStream = new KinesisTradeStream(kinesis, streamName);
  const engine = new AbuseEngine({
    trades: new DynamoDbTradeMemory(dynamo, tableName),
    identities: new DynamoDbIdentityGraph(dynamo, tableName),
    ledger: new DynamoDbFlagDesk(dynamo, tableName),
  });
  return new AbuseDetection({
    engine,
    // Cached for the container's life: a stored version never changes.
    programs: new CachedProgramStore(new DynamoDbProgramStore(dynamo, tableName)),
    news: () => calendar.current(),
    events: new EventBridgePublisher<AbuseEvent>(eventBridge, busName, sleep, ABUSE_EVENT_SOURCE),
    failAccount: (flag) => tradeStream.put([failOverrideOf(tenant, flag)]),
    tenant,
  });
}

// Built on the first invocation rather than at import, so tests and the local platform can import
// createDetectorsHandler without this Lambda's environment.
let fromEnvironment: DetectorsHandler | undefined;

export const handler: DetectorsHandler = (event, context) => {
  if (fromEnvironment === undefined) {
    const { TENANT_ID, TABLE_NAME, EVENT_BUS_NAME, TRADE_STREAM_NAME } = parseEnvironment('detectors', Environment, process.env);
    const { traced } = powertools;
    const clients = { dynamo: traced(new DynamoDBClient({})), eventBridge: traced(new EventBridgeClient({})), kinesis: traced(new KinesisClient({})) };
    fromEnvironment = createDetectorsHandler(awsAbuseDetection({ tenant: TENANT_ID, tableName: TABLE_NAME, busName: EVENT_BUS_NAME, streamName: TRADE_STREAM_NAME, ...clients }), TENANT_ID);
  }
  return fromEnvironment(event, context);
};
