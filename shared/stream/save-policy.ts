/**
 * When the evaluator must save an account after a batch. A quiet equity tick changes only fields that
 * the next broker snapshot overwrites (equity, margin, the estimate flag, the clock, lastSeq), and
 * saving it would cost a write per tick. So an account is saved when the batch produced any effect (a
 * verdict, a day close, a closed trade, an objective change), when any other field changed (balance,
 * floors, the high-water mark, positions, counters, marks), when the firm day
 * is about to end (its closing equity becomes the next day's reference), or when the stored state is
 * older than a bound (readers see recent equity).
 *
 * Why skipping is exact: nothing reads a skipped field before the next snapshot overwrites it. A
 * deal's equity guess is not judged (state.ts), a late event is judged at its own time rather than at
 * the clock (reducer.ts), and, with the bridge's heartbeat (events/README.md), the last tick before a
 * firm day ends falls in the final minute, which is always saved. So the verdicts, the floors and the
 * day statistics are the same however the stream is cut into batches.
 */
import type { Effect } from '../domain/effects.js';
import type { AccountState } from '../domain/state.js';

export interface SavePolicy {
  /** Within this long of the firm day's end, every change is saved. */
  readonly nearDayEndMs: number;
  /** A stored state at most this much older (in event time) than the current one. */
  readonly maxStaleMs: number;
}

/**
 * Two minutes of staleness: what the API shows as an account's equity is at most that old (a trader's
 * live equity is the trading platform's to show), and it costs a write per 120 quiet ticks.
 */
export const DEFAULT_SAVE_POLICY: SavePolicy = { nearDayEndMs: 60_000, maxStaleMs: 120_000 };

/** Fields a quiet tick may change without a save: the next broker snapshot overwrites them. */
export const TICK_FIELDS: ReadonlySet<keyof AccountState> = new Set<keyof AccountState>([
  'equity',
  'margin',
  'equityEstimated',
  'clock',
  'lastSeq',
  // Read only by a daily loss under the day's peak, whose floor moves with it and is saved.
  'dayPeakEquity',
]);

/**
 * `stored` is the state at the start of the batch (as saved, or ahead of it by quiet ticks), `current`
 * the state after it, `savedClock` the clock of the state the store holds.
 */
export function mustSave(stored: AccountState, current: AccountState, effects: readonly Effect[], policy: SavePolicy = DEFAULT_SAVE_POLICY, savedClock = stored.clock): boolean {
  if (current === stored) return false;
  for (const effect of effects) if (effect.type !== 'ignored') return true;
  if (current.clock - savedClock >= policy.maxStaleMs) return true;
  if (current.dayEndsAt - current.clock <= policy.nearDayEndMs && current.clock !== stored.clock) return true;
  for (const field of Object.keys(current) as (keyof AccountState)[]) {
    if (!TICK_FIELDS.has(field) && current[field] !== stored[field]) return true;
  }
  return false;
}
