/**
 * `npm start`: the local platform with the demo firm. Its six simulated traders post their trades to
 * the ingest endpoint once a second, signed as a bridge would; verdicts print as the evaluator
 * publishes them. Data lives in .propdesk/ (delete it to start over); Ctrl-C stops cleanly and a
 * restart resumes where it stopped.
 */
import { openAccount } from '../shared/domain/state.js';
import { signPayload } from '../shared/ingest/signature.js';
import { DEMO_PROGRAM, DEMO_TRADERS } from './demo-firm.js';
import type { EventBridgeEvent } from './event-router.js';
import { startPlatform } from './platform.js';
import { SimulatedTrader } from './simulated-traders.js';
import { toWire, type TradeEvent } from '../shared/domain/events.js';

const TENANT = 'demo';
const DATA_DIR = process.env['PROPDESK_DATA_DIR'] ?? '.propdesk';
const PORTS = {
  ingest: Number(process.env['PROPDESK_INGEST_PORT'] ?? 3000),
  dynamodb: Number(process.env['PROPDESK_DYNAMODB_PORT'] ?? 8000),
  kinesis: Number(process.env['PROPDESK_KINESIS_PORT'] ?? 4567),
};

const clock = (iso: string) => iso.slice(11, 19);

function describe(event: EventBridgeEvent): string {
  const detail = event.detail as Record<string, unknown>;
  const what = event['detail-type'];
  const rule = typeof detail['rule'] === 'string' ? ` ${detail['rule']}` : '';
  const extra =
    what === 'WarningRaised'
      ? ` at ${Number(detail['levelBps']) / 100}% of the limit`
      : what === 'ViolationRecorded'
        ? `: ${String(detail['message'])}`
        : what === 'PhasePassed'
          ? `: next phase ${String(detail['nextPhaseId'])}`
          : '';
  return `${clock(String(detail['time']))}  ${String(detail['accountId']).padEnd(16)} ${what}${rule}${extra}`;
}

const activity = { records: 0, batches: 0 };
const platform = await startPlatform({
  tenantId: TENANT,
  dataDir: DATA_DIR,
  ports: PORTS,
  schedules: true,
  onBatch: (report) => {
    activity.batches += 1;
    if (report.outcome === 'succeeded') activity.records += report.size;
  },
  onDomainEvent: (_queue, event) => console.log(describe(event)),
  onQuarantine: (body) => console.log(`quarantined: ${(JSON.parse(body) as { reason: string }).reason}`),
  onStreamFailure: (failure) => console.error('records skipped to the on-failure destination', failure.KinesisBatchInfo),
});

// The demo firm: its program and accounts, created once; a restart finds them.
await platform.programs.put(DEMO_PROGRAM);
const stored = await platform.accounts.load(DEMO_TRADERS.map((trader) => trader.accountId));
const startAt = Math.floor(Date.now() / 1000) * 1000;
const traders: SimulatedTrader[] = [];
for (const { accountId, traderId, profile, seed } of DEMO_TRADERS) {
  let state = stored.get(accountId)?.state;
  if (state === undefined) {
    state = openAccount(DEMO_PROGRAM, { tenant: TENANT, accountId, traderId, openedAt: startAt });
    await platform.accounts.save(state, null, []);
  }
  if (state.status !== 'active') continue;
  traders.push(new SimulatedTrader({ tenant: TENANT, accountId, profile, balance: state.balance, seed: seed + state.lastSeq, firstSeq: state.lastSeq + 1, startAt, leftOpen: state.positions }));
}

console.log(`Propdesk local platform (tenant ${TENANT}), data in ${DATA_DIR}/
  ingest endpoint  POST ${platform.ingestUrl}/ingest/events  (signing secret: "${platform.ingestSecret}")
  API              ${platform.apiUrl}/v1/...  (described at /openapi.json; a token: npx propdesk token --role admin)
  DynamoDB         ${platform.dynamodbEndpoint}  table ${platform.tableName}
  Kinesis          ${platform.kinesisEndpoint}  stream ${platform.streamName}
  ${traders.length} demo traders on "${DEMO_PROGRAM.name}"; verdicts follow. Ctrl-C stops.
`);

async function post(events: TradeEvent[]): Promise<void> {
  const body = JSON.stringify({ events: events.map(toWire) });
  const signature = signPayload(platform.ingestSecret, body, Math.floor(Date.now() / 1000));
  const response = await fetch(`${platform.ingestUrl}/ingest/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'propdesk-signature': signature }, body });
  if (response.status !== 202) console.error(`ingest refused the demo traders' events: ${response.status} ${await response.text()}`);
}

const ticker = setInterval(() => {
  const now = Math.floor(Date.now() / 1000) * 1000;
  const events = traders.flatMap((trader) => trader.step(now));
  if (events.length > 0) void post(events);
}, 1000);

// A heartbeat line, so a quiet minute does not look like a stalled platform.
const summary = setInterval(() => {
  console.log(`${new Date().toISOString().slice(11, 19)}  evaluated ${activity.records} events in ${activity.batches} batches in the last minute`);
  activity.records = 0;
  activity.batches = 0;
}, 60_000);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(ticker);
  clearInterval(summary);
  console.log('\nstopping: finishing the batch in flight and saving checkpoints');
  await platform.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
