/**
 * The day rollover against dynalite and kinesalite: a clock event at the scheduled time for every active
 * account, and for every terminal account whose last outbox may be undelivered; none for the others.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRolloverHandler } from '../../functions/rollover/handler.js';
import { DynamoDbAccountStore } from '../../shared/adapters/dynamodb/account-store.js';
import { KinesisTradeStream } from '../../shared/adapters/kinesis/trade-stream.js';
import { openAccount } from '../../shared/domain/state.js';
import { getPreset } from '../../shared/presets/index.js';
import { decodeRecord } from '../../shared/stream/decode-record.js';
import type { DomainEvent } from '../../shared/stream/domain-events.js';
import { startDynamo, type LocalDynamo } from '../support/dynalite.js';
import { startKinesis, type LocalKinesis } from '../support/kinesalite.js';

const program = getPreset('two-step-static')!;
const opened = Date.parse('2026-03-02T08:00:00Z');
const account = (accountId: string) => openAccount(program, { tenant: 'demo', accountId, openedAt: opened });

describe('the day rollover', () => {
  let dynamo: LocalDynamo;
  let kinesis: LocalKinesis;
  let store: DynamoDbAccountStore;

  beforeAll(async () => {
    [dynamo, kinesis] = await Promise.all([startDynamo('rollover-test'), startKinesis('rollover-trades', 2)]);
    store = new DynamoDbAccountStore(dynamo.client, dynamo.tableName);
  });
  afterAll(async () => {
    await Promise.all([dynamo.close(), kinesis.close()]);
  });

  it('puts a clock at the scheduled time for each active account and each terminal one with an outbox pending', async () => {
    const active = Array.from({ length: 250 }, (_, index) => `active-${index}`);
    for (const id of active) await store.save(account(id), null, []);
    const failedEvent = { id: 'demo:failed-pending:s9:1', type: 'AccountFailed' } as unknown as DomainEvent;
    await store.save({ ...account('failed-pending'), status: 'failed' }, null, [failedEvent]);
    await store.save({ ...account('failed-delivered'), status: 'failed' }, null, [failedEvent]);
    await store.markDelivered({ ...account('failed-delivered'), status: 'failed' }, 1);
    await store.save({ ...account('passed'), status: 'passed' }, null, []);

    const rollover = createRolloverHandler(store, new KinesisTradeStream(kinesis.client, kinesis.streamName), 'demo');
    const report = await rollover({ scheduledTime: '2026-03-02T23:00:00Z' }, {} as never);

    const clocks = (await kinesis.readAll()).map((record) => decodeRecord(record, 'demo'));
    const events = clocks.map((decoded) => (decoded.ok ? decoded.event : expect.fail(decoded.quarantined.reason)));
    expect(events.every((event) => event.type === 'clock' && event.time === Date.parse('2026-03-02T23:00:00Z'))).toBe(true);
    expect(events.map((event) => event.accountId).sort()).toEqual([...active, 'failed-pending'].sort());
    expect(report).toEqual({ time: '2026-03-02T23:00:00.000Z', clocks: 251 });
  });

  it('refuses an invocation without a scheduled time', async () => {
    const rollover = createRolloverHandler(store, new KinesisTradeStream(kinesis.client, kinesis.streamName), 'demo');
    await expect(rollover({}, {} as never)).rejects.toThrow(/scheduledTime/);
  });
});
