/**
 * DynamoDbNewsCalendar on dynalite: the API reads the calendar as it was written (null before the first)
 * and replaces it; the evaluator's and detectors' index is cached for a minute, except that a put through
 * the same instance clears it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbNewsCalendar } from '../../shared/adapters/dynamodb/news-calendar.js';
import { startDynamo, type LocalDynamo } from '../support/dynalite.js';

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynamo('news-calendar-test');
});

afterAll(async () => {
  await dynamo.close();
});

const calendar = {
  events: [{ id: 'nfp-2026-03', title: 'US non-farm payrolls', time: '2026-03-06T08:30:00-05:00', symbols: ['EURUSD', 'US30'] }],
};

describe('DynamoDbNewsCalendar', () => {
  it('answers null before the first calendar, then the calendar as written, uncached', async () => {
    let now = 0;
    const api = new DynamoDbNewsCalendar(dynamo.client, dynamo.tableName, 60_000, () => now);
    const evaluator = new DynamoDbNewsCalendar(dynamo.client, dynamo.tableName, 60_000, () => now);
    expect(await api.calendar()).toBeNull();
    expect((await api.current()).size).toBe(0);
    expect((await evaluator.current()).size).toBe(0);

    await api.put(calendar);
    expect(await api.calendar()).toEqual(calendar);
    // Another instance sees the new calendar as written at once, but its index only when its cache expires.
    expect(await evaluator.calendar()).toEqual(calendar);
    expect((await evaluator.current()).size).toBe(0);
    // The instance that put it dropped its cache: within the minute, it already judges by the new one.
    now += 30_000;
    expect((await api.current()).size).toBe(1);
    now += 30_000;
    expect((await evaluator.current()).find(Date.parse('2026-03-06T13:30:00Z'), 'US30', 0, 0)?.id).toBe('nfp-2026-03');

    await api.put({ events: [] });
    expect(await api.calendar()).toEqual({ events: [] });
  });

  it('refuses to store what is not a calendar', async () => {
    const store = new DynamoDbNewsCalendar(dynamo.client, dynamo.tableName);
    await store.put(calendar);
    await expect(store.put({ events: [{ id: 'x', title: 'x', time: 'tomorrow', symbols: ['EURUSD'] }] })).rejects.toThrow();
    expect(await store.calendar()).toEqual(calendar);
  });
});
