import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCredentialVault } from '../../shared/adapters/dynamodb/credential-vault.js';
import { DynamoDbOrderBook } from '../../shared/adapters/dynamodb/order-book.js';
import { keys } from '../../shared/adapters/dynamodb/table.js';
import { DynamoDbTaskTokenStore } from '../../shared/adapters/dynamodb/task-token-store.js';
import type { CredentialVault } from '../../shared/ports/credentials.js';
import type { OrderBook, OrderRecord, TraderProfile } from '../../shared/ports/orders.js';
import type { TaskTokenStore } from '../../shared/ports/task-tokens.js';
import { startDynamo, type LocalDynamo } from '../support/dynalite.js';
import { MemoryCredentialVault, MemoryOrderBook, MemoryTaskTokenStore } from '../support/workflow-doubles.js';

interface Stores {
  readonly orders: OrderBook;
  readonly tokens: TaskTokenStore;
  readonly vault: CredentialVault;
}

interface Subject {
  readonly name: string;
  start(): Promise<{ readonly stores: Stores; close(): Promise<void> }>;
}

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynamo();
});

afterAll(async () => {
  await dynamo.close();
});

// The same checks on the adapters and on the doubles the unit tests use: the doubles must not drift.
const subjects: Subject[] = [
  {
    name: 'the DynamoDB adapters on dynalite',
    start: async () => ({
      stores: {
        orders: new DynamoDbOrderBook(dynamo.client, dynamo.tableName),
        tokens: new DynamoDbTaskTokenStore(dynamo.client, dynamo.tableName),
        vault: new DynamoDbCredentialVault(dynamo.client, dynamo.tableName),
      },
      close: async () => {},
    }),
  },
  {
    name: 'the memory doubles',
    start: async () => ({ stores: { orders: new MemoryOrderBook(), tokens: new MemoryTaskTokenStore(), vault: new MemoryCredentialVault() }, close: async () => {} }),
  },
];

const T0 = Date.parse('2026-03-03T10:00:00Z');
let sequence = 0;
/** A fresh key per test, so the tests share one table without seeing each other's items. */
const unique = (prefix: string) => `${prefix}-${++sequence}`;

const orderRecord = (orderKey: string, fields: Partial<OrderRecord> = {}): OrderRecord => ({
  orderKey,
  accountId: `acc-${orderKey}`,
  traderId: 'trd-1',
  executionId: 'exec-1',
  status: 'provisioning',
  claimedAt: T0,
  updatedAt: T0,
  reason: null,
  payment: { processor: 'stripe', paymentId: 'pi_1', amount: 49410, currency: 'USD' },
  ...fields,
});

describe.each(subjects)('$name', (subject) => {
  let stores: Stores;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ stores, close } = await subject.start());
  });

  afterAll(async () => {
    await close();
  });

  describe('orders', () => {
    it('are claimed once; a second claim gets the stored record back', async () => {
      const record = orderRecord(unique('stripe:cs'));
      expect(await stores.orders.claim(record)).toEqual({ claimed: true });
      expect(await stores.orders.claim({ ...record, executionId: 'exec-2', claimedAt: T0 + 1, payment: null })).toEqual({ claimed: false, existing: record });
      expect(await stores.orders.order(record.orderKey)).toEqual(record);
      expect(await stores.orders.order(unique('never'))).toBeUndefined();
    });

    it('become active from provisioning, may repeat the move, and never fail once active', async () => {
      const record = orderRecord(unique('stripe:cs'));
      await stores.orders.claim(record);
      await stores.orders.settle(record.orderKey, 'active', null, T0 + 10);
      await stores.orders.settle(record.orderKey, 'active', null, T0 + 20);
      expect(await stores.orders.order(record.orderKey)).toEqual({ ...record, status: 'active', updatedAt: T0 + 20 });
      await expect(stores.orders.settle(record.orderKey, 'failed', 'BridgeRefused: late', T0 + 30)).rejects.toThrow(`order ${record.orderKey} cannot become failed: it is active`);
      expect(await stores.orders.order(record.orderKey)).toMatchObject({ status: 'active', reason: null, updatedAt: T0 + 20 });
    });

    it('fail with a reason, and a failed order never becomes active', async () => {
      const record = orderRecord(unique('phase:acc'), { payment: null });
      await stores.orders.claim(record);
      await stores.orders.settle(record.orderKey, 'failed', 'States.Timeout: no answer', T0 + 10);
      expect(await stores.orders.order(record.orderKey)).toEqual({ ...record, status: 'failed', reason: 'States.Timeout: no answer', updatedAt: T0 + 10 });
      await expect(stores.orders.settle(record.orderKey, 'active', null, T0 + 20)).rejects.toThrow(/cannot become active: it is failed/);
    });

    it('are not settled before they are claimed', async () => {
      const orderKey = unique('stripe:cs');
      await expect(stores.orders.settle(orderKey, 'active', null, T0)).rejects.toThrow(`order ${orderKey} cannot become active: it is not claimed`);
      expect(await stores.orders.order(orderKey)).toBeUndefined();
    });
  });

  describe('traders', () => {
    it('are created once, even by two purchases at the same time; the first name stays', async () => {
      const first: TraderProfile = { traderId: unique('trd'), email: 'lena@example.com', name: 'Lena Hartmann', createdAt: T0 };
      const racing = await Promise.all([stores.orders.traderByEmail(first), stores.orders.traderByEmail({ ...first, name: 'L. H.', createdAt: T0 + 1 })]);
      expect(racing[1]).toEqual(racing[0]);
      const stored = await stores.orders.trader(first.traderId);
      expect(racing[0]).toEqual(stored);
      expect(await stores.orders.traderByEmail({ ...first, name: 'Someone Else', createdAt: T0 + 2 })).toEqual(stored);
      expect(await stores.orders.trader(unique('trd'))).toBeUndefined();
    });
  });

  describe('task tokens', () => {
    it('let one of two waiters save under an id, and a waiter after the first one expired', async () => {
      const id = unique('kyc:trd');
      expect(await stores.tokens.saveIfFree(id, 'token-1', T0 + 3_600_000, T0)).toBe(true);
      expect(await stores.tokens.saveIfFree(id, 'token-2', T0 + 3_600_000, T0 + 1_000)).toBe(false);
      expect(await stores.tokens.find(id)).toBe('token-1');
      // At the expiry (touching counts as expired), the token is gone for find-with-now and free for a new waiter.
      expect(await stores.tokens.find(id, T0 + 3_600_000 - 1_000)).toBe('token-1');
      expect(await stores.tokens.find(id, T0 + 3_600_000)).toBeUndefined();
      expect(await stores.tokens.saveIfFree(id, 'token-3', T0 + 7_200_000, T0 + 3_600_000)).toBe(true);
      expect(await stores.tokens.find(id)).toBe('token-3');
    });

    it('are found until discarded; a later save replaces the token', async () => {
      const id = unique('create:acc');
      expect(await stores.tokens.find(id)).toBeUndefined();
      await stores.tokens.save(id, 'token-1', T0 + 3_600_000);
      await stores.tokens.save(id, 'token-2', T0 + 7_200_000);
      expect(await stores.tokens.find(id)).toBe('token-2');
      expect(await stores.tokens.find(id)).toBe('token-2');
      await stores.tokens.discard(id);
      expect(await stores.tokens.find(id)).toBeUndefined();
      await stores.tokens.discard(id);
    });
  });

  describe('the credential vault', () => {
    it('keeps a password until it is delivered, then only that it was', async () => {
      const accountId = unique('acc');
      const credentials = { platform: 'mt5', login: '5012345', server: 'AcmeMarkets-Live', password: 's3cret-Pass!' };
      expect(await stores.vault.read(accountId)).toBeUndefined();
      await stores.vault.stash(accountId, credentials, T0);
      expect(await stores.vault.read(accountId)).toEqual(credentials);
      await stores.vault.markDelivered(accountId);
      expect(await stores.vault.read(accountId)).toBe('delivered');
      await stores.vault.markDelivered(accountId);
      expect(await stores.vault.read(accountId)).toBe('delivered');
    });
  });
});

describe('the DynamoDB items', () => {
  const item = async (key: { pk: string; sk: string }) =>
    (await dynamo.client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: key.pk }, sk: { S: key.sk } }, ConsistentRead: true }))).Item;

  it('carry expiresAt in epoch seconds, rounded up, for the TTL', async () => {
    const expiresAt = Date.parse('2026-03-03T10:00:00.500Z');
    const id = unique('create:acc');
    await new DynamoDbTaskTokenStore(dynamo.client, dynamo.tableName).save(id, 'token-1', expiresAt);
    expect((await item(keys.taskToken(id)))?.['expiresAt']).toEqual({ N: String(Date.parse('2026-03-03T10:00:01Z') / 1000) });
    const accountId = unique('acc');
    await new DynamoDbCredentialVault(dynamo.client, dynamo.tableName).stash(accountId, { platform: 'mt5', login: '1', server: 's', password: 'p4ssword' }, expiresAt);
    expect((await item(keys.credentials(accountId)))?.['expiresAt']).toEqual({ N: '1772532001' });
  });

  it('keep the order’s status beside the claimed record, and no expiry', async () => {
    const record = orderRecord(unique('stripe:cs'));
    await new DynamoDbOrderBook(dynamo.client, dynamo.tableName).claim(record);
    const stored = await item(keys.order(record.orderKey));
    expect(stored).toMatchObject({ status: { S: 'provisioning' }, updatedAt: { N: String(T0) } });
    expect(stored).not.toHaveProperty('expiresAt');
  });
});
