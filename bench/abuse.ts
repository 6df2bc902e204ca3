/**
 * The abuse detectors on a labelled population (bench/abuse-scenarios.ts): precision and recall per
 * detector (target at least 0.95 each), the engine's throughput on one core with its stores in memory,
 * and detection delay. Usage: tsx bench/abuse.ts <accounts> [seed]. Prints one JSON line.
 */
import { generateScenario } from './abuse-scenarios.js';
import { runScenario } from './abuse-evaluation.js';

const accounts = Number(process.argv[2]);
const seed = Number(process.argv[3] ?? 7);
if (!(accounts > 0)) throw new Error('usage: tsx bench/abuse.ts <accounts> [seed]');
// Warm-up: the engine's paths reach V8's optimising tier before the measured run.
await runScenario(generateScenario(2_000, seed + 1));
console.log(JSON.stringify(await runScenario(generateScenario(accounts, seed))));
