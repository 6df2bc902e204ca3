/**
 * Where account states live between batches. The evaluator loads the states of a batch's accounts at
 * once, applies the batch, and saves each changed account once, on the condition that nobody saved it
 * since it was loaded: a redelivered batch or a concurrent writer cannot clobber a newer state.
 *
 * A save carries its outbox: the domain events of the change, written in the same item as the state.
 * They are delivered (records written, events published) after the save; an outbox found at load that
 * this process has not delivered is delivered again. So no change is written without its events, and
 * no event exists for a change that was not written (ARCHITECTURE.md, "Exactly once in effect").
 */
import type { AccountState } from '../domain/state.js';
import type { DomainEvent } from '../stream/domain-events.js';

export interface StoredAccount {
  readonly state: AccountState;
  /** Incremented by every save; the condition for the next one. */
  readonly revision: number;
  /** The domain events of the save that wrote `revision`, possibly not yet delivered. */
  readonly outbox: readonly DomainEvent[];
}

export type SaveOutcome = 'saved' | 'conflict';

export type AccountListing = 'active' | 'outboxPending';

export interface AccountStore {
  /** The stored accounts among `accountIds`; unknown ids are absent from the result. */
  load(accountIds: readonly string[]): Promise<Map<string, StoredAccount>>;
  /**
   * Saves `state` with its outbox if the stored revision is still `loadedRevision` (null: if nothing is
   * stored yet). Returns 'conflict', changing nothing, when someone else saved first.
   */
  save(state: AccountState, loadedRevision: number | null, outbox: readonly DomainEvent[]): Promise<SaveOutcome>;
  /** Writes the stored records of these events (trades, days, verdicts); writing one twice is harmless. */
  writeRecords(events: readonly DomainEvent[]): Promise<void>;
  /**
   * Marks the outbox of `revision` delivered. Only terminal accounts need it: they get no later save
   * that would replace the outbox, and until then they are listed as 'outboxPending'.
   */
  markDelivered(state: AccountState, revision: number): Promise<void>;
  /** Account ids page by page: the active accounts, or terminal ones whose last outbox may be undelivered. */
  list(listing: AccountListing): AsyncIterable<readonly string[]>;
}
