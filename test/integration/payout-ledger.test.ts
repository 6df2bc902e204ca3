import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbPayoutLedger } from '../../shared/adapters/dynamodb/payout-ledger.js';
import { keys } from '../../shared/adapters/dynamodb/table.js';
import { InvalidCursorError, type PageRequest } from '../../shared/ports/page.js';
import { parsePayoutId, payoutIdOf, type PayoutLedger, type PayoutRecord, type PayoutState } from '../../shared/ports/payouts.js';
import { startDynamo, type LocalDynamo } from '../support/dynalite.js';
import { MemoryPayoutLedger } from '../support/payout-doubles.js';

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynamo();
});

afterAll(async () => {
  await dynamo.close();
});

interface Subject {
  readonly name: string;
  /** A ledger of its own: listByState is firm-wide, so every test starts from an empty table. */
  fresh(): Promise<{ readonly ledger: PayoutLedger; readonly tableName: string | null }>;
}

// The same checks on the adapter and on the double the unit tests use: the double must not drift.
const subjects: Subject[] = [
  {
    name: 'the DynamoDB ledger on dynalite',
    fresh: async () => {
      const tableName = await dynamo.freshTable('payouts');
      return { ledger: new DynamoDbPayoutLedger(dynamo.client, tableName, async () => {}), tableName };
    },
  },
  { name: 'the memory double', fresh: async () => ({ ledger: new MemoryPayoutLedger(), tableName: null }) },
];

const T0 = Date.parse('2026-03-03T10:00:00Z');
const MINUTE = 60_000;

function payout(accountId: string, number: number, fields: Partial<PayoutRecord> = {}): PayoutRecord {
  return {
    payoutId: payoutIdOf(accountId, number),
    accountId,
    traderId: 'trd-1',
    number,
    state: 'requested',
    requestedAt: T0 + number * MINUTE,
    updatedAt: T0 + number * MINUTE,
    amount: 250_000,
    currency: 'USD',
    rail: 'bank',
    destination: 'DE89370400440532013000',
    gates: null,
    split: null,
    decision: null,
    settlement: null,
    daysAtRequest: { trading: 12, profitable: 7 },
    ...fields,
  };
}

/** Every page of a listing, from the first to the one without a cursor. */
async function pages(list: (page: PageRequest) => Promise<{ items: readonly PayoutRecord[]; cursor?: string }>, limit: number): Promise<string[][]> {
  const result: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ limit, ...(cursor === undefined ? {} : { cursor }) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    result.push(page.items.map((record) => record.payoutId));
    cursor = page.cursor;
  } while (cursor !== undefined);
  // DynamoDB may end on an empty page when the last one was exactly full; the double does not.
  return result.filter((ids) => ids.length > 0);
}

describe.each(subjects)('$name', (subject) => {
  let ledger: PayoutLedger;
  let tableName: string | null;

  beforeEach(async () => {
    ({ ledger, tableName } = await subject.fresh());
  });

  describe('create and get', () => {
    it('stores a number once per account: a second create of it is false and stores nothing', async () => {
      const first = payout('acc-1', 1);
      expect(await ledger.create(first)).toBe(true);
      expect(await ledger.create({ ...first, amount: 999, destination: 'elsewhere' })).toBe(false);
      expect(await ledger.get(first.payoutId)).toEqual(first);
      expect(await ledger.create(payout('acc-1', 2))).toBe(true);
      expect(await ledger.create(payout('acc-2', 1))).toBe(true);
      expect(await ledger.get(payoutIdOf('acc-2', 1))).toEqual(payout('acc-2', 1));
    });

    it('gives a number to one of two racing requests', async () => {
      const racing = await Promise.all([ledger.create(payout('acc-1', 1)), ledger.create(payout('acc-1', 1, { amount: 1 }))]);
      expect(racing.filter(Boolean)).toHaveLength(1);
    });

    it('keeps the record as given, at the key the table describes', async () => {
      const record = payout('acc-1', 7, { gates: [{ gate: 'cycle', passed: true, reason: 'open', evidence: { first: true, at: null } }] });
      await ledger.create(record);
      expect(await ledger.get(record.payoutId)).toEqual(record);
      if (tableName === null) return;
      const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'ACCOUNT#acc-1' }, sk: { S: 'PAYOUT#000007' } } }));
      expect(keys.payout('acc-1', 7)).toEqual({ pk: 'ACCOUNT#acc-1', sk: 'PAYOUT#000007' });
      expect(Item).toMatchObject({ payoutState: { S: 'requested' }, listing: { S: 'PAYOUTS#requested' }, listingSk: { S: `${new Date(record.requestedAt).toISOString()}#acc-1:7` } });
    });

    it('names a payout by account and number, and reads ids it never gave out as absent', async () => {
      const record = payout('acc:with:colons', 123_456);
      expect(parsePayoutId(record.payoutId)).toEqual({ accountId: 'acc:with:colons', number: 123_456 });
      await ledger.create(record);
      expect(await ledger.get(record.payoutId)).toEqual(record);
      await ledger.create(payout('acc-1', 1));
      for (const garbage of ['', 'acc-1', 'acc-1:', ':1', 'acc-1:0', 'acc-1:01', 'acc-1:-1', 'acc-1:1.0', 'acc-1:1234567', 'acc-1: 1']) {
        expect(parsePayoutId(garbage), garbage).toBeUndefined();
        expect(await ledger.get(garbage), garbage).toBeUndefined();
      }
      expect(await ledger.get(payoutIdOf('acc-1', 2))).toBeUndefined();
      expect(await ledger.get(payoutIdOf('acc-9', 1))).toBeUndefined();
    });

    it('refuses a record whose id does not name its account and number', async () => {
      await expect(ledger.create({ ...payout('acc-1', 1), payoutId: 'acc-1:2' })).rejects.toThrow(RangeError);
      await expect(ledger.create(payout('acc-1', 1_000_000))).rejects.toThrow(RangeError);
      expect(await ledger.get('acc-1:2')).toBeUndefined();
    });
  });

  describe('listForAccount', () => {
    it('lists the account’s payouts newest first, a page at a time', async () => {
      for (const number of [3, 1, 5, 2, 4]) await ledger.create(payout('acc-1', number));
      await ledger.create(payout('acc-2', 1));
      await ledger.create(payout('acc-10', 1));
      const listed = await pages((page) => ledger.listForAccount('acc-1', page), 2);
      expect(listed.flat()).toEqual([5, 4, 3, 2, 1].map((n) => payoutIdOf('acc-1', n)));
      expect(listed[0]).toEqual(['acc-1:5', 'acc-1:4']);
      expect((await ledger.listForAccount('acc-2', { limit: 10 })).items.map((r) => r.payoutId)).toEqual(['acc-2:1']);
      expect(await ledger.listForAccount('acc-3', { limit: 10 })).toEqual({ items: [] });
      const all = await ledger.listForAccount('acc-1', { limit: 10 });
      expect(all.items[0]).toEqual(payout('acc-1', 5));
    });

    it('orders numbers beyond 9 by value, not as text', async () => {
      for (const number of [9, 10, 100, 11]) await ledger.create(payout('acc-1', number));
      expect((await ledger.listForAccount('acc-1', { limit: 10 })).items.map((r) => r.number)).toEqual([100, 11, 10, 9]);
    });

    it('refuses a cursor it did not give out for this account', async () => {
      for (const number of [1, 2, 3]) await ledger.create(payout('acc-1', number));
      await ledger.create(payout('acc-2', 1));
      await ledger.create(payout('acc-2', 2));
      const { cursor } = await ledger.listForAccount('acc-1', { limit: 1 });
      expect(cursor).toBeDefined();
      await expect(ledger.listForAccount('acc-2', { limit: 1, cursor: cursor! })).rejects.toThrow(InvalidCursorError);
      await expect(ledger.listForAccount('acc-1', { limit: 1, cursor: 'not-a-cursor' })).rejects.toThrow(InvalidCursorError);
      await expect(ledger.listByState('requested', { limit: 1, cursor: cursor! })).rejects.toThrow(InvalidCursorError);
      await expect(ledger.listForAccount('acc-1', { limit: 0 })).rejects.toThrow(RangeError);
    });
  });

  describe('listByState', () => {
    it('lists one state across the firm, oldest request first, a page at a time', async () => {
      // Requested at T0 + minutes: acc-b:1 (1), acc-a:2 (2), acc-c:1 (3), acc-a:1 (4), acc-b:2 (5).
      await ledger.create(payout('acc-a', 1, { requestedAt: T0 + 4 * MINUTE }));
      await ledger.create(payout('acc-b', 2, { requestedAt: T0 + 5 * MINUTE }));
      await ledger.create(payout('acc-c', 1, { requestedAt: T0 + 3 * MINUTE }));
      await ledger.create(payout('acc-b', 1, { requestedAt: T0 + 1 * MINUTE }));
      await ledger.create(payout('acc-a', 2, { requestedAt: T0 + 2 * MINUTE }));
      await ledger.create(payout('acc-d', 1, { state: 'awaitingApproval' }));
      const listed = await pages((page) => ledger.listByState('requested', page), 2);
      expect(listed.flat()).toEqual(['acc-b:1', 'acc-a:2', 'acc-c:1', 'acc-a:1', 'acc-b:2']);
      expect(listed[0]).toEqual(['acc-b:1', 'acc-a:2']);
      expect((await ledger.listByState('awaitingApproval', { limit: 10 })).items).toEqual([payout('acc-d', 1, { state: 'awaitingApproval' })]);
      expect(await ledger.listByState('settled', { limit: 10 })).toEqual({ items: [] });
    });

    it('orders requests at the same instant by id', async () => {
      await ledger.create(payout('acc-b', 1, { requestedAt: T0 }));
      await ledger.create(payout('acc-a', 1, { requestedAt: T0 }));
      expect((await ledger.listByState('requested', { limit: 10 })).items.map((r) => r.payoutId)).toEqual(['acc-a:1', 'acc-b:1']);
    });

    it('stops listing a payout under a state it left, even between pages', async () => {
      for (const number of [1, 2, 3, 4]) await ledger.create(payout('acc-1', number));
      await ledger.create(payout('acc-2', 1, { state: 'awaitingApproval', requestedAt: T0 + 10 * MINUTE }));
      const first = await ledger.listByState('requested', { limit: 2 });
      expect(first.items.map((r) => r.payoutId)).toEqual(['acc-1:1', 'acc-1:2']);
      await ledger.move('acc-1:3', 'requested', 'awaitingApproval', {}, T0 + 20 * MINUTE);
      const rest = await pages((page) => ledger.listByState('requested', { ...page, cursor: first.cursor! }), 2);
      expect(rest.flat()).toEqual(['acc-1:4']);
      expect((await ledger.listByState('requested', { limit: 10 })).items.map((r) => r.payoutId)).toEqual(['acc-1:1', 'acc-1:2', 'acc-1:4']);
      // It joins its new state's listing in request order, not move order.
      expect((await ledger.listByState('awaitingApproval', { limit: 10 })).items.map((r) => r.payoutId)).toEqual(['acc-1:3', 'acc-2:1']);
    });

    it('refuses a cursor of another state’s listing', async () => {
      for (const number of [1, 2]) await ledger.create(payout('acc-1', number));
      const { cursor } = await ledger.listByState('requested', { limit: 1 });
      expect(cursor).toBeDefined();
      await expect(ledger.listByState('approved', { limit: 1, cursor: cursor! })).rejects.toThrow(InvalidCursorError);
      await expect(ledger.listForAccount('acc-1', { limit: 1, cursor: cursor! })).rejects.toThrow(InvalidCursorError);
      await expect(ledger.listByState('requested', { limit: 0 })).rejects.toThrow(RangeError);
    });
  });

  describe('move', () => {
    const gates = [{ gate: 'cycle' as const, passed: true, reason: 'the first payout window opened', evidence: { first: true } }];
    const split = { payoutNumber: 1, traderShareBps: 8000, traderAmount: 200_000, firmAmount: 50_000 };

    it('moves forward with the change, keeping what the change leaves out', async () => {
      const record = payout('acc-1', 1);
      await ledger.create(record);
      const evaluated = await ledger.move(record.payoutId, 'requested', 'awaitingApproval', { gates, split }, T0 + 10 * MINUTE);
      expect(evaluated).toEqual({ moved: true, record: { ...record, state: 'awaitingApproval', gates, split, updatedAt: T0 + 10 * MINUTE } });
      const decision = { by: 'analyst-7', note: 'checked', at: T0 + 20 * MINUTE };
      const approved = await ledger.move(record.payoutId, 'awaitingApproval', 'approved', { decision }, T0 + 20 * MINUTE);
      expect(approved).toEqual({ moved: true, record: { ...record, state: 'approved', gates, split, decision, updatedAt: T0 + 20 * MINUTE } });
      expect(await ledger.get(record.payoutId)).toEqual(approved.record);
      const settlement = { reference: 'wire-1', failure: null, at: T0 + 40 * MINUTE };
      await ledger.move(record.payoutId, 'approved', 'instructed', {}, T0 + 30 * MINUTE);
      const settled = await ledger.move(record.payoutId, 'instructed', 'settled', { settlement }, T0 + 40 * MINUTE);
      expect(settled.record).toMatchObject({ state: 'settled', settlement, decision, gates });
      expect((await ledger.listByState('settled', { limit: 10 })).items).toEqual([settled.record]);
      expect(await ledger.listByState('requested', { limit: 10 })).toEqual({ items: [] });
    });

    it('refuses a move backward or one PAYOUT_MOVES does not allow, naming it', async () => {
      const record = payout('acc-1', 1, { state: 'awaitingApproval' });
      await ledger.create(record);
      await expect(ledger.move(record.payoutId, 'awaitingApproval', 'requested', {}, T0)).rejects.toThrow('awaitingApproval to requested');
      await expect(ledger.move(record.payoutId, 'awaitingApproval', 'settled', {}, T0)).rejects.toThrow('awaitingApproval to settled');
      await expect(ledger.move(record.payoutId, 'settled', 'failed', {}, T0)).rejects.toThrow('settled to failed');
      await expect(ledger.move(record.payoutId, 'approved', 'approved', {}, T0)).rejects.toThrow('approved to approved');
      expect(await ledger.get(record.payoutId)).toEqual(record);
    });

    it('answers a stale from with the record as it is now, changing nothing', async () => {
      const record = payout('acc-1', 1);
      await ledger.create(record);
      const mine = await ledger.move(record.payoutId, 'requested', 'awaitingApproval', { gates }, T0 + MINUTE);
      const stale = await ledger.move(record.payoutId, 'requested', 'rejected', { decision: { by: 'gates', note: 'late', at: T0 } }, T0 + 2 * MINUTE);
      expect(stale).toEqual({ moved: false, record: mine.record });
      expect(await ledger.get(record.payoutId)).toEqual(mine.record);
    });

    it('answers a repeated move with moved false and the record already in `to`', async () => {
      const record = payout('acc-1', 1);
      await ledger.create(record);
      const first = await ledger.move(record.payoutId, 'requested', 'approved', { split }, T0 + MINUTE);
      expect(first.moved).toBe(true);
      const again = await ledger.move(record.payoutId, 'requested', 'approved', { split }, T0 + 2 * MINUTE);
      expect(again).toEqual({ moved: false, record: first.record });
      expect(again.record?.state).toBe('approved');
      expect(again.record?.updatedAt).toBe(T0 + MINUTE);
    });

    it('lets one of two racing moves from the same state win', async () => {
      const record = payout('acc-1', 1);
      await ledger.create(record);
      const racing = await Promise.all([
        ledger.move(record.payoutId, 'requested', 'approved', {}, T0 + MINUTE),
        ledger.move(record.payoutId, 'requested', 'rejected', {}, T0 + MINUTE),
      ]);
      expect(racing.filter((result) => result.moved)).toHaveLength(1);
      const now = await ledger.get(record.payoutId);
      for (const result of racing) expect(result.record).toEqual(now);
    });

    it('answers a payout it does not hold with no record', async () => {
      const to: PayoutState = 'approved';
      expect(await ledger.move(payoutIdOf('acc-1', 1), 'requested', to, {}, T0)).toEqual({ moved: false, record: undefined });
      expect(await ledger.move('garbage', 'requested', to, {}, T0)).toEqual({ moved: false, record: undefined });
    });
  });
});
