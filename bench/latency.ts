/**
 * Ingest-to-verdict latency on the local platform, in a process of its own:
 * `tsx bench/latency.ts <accounts> <eventsPerSecond> <seconds> [batchingWindowSeconds]`.
 * The platform runs as `npm start` runs it (dynalite, kinesalite, the poller with the synthesized
 * event-source settings, the evaluator, the bus) with the demo firm's program on every account. A
 * load generator signs and POSTs broker snapshots to the ingest endpoint, spread evenly over all
 * accounts (each account every accounts/rate seconds), in ten requests a second. Each account's equity
 * walks from just under its starting balance, as most accounts' do most of the time (below their high,
 * so not every tick is a new trailing floor to save). An event's latency runs from just before its POST
 * to the end of the evaluator invocation that applied it. The first ten seconds warm up and are not
 * counted. Prints one JSON line.
 */
import { DEMO_PROGRAM } from '../local/demo-firm.js';
import { startPlatform } from '../local/platform.js';
import { toWire, type SnapshotEvent } from '../shared/domain/events.js';
import { openAccount } from '../shared/domain/state.js';
import { signPayload } from '../shared/ingest/signature.js';
import { seededRandom } from '../shared/seeded-random.js';

export interface LatencyResult {
  accounts: number;
  targetEventsPerSecond: number;
  eventsPerSecond: number;
  batchSize: number;
  batchingWindowSeconds: number;
  measured: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanBatchSize: number;
}

const [accounts, rate, seconds, window] = process.argv.slice(2).map(Number) as [number, number, number, number | undefined];
const WARM_UP_MS = 10_000;
const REQUESTS_PER_SECOND = 10;

const sentAt = new Map<string, number>();
const latencies: number[] = [];
const batchSizes: number[] = [];
let measureFrom = Number.POSITIVE_INFINITY;

const platform = await startPlatform({
  tenantId: 'demo',
  ...(window !== undefined ? { maximumBatchingWindowInSeconds: window } : {}),
  onEvaluated: (records) => {
    const now = performance.now();
    batchSizes.push(records.length);
    for (const record of records) {
      const { eventId } = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8')) as { eventId: string };
      const sent = sentAt.get(eventId);
      if (sent === undefined) continue;
      sentAt.delete(eventId);
      if (sent >= measureFrom) latencies.push(now - sent);
    }
  },
});
await platform.programs.put(DEMO_PROGRAM);
const openedAt = Date.now() - 60_000;
const ids = Array.from({ length: accounts }, (_, index) => `lat-${index}`);
for (let from = 0; from < ids.length; from += 200) {
  await Promise.all(ids.slice(from, from + 200).map((accountId) => platform.accounts.save(openAccount(DEMO_PROGRAM, { tenant: 'demo', accountId, openedAt }), null, [])));
}

const random = seededRandom(42);
const seqs = new Int32Array(accounts);
const equities = new Float64Array(accounts).fill(10_000_000 - 5_000);
let cursor = 0;
function nextEvents(count: number, time: number): SnapshotEvent[] {
  const events: SnapshotEvent[] = [];
  for (let i = 0; i < count; i++) {
    const account = cursor++ % accounts;
    const seq = ++seqs[account]!;
    const equity = (equities[account] = equities[account]! + Math.round((random() - 0.5) * 2_000));
    const accountId = ids[account]!;
    events.push({ type: 'snapshot', schemaVersion: 1, tenant: 'demo', accountId, platform: 'mt5', eventId: `${accountId}-${seq}`, seq, time, balance: 10_000_000, equity, margin: 50_000, floatingPnl: equity - 10_000_000, source: 'broker' });
  }
  return events;
}

async function post(events: SnapshotEvent[]): Promise<void> {
  const body = JSON.stringify({ events: events.map(toWire) });
  const signature = signPayload(platform.ingestSecret, body, Math.floor(Date.now() / 1000));
  const started = performance.now();
  for (const event of events) sentAt.set(event.eventId, started);
  const response = await fetch(`${platform.ingestUrl}/ingest/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'propdesk-signature': signature }, body });
  if (response.status !== 202) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
}

const perRequest = Math.round(rate / REQUESTS_PER_SECOND);
const started = performance.now();
measureFrom = started + WARM_UP_MS;
let sent = 0;
const inFlight: Promise<void>[] = [];
for (let tick = 0; tick < (seconds + WARM_UP_MS / 1000) * REQUESTS_PER_SECOND; tick++) {
  const due = started + (tick * 1000) / REQUESTS_PER_SECOND;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  inFlight.push(post(nextEvents(perRequest, Date.now())));
  sent += perRequest;
}
await Promise.all(inFlight);
const elapsed = (performance.now() - started) / 1000;
await platform.drained();
await platform.stop();

latencies.sort((a, b) => a - b);
const at = (share: number) => Number(latencies[Math.min(latencies.length - 1, Math.floor(share * latencies.length))]!.toFixed(1));
const settings = platform.template.evaluatorEventSource;
const result: LatencyResult = {
  accounts,
  targetEventsPerSecond: rate,
  eventsPerSecond: Math.round(sent / elapsed),
  batchSize: settings.BatchSize,
  batchingWindowSeconds: window ?? settings.MaximumBatchingWindowInSeconds,
  measured: latencies.length,
  p50Ms: at(0.5),
  p90Ms: at(0.9),
  p99Ms: at(0.99),
  maxMs: Number(latencies.at(-1)!.toFixed(1)),
  meanBatchSize: Math.round(batchSizes.reduce((sum, size) => sum + size, 0) / batchSizes.length),
};
console.log(JSON.stringify(result));
process.exit(0);
