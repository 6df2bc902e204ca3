import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbIdempotencyStore, IDEMPOTENCY_RETENTION_SECONDS } from '../../shared/adapters/dynamodb/idempotency-store.js';
import type { HttpResponse } from '../../shared/http/problem.js';
import { startDynamo, type LocalDynamo } from '../support/dynalite.js';

const answer: HttpResponse = { status: 201, headers: { 'content-type': 'application/json' }, body: '{"id":"p"}' };
const now = Date.parse('2026-11-21T12:00:00Z');

describe('DynamoDbIdempotencyStore on dynalite', () => {
  let dynamo: LocalDynamo;
  let store: DynamoDbIdempotencyStore;

  beforeAll(async () => {
    dynamo = await startDynamo();
    store = new DynamoDbIdempotencyStore(dynamo.client, dynamo.tableName);
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('claims a key once, answers in progress until complete, then the stored answer', async () => {
    expect(await store.claim('ops-1', 'k1', 'fp', now)).toEqual({ state: 'new', firstClaimedAt: now });
    expect(await store.claim('ops-1', 'k1', 'fp', now)).toEqual({ state: 'in-progress' });
    await store.complete('ops-1', 'k1', answer);
    expect(await store.claim('ops-1', 'k1', 'fp', now)).toEqual({ state: 'done', response: answer });
  });

  it('tells a key reused for another request, and keeps callers apart', async () => {
    await store.claim('ops-1', 'k2', 'fp-a', now);
    expect(await store.claim('ops-1', 'k2', 'fp-b', now)).toEqual({ state: 'mismatch' });
    expect(await store.claim('ops-2', 'k2', 'fp-b', now)).toEqual({ state: 'new', firstClaimedAt: now });
  });

  it('lets a released key be claimed again, once, with the time of its first claim; forgets a key whose day has passed', async () => {
    await store.claim('ops-1', 'k3', 'fp', now);
    await store.release('ops-1', 'k3');
    expect(await store.claim('ops-1', 'k3', 'another request', now + 5_000)).toEqual({ state: 'mismatch' });
    const [first, second] = await Promise.all([store.claim('ops-1', 'k3', 'fp', now + 5_000), store.claim('ops-1', 'k3', 'fp', now + 5_000)]);
    expect([first, second]).toEqual(expect.arrayContaining([{ state: 'new', firstClaimedAt: now }, { state: 'in-progress' }]));
    await store.complete('ops-1', 'k3', answer);
    expect(await store.claim('ops-1', 'k3', 'fp', now + 6_000)).toEqual({ state: 'done', response: answer });
    const afterRetention = now + (IDEMPOTENCY_RETENTION_SECONDS + 1) * 1000;
    expect(await store.claim('ops-1', 'k3', 'another request', afterRetention)).toEqual({ state: 'new', firstClaimedAt: afterRetention });
  });
});
