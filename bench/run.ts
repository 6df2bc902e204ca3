/**
 * npm run bench: every benchmark, each configuration in a fresh process so that none inherits
 * another's heap or JIT state. Prints a summary line per result, then all results as JSON.
 *
 * Reducer: throughput on one core on the realistic mix (bench/workload.ts) for 1,000 and 20,000
 * accounts, for the pure apply() and for applyInPlace() (the stream evaluator's working copy).
 * Target: 2,000,000 events/s.
 *
 * Writes: DynamoDB account saves per event under the save policy (shared/stream/save-policy.ts) when the
 * stream arrives in batches of a given size, on the scalping and the intraday mix (bench/workload.ts).
 *
 * Evaluator: the Lambda handler on the realistic mix, records/s per core of this process's CPU (target
 * 300,000), with the store in memory (the handler's own work) and on dynalite in another process (plus the
 * SDK), and every DynamoDB write counted, records included (target at most 0.05 per event).
 *
 * Latency: ingest-to-verdict P50/P99 on the local platform at 2,000 events/s over 20,000 accounts
 * (target P99 at most 250 ms).
 *
 * API: requests/s and P50/P99 of the staff and trader API's main reads on the local platform, 16 clients.
 *
 * Abuse: the detectors on a labelled population of 20,000 accounts (bench/abuse-scenarios.ts): precision and
 * recall per detector (target at least 0.95 each), the engine's throughput on one core and per-trade time,
 * and detection delay in stream time from an abuser's first abusive trade to the flag. Then the detectors
 * Lambda handler itself on dynalite over the first 5,000 closed trades of that stream, in SQS batches of 100:
 * trades/s, each batch's time (what a trade waits after the 1 s batching window) and DynamoDB requests per trade.
 */
import { execFileSync } from 'node:child_process';
import type { ScenarioRun } from './abuse-evaluation.js';
import type { AbuseStreamResult } from './abuse-stream.js';
import type { ApiReadResult } from './api.js';
import type { EvaluatorResult } from './evaluator.js';
import type { LatencyResult } from './latency.js';
import type { ReducerResult } from './reducer.js';
import type { WritesResult } from './writes.js';

const REDUCER_TARGET = 2_000_000;
const WRITES_TARGET = 0.05;
const EVALUATOR_TARGET = 300_000;
const LATENCY_TARGET_MS = 250;
const DETECTION_TARGET = 0.95;
const writesRuns = [
  { accounts: 1_000, days: 3, batchSize: 100, mix: 'scalping' },
  { accounts: 1_000, days: 3, batchSize: 1_000, mix: 'scalping' },
  { accounts: 20_000, days: 1, batchSize: 1_000, mix: 'scalping' },
  { accounts: 1_000, days: 2, batchSize: 1, mix: 'intraday' },
  { accounts: 1_000, days: 2, batchSize: 100, mix: 'intraday' },
  { accounts: 1_000, days: 2, batchSize: 1_000, mix: 'intraday' },
] as const;
const evaluatorRuns = [
  { accounts: 1_000, days: 1, batchSize: 1_000, storage: 'memory', mix: 'scalping' },
  { accounts: 1_000, days: 1, batchSize: 1_000, storage: 'dynalite', mix: 'scalping' },
  { accounts: 1_000, days: 1, batchSize: 100, storage: 'dynalite', mix: 'intraday' },
] as const;
const reducerRuns = [
  { accounts: 1_000, days: 15 },
  { accounts: 20_000, days: 2 },
] as const;

function runIsolated(script: string, args: string[]): unknown {
  const output = execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', script, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    // The handlers log a line per batch; a benchmark measures, it does not log.
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    maxBuffer: 64 * 1024 * 1024,
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
for (const { accounts, days, batchSize, mix } of writesRuns) {
  const result = runIsolated('bench/writes.ts', [String(accounts), String(days), String(batchSize), mix]) as WritesResult;
  writes.push(result);
  console.log(
    `writes  ${String(result.accounts).padStart(6)} accounts x ${result.days} days, ${result.mix}, batches of ${result.batchSize}: ` +
      `${result.writesPerEvent} account saves/event (saving every account a batch touches: ${result.savingEveryChange}), ` +
      `outcomes as when saving everything: ${result.sameOutcomes}, target ${WRITES_TARGET}: ${result.writesPerEvent <= WRITES_TARGET ? 'met' : 'NOT met'}`,
  );
}
const evaluator: EvaluatorResult[] = [];
for (const { accounts, days, batchSize, storage, mix } of evaluatorRuns) {
  const result = runIsolated('bench/evaluator.ts', [String(accounts), String(days), String(batchSize), storage, mix]) as EvaluatorResult;
  evaluator.push(result);
  console.log(
    `evaluator ${result.storage.padEnd(8)} ${result.accounts} accounts, ${result.mix}, batches of ${result.batchSize}: ` +
      `${result.recordsPerCpuSecond.toLocaleString('en-US')} records/s per core (target ${EVALUATOR_TARGET.toLocaleString('en-US')}: ${result.recordsPerCpuSecond >= EVALUATOR_TARGET ? 'met' : 'NOT met'}), ` +
      `${result.writesPerEvent} DynamoDB writes/event of which ${result.accountSavesPerEvent} account saves and ${(result.writes.historyChunks / result.records).toFixed(4)} history chunks ` +
      `(${result.historyBytesPerEvent} gzipped history bytes/event; target ${WRITES_TARGET}: ${result.writesPerEvent <= WRITES_TARGET ? 'met' : 'NOT met'})`,
  );
}
const latency = runIsolated('bench/latency.ts', ['20000', '2000', '30']) as LatencyResult;
console.log(
  `latency ${latency.accounts} accounts at ${latency.eventsPerSecond} events/s (window ${latency.batchingWindowSeconds} s): ` +
    `P50 ${latency.p50Ms} ms, P90 ${latency.p90Ms} ms, P99 ${latency.p99Ms} ms, max ${latency.maxMs} ms over ${latency.measured} events ` +
    `(target P99 ${LATENCY_TARGET_MS} ms: ${latency.p99Ms <= LATENCY_TARGET_MS ? 'met' : 'NOT met'})`,
);
const api = runIsolated('bench/api.ts', ['10', '16']) as ApiReadResult[];
for (const read of api) {
  console.log(
    `api     ${read.read} with ${read.concurrency} clients: ${read.requestsPerSecond.toLocaleString('en-US')} requests/s, ` +
      `P50 ${read.p50Ms} ms, P99 ${read.p99Ms} ms, max ${read.maxMs} ms over ${read.requests} requests, ${read.errors} errors`,
  );
}
const abuse = runIsolated('bench/abuse.ts', ['20000']) as ScenarioRun;
console.log(
  `abuse   ${abuse.accounts} accounts, ${abuse.trades} closed trades, ${abuse.observations} identity observations: ` +
    `${abuse.tradesPerSecond.toLocaleString('en-US')} trades/s on one core, per trade P50 ${abuse.microsPerTrade.p50} µs, P99 ${abuse.microsPerTrade.p99} µs; ` +
    `${abuse.flags} flags, ${abuse.alerts} alerts`,
);
for (const score of abuse.detectors) {
  const met = score.precision >= DETECTION_TARGET && score.recall >= DETECTION_TARGET;
  console.log(
    `abuse   ${score.detector.padEnd(16)} precision ${score.precision.toFixed(4)}, recall ${score.recall.toFixed(4)} ` +
      `(${score.truePositives} of ${score.labelled} abusers, ${score.flagged - score.truePositives} others flagged; target ${DETECTION_TARGET}: ${met ? 'met' : 'NOT met'}), ` +
      `delay P50 ${score.delayMinutes.p50} min, P95 ${score.delayMinutes.p95} min`,
  );
}
const abuseStream = runIsolated('bench/abuse-stream.ts', ['20000', '5000', '100']) as AbuseStreamResult;
console.log(
  `abuse   the detectors handler on dynalite, ${abuseStream.trades} closed trades of the ${abuseStream.accounts}-account stream in batches of ${abuseStream.batchSize}: ` +
    `${abuseStream.recordsPerSecond.toLocaleString('en-US')} trades/s (${abuseStream.recordsPerCpuSecond.toLocaleString('en-US')} per CPU second), ` +
    `batch P50 ${abuseStream.batchMs.p50} ms, P99 ${abuseStream.batchMs.p99} ms (after the 1 s batching window), ` +
    `${abuseStream.dynamoRequestsPerTrade} DynamoDB requests per trade, ${abuseStream.failedRecords} records failed`,
);
console.log(JSON.stringify({ node: process.version, reducer: results, writes, evaluator, latency, api, abuse, abuseStream }, null, 2));
