/**
 * The risk desk's queue: every verdict (violation, warning, failure, pass) the evaluator records joins it
 * open; an analyst acknowledges it (looking into it) and resolves it with a note. The queue changes only
 * how the desk handles a verdict, never the verdict or the account: changing an account is an override.
 */
import type { DomainEvent } from '../stream/domain-events.js';
import type { Page, PageRequest } from './page.js';

export const QUEUE_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/** Where an item may go from each state: forward only, so a resolved item stays resolved. */
export const QUEUE_MOVES: Readonly<Record<QueueState, readonly QueueState[]>> = {
  open: ['acknowledged', 'resolved'],
  acknowledged: ['resolved'],
  resolved: [],
};

export interface QueueItem {
  /** Opaque: names the verdict's record. */
  readonly itemId: string;
  readonly state: QueueState;
  readonly verdict: DomainEvent;
  /** Who moved it last, when (ISO 8601) and with what note; null while open. */
  readonly handledBy: string | null;
  readonly handledAt: string | null;
  readonly note: string | null;
  /** The decision (and audit entry) of the last move, so a resent move knows it was made. */
  readonly decisionId: string | null;
}

export interface QueueMove {
  readonly to: QueueState;
  readonly by: string;
  readonly at: string;
  readonly note: string;
  readonly decisionId: string;
}

export type MoveOutcome =
  | { readonly moved: true; readonly item: QueueItem }
  /** No such item, or the move is not allowed from its state (a concurrent analyst may have moved it). */
  | { readonly moved: false; readonly reason: 'notFound' }
  | { readonly moved: false; readonly reason: 'notAllowed'; readonly item: QueueItem };

export interface RiskQueue {
  /** The items in this state, newest verdict first. */
  list(state: QueueState, page: PageRequest): Promise<Page<QueueItem>>;
  get(itemId: string): Promise<QueueItem | null>;
  /** Moves the item if QUEUE_MOVES allows it from the state it is in at the time of the write. */
  move(itemId: string, move: QueueMove): Promise<MoveOutcome>;
}
