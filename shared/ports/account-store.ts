/**
 * Where account states live between batches. The evaluator loads the states of a batch's accounts at
 * once, applies the batch, and saves each changed account once, on the condition that nobody saved it
 * since it was loaded: a redelivered batch or a concurrent writer cannot clobber a newer state.
 */
import type { AccountState } from '../domain/state.js';

export interface StoredAccount {
  readonly state: AccountState;
  /** Incremented by every save; the condition for the next one. */
  readonly revision: number;
}

export type SaveOutcome = 'saved' | 'conflict';

export interface AccountStore {
  /** The stored accounts among `accountIds`; unknown ids are absent from the result. */
  load(accountIds: readonly string[]): Promise<Map<string, StoredAccount>>;
  /**
   * Saves `state` if the stored revision is still `loadedRevision` (null: if nothing is stored yet).
   * Returns 'conflict', changing nothing, when someone else saved first.
   */
  save(state: AccountState, loadedRevision: number | null): Promise<SaveOutcome>;
}
