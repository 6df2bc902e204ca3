/**
 * One reducer measurement, in a process of its own: `tsx bench/reducer.ts <apply|applyInPlace> <accounts> <days>`.
 * Prints one JSON line. Only the reducer loop is timed; generating each day's events is not.
 */
import type { Effect } from '../shared/domain/effects.js';
import { apply, applyInPlace } from '../shared/domain/reducer.js';
import { openAccount, type AccountState } from '../shared/domain/state.js';
import { seededRandom } from '../shared/seeded-random.js';
import { accountCursors, benchNews, benchProgram, dayOfEvents, FIRST_DAY, validateSample } from './workload.js';

export type Mode = 'apply' | 'applyInPlace';

export interface ReducerResult {
  mode: Mode;
  accounts: number;
  days: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  nanosPerEvent: number;
  mix: Record<string, number>;
  effects: Record<string, number>;
  activeAtEnd: number;
}

/** Effects are counted and dropped every 1,000 events, as the evaluator publishes and drops them per batch. */
const BATCH = 1_000;

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function measure(mode: Mode, accounts: number, days: number): ReducerResult {
  const next = seededRandom(20_260_302 + accounts);
  const news = benchNews(days);
  const cursors = accountCursors(accounts);
  const states: AccountState[] = cursors.map((cursor) =>
    openAccount(benchProgram, { tenant: 'bench', accountId: cursor.accountId, openedAt: FIRST_DAY - 3_600_000 }),
  );
  const mix: Record<string, number> = {};
  const effects: Record<string, number> = {};
  const out: Effect[] = [];
  const count = (): void => {
    for (const effect of out) effects[effect.type] = (effects[effect.type] ?? 0) + 1;
    out.length = 0;
  };
  let events = 0;
  let nanos = 0n;
  for (let day = 0; day < days; day++) {
    const { accounts: owners, events: batch } = dayOfEvents(cursors, day, next);
    if (day === 0) validateSample(batch);
    for (const event of batch) mix[event.type] = (mix[event.type] ?? 0) + 1;
    collectGarbage();
    const started = process.hrtime.bigint();
    if (mode === 'apply') {
      for (let i = 0; i < batch.length; i++) {
        const owner = owners[i]!;
        const applied = apply(states[owner]!, batch[i]!, benchProgram, news);
        states[owner] = applied.state;
        for (let e = 0; e < applied.effects.length; e++) out.push(applied.effects[e]!);
        if (i % BATCH === BATCH - 1) count();
      }
    } else {
      for (let i = 0; i < batch.length; i++) {
        applyInPlace(states[owners[i]!]!, batch[i]!, benchProgram, news, out);
        if (i % BATCH === BATCH - 1) count();
      }
    }
    count();
    nanos += process.hrtime.bigint() - started;
    events += batch.length;
  }
  const seconds = Number(nanos) / 1e9;
  return {
    mode,
    accounts,
    days,
    events,
    seconds: Number(seconds.toFixed(3)),
    eventsPerSecond: Math.round(events / seconds),
    nanosPerEvent: Number(((seconds * 1e9) / events).toFixed(1)),
    mix,
    effects,
    activeAtEnd: states.filter((state) => state.status === 'active').length,
  };
}

const [mode, accounts, days] = [process.argv[2] as Mode, Number(process.argv[3]), Number(process.argv[4])];
if ((mode !== 'apply' && mode !== 'applyInPlace') || !(accounts > 0) || !(days > 0)) {
  throw new Error('usage: tsx bench/reducer.ts <apply|applyInPlace> <accounts> <days>');
}
// Warm-up: V8 reaches its optimising tier only after many thousands of calls of each path.
measure(mode, 1_000, 3);
console.log(JSON.stringify(measure(mode, accounts, days)));
