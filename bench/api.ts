/**
 * The staff and trader API's main reads on the local platform, in a process of its own:
 * `tsx bench/api.ts <seconds per read> <concurrency>`. The platform runs as `npm start` runs it: the same
 * router and handler as in Lambda, tokens verified as API Gateway's JWT authorizer does (RS256), programs,
 * accounts and the risk queue in dynalite through the real SDK. A closed loop of `concurrency` clients sends each read for the given time
 * after a two-second warm-up; latency is measured at the client, from send to the end of the body. Prints
 * one JSON line.
 */
import { readFileSync } from 'node:fs';
import { startPlatform } from '../local/platform.js';
import { openAccount } from '../shared/domain/state.js';
import { getPreset, presetIds } from '../shared/presets/index.js';
import type { DomainEvent } from '../shared/stream/domain-events.js';

export interface ApiReadResult {
  readonly read: string;
  readonly concurrency: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly errors: number;
}

const [seconds = 10, concurrency = 16] = process.argv.slice(2).map(Number);
const WARM_UP_MS = 2_000;
/** Versions stored, so the listing reads a realistic page (50 of 200). */
const VERSIONS_PER_PRESET = 30;
/** Accounts stored, each with one open warning in the risk queue. */
const ACCOUNTS = 500;

const platform = await startPlatform({ tenantId: 'demo' });
for (const id of presetIds()) {
  const preset = getPreset(id)!;
  for (let version = 1; version <= VERSIONS_PER_PRESET; version++) await platform.programs.put({ ...preset, version });
}
const firstPreset = presetIds()[0]!;
const program = getPreset(firstPreset)!;
// A firm's desk: accounts to list and open, and warnings waiting in the risk queue.
const warning = JSON.parse(readFileSync(new URL('../events/samples/domain/WarningRaised.json', import.meta.url), 'utf8')) as DomainEvent;
for (let i = 0; i < ACCOUNTS; i++) {
  const accountId = `acc-${String(i).padStart(5, '0')}`;
  await platform.accounts.save(openAccount(program, { tenant: 'demo', accountId, traderId: `trader-${i}`, openedAt: Date.parse('2026-03-02T08:00:00Z') }), null, []);
  await platform.accounts.writeRecords([{ ...warning, accountId, id: `demo:${accountId}:s1:0`, time: new Date(Date.parse('2026-03-02T09:00:00Z') + i * 1000).toISOString() } as DomainEvent]);
}
const token = await platform.issuer.mint({ subject: 'bench-risk', roles: ['risk'] });

const reads: ReadonlyArray<readonly [string, string]> = [
  ['GET /v1/me', '/v1/me'],
  ['GET /v1/programs/{programId}/versions/{version}', `/v1/programs/${firstPreset}/versions/7`],
  ['GET /v1/programs?limit=50', '/v1/programs?limit=50'],
  ['GET /v1/accounts/{accountId}', '/v1/accounts/acc-00123'],
  ['GET /v1/accounts?limit=50', '/v1/accounts?limit=50'],
  ['GET /v1/risk/queue?limit=50', '/v1/risk/queue?limit=50'],
];

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

const results: ApiReadResult[] = [];
for (const [read, path] of reads) {
  const url = `${platform.apiUrl}${path}`;
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + WARM_UP_MS + seconds * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const sent = performance.now();
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      await response.arrayBuffer();
      if (response.status !== 200) errors += 1;
      if (sent >= start + WARM_UP_MS) latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  latencies.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  results.push({
    read,
    concurrency,
    requests: latencies.length,
    requestsPerSecond: Math.round(latencies.length / seconds),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies.at(-1) ?? 0),
    errors,
  });
}
await platform.stop();
console.log(JSON.stringify(results));
