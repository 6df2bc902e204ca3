/**
 * The detectors handler against dynalite and kinesalite, with SQS events as Lambda delivers them (each body the
 * EventBridge event a rule put on the queue) and a recording stand-in for the EventBridge client: closed trades
 * judged, flags and scores published, a `fail` flag's override on the trade stream, invalid records counted and
 * dropped without blocking the others, failed records reported for a retry, and redeliveries doing nothing new.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsAbuseDetection, createDetectorsHandler } from '../../functions/detectors/handler.js';
import type { Powertools } from '../../functions/powertools.js';
import { AbuseEvent } from '../../shared/abuse/abuse-events.js';
import { DynamoDbFlagDesk } from '../../shared/adapters/dynamodb/flag-desk.js';
import { DynamoDbProgramStore } from '../../shared/adapters/dynamodb/program-store.js';
import { TradeEvent } from '../../shared/domain/events.js';
import type { EventBridgeEvent } from '../../local/event-router.js';
import { startPlatform, type Platform } from '../../local/platform.js';
import { abuseProgram, busEvent, hedgePair, sqsEvent, sqsRecord, TENANT, tradeClosed, tradeClosedEvent } from '../support/abuse-detection.js';
import { startDynamo, type LocalDynamo } from '../support/dynalite.js';
import { startKinesis, type LocalKinesis } from '../support/kinesalite.js';

const context = { functionName: 'detectors', awsRequestId: 'request-1' } as Context;

interface LogLine {
  readonly level: 'info' | 'warn';
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/** The handler's logger and metrics, recorded: one log line and one set of counts per batch. */
function recordingPowertools() {
  const logs: LogLine[] = [];
  const counts: Record<string, number>[] = [];
  const logger = {
    info: (message: string, fields: Record<string, unknown>) => void logs.push({ level: 'info', message, fields }),
    warn: (message: string, fields: Record<string, unknown>) => void logs.push({ level: 'warn', message, fields }),
  };
  const powertools = { logger, middlewares: [], traced: <C>(client: C) => client, count: (batch: Record<string, number>) => void counts.push({ ...batch }) } as unknown as Powertools<'detectors'>;
  return { powertools, logs, counts };
}

/** An EventBridge client that keeps every PutEvents entry, and refuses calls while `refusing` is set. */
function recordingEventBridge() {
  const entries: PutEventsRequestEntry[] = [];
  const state = { refusing: false };
  const send = async (command: unknown) => {
    if (!(command instanceof PutEventsCommand)) throw new Error('only PutEvents');
    if (state.refusing) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const list = command.input.Entries ?? [];
    entries.push(...list);
    return { $metadata: {}, FailedEntryCount: 0, Entries: list.map((_, index) => ({ EventId: `eb-${entries.length}-${index}` })) };
  };
  return { client: { send } as unknown as Parameters<typeof awsAbuseDetection>[0]['eventBridge'], entries, state };
}

describe('the detectors handler on dynalite and kinesalite', () => {
  let dynamo: LocalDynamo;
  let kinesis: LocalKinesis;
  /** The account whose next window read fails with a throttling error before it reaches dynalite. */
  let throttleWindowOf: string | null = null;

  beforeAll(async () => {
    [dynamo, kinesis] = await Promise.all([startDynamo('propdesk-detectors'), startKinesis('propdesk-detectors-trades', 1)]);
    const programs = new DynamoDbProgramStore(dynamo.client, dynamo.tableName);
    // Hedging flags on one opposite pair; `fail` on the strict program, a flag for the risk desk on the other.
    await programs.put(abuseProgram('p-strict', { hedging: { minHedges: 1, action: 'fail' }, alertAtScore: 40 }));
    await programs.put(abuseProgram('p-review', { hedging: { minHedges: 1 } }));
  });
  afterAll(async () => {
    await Promise.all([dynamo.close(), kinesis.close()]);
  });
  beforeEach(() => {
    throttleWindowOf = null;
  });

  /** A fresh handler (a new Lambda container) on the shared emulators. */
  function handlerWith() {
    const eventBridge = recordingEventBridge();
    const recorded = recordingPowertools();
    const db = {
      send: (command: { constructor: { name: string } }) => {
        const values = (command as { input?: { ExpressionAttributeValues?: Record<string, { S?: string }> } }).input?.ExpressionAttributeValues;
        if (command.constructor.name === 'QueryCommand' && throttleWindowOf !== null && values?.[':account']?.S === `ACCOUNT#${throttleWindowOf}`) {
          throttleWindowOf = null;
          return Promise.reject(Object.assign(new Error('The level of configured provisioned throughput for the table was exceeded'), { name: 'ProvisionedThroughputExceededException' }));
        }
        return dynamo.client.send(command as never);
      },
    } as unknown as Pick<DynamoDBClient, 'send'>;
    const detection = awsAbuseDetection({ tenant: TENANT, dynamo: db, tableName: dynamo.tableName, eventBridge: eventBridge.client, busName: 'propdesk-demo', kinesis: kinesis.client, streamName: kinesis.streamName });
    const handler = createDetectorsHandler(detection, TENANT, recorded.powertools);
    const invoke = (event: SQSEvent): Promise<SQSBatchResponse> => handler(event, context);
    return { invoke, eventBridge, ...recorded };
  }

  const overridesOnStream = async () =>
    (await kinesis.readAll()).map((record) => TradeEvent.parse(JSON.parse(Buffer.from(record.data, 'base64').toString('utf8')))).filter((event) => event.type === 'override');

  it('judges a hedge across two trades: flags on both accounts, scores and alerts on the bus, the failing program\u2019s account failed once', async () => {
    const { invoke, eventBridge, counts, logs } = handlerWith();
    const [buy, sell] = hedgePair({ accountId: 'h-1', traderId: 'trd-h', programId: 'p-review' }, { accountId: 'h-2', traderId: 'trd-h', programId: 'p-strict' });
    const buyRecord = sqsRecord(tradeClosedEvent(buy, 'eb-buy'), 'm-buy');
    const sellRecord = sqsRecord(tradeClosedEvent(sell, 'eb-sell'), 'm-sell');

    expect(await invoke(sqsEvent(buyRecord))).toEqual({ batchItemFailures: [] });
    expect(eventBridge.entries).toEqual([]);
    expect(await invoke(sqsEvent(sellRecord))).toEqual({ batchItemFailures: [] });

    // Every entry under the abuse source, detail-type its type, keeping to the contract.
    const published = eventBridge.entries.map((entry) => {
      expect(entry).toMatchObject({ Source: 'propdesk.abuse', EventBusName: 'propdesk-demo' });
      const detail = AbuseEvent.parse(JSON.parse(entry.Detail!));
      expect(entry.DetailType).toBe(detail.type);
      return detail;
    });
    expect(published.filter((event) => event.type === 'AbuseFlagRaised').map((event) => event.type === 'AbuseFlagRaised' && [event.flagId, event.action])).toEqual([
      ['hedging:h-2:2026-03-05', 'fail'],
      ['hedging:h-1:2026-03-05', 'flag'],
    ]);
    expect(published.filter((event) => event.type === 'RiskScoreChanged').map((event) => event.type === 'RiskScoreChanged' && [event.subject, event.subjectId, event.score])).toEqual([
      ['account', 'h-2', 40],
      ['account', 'h-1', 40],
      ['trader', 'trd-h', 40],
    ]);
    // h-2's program alerts at 40, h-1's at the default 50; the trader is judged by h-2's (the account of the later flag).
    expect(published.filter((event) => event.type === 'RiskAlertRaised').map((event) => event.type === 'RiskAlertRaised' && [event.subjectId, event.alertAtScore])).toEqual([
      ['h-2', 40],
      ['trd-h', 40],
    ]);

    // The strict program's account is failed through the trade stream, once; the other is for the risk desk.
    const overrides = await overridesOnStream();
    expect(overrides).toEqual([
      expect.objectContaining({ tenant: TENANT, accountId: 'h-2', overrideId: 'abuse:hedging:h-2:2026-03-05', actor: 'propdesk.abuse', change: { action: 'fail' }, time: Date.parse('2026-03-05T10:20:30Z') }),
    ]);
    expect(overrides[0]!.type === 'override' && overrides[0]!.reason).toMatch(/XAUUSD sell opposed by 1 buy/);
    // The flags are the risk desk's to handle.
    const desk = new DynamoDbFlagDesk(dynamo.client, dynamo.tableName);
    expect((await desk.getFlag('hedging:h-1:2026-03-05'))?.state).toBe('open');

    expect(counts).toEqual([
      { TradesJudged: 1, IdentitiesObserved: 0, FlagsRaised: 0, AlertsRaised: 0, InvalidRecords: 0, RecordsRetried: 0 },
      { TradesJudged: 1, IdentitiesObserved: 0, FlagsRaised: 2, AlertsRaised: 2, InvalidRecords: 0, RecordsRetried: 0 },
    ]);
    expect(logs.map((line) => [line.level, line.message])).toEqual([
      ['info', 'batch judged'],
      ['info', 'batch judged'],
    ]);
    expect(logs[1]!.fields).toMatchObject({ records: 1, accountsFailed: 1, invalid: [], retried: [] });

    // Redelivered (SQS delivers at least once), alone or together, to a new container: nothing new anywhere.
    const again = handlerWith();
    expect(await again.invoke(sqsEvent(sellRecord, buyRecord))).toEqual({ batchItemFailures: [] });
    expect(again.eventBridge.entries).toEqual([]);
    expect(await overridesOnStream()).toHaveLength(1);
    expect(again.counts).toEqual([{ TradesJudged: 2, IdentitiesObserved: 0, FlagsRaised: 0, AlertsRaised: 0, InvalidRecords: 0, RecordsRetried: 0 }]);
  });

  it('drops invalid records with their reasons, counted and logged without their content, and judges the others', async () => {
    const { invoke, eventBridge, counts, logs } = handlerWith();
    const good = tradeClosed({ accountId: 'v-1', programId: 'p-review', positionId: 'v-1-p1', side: 'buy', openedAt: '2026-03-06T09:00:00Z', closedAt: '2026-03-06T09:05:00Z' });
    const records = [
      sqsRecord('{"detail-type":"TradeClosed", oops', 'm-not-json'),
      sqsRecord(tradeClosedEvent({ ...good, volume: 1.5 }, 'eb-fraction'), 'm-fraction'),
      sqsRecord(tradeClosedEvent({ ...good, tenant: 'other-firm' }, 'eb-other-tenant'), 'm-other-tenant'),
      sqsRecord(busEvent('propdesk.bridge.mt5', 'TradeClosed', good, 'eb-forged'), 'm-forged'),
      sqsRecord(busEvent('propdesk.evaluator', 'DayClosed', {}, 'eb-day'), 'm-day'),
      sqsRecord(busEvent('propdesk.kyc', 'IdentityObserved', { traderId: 'trd-x', observedAt: '2026-03-06T09:00:00Z', source: 'kyc', email: 'jane.doe@example' }, 'eb-email'), 'm-email'),
      sqsRecord(tradeClosedEvent(good, 'eb-good'), 'm-good'),
    ];
    expect(await invoke(sqsEvent(...records))).toEqual({ batchItemFailures: [] });
    expect(counts).toEqual([{ TradesJudged: 1, IdentitiesObserved: 0, FlagsRaised: 0, AlertsRaised: 0, InvalidRecords: 6, RecordsRetried: 0 }]);
    expect(logs).toHaveLength(1);
    expect(logs[0]!).toMatchObject({ level: 'warn', message: 'batch finished with invalid records or records to retry' });
    const invalid = logs[0]!.fields.invalid as { messageId: string; eventId: string | null; reason: string }[];
    expect(invalid.map(({ messageId, eventId }) => [messageId, eventId])).toEqual([
      ['m-not-json', null],
      ['m-fraction', 'eb-fraction'],
      ['m-other-tenant', 'eb-other-tenant'],
      ['m-forged', 'eb-forged'],
      ['m-day', 'eb-day'],
      ['m-email', 'eb-email'],
    ]);
    const reasons = invalid.map(({ reason }) => reason);
    expect(reasons[0]).toMatch(/^not valid JSON/);
    expect(reasons[1]).toMatch(/^detail\.volume: /);
    expect(reasons[2]).toBe('detail.tenant: belongs to tenant other-firm, not to demo');
    expect(reasons[3]).toMatch(/^source: /);
    expect(reasons[4]).toMatch(/^detail-type: /);
    expect(reasons[5]).toMatch(/^detail\.email: /);
    // The reasons, never the content: the address is nowhere in the log line.
    expect(JSON.stringify(logs[0])).not.toContain('jane.doe');
    expect(eventBridge.entries).toEqual([]);
  });

  it('reports a record whose processing failed for a retry, which then judges it; the others are not held back', async () => {
    const [buy, sell] = hedgePair({ accountId: 'r-1', traderId: 'trd-r', programId: 'p-review' }, { accountId: 'r-2', traderId: 'trd-r', programId: 'p-review' }, 14);
    const unknown = tradeClosed({ accountId: 'r-3', programId: 'p-gone', programVersion: 4, positionId: 'r-3-p1', side: 'buy', openedAt: '2026-03-05T14:00:00Z', closedAt: '2026-03-05T14:01:00Z' });
    // The buy's window read is throttled: the buy fails; the sell, which the batch indexed with it, finds the hedge.
    throttleWindowOf = 'r-1';
    const first = handlerWith();
    const response = await first.invoke(sqsEvent(sqsRecord(tradeClosedEvent(buy), 'm-throttled'), sqsRecord(tradeClosedEvent(unknown), 'm-unknown'), sqsRecord(tradeClosedEvent(sell), 'm-sell')));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-throttled' }, { itemIdentifier: 'm-unknown' }] });
    expect(first.counts).toEqual([{ TradesJudged: 1, IdentitiesObserved: 0, FlagsRaised: 2, AlertsRaised: 0, InvalidRecords: 0, RecordsRetried: 2 }]);
    expect(first.logs[0]).toMatchObject({ level: 'warn', fields: { records: 3, invalid: [] } });
    const retried = first.logs[0]!.fields.retried as { messageId: string; eventId: string; error: string }[];
    expect(retried.map(({ messageId, error }) => [messageId, error])).toEqual([
      ['m-throttled', expect.stringMatching(/^ProvisionedThroughputExceededException: /)],
      ['m-unknown', 'UnknownProgramError: program p-gone version 4 is not stored, so its abuse policy is unknown'],
    ]);
    // The sell, indexed with the buy before either was judged, found the hedge: both flagged now.
    expect(first.eventBridge.entries.filter((entry) => entry.DetailType === 'AbuseFlagRaised').map((entry) => (JSON.parse(entry.Detail!) as { flagId: string }).flagId)).toEqual([
      'hedging:r-2:2026-03-05',
      'hedging:r-1:2026-03-05',
    ]);
    // SQS delivers the failed one again: the buy is judged now; it finds the same hedge and delivers its flags again
    // (the same ids: consumers deduplicate), as a retry after a failed delivery must.
    const second = handlerWith();
    expect(await second.invoke(sqsEvent(sqsRecord(tradeClosedEvent(buy), 'm-throttled', 2)))).toEqual({ batchItemFailures: [] });
    expect(second.counts).toEqual([{ TradesJudged: 1, IdentitiesObserved: 0, FlagsRaised: 2, AlertsRaised: 0, InvalidRecords: 0, RecordsRetried: 0 }]);
    expect(second.eventBridge.entries.filter((entry) => entry.DetailType === 'AbuseFlagRaised').map((entry) => (JSON.parse(entry.Detail!) as { flagId: string }).flagId)).toEqual([
      'hedging:r-1:2026-03-05',
      'hedging:r-2:2026-03-05',
    ]);
  });

  it('records identity observations and publishes the linked traders\u2019 scores', async () => {
    const { invoke, eventBridge, counts } = handlerWith();
    const seen = { accountId: null, observedAt: '2026-03-04T09:00:00Z', deviceFingerprint: 'mt5-device-7d2f9a01c4' };
    const response = await invoke(
      sqsEvent(
        sqsRecord(busEvent('propdesk.bridge.mt5', 'IdentityObserved', { ...seen, traderId: 'trd-i1', source: 'bridge.mt5', ip: '203.0.113.9' })),
        sqsRecord(busEvent('propdesk.bridge.mt5', 'IdentityObserved', { ...seen, traderId: 'trd-i2', source: 'bridge.mt5' })),
      ),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(counts).toEqual([{ TradesJudged: 0, IdentitiesObserved: 2, FlagsRaised: 0, AlertsRaised: 0, InvalidRecords: 0, RecordsRetried: 0 }]);
    const published = eventBridge.entries.map((entry) => AbuseEvent.parse(JSON.parse(entry.Detail!)));
    expect(published.map((event) => event.type === 'RiskScoreChanged' && [event.subjectId, event.score, event.parts.map((part) => part.signal)])).toEqual([
      ['trd-i1', 25, ['link:device']],
      ['trd-i2', 25, ['link:device']],
    ]);
  });
});

describe('the detectors on the local platform', () => {
  let platform: Platform;
  const riskAlerts: EventBridgeEvent[] = [];
  const deadLetters: string[] = [];

  beforeAll(async () => {
    platform = await startPlatform({
      tenantId: TENANT,
      onDomainEvent: (queue, event) => {
        if (queue === platform.template.queues.riskAlerts) riskAlerts.push(event);
      },
      onAbuseDeadLetter: (message, reason) => void deadLetters.push(`${message.body}: ${reason}`),
    });
    await platform.programs.put(abuseProgram('p-local', { hedging: { minHedges: 1 }, alertAtScore: 40 }));
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('routes the evaluator\u2019s closed trades through the stack\u2019s rules and queue to the same handler, and its alerts to the risk desk', async () => {
    const [buy, sell] = hedgePair({ accountId: 'l-1', traderId: 'trd-l', programId: 'p-local' }, { accountId: 'l-2', traderId: 'trd-l', programId: 'p-local' });
    const unknown = tradeClosed({ accountId: 'l-3', programId: 'p-missing', positionId: 'l-3-p1', side: 'buy', openedAt: '2026-03-05T10:00:00Z', closedAt: '2026-03-05T10:01:00Z' });
    // As the evaluator's publisher puts them.
    await platform.bus.putEvents([buy, sell, unknown].map((trade) => ({ Source: 'propdesk.evaluator', DetailType: 'TradeClosed', Detail: JSON.stringify(trade) })));
    await platform.abuseDrained();

    const published = platform.bus.archive.filter((event) => event.source === 'propdesk.abuse');
    // One batch: both trades indexed first, the buy judged first finds the hedge.
    expect(published.filter((event) => event['detail-type'] === 'AbuseFlagRaised').map((event) => event.detail['flagId'])).toEqual(['hedging:l-1:2026-03-05', 'hedging:l-2:2026-03-05']);
    expect(riskAlerts.map((event) => [event.source, event['detail-type'], event.detail['subjectId']])).toEqual([
      ['propdesk.abuse', 'RiskAlertRaised', 'l-1'],
      ['propdesk.abuse', 'RiskAlertRaised', 'l-2'],
      ['propdesk.abuse', 'RiskAlertRaised', 'trd-l'],
    ]);
    // The trade of a program nobody stored was retried (5 receives, as the stack's redrive policy says), then dead-lettered.
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatch(/"accountId":"l-3".*reported as failed by the function \(batchItemFailures\), 5 receives$/);
  });
});
