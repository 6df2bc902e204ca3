/**
 * How the evaluator reports what it cannot finish, on dynalite through the real adapters: only the
 * accounts at fault are retried, from their first record, and nothing is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEventBus } from '../../local/event-router.js';
import { localEventBridgeClient } from '../../local/local-aws.js';
import { DynamoDbAccountHistory } from '../../shared/adapters/dynamodb/account-history.js';
import type { AccountHistory } from '../../shared/ports/account-history.js';
import { DynamoDbAccountStore } from '../../shared/adapters/dynamodb/account-store.js';
import { CachedProgramStore, DynamoDbProgramStore } from '../../shared/adapters/dynamodb/program-store.js';
import { DynamoDbQuarantineStore } from '../../shared/adapters/dynamodb/quarantine-store.js';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge/event-publisher.js';
import { toWire, type TradeEvent } from '../../shared/domain/events.js';
import { NO_NEWS } from '../../shared/domain/news.js';
import { openAccount } from '../../shared/domain/state.js';
import { getPreset } from '../../shared/presets/index.js';
import type { QuarantineSink } from '../../shared/ports/quarantine.js';
import type { StreamRecord } from '../../shared/stream/decode-record.js';
import { DomainEvent } from '../../shared/stream/domain-events.js';
import { StreamEvaluator } from '../../shared/stream/evaluator.js';
import { startDynamo, type LocalDynamo } from '../support/dynalite.js';
import sampleTradeClosed from '../../events/samples/domain/TradeClosed.json' with { type: 'json' };
import { events } from '../support/events.js';

const program = getPreset('two-step-static')!;
const opened = Date.parse('2026-03-02T08:00:00Z');
let sequence = 0;
/** A Kinesis record of any JSON, as Lambda delivers it. */
function recordOf(payload: unknown, partitionKey: string): StreamRecord {
  const sequenceNumber = String(1_000_000 + sequence++);
  return { recordId: `shardId-000000000000:${sequenceNumber}`, sequenceNumber, partitionKey, arrivedAt: opened, data: Buffer.from(JSON.stringify(payload)).toString('base64') };
}
const recordOfEvent = (event: TradeEvent): StreamRecord => recordOf(toWire(event), event.accountId);

describe('the evaluator when something fails', () => {
  let dynamo: LocalDynamo;
  let accounts: DynamoDbAccountStore;
  let quarantineStore: DynamoDbQuarantineStore;
  const bus = new LocalEventBus({ rules: [], account: '111111111111', region: 'local' });

  const evaluator = (quarantine: QuarantineSink = quarantineStore, history: Pick<AccountHistory, 'append'> = new DynamoDbAccountHistory(dynamo.client, dynamo.tableName)) =>
    new StreamEvaluator(
      {
        accounts,
        history,
        programs: new CachedProgramStore(new DynamoDbProgramStore(dynamo.client, dynamo.tableName)),
        publisher: new EventBridgePublisher(localEventBridgeClient(bus), 'test'),
        quarantine,
        news: async () => NO_NEWS,
      },
      { tenant: 'demo' },
    );

  beforeAll(async () => {
    dynamo = await startDynamo('evaluator-failures');
    accounts = new DynamoDbAccountStore(dynamo.client, dynamo.tableName);
    quarantineStore = new DynamoDbQuarantineStore(dynamo.client, dynamo.tableName);
    await new DynamoDbProgramStore(dynamo.client, dynamo.tableName).put(program);
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('retries from its first record an account whose program is not stored, and finishes the others', async () => {
    await accounts.save(openAccount(program, { tenant: 'demo', accountId: 'ok-1', openedAt: opened }), null, []);
    const orphan = { ...openAccount(program, { tenant: 'demo', accountId: 'orphan-1', openedAt: opened }), programId: 'deleted-program' };
    await accounts.save(orphan, null, []);
    const ok = events({ accountId: 'ok-1' });
    const lost = events({ accountId: 'orphan-1' });
    const records = [
      recordOfEvent(ok.deal('2026-03-02T09:00:00Z', { positionId: 'p1', symbol: 'EURUSD', side: 'buy', volume: 10_000, entry: 'in' })),
      recordOfEvent(lost.snapshot('2026-03-02T09:00:01Z', { equity: 10_000_000 })),
      recordOfEvent(lost.snapshot('2026-03-02T09:00:02Z', { equity: 10_000_000 })),
    ];
    const report = await evaluator().evaluate(records);
    expect(report.failures).toEqual([{ accountId: 'orphan-1', sequenceNumber: records[1]!.sequenceNumber, reason: 'program deleted-program v1 is not stored' }]);
    expect((await accounts.load(['ok-1'])).get('ok-1')).toMatchObject({ revision: 2, state: { lastSeq: 1 } });
  });

  it('retries the quarantined records when the quarantine cannot keep them, and applies the good ones', async () => {
    await accounts.save(openAccount(program, { tenant: 'demo', accountId: 'ok-2', openedAt: opened }), null, []);
    const failing: QuarantineSink = { quarantine: async () => Promise.reject(new Error('queue unavailable')) };
    const ok = events({ accountId: 'ok-2' });
    const records = [recordOf({ type: 'snapshot', accountId: 'ok-2' }, 'ok-2'), recordOfEvent(ok.deal('2026-03-02T09:00:00Z', { positionId: 'p1', symbol: 'EURUSD', side: 'buy', volume: 10_000, entry: 'in' }))];
    const report = await evaluator(failing).evaluate(records);
    expect(report.failures).toEqual([{ accountId: 'ok-2', sequenceNumber: records[0]!.sequenceNumber, reason: 'quarantine failed: queue unavailable' }]);
    expect((await accounts.load(['ok-2'])).get('ok-2')).toMatchObject({ revision: 2 });
  });

  it('saves none of the batch whose history could not be written, and saves all of it, history first, on the retry', async () => {
    for (const accountId of ['hist-1', 'hist-2']) await accounts.save(openAccount(program, { tenant: 'demo', accountId, openedAt: opened }), null, []);
    const deals = ['hist-1', 'hist-2'].map((accountId) => recordOfEvent(events({ accountId }).deal('2026-03-02T09:00:00Z', { positionId: 'p1', symbol: 'EURUSD', side: 'buy', volume: 10_000, entry: 'in' })));
    const broken: Pick<AccountHistory, 'append'> = { append: async () => Promise.reject(new Error('throttled')) };
    const report = await evaluator(quarantineStore, broken).evaluate(deals);
    expect(report.failures).toEqual(deals.map((record) => ({ accountId: record.partitionKey, sequenceNumber: record.sequenceNumber, reason: 'writing its history failed: throttled' })));
    expect([...(await accounts.load(['hist-1', 'hist-2'])).values()].map((stored) => stored.revision)).toEqual([1, 1]);

    expect(await evaluator().evaluate(deals)).toMatchObject({ saved: 2, failures: [] });
    const history = new DynamoDbAccountHistory(dynamo.client, dynamo.tableName);
    expect((await history.read('hist-1', 10))?.events).toHaveLength(1);
    expect((await history.read('hist-2', 10))?.events).toHaveLength(1);
  });

  it('delivers an outbox a crash left undelivered together with the next change, which carries it', async () => {
    const state = openAccount(program, { tenant: 'demo', accountId: 'crashed-1', openedAt: opened });
    await accounts.save(state, null, []);
    // A saver that crashed between its save and its delivery left this outbox in the item.
    const left = DomainEvent.parse({ ...sampleTradeClosed, id: 'demo:crashed-1:s0:0', accountId: 'crashed-1' });
    await accounts.save(state, 1, [left]);
    const deal = events({ accountId: 'crashed-1' }).deal('2026-03-02T09:00:00Z', { positionId: 'p1', symbol: 'EURUSD', side: 'buy', volume: 10_000, entry: 'in' });
    const report = await evaluator().evaluate([recordOfEvent(deal)]);
    expect(report).toMatchObject({ saved: 1, redelivered: 1, failures: [] });
    expect(bus.archive.map((event) => (event.detail as { id: string }).id)).toContain(left.id);
    // Had the delivery failed, the retry would find the crashed outbox in the new revision too.
    expect((await accounts.load(['crashed-1'])).get('crashed-1')!.outbox.map((event) => event.id)).toContain(left.id);
  });

  it('quarantines an event for an account nobody provisioned, with its payload to replay', async () => {
    const stranger = events({ accountId: 'stranger' }).snapshot('2026-03-02T09:00:00Z', { equity: 10_000_000 });
    const record = recordOfEvent(stranger);
    const report = await evaluator().evaluate([record]);
    expect(report).toMatchObject({ quarantined: 1, accounts: 0, failures: [] });
    const { entries } = await quarantineStore.list({ limit: 10 });
    const entry = entries.find((candidate) => candidate.recordId === record.recordId)!;
    expect(entry.reason).toBe('accountId: account stranger is not provisioned');
    expect(JSON.parse(entry.payload)).toEqual(toWire(stranger));
  });
});
