import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbAccountStore } from '../../shared/adapters/dynamodb/account-store.js';
import { DynamoDbRiskQueue } from '../../shared/adapters/dynamodb/risk-queue.js';
import { InvalidCursorError } from '../../shared/ports/page.js';
import type { QueueItem, QueueMove, QueueState, RiskQueue } from '../../shared/ports/risk-queue.js';
import type { DomainEvent } from '../../shared/stream/domain-events.js';
import { domainEventSample } from '../support/domain-events.js';
import { startDynamo, type LocalDynamo } from '../support/dynalite.js';
import { MemoryRiskQueue } from '../support/risk-queue.js';

const sample = (type: DomainEvent['type'], accountId: string, time: string, id: string): DomainEvent => {
  const event = domainEventSample(type, accountId, time, id);
  return event.type === 'TradeClosed' ? { ...event, closedAt: time } : event;
};

/** A queue with nothing in it, and how verdicts (and other records) reach it. */
interface Queue {
  readonly queue: RiskQueue;
  record(events: readonly DomainEvent[]): Promise<void>;
}

interface Subject {
  readonly name: string;
  /** Whether two moves can race between the read and the write. */
  readonly concurrent: boolean;
  start(): Promise<{ fresh(): Promise<Queue>; close(): Promise<void> }>;
}

const subjects: Subject[] = [
  {
    name: 'DynamoDbRiskQueue on dynalite, fed by DynamoDbAccountStore.writeRecords',
    concurrent: true,
    async start() {
      const dynamo: LocalDynamo = await startDynamo();
      return {
        // A table of its own per test, on the one server, so that each test sees only its own verdicts.
        async fresh() {
          const tableName = await dynamo.freshTable('risk-queue');
          const store = new DynamoDbAccountStore(dynamo.client, tableName);
          return { queue: new DynamoDbRiskQueue(dynamo.client, tableName), record: (events) => store.writeRecords(events) };
        },
        close: () => dynamo.close(),
      };
    },
  },
  {
    name: 'MemoryRiskQueue, fed by record',
    concurrent: false,
    async start() {
      return {
        async fresh() {
          const queue = new MemoryRiskQueue();
          return { queue, record: async (events) => queue.record(events) };
        },
        close: async () => {},
      };
    },
  },
];

/** Every page of a state's listing, each page's verdict ids. */
async function pages(queue: RiskQueue, state: QueueState, limit = 2): Promise<string[][]> {
  const found: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await queue.list(state, { limit, ...(cursor === undefined ? {} : { cursor }) });
    found.push(page.items.map((item) => item.verdict.id));
    cursor = page.cursor;
  } while (cursor !== undefined);
  return found;
}

/** A state's whole listing, in order. */
async function listed(queue: RiskQueue, state: QueueState): Promise<QueueItem[]> {
  const page = await queue.list(state, { limit: 100 });
  expect(page.cursor).toBeUndefined();
  return [...page.items];
}

const openItem = (item: QueueItem, verdict: DomainEvent): QueueItem => ({
  itemId: item.itemId,
  state: 'open',
  verdict,
  handledBy: null,
  handledAt: null,
  note: null,
  decisionId: null,
});

const moved = (item: QueueItem, move: QueueMove): QueueItem => ({ ...item, state: move.to, handledBy: move.by, handledAt: move.at, note: move.note, decisionId: move.decisionId });

const acknowledge: QueueMove = { to: 'acknowledged', by: 'analyst-ana', at: '2026-03-04T09:00:00.000Z', note: 'looking into it', decisionId: 'decision-1' };
const resolve: QueueMove = { to: 'resolved', by: 'analyst-ben', at: '2026-03-04T10:30:00.000Z', note: 'confirmed: news trade', decisionId: 'decision-2' };

/** An id of the adapter's shape naming a record that is not there, or not a verdict. */
const idNaming = (pk: string, sk: string): string => Buffer.from(JSON.stringify([pk, sk])).toString('base64url');

describe.each(subjects)('$name', (subject) => {
  let subjectQueues: { fresh(): Promise<Queue>; close(): Promise<void> };

  beforeAll(async () => {
    subjectQueues = await subject.start();
  });
  afterAll(async () => {
    await subjectQueues.close();
  });

  /** A fresh queue holding these verdicts, each open, and the items they became, by verdict id. */
  async function queueOf(events: readonly DomainEvent[]): Promise<Queue & { items: Map<string, QueueItem> }> {
    const fresh = await subjectQueues.fresh();
    await fresh.record(events);
    const items = new Map((await listed(fresh.queue, 'open')).map((item) => [item.verdict.id, item]));
    return { ...fresh, items };
  }

  it('lists only verdicts, newest first, and pages walk every open item once', async () => {
    const violation = sample('ViolationRecorded', 'a-1', '2026-03-03T09:00:00.000Z', 'v1');
    const warningA1 = sample('WarningRaised', 'a-1', '2026-03-03T10:00:00.000Z', 'w1');
    const warningA2 = sample('WarningRaised', 'a-2', '2026-03-03T10:00:00.000Z', 'w0');
    const failure = sample('AccountFailed', 'a-2', '2026-03-03T12:00:00.000Z', 'f1');
    const pass = sample('PhasePassed', 'a-3', '2026-03-03T08:00:00.000Z', 'p1');
    const { queue, record } = await queueOf([]);
    await record([
      violation,
      warningA2,
      sample('DayClosed', 'a-1', '2026-03-03T23:00:00.000Z', 'd1'),
      sample('TradeClosed', 'a-2', '2026-03-03T11:30:00.000Z', 't1'),
      failure,
    ]);
    await record([
      sample('ObjectiveUpdated', 'a-1', '2026-03-03T12:30:00.000Z', 'o1'),
      sample('AccountOverridden', 'a-3', '2026-03-03T13:00:00.000Z', 'x1'),
      pass,
      warningA1,
    ]);

    // w1 (on a-1) and w0 (on a-2) share a time: the id orders them, as the `<time>#<id>` sort key does, not the account.
    expect(await pages(queue, 'open')).toEqual([['f1', 'w1'], ['w0', 'v1'], ['p1']]);
    expect(await pages(queue, 'open', 10)).toEqual([['f1', 'w1', 'w0', 'v1', 'p1']]);
    expect(await pages(queue, 'acknowledged')).toEqual([[]]);
    expect(await pages(queue, 'resolved')).toEqual([[]]);

    const items = await listed(queue, 'open');
    expect(items).toEqual([failure, warningA1, warningA2, violation, pass].map((verdict, index) => openItem(items[index]!, verdict)));
    expect(new Set(items.map((item) => item.itemId)).size).toBe(5);
    for (const item of items) expect(await queue.get(item.itemId)).toEqual(item);
  });

  it('moves an item open → acknowledged → resolved, recording who, when, why and the decision', async () => {
    const verdicts = [
      sample('ViolationRecorded', 'a-1', '2026-03-03T09:00:00.000Z', 'v1'),
      sample('WarningRaised', 'a-1', '2026-03-03T10:00:00.000Z', 'w1'),
      sample('AccountFailed', 'a-2', '2026-03-03T11:00:00.000Z', 'f1'),
    ];
    const { queue, items } = await queueOf(verdicts);
    const warning = items.get('w1')!;

    const acknowledged = moved(warning, acknowledge);
    expect(acknowledged).toEqual({ ...openItem(warning, verdicts[1]!), state: 'acknowledged', handledBy: 'analyst-ana', handledAt: '2026-03-04T09:00:00.000Z', note: 'looking into it', decisionId: 'decision-1' });
    expect(await queue.move(warning.itemId, acknowledge)).toEqual({ moved: true, item: acknowledged });
    expect(await queue.get(warning.itemId)).toEqual(acknowledged);
    expect((await listed(queue, 'open')).map((item) => item.verdict.id)).toEqual(['f1', 'v1']);
    expect(await listed(queue, 'acknowledged')).toEqual([acknowledged]);
    expect(await listed(queue, 'resolved')).toEqual([]);

    const resolved = moved(warning, resolve);
    expect(await queue.move(warning.itemId, resolve)).toEqual({ moved: true, item: resolved });
    expect(await queue.get(warning.itemId)).toEqual(resolved);
    expect((await listed(queue, 'open')).map((item) => item.verdict.id)).toEqual(['f1', 'v1']);
    expect(await listed(queue, 'acknowledged')).toEqual([]);
    expect(await listed(queue, 'resolved')).toEqual([resolved]);
  });

  it('resolves an open item directly, and refuses every move back or in place', async () => {
    const { queue, items } = await queueOf([
      sample('ViolationRecorded', 'a-1', '2026-03-03T09:00:00.000Z', 'v1'),
      sample('WarningRaised', 'a-2', '2026-03-03T10:00:00.000Z', 'w1'),
    ]);
    const violation = items.get('v1')!;
    const warning = items.get('w1')!;

    const resolved = moved(violation, resolve);
    expect(await queue.move(violation.itemId, resolve)).toEqual({ moved: true, item: resolved });
    for (const to of ['open', 'acknowledged', 'resolved'] as const) {
      expect(await queue.move(violation.itemId, { ...acknowledge, to, decisionId: `again-${to}` })).toEqual({ moved: false, reason: 'notAllowed', item: resolved });
    }
    expect(await queue.get(violation.itemId)).toEqual(resolved);

    const acknowledged = moved(warning, acknowledge);
    expect(await queue.move(warning.itemId, acknowledge)).toEqual({ moved: true, item: acknowledged });
    const again = { ...acknowledge, by: 'analyst-cat', note: 'mine', decisionId: 'decision-3' };
    expect(await queue.move(warning.itemId, again)).toEqual({ moved: false, reason: 'notAllowed', item: acknowledged });
    expect(await queue.move(warning.itemId, { ...again, to: 'open' })).toEqual({ moved: false, reason: 'notAllowed', item: acknowledged });
    expect(await queue.get(warning.itemId)).toEqual(acknowledged);

    expect(await listed(queue, 'open')).toEqual([]);
    expect(await listed(queue, 'acknowledged')).toEqual([acknowledged]);
    expect(await listed(queue, 'resolved')).toEqual([resolved]);
  });

  it('answers an unknown or malformed id with null and notFound', async () => {
    const { queue, record } = await queueOf([sample('ViolationRecorded', 'a-1', '2026-03-03T09:00:00.000Z', 'v1')]);
    await record([sample('DayClosed', 'a-1', '2026-03-03T23:00:00.000Z', 'd1')]);
    const day = (JSON.parse(readFileSync(new URL('../../events/samples/domain/DayClosed.json', import.meta.url), 'utf8')) as { day: string }).day;
    const ids = [
      idNaming('ACCOUNT#a-1', 'VERDICT#2026-03-03T09:00:00.000Z#v2'),
      idNaming('ACCOUNT#a-2', 'VERDICT#2026-03-03T09:00:00.000Z#v1'),
      idNaming('ACCOUNT#a-1', `DAY#${day}`),
      idNaming('ACCOUNT#a-1', 'STATE'),
      'not-an-id',
      '',
    ];
    for (const itemId of ids) {
      expect(await queue.get(itemId)).toBeNull();
      expect(await queue.move(itemId, acknowledge)).toEqual({ moved: false, reason: 'notFound' });
    }
    expect((await listed(queue, 'open')).map((item) => item.verdict.id)).toEqual(['v1']);
  });

  it('keeps the handling of a verdict written again, and lists it once', async () => {
    const violation = sample('ViolationRecorded', 'a-1', '2026-03-03T09:00:00.000Z', 'v1');
    const { queue, record, items } = await queueOf([violation]);
    const acknowledged = moved(items.get('v1')!, acknowledge);
    expect(await queue.move(acknowledged.itemId, acknowledge)).toEqual({ moved: true, item: acknowledged });

    // A redelivered outbox: the same verdict again, with one that is new.
    const warning = sample('WarningRaised', 'a-1', '2026-03-03T10:00:00.000Z', 'w1');
    await record([violation, warning]);
    await record([violation]);

    expect(await queue.get(acknowledged.itemId)).toEqual(acknowledged);
    expect(await listed(queue, 'acknowledged')).toEqual([acknowledged]);
    const open = await listed(queue, 'open');
    expect(open).toEqual([openItem(open[0]!, warning)]);
    expect(await listed(queue, 'resolved')).toEqual([]);
  });

  it.runIf(subject.concurrent)('lets exactly one of two concurrent moves of an open item through', async () => {
    const verdicts = ['v1', 'v2', 'v3', 'v4', 'v5'].map((id, index) => sample('ViolationRecorded', 'a-1', `2026-03-03T0${index + 1}:00:00.000Z`, id));
    const { queue, items } = await queueOf(verdicts);
    for (const item of items.values()) {
      const first = { ...acknowledge, by: 'analyst-ana', decisionId: `${item.verdict.id}-ana` };
      const second = { ...acknowledge, by: 'analyst-ben', decisionId: `${item.verdict.id}-ben` };
      const outcomes = await Promise.all([queue.move(item.itemId, first), queue.move(item.itemId, second)]);
      const winners = outcomes.filter((outcome) => outcome.moved);
      expect(winners).toHaveLength(1);
      const winner = moved(item, outcomes[0]!.moved ? first : second);
      expect(winners[0]).toEqual({ moved: true, item: winner });
      expect(outcomes.find((outcome) => !outcome.moved)).toEqual({ moved: false, reason: 'notAllowed', item: winner });
      expect(await queue.get(item.itemId)).toEqual(winner);
    }
    expect(await listed(queue, 'open')).toEqual([]);
    expect((await listed(queue, 'acknowledged')).map((item) => item.verdict.id)).toEqual(['v5', 'v4', 'v3', 'v2', 'v1']);
  });

  it('refuses a cursor it did not give out', async () => {
    const { queue } = await queueOf(['v1', 'v2', 'v3'].map((id, index) => sample('WarningRaised', 'a-1', `2026-03-03T0${index + 1}:00:00.000Z`, id)));
    const first = await queue.list('open', { limit: 2 });
    expect(first.items.map((item) => item.verdict.id)).toEqual(['v3', 'v2']);
    const cursor = first.cursor!;
    expect(cursor).toEqual(expect.any(String));
    expect((await queue.list('open', { limit: 2, cursor })).items.map((item) => item.verdict.id)).toEqual(['v1']);

    const altered = [Buffer.from(`${Buffer.from(cursor, 'base64url').toString('utf8')}x`).toString('base64url'), cursor.slice(0, -3)];
    for (const bad of [...altered, 'not-a-cursor', Buffer.from('{"pk":{"N":"1"}}').toString('base64url')]) {
      await expect(queue.list('open', { limit: 2, cursor: bad })).rejects.toThrow(InvalidCursorError);
    }
  });
});
