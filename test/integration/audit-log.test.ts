import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbAuditLog } from '../../shared/adapters/dynamodb/audit-log.js';
import type { AuditEntry, AuditLog, AuditQuery } from '../../shared/ports/audit-log.js';
import { InvalidCursorError } from '../../shared/ports/page.js';
import { MemoryAuditLog } from '../support/audit-log.js';
import { startDynamo, type LocalDynamo } from '../support/dynalite.js';

function entry(id: string, time: string, subject: string, targetId: string, action: string): AuditEntry {
  return {
    id,
    time,
    actor: { subject, roles: ['risk'] },
    action,
    target: { kind: targetId.startsWith('acc') ? 'account' : 'program', id: targetId },
    reason: action === 'program.versionCreated' ? null : `reason for ${id}`,
    details: { id, nested: { values: [1, 2] } },
  };
}

const OVERRIDE = 'account.overrideRequested';
const CREATED = 'program.versionCreated';
const QUEUE = 'riskQueue.itemUpdated';

// Nov 16 to 24: entries on the 17th, 20th, 21st and 23rd; the 16th, 18th, 19th, 22nd and 24th are empty.
const entries = [
  entry('before', '2026-11-15T23:59:59.999Z', 'alice', 'acc-1', OVERRIDE),
  entry('e1', '2026-11-17T10:00:00.000Z', 'alice', 'acc-1', OVERRIDE),
  entry('e2', '2026-11-17T15:30:00.000Z', 'bob', 'prog-1', CREATED),
  // No milliseconds: still before e4, half a second later.
  entry('e3', '2026-11-20T08:00:00Z', 'alice', 'acc-2', QUEUE),
  entry('e4', '2026-11-20T08:00:00.500Z', 'bob', 'acc-1', OVERRIDE),
  entry('e5', '2026-11-20T23:59:59.999Z', 'alice', 'acc-1', QUEUE),
  entry('e6', '2026-11-21T00:00:00.000Z', 'bob', 'acc-2', OVERRIDE),
  entry('e7-a', '2026-11-23T12:00:00.000Z', 'alice', 'acc-3', QUEUE),
  entry('e7-b', '2026-11-23T12:00:00.000Z', 'alice', 'acc-3', QUEUE),
  entry('after', '2026-11-25T00:00:00.000Z', 'alice', 'acc-1', OVERRIDE),
];
const RANGE = { from: '2026-11-16', to: '2026-11-24' };
const NEWEST_FIRST = ['e7-b', 'e7-a', 'e6', 'e5', 'e4', 'e3', 'e2', 'e1'];

const byId = (id: string): AuditEntry => entries.find((candidate) => candidate.id === id)!;
const ids = (items: readonly AuditEntry[]): string[] => items.map((item) => item.id);

/** Every page of the query, in order, each checked to hold at most `limit` entries. */
async function walk(log: AuditLog, query: AuditQuery, limit: number): Promise<AuditEntry[][]> {
  const pages: AuditEntry[][] = [];
  let cursor: string | undefined;
  do {
    const page = await log.query(query, { limit, ...(cursor === undefined ? {} : { cursor }) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    pages.push([...page.items]);
    cursor = page.cursor;
    if (pages.length > 50) throw new Error('the query did not end');
  } while (cursor !== undefined);
  return pages;
}

interface Opened {
  readonly log: AuditLog;
  close(): Promise<void>;
}

const implementations: { name: string; open: () => Promise<Opened> }[] = [
  {
    name: 'DynamoDbAuditLog on dynalite',
    open: async () => {
      const dynamo = await startDynamo();
      return { log: new DynamoDbAuditLog(dynamo.client, dynamo.tableName), close: () => dynamo.close() };
    },
  },
  { name: 'MemoryAuditLog', open: async () => ({ log: new MemoryAuditLog(), close: async () => {} }) },
];

describe.each(implementations)('$name', ({ open }) => {
  let opened: Opened;
  let log: AuditLog;

  beforeEach(async () => {
    opened = await open();
    log = opened.log;
  });
  afterEach(async () => {
    await opened.close();
  });

  /** All entries, appended out of order. */
  async function appendAll(): Promise<void> {
    for (const index of [5, 0, 8, 2, 9, 6, 1, 7, 3, 4]) await log.append(entries[index]!);
  }

  it('keeps the first of two appends with the same id and time', async () => {
    const first = byId('e4');
    await log.append(first);
    await log.append({ ...first, reason: 'a retry that should change nothing', details: { other: true } });
    expect(await log.query({ from: '2026-11-20', to: '2026-11-20' }, { limit: 10 })).toEqual({ items: [first] });
  });

  it('lists the range newest first across days, whole, with no cursor when one page holds it', async () => {
    await appendAll();
    const page = await log.query(RANGE, { limit: 100 });
    expect(ids(page.items)).toEqual(NEWEST_FIRST);
    expect(page.items).toEqual(NEWEST_FIRST.map(byId));
    expect(page.cursor).toBeUndefined();
  });

  it('includes both ends of the range and nothing outside it', async () => {
    await appendAll();
    expect(ids((await log.query({ from: '2026-11-20', to: '2026-11-20' }, { limit: 10 })).items)).toEqual(['e5', 'e4', 'e3']);
    expect(ids((await log.query({ from: '2026-11-15', to: '2026-11-17' }, { limit: 10 })).items)).toEqual(['e2', 'e1', 'before']);
    expect(ids((await log.query({ from: '2026-11-24', to: '2026-11-25' }, { limit: 10 })).items)).toEqual(['after']);
    expect(await log.query({ from: '2026-11-18', to: '2026-11-19' }, { limit: 10 })).toEqual({ items: [] });
  });

  it('filters by actor, target and action, alone and together', async () => {
    await appendAll();
    const filtered = async (filter: Partial<AuditQuery>) => ids((await log.query({ ...RANGE, ...filter }, { limit: 100 })).items);
    expect(await filtered({ actor: 'alice' })).toEqual(['e7-b', 'e7-a', 'e5', 'e3', 'e1']);
    expect(await filtered({ targetId: 'acc-1' })).toEqual(['e5', 'e4', 'e1']);
    expect(await filtered({ action: OVERRIDE })).toEqual(['e6', 'e4', 'e1']);
    expect(await filtered({ actor: 'bob', targetId: 'acc-1' })).toEqual(['e4']);
    expect(await filtered({ actor: 'alice', targetId: 'acc-1', action: QUEUE })).toEqual(['e5']);
    expect(await filtered({ actor: 'carol' })).toEqual([]);
  });

  it.each([1, 2, 3, 5, 7, 8])('walks every entry exactly once, in order, %i at a time, over the empty days', async (limit) => {
    await appendAll();
    const pages = await walk(log, RANGE, limit);
    expect(ids(pages.flat())).toEqual(NEWEST_FIRST);
    // Every page but perhaps a last, empty one is full: a short page means the range is done.
    expect(pages.slice(0, -1).every((page) => page.length === limit)).toBe(true);
  });

  it.each([1, 2, 4])('walks filtered entries exactly once, %i at a time', async (limit) => {
    await appendAll();
    expect(ids((await walk(log, { ...RANGE, actor: 'alice' }, limit)).flat())).toEqual(['e7-b', 'e7-a', 'e5', 'e3', 'e1']);
    expect(ids((await walk(log, { ...RANGE, targetId: 'acc-2' }, limit)).flat())).toEqual(['e6', 'e3']);
  });

  it('walks a filtered day larger than one DynamoDB read (1 MB) exactly once', async () => {
    const large = Array.from({ length: 15 }, (_, index) => ({
      ...entry(`big-${String(index).padStart(2, '0')}`, `2026-11-20T09:00:${String(index).padStart(2, '0')}.000Z`, index % 5 === 4 ? 'bob' : 'alice', 'acc-1', QUEUE),
      details: { padding: 'x'.repeat(100_000) },
    }));
    for (const item of large) await log.append(item);
    const alice = large.filter((item) => item.actor.subject === 'alice').reverse();
    expect(ids((await walk(log, { from: '2026-11-20', to: '2026-11-20', actor: 'alice' }, 4)).flat())).toEqual(ids(alice));
  });

  it('refuses an altered cursor, and one from another range', async () => {
    await appendAll();
    const { cursor } = await log.query(RANGE, { limit: 1 });
    expect(cursor).toBeDefined();
    await expect(log.query(RANGE, { limit: 1, cursor: `x${cursor!}` })).rejects.toThrow(InvalidCursorError);
    await expect(log.query(RANGE, { limit: 1, cursor: 'not a cursor' })).rejects.toThrow(InvalidCursorError);
    await expect(log.query({ from: '2026-11-01', to: '2026-11-10' }, { limit: 1, cursor: cursor! })).rejects.toThrow(InvalidCursorError);
    // The cursor still works where it belongs.
    expect(ids((await log.query(RANGE, { limit: 1, cursor: cursor! })).items)).toEqual(['e7-a']);
  });

  it('reads up to 92 days and refuses more, a range backwards, a day that is not one, and an empty page', async () => {
    await appendAll();
    expect(ids((await log.query({ from: '2026-08-25', to: '2026-11-24' }, { limit: 100 })).items)).toEqual([...NEWEST_FIRST, 'before']);
    await expect(log.query({ from: '2026-08-24', to: '2026-11-24' }, { limit: 100 })).rejects.toThrow(new RangeError('an audit query covers at most 92 days; 2026-08-24 to 2026-11-24 is 93'));
    await expect(log.query({ from: '2026-11-24', to: '2026-11-16' }, { limit: 10 })).rejects.toThrow(RangeError);
    await expect(log.query({ from: '2026-02-30', to: '2026-03-01' }, { limit: 10 })).rejects.toThrow(RangeError);
    await expect(log.query({ from: '2026-11-16', to: '2026-11-24T00:00:00Z' }, { limit: 10 })).rejects.toThrow(RangeError);
    await expect(log.query(RANGE, { limit: 0 })).rejects.toThrow(RangeError);
  });

  it('ends a walk over 92 empty days', async () => {
    expect(await walk(log, { from: '2026-01-01', to: '2026-04-02' }, 5)).toEqual([[]]);
  });
});

describe('DynamoDbAuditLog items', () => {
  let dynamo: LocalDynamo;
  let log: DynamoDbAuditLog;

  beforeEach(async () => {
    dynamo = await startDynamo();
    log = new DynamoDbAuditLog(dynamo.client, dynamo.tableName);
  });
  afterEach(async () => {
    await dynamo.close();
  });

  it('stores the entry as JSON under its day and normalised time, with the filtered fields and no expiry', async () => {
    await log.append(byId('e3'));
    const { Item } = await dynamo.client.send(
      new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: 'AUDIT#2026-11-20' }, sk: { S: '2026-11-20T08:00:00.000Z#e3' } }, ConsistentRead: true }),
    );
    expect(Item).toEqual({
      pk: { S: 'AUDIT#2026-11-20' },
      sk: { S: '2026-11-20T08:00:00.000Z#e3' },
      entry: { S: JSON.stringify(byId('e3')) },
      actor: { S: 'alice' },
      targetId: { S: 'acc-2' },
      action: { S: QUEUE },
    });
  });

  it('refuses a cursor whose key is in another day than it names, and an entry without a valid time', async () => {
    const forged = Buffer.from(JSON.stringify({ day: '2026-11-20', key: { pk: { S: 'AUDIT#2026-11-21' }, sk: { S: '2026-11-21T00:00:00.000Z#e6' } } })).toString('base64url');
    await expect(log.query(RANGE, { limit: 1, cursor: forged })).rejects.toThrow(InvalidCursorError);
    await expect(log.append({ ...byId('e1'), time: 'yesterday' })).rejects.toThrow(new RangeError('audit entry e1 has no valid time: "yesterday"'));
  });
});
