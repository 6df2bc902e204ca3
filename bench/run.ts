/**
 * npm run bench: reducer throughput on one core for 1,000 and 20,000 accounts on the realistic mix,
 * for the pure apply() (a new state per event) and applyInPlace() (the stream evaluator's working
 * copy). Only the reducer loop is timed; generating each day's events is not.
 * Target: 2,000,000 events/s.
 */
import type { Effect } from '../shared/domain/effects.js';
import { apply, applyInPlace } from '../shared/domain/reducer.js';
import { openAccount, type AccountState } from '../shared/domain/state.js';
import { seededRandom } from '../shared/seeded-random.js';
import { accountCursors, benchNews, benchProgram, dayOfEvents, FIRST_DAY, validateSample } from './workload.js';

type Mode = 'apply' | 'applyInPlace';

interface Result {
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

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function measure(mode: Mode, accounts: number, days: number): Result {
  const next = seededRandom(20_260_302 + accounts);
  const news = benchNews(days);
  const cursors = accountCursors(accounts);
  const states: AccountState[] = cursors.map((cursor) =>
    openAccount(benchProgram, { tenant: 'bench', accountId: cursor.accountId, openedAt: FIRST_DAY - 3_600_000 }),
  );
  const mix: Record<string, number> = {};
  const effects: Record<string, number> = {};
  let events = 0;
  let nanos = 0n;
  for (let day = 0; day < days; day++) {
    const batch = dayOfEvents(cursors, day, next);
    if (day === 0) validateSample(batch);
    for (const { event } of batch) mix[event.type] = (mix[event.type] ?? 0) + 1;
    collectGarbage();
    const out: Effect[] = [];
    const started = process.hrtime.bigint();
    if (mode === 'apply') {
      for (let i = 0; i < batch.length; i++) {
        const { account, event } = batch[i]!;
        const applied = apply(states[account]!, event, benchProgram, news);
        states[account] = applied.state;
        for (let e = 0; e < applied.effects.length; e++) out.push(applied.effects[e]!);
      }
    } else {
      for (let i = 0; i < batch.length; i++) {
        const { account, event } = batch[i]!;
        applyInPlace(states[account]!, event, benchProgram, news, out);
      }
    }
    nanos += process.hrtime.bigint() - started;
    for (const effect of out) effects[effect.type] = (effects[effect.type] ?? 0) + 1;
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

const TARGET = 2_000_000;
const runs = [
  { accounts: 1_000, days: 15 },
  { accounts: 20_000, days: 2 },
];
// Warm-up: V8 only reaches its optimising tiers after many thousands of calls of each path.
measure('apply', 1_000, 3);
measure('applyInPlace', 1_000, 3);
const results = runs.flatMap(({ accounts, days }) => [measure('apply', accounts, days), measure('applyInPlace', accounts, days)]);
for (const result of results) {
  console.log(
    `${result.mode.padEnd(12)} ${String(result.accounts).padStart(6)} accounts x ${result.days} days: ${result.events} events in ${result.seconds} s = ` +
      `${result.eventsPerSecond.toLocaleString('en-US')} events/s (${result.nanosPerEvent} ns/event), ` +
      `target ${TARGET.toLocaleString('en-US')}: ${result.eventsPerSecond >= TARGET ? 'met' : 'NOT met'}`,
  );
}
console.log(JSON.stringify({ benchmark: 'reducer', node: process.version, results }, null, 2));
