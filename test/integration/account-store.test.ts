import { BatchGetItemCommand, type BatchGetItemCommandOutput } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbAccountStore } from '../../shared/adapters/dynamodb/account-store.js';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { apply } from '../../shared/domain/reducer.js';
import type { DomainEvent } from '../../shared/stream/domain-events.js';
import { openAccount, type AccountState } from '../../shared/domain/state.js';
import { getPreset } from '../../shared/presets/index.js';
import { startDynamo, type LocalDynamo } from '../support/dynalite.js';
import { events } from '../support/events.js';

const program = getPreset('two-step-static')!;

/** An account mid-trade: a position open, floors set, a day counted. */
function tradingAccount(accountId: string): AccountState {
  const make = events({ accountId });
  let state = openAccount(program, { tenant: 'demo', accountId, openedAt: Date.parse('2026-03-02T08:00:00Z') });
  for (const event of [
    make.deal('2026-03-02T09:00:00Z', { positionId: 'p1', symbol: 'EURUSD', side: 'buy', volume: 10_000, entry: 'in', commission: -350 }),
    make.snapshot('2026-03-02T09:00:01Z', { balance: 9_999_650, equity: 9_987_000, margin: 110_000 }),
  ]) {
    state = apply(state, event, program).state;
  }
  return state;
}

describe('DynamoDbAccountStore on dynalite', () => {
  let dynamo: LocalDynamo;
  let store: DynamoDbAccountStore;

  beforeAll(async () => {
    dynamo = await startDynamo();
    store = new DynamoDbAccountStore(dynamo.client, dynamo.tableName);
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('stores a new account and loads it back unchanged, at revision 1', async () => {
    const state = tradingAccount('store-1');
    expect(await store.save(state, null, [])).toBe('saved');
    const loaded = await store.load(['store-1']);
    expect(loaded.get('store-1')).toEqual({ state, revision: 1, outbox: [] });
    expect(loaded.get('store-1')!.state.positions).toHaveLength(1);
  });

  it('loads only the accounts that exist', async () => {
    await store.save(tradingAccount('store-2'), null, []);
    const loaded = await store.load(['store-2', 'nobody', 'store-2']);
    expect([...loaded.keys()]).toEqual(['store-2']);
  });

  it('lets one of two writers that loaded the same revision save; the other gets a conflict and changes nothing', async () => {
    const first = tradingAccount('store-3');
    await store.save(first, null, []);
    const { state, revision } = (await store.load(['store-3'])).get('store-3')!;
    const make = events({ accountId: 'store-3', startSeq: 3 });
    const ahead = apply(state, make.snapshot('2026-03-02T09:00:02Z', { balance: 9_999_650, equity: 9_990_000 }), program).state;
    const behind = apply(state, make.snapshot('2026-03-02T09:00:03Z', { balance: 9_999_650, equity: 9_980_000 }), program).state;
    expect(await store.save(ahead, revision, [])).toBe('saved');
    expect(await store.save(behind, revision, [])).toBe('conflict');
    expect((await store.load(['store-3'])).get('store-3')).toEqual({ state: ahead, revision: revision + 1, outbox: [] });
  });

  it('refuses to create an account that is already stored', async () => {
    await store.save(tradingAccount('store-4'), null, []);
    expect(await store.save(tradingAccount('store-4'), null, [])).toBe('conflict');
  });

  const tradeClosed = (state: AccountState, seq: number): DomainEvent => ({
    type: 'TradeClosed',
    id: `demo:${state.accountId}:s${seq}:0`,
    tenant: 'demo',
    accountId: state.accountId,
    programId: state.programId,
    programVersion: state.programVersion,
    phaseId: state.phaseId,
    time: '2026-03-02T10:00:00.000Z',
    cause: { type: 'deal', seq, eventId: `e-${seq}`, time: '2026-03-02T10:00:00.000Z' },
    traderId: state.traderId,
    positionId: `p${seq}`,
    symbol: 'EURUSD',
    side: 'buy',
    volume: 10_000,
    openedAt: '2026-03-02T09:00:00.000Z',
    closedAt: '2026-03-02T10:00:00.000Z',
    openPrice: 1.0842,
    closePrice: 1.0966,
    openReferencePrice: null,
    closeReferencePrice: null,
    netPnl: 12_345,
    hadStopLoss: true,
    excludedFromProfit: false,
  });

  it('keeps the outbox with the state, writes its records idempotently, and lists a terminal account until it is delivered', async () => {
    const active = tradingAccount('outbox-1');
    const failed = { ...tradingAccount('outbox-2'), status: 'failed' as const };
    const events = [tradeClosed(active, 7), tradeClosed(active, 9)];
    await store.save(active, null, events);
    await store.save(failed, null, [tradeClosed(failed, 3)]);
    expect((await store.load(['outbox-1'])).get('outbox-1')!.outbox).toEqual(events);

    await store.writeRecords(events);
    await store.writeRecords(events);
    const trades = await dynamo.client.send(
      new QueryCommand({ TableName: dynamo.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :trade)', ExpressionAttributeValues: { ':pk': { S: 'ACCOUNT#outbox-1' }, ':trade': { S: 'TRADE#' } } }),
    );
    expect(trades.Items!.map((item) => JSON.parse(item['event']!.S!))).toEqual(events);

    const listed = async (listing: 'active' | 'outboxPending') => {
      const ids: string[] = [];
      for await (const page of store.list(listing)) ids.push(...page);
      return ids;
    };
    expect(await listed('outboxPending')).toEqual(['outbox-2']);
    expect(await listed('active')).toContain('outbox-1');
    await store.markDelivered(failed, 2);
    expect(await listed('outboxPending')).toEqual(['outbox-2']);
    await store.markDelivered(failed, 1);
    expect(await listed('outboxPending')).toEqual([]);
    expect((await store.load(['outbox-2'])).get('outbox-2')).toMatchObject({ revision: 1, outbox: [] });
  });

  it('loads more accounts than one BatchGetItem takes', async () => {
    const ids = Array.from({ length: 230 }, (_, index) => `bulk-${index}`);
    for (let from = 0; from < ids.length; from += 25) {
      await Promise.all(ids.slice(from, from + 25).map((id) => store.save(tradingAccount(id), null, [])));
    }
    const loaded = await store.load([...ids, 'bulk-none']);
    expect(loaded.size).toBe(ids.length);
    expect(loaded.get('bulk-229')!.state.accountId).toBe('bulk-229');
  });
});

describe('DynamoDbAccountStore retries', () => {
  const item = (state: AccountState) => ({ pk: { S: `ACCOUNT#${state.accountId}` }, state: { S: JSON.stringify(state) }, revision: { N: '4' } });

  it('asks again, with growing pauses, for the keys DynamoDB left unprocessed', async () => {
    const state = tradingAccount('retry-1');
    const requests: unknown[] = [];
    const answers: BatchGetItemCommandOutput[] = [
      { $metadata: {}, Responses: { table: [] }, UnprocessedKeys: { table: { Keys: [{ pk: { S: 'ACCOUNT#retry-1' }, sk: { S: 'STATE' } }] } } },
      { $metadata: {}, Responses: { table: [] }, UnprocessedKeys: { table: { Keys: [{ pk: { S: 'ACCOUNT#retry-1' }, sk: { S: 'STATE' } }] } } },
      { $metadata: {}, Responses: { table: [item(state)] } },
    ];
    const pauses: number[] = [];
    const db = { send: async (command: BatchGetItemCommand) => (requests.push(command.input.RequestItems), answers.shift()!) };
    const store = new DynamoDbAccountStore(db as never, 'table', async (ms) => void pauses.push(ms));
    expect((await store.load(['retry-1'])).get('retry-1')).toEqual({ state, revision: 4, outbox: [] });
    expect(requests).toHaveLength(3);
    expect(pauses).toEqual([25, 50]);
  });

  it('gives up after eight attempts instead of looping forever', async () => {
    const stuck: BatchGetItemCommandOutput = { $metadata: {}, Responses: {}, UnprocessedKeys: { table: { Keys: [{ pk: { S: 'ACCOUNT#x' }, sk: { S: 'STATE' } }] } } };
    let calls = 0;
    const db = { send: async () => (calls++, stuck) };
    const store = new DynamoDbAccountStore(db as never, 'table', async () => undefined);
    await expect(store.load(['x'])).rejects.toThrow(/unprocessed after 8 attempts/);
    expect(calls).toBe(8);
  });
});
