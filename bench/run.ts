/**
 * npm run bench: every benchmark, each configuration in a fresh process so that none inherits
 * another's heap or JIT state. Prints a summary line per result, then all results as JSON.
 *
 * Reducer: throughput on one core on the realistic mix (bench/workload.ts) for 1,000 and 20,000
 * accounts, for the pure apply() and for applyInPlace() (the stream evaluator's working copy).
 * Target: 2,000,000 events/s.
 *
 * Writes: DynamoDB writes per event under the save policy (shared/stream/save-policy.ts) when the
 * stream arrives in batches of a given size; issue 3's target is at most 0.05.
 */
import { execFileSync } from 'node:child_process';
import type { ReducerResult } from './reducer.js';
import type { WritesResult } from './writes.js';

const REDUCER_TARGET = 2_000_000;
const WRITES_TARGET = 0.05;
const writesRuns = [
  { accounts: 1_000, days: 3, batchSize: 100 },
  { accounts: 1_000, days: 3, batchSize: 1_000 },
  { accounts: 20_000, days: 1, batchSize: 1_000 },
] as const;
const reducerRuns = [
  { accounts: 1_000, days: 15 },
  { accounts: 20_000, days: 2 },
] as const;

function runIsolated(script: string, args: string[]): unknown {
  const output = execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', script, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(output.trim().split('\n').at(-1)!);
}

const results: ReducerResult[] = [];
for (const { accounts, days } of reducerRuns) {
  for (const mode of ['apply', 'applyInPlace'] as const) {
    const result = runIsolated('bench/reducer.ts', [mode, String(accounts), String(days)]) as ReducerResult;
    results.push(result);
    console.log(
      `reducer ${result.mode.padEnd(12)} ${String(result.accounts).padStart(6)} accounts x ${result.days} days: ` +
        `${result.events} events in ${result.seconds} s = ${result.eventsPerSecond.toLocaleString('en-US')} events/s ` +
        `(${result.nanosPerEvent} ns/event), target ${REDUCER_TARGET.toLocaleString('en-US')}: ${result.eventsPerSecond >= REDUCER_TARGET ? 'met' : 'NOT met'}`,
    );
  }
}
const writes: WritesResult[] = [];
for (const { accounts, days, batchSize } of writesRuns) {
  const result = runIsolated('bench/writes.ts', [String(accounts), String(days), String(batchSize)]) as WritesResult;
  writes.push(result);
  console.log(
    `writes  ${String(result.accounts).padStart(6)} accounts x ${result.days} days, batches of ${result.batchSize}: ` +
      `${result.writesPerEvent} writes/event (saving every account a batch touches: ${result.savingEveryChange}), ` +
      `outcomes as when saving everything: ${result.sameOutcomes}, target ${WRITES_TARGET}: ${result.writesPerEvent <= WRITES_TARGET ? 'met' : 'NOT met'}`,
  );
}
console.log(JSON.stringify({ node: process.version, reducer: results, writes }, null, 2));
