/**
 * A RiskQueue in memory, with the DynamoDB queue's answers: verdicts join open (once: recorded again, a
 * verdict keeps the desk's handling), each state lists newest first by `<time>#<id>` as the adapter's
 * index does, moves follow QUEUE_MOVES, and item ids and cursors are opaque and checked.
 */
import { recordKindOf } from '../../shared/ports/account-reader.js';
import { InvalidCursorError, type Page, type PageRequest } from '../../shared/ports/page.js';
import { QUEUE_MOVES, type MoveOutcome, type QueueItem, type QueueMove, type QueueState, type RiskQueue } from '../../shared/ports/risk-queue.js';
import type { DomainEvent } from '../../shared/stream/domain-events.js';

/** The record key the adapter's item id names: the account's partition and the verdict's sort key. */
const recordKeyOf = (verdict: DomainEvent): [string, string] => [`ACCOUNT#${verdict.accountId}`, `VERDICT#${verdict.time}#${verdict.id}`];
const itemIdOf = (verdict: DomainEvent): string => Buffer.from(JSON.stringify(recordKeyOf(verdict))).toString('base64url');
/** The listing's sort key, `<time>#<id>`, then the partition: the order of the adapter's index. */
const listingKeyOf = (verdict: DomainEvent): string => `${verdict.time}#${verdict.id}\u0000ACCOUNT#${verdict.accountId}`;

/** Newest first, comparing UTF-8 bytes as DynamoDB compares sort keys. */
const newestFirst = (a: string, b: string): number => Buffer.compare(Buffer.from(b), Buffer.from(a));

export class MemoryRiskQueue implements RiskQueue {
  /** Every item, by item id. */
  private readonly items = new Map<string, QueueItem>();
  /** Every cursor given out, with the state whose listing it continues and the listing key it continues after. */
  private readonly cursors = new Map<string, { state: QueueState; after: string }>();

  constructor(verdicts: readonly DomainEvent[] = []) {
    this.record(verdicts);
  }

  /** What the evaluator's writeRecords does to the queue: new verdicts join open, known ones stay as they are. */
  record(events: readonly DomainEvent[]): void {
    for (const event of events) {
      if (recordKindOf(event) !== 'verdicts') continue;
      const itemId = itemIdOf(event);
      if (this.items.has(itemId)) continue;
      // Stored as JSON, as the adapter keeps it, so an absent optional field reads back absent.
      const verdict = JSON.parse(JSON.stringify(event)) as DomainEvent;
      this.items.set(itemId, { itemId, state: 'open', verdict, handledBy: null, handledAt: null, note: null, decisionId: null });
    }
  }

  async list(state: QueueState, { limit, cursor }: PageRequest): Promise<Page<QueueItem>> {
    const from = cursor === undefined ? undefined : this.cursors.get(cursor);
    if (cursor !== undefined && from?.state !== state) throw new InvalidCursorError();
    const listed = [...this.items.values()]
      .map((item) => ({ item, key: listingKeyOf(item.verdict) }))
      .filter(({ item, key }) => item.state === state && (from === undefined || newestFirst(from.after, key) < 0))
      .sort((a, b) => newestFirst(a.key, b.key));
    const page = listed.slice(0, limit);
    if (listed.length <= limit) return { items: page.map(({ item }) => item) };
    const next = Buffer.from(JSON.stringify([state, page.at(-1)!.key])).toString('base64url');
    this.cursors.set(next, { state, after: page.at(-1)!.key });
    return { items: page.map(({ item }) => item), cursor: next };
  }

  async get(itemId: string): Promise<QueueItem | null> {
    return this.items.get(itemId) ?? null;
  }

  async move(itemId: string, move: QueueMove): Promise<MoveOutcome> {
    const current = this.items.get(itemId);
    if (current === undefined) return { moved: false, reason: 'notFound' };
    if (!QUEUE_MOVES[current.state].includes(move.to)) return { moved: false, reason: 'notAllowed', item: current };
    const item: QueueItem = { ...current, state: move.to, handledBy: move.by, handledAt: move.at, note: move.note, decisionId: move.decisionId };
    this.items.set(itemId, item);
    return { moved: true, item };
  }
}
