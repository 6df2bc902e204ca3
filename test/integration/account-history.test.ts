import { gunzipSync, gzipSync } from 'node:zlib';
import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbAccountHistory, MAX_CHUNK_GZIP_BYTES } from '../../shared/adapters/dynamodb/account-history.js';
import { keys } from '../../shared/adapters/dynamodb/table.js';
import { toWire, type SnapshotEvent, type TradeEvent } from '../../shared/domain/events.js';
import type { AccountHistory, HistoryChunk, HistoryOpening } from '../../shared/ports/account-history.js';
import { seededRandom } from '../../shared/seeded-random.js';
import { MemoryAccountHistory } from '../support/account-history.js';
import { startDynamo, type LocalDynamo } from '../support/dynalite.js';
import { events } from '../support/events.js';

const opening: HistoryOpening = { phaseId: 'phase-1', openedAt: Date.parse('2026-03-02T00:00:00Z'), initialBalance: 10_000_000, traderId: 'trader-1' };
const KEEP_UNTIL = Date.parse('2026-07-01T00:00:00.500Z');
const at = (minute: number) => Date.parse('2026-03-02T09:00:00Z') + minute * 60_000;
/** A chunk of these events as the stream carries them: each record's data, base64 of its wire JSON. */
const chunk = (revision: number, chunkEvents: readonly TradeEvent[], chunkOpening = opening): HistoryChunk => ({
  revision,
  opening: chunkOpening,
  records: chunkEvents.map((event) => Buffer.from(JSON.stringify(toWire(event))).toString('base64')),
  keepUntil: KEEP_UNTIL,
});
const seqs = (list: readonly TradeEvent[]) => list.map((event) => ('seq' in event ? event.seq : `clock@${event.time}`));
/** Snapshots of `accountId`, one a minute from minute 1, with seqs from `startSeq`. */
const snapshots = (accountId: string, count: number, startSeq = 1) => {
  const b = events({ accountId, startSeq });
  return Array.from({ length: count }, (_, index) => b.snapshot(at(startSeq + index), { equity: 10_000_000 + index }));
};

interface Subject {
  readonly history: AccountHistory;
  close(): Promise<void>;
}

const subjects: { name: string; open: () => Promise<Subject> }[] = [
  {
    name: 'DynamoDbAccountHistory on dynalite',
    open: async () => {
      const dynamo = await startDynamo();
      return { history: new DynamoDbAccountHistory(dynamo.client, dynamo.tableName), close: () => dynamo.close() };
    },
  },
  { name: 'MemoryAccountHistory', open: async () => ({ history: new MemoryAccountHistory(), close: async () => {} }) },
];

describe.each(subjects)('$name', ({ open }) => {
  let subject: Subject;

  beforeAll(async () => {
    subject = await open();
  });
  afterAll(async () => {
    await subject.close();
  });

  it('reads null for an account without history', async () => {
    expect(await subject.history.read('acc-unknown', 1000)).toBeNull();
  });

  it('reads the chunks in stream order, whatever the order they were written in, with the first chunk opening', async () => {
    const [s1, s2, s3, s4, s5] = snapshots('acc-order', 5) as [TradeEvent, TradeEvent, TradeEvent, TradeEvent, TradeEvent];
    const passed = { ...opening, phaseId: 'phase-2' };
    await subject.history.append([{ accountId: 'acc-order', ...chunk(12, [s4, s5], passed) }]);
    await subject.history.append([{ accountId: 'acc-order', ...chunk(2, [s1, s2]) }]);
    await subject.history.append([{ accountId: 'acc-order', ...chunk(9, [s3]) }]);
    expect(await subject.history.read('acc-order', 1000)).toEqual({ opening, events: [s1, s2, s3, s4, s5], chunks: 3 });
  });

  it('replaces a chunk written again before the same save, without doubling its events', async () => {
    const [s1, s2, s3] = snapshots('acc-rewrite', 3) as [TradeEvent, TradeEvent, TradeEvent];
    const retried = { ...opening, traderId: 'trader-2' };
    await subject.history.append([{ accountId: 'acc-rewrite', ...chunk(1, [s1, s2]) }]);
    await subject.history.append([{ accountId: 'acc-rewrite', ...chunk(1, [s1, s2, s3], retried) }]);
    expect(await subject.history.read('acc-rewrite', 3)).toEqual({ opening: retried, events: [s1, s2, s3], chunks: 1 });
  });

  it('keeps each seq once when a retried batch re-sent events in a later chunk', async () => {
    const list = snapshots('acc-overlap', 6);
    await subject.history.append([{ accountId: 'acc-overlap', ...chunk(1, list.slice(0, 3)) }]);
    await subject.history.append([{ accountId: 'acc-overlap', ...chunk(2, list.slice(1, 5)) }]);
    await subject.history.append([{ accountId: 'acc-overlap', ...chunk(3, list.slice(4, 6)) }]);
    const history = await subject.history.read('acc-overlap', 1000);
    expect(seqs(history!.events)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(history!.events).toEqual(list);
    expect(history!.chunks).toBe(3);
  });

  it('keeps each clock event once, though it has no seq', async () => {
    const b = events({ accountId: 'acc-clock' });
    const tick1 = b.clock(at(1));
    const s1 = b.snapshot(at(2), { equity: 1 });
    const tick2 = b.clock(at(3));
    const s2 = b.snapshot(at(4), { equity: 2 });
    const tick3 = b.clock(at(5));
    await subject.history.append([{ accountId: 'acc-clock', ...chunk(1, [tick1, s1, tick2]) }]);
    // The retry re-sent the tick after seq 1 with the next events.
    await subject.history.append([{ accountId: 'acc-clock', ...chunk(2, [tick2, s2, tick3]) }]);
    // Chunks of ticks alone, at the same seq and the same time: the revision orders them.
    const tick4 = b.clock(at(6));
    const tick5 = b.clock(at(7));
    await subject.history.append([{ accountId: 'acc-clock', ...chunk(4, [tick5]) }]);
    await subject.history.append([{ accountId: 'acc-clock', ...chunk(3, [tick4]) }]);
    const history = await subject.history.read('acc-clock', 1000);
    expect(history!.events).toEqual([tick1, s1, tick2, s2, tick3, tick4, tick5]);
    expect(history!.chunks).toBe(4);
  });

  it('reads back a record whose JSON a bridge pretty-printed, line breaks and all', async () => {
    const [s1, s2] = snapshots('acc-pretty', 2) as [TradeEvent, TradeEvent];
    const pretty = Buffer.from(JSON.stringify(toWire(s1), null, 2)).toString('base64');
    await subject.history.append([{ accountId: 'acc-pretty', ...{ ...chunk(1, [s2]), records: [pretty, ...chunk(1, [s2]).records] } }]);
    expect((await subject.history.read('acc-pretty', 10))?.events).toEqual([s1, s2]);
  });

  it('refuses a history of more events than the reader accepts', async () => {
    const list = snapshots('acc-long', 6);
    await subject.history.append([{ accountId: 'acc-long', ...chunk(1, list.slice(0, 3)) }]);
    await subject.history.append([{ accountId: 'acc-long', ...chunk(2, list.slice(3)) }]);
    expect((await subject.history.read('acc-long', 6))?.events).toHaveLength(6);
    await expect(subject.history.read('acc-long', 5)).rejects.toThrow(RangeError);
    await expect(subject.history.read('acc-long', 5)).rejects.toThrow(/acc-long.*5/);
  });
});

describe('DynamoDbAccountHistory items', () => {
  let dynamo: LocalDynamo;
  let history: DynamoDbAccountHistory;

  beforeAll(async () => {
    dynamo = await startDynamo();
    history = new DynamoDbAccountHistory(dynamo.client, dynamo.tableName);
  });
  afterAll(async () => {
    await dynamo.close();
  });

  const historyItems = async (accountId: string) => {
    const page = await dynamo.client.send(
      new QueryCommand({
        TableName: dynamo.tableName,
        KeyConditionExpression: 'pk = :account AND begins_with(sk, :history)',
        ExpressionAttributeValues: { ':account': { S: `ACCOUNT#${accountId}` }, ':history': { S: 'HISTORY#' } },
      }),
    );
    return page.Items ?? [];
  };

  it('splits a chunk too large for one item, and reads it back intact', async () => {
    const random = seededRandom(7);
    const b = events({ accountId: 'acc-big' });
    const start = Date.parse('2026-03-02T00:00:00Z');
    const big = Array.from({ length: 20_000 }, (_, index) => {
      const equity = 10_000_000 + Math.round((random() - 0.5) * 2_000_000);
      return b.snapshot(start + index * 1000, { balance: 10_000_000, equity, margin: Math.round(random() * 500_000) });
    });
    expect(gzipSync(big.map((event) => JSON.stringify(toWire(event))).join('\n'), { level: 1 }).length).toBeGreaterThan(MAX_CHUNK_GZIP_BYTES);

    await history.append([{ accountId: 'acc-big', ...chunk(7, big) }]);

    const items = await historyItems('acc-big');
    expect(items.length).toBeGreaterThan(1);
    let nextSeq = 1;
    for (const [index, item] of items.entries()) {
      expect(item['chunk']!.B!.length).toBeLessThanOrEqual(MAX_CHUNK_GZIP_BYTES);
      // Parts are numbered in order, each holding the events after the previous part's, one JSON per line.
      const lines = gunzipSync(item['chunk']!.B!).toString('utf8').split('\n');
      expect(item['sk']!.S).toBe(keys.historyChunk('acc-big', 7, index).sk);
      expect((JSON.parse(lines[0]!) as SnapshotEvent).seq).toBe(nextSeq);
      expect(Number(item['events']!.N)).toBe(lines.length);
      // DynamoDB's TTL forgets each part once its retention has passed (epoch seconds, rounded up).
      expect(item['expiresAt']).toEqual({ N: String(Math.ceil(KEEP_UNTIL / 1000)) });
      nextSeq += lines.length;
    }
    expect(items.reduce((count, item) => count + Number(item['events']!.N), 0)).toBe(20_000);
    const read = await history.read('acc-big', 20_000);
    expect(read!.opening).toEqual(opening);
    expect(read!.chunks).toBe(items.length);
    expect(read!.events).toEqual(big);
    await expect(history.read('acc-big', 19_999)).rejects.toThrow(RangeError);
  });

  it('reads only the history among the items of the account partition', async () => {
    const list = snapshots('acc-mixed', 2);
    for (const sk of ['STATE', 'DAY#2026-03-02', 'HISTORY', 'TRADE#2026-03-02T09:00:00.000Z#t-1']) {
      await dynamo.client.send(new PutItemCommand({ TableName: dynamo.tableName, Item: { pk: { S: 'ACCOUNT#acc-mixed' }, sk: { S: sk }, state: { S: '{}' } } }));
    }
    await history.append([{ accountId: 'acc-mixed-2', ...chunk(1, snapshots('acc-mixed-2', 1)) }]);
    await history.append([{ accountId: 'acc-mixed', ...chunk(1, list) }]);
    expect(await history.read('acc-mixed', 1000)).toEqual({ opening, events: list, chunks: 1 });
  });
});
