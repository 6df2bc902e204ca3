import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbAccountStore } from '../../shared/adapters/dynamodb/account-store.js';
import { openAccount } from '../../shared/domain/state.js';
import { InvalidCursorError } from '../../shared/ports/page.js';
import { getPreset } from '../../shared/presets/index.js';
import type { DomainEvent } from '../../shared/stream/domain-events.js';
import { domainEventSample } from '../support/domain-events.js';
import { startDynamo, type LocalDynamo } from '../support/dynalite.js';

const program = getPreset('two-step-static')!;
const open = (accountId: string, traderId: string | null) => openAccount(program, { tenant: 'acme', accountId, traderId, openedAt: Date.parse('2026-03-02T08:00:00Z') });

/** Every page of a listing, in order. */
async function all(list: (page: { limit: number; cursor?: string }) => Promise<{ items: readonly string[]; cursor?: string }>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ limit: 2, ...(cursor === undefined ? {} : { cursor }) });
    ids.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return ids;
}

describe('DynamoDbAccountStore as the API reads it, on dynalite', () => {
  let dynamo: LocalDynamo;
  let store: DynamoDbAccountStore;

  beforeAll(async () => {
    dynamo = await startDynamo();
    store = new DynamoDbAccountStore(dynamo.client, dynamo.tableName);
    for (const [accountId, traderId] of [['a-1', 'alice'], ['a-2', 'bob'], ['a-3', 'alice'], ['a-4', null], ['a-5', 'alice']] as const) {
      expect(await store.save(open(accountId, traderId), null, [])).toBe('saved');
    }
    const failed = { ...open('a-2', 'bob'), status: 'failed' as const };
    expect(await store.save(failed, 1, [])).toBe('saved');
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it("lists a trader's accounts, page by page, from the link written at the first save", async () => {
    expect(await all((page) => store.listByTrader('alice', page))).toEqual(['a-1', 'a-3', 'a-5']);
    expect(await all((page) => store.listByTrader('bob', page))).toEqual(['a-2']);
    expect(await all((page) => store.listByTrader('carol', page))).toEqual([]);
  });

  it('lists accounts by status, page by page', async () => {
    expect(await all((page) => store.listByStatus('active', page))).toEqual(['a-1', 'a-3', 'a-4', 'a-5']);
    expect(await all((page) => store.listByStatus('failed', page))).toEqual(['a-2']);
  });

  it('keeps the owner through later saves and refuses an altered cursor', async () => {
    expect((await store.load(['a-2'])).get('a-2')?.state.traderId).toBe('bob');
    await expect(store.listByStatus('active', { limit: 2, cursor: Buffer.from('{"pk":{"N":"1"}}').toString('base64url') })).rejects.toThrow(InvalidCursorError);
  });

  it("reads an account's records by kind, newest first, as the evaluator wrote them", async () => {
    const sample = (type: DomainEvent['type'], time: string, id: string) => domainEventSample(type, 'a-1', time, id);
    const trades = ['10', '11', '12'].map((hour, index) => {
      const event = sample('TradeClosed', `2026-03-02T${hour}:00:00.000Z`, `t${index}`) as Extract<DomainEvent, { type: 'TradeClosed' }>;
      return { ...event, closedAt: event.time };
    });
    await store.writeRecords([...trades, sample('WarningRaised', '2026-03-02T12:30:00.000Z', 'w1')]);
    const first = await store.records('a-1', 'trades', { limit: 2 });
    expect(first.items.map((event) => event.id)).toEqual(['t2', 't1']);
    expect((await store.records('a-1', 'trades', { limit: 2, cursor: first.cursor! })).items.map((event) => event.id)).toEqual(['t0']);
    expect((await store.records('a-1', 'verdicts', { limit: 10 })).items).toEqual([sample('WarningRaised', '2026-03-02T12:30:00.000Z', 'w1')]);
    expect((await store.records('a-3', 'trades', { limit: 10 })).items).toEqual([]);
  });
});
