/**
 * `npm start`: the local platform with the demo firm. Six demo purchases go through the purchase workflow
 * (payment event, bridge, credentials mail, activation); each active account gets a simulated trader
 * posting its trades to the ingest endpoint once a second, signed as a bridge would; verdicts and workflow
 * outcomes print as they are published, and a passed challenge's funded account starts trading when the
 * workflow activates it. Data lives in .propdesk/ (delete it to start over; mail in .propdesk/outbox/);
 * Ctrl-C stops cleanly and a restart resumes where it stopped.
 */
import { moneyFormat } from '../shared/domain/money.js';
import type { AccountState } from '../shared/domain/state.js';
import { randomUUID } from 'node:crypto';
import { signPayload } from '../shared/ingest/signature.js';
import { accountIdOf } from '../shared/workflows/purchase.js';
import { demoLogin, DEMO_PROCESSOR, DEMO_PROGRAM, DEMO_PURCHASES } from './demo-firm.js';
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
const money = moneyFormat(DEMO_PROGRAM.currency);

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
          : what === 'AccountActivated'
            ? `: ${String(detail['phaseId'])}, login ${String(detail['login'])} (credentials in ${DATA_DIR}/outbox/)`
            : what === 'ProvisioningFailed' || what === 'PayoutFailed'
              ? `: ${String(detail['error'])}`
              : what === 'PayoutSettled'
                ? `: ${money(Number(detail['amount']))}, ${money(Number(detail['traderAmount']))} to the trader`
                : what === 'PayoutRejected'
                  ? `: ${(detail['reasons'] as string[]).join(' ')}`
                  : what === 'RiskAlertRaised'
                    ? `: risk score ${String(detail['score'])} (alert at ${String(detail['alertAtScore'])}): ${(detail['parts'] as { explanation: string }[]).map((part) => part.explanation).join('; ')}`
                    : '';
  // Verification events are about a trader, risk alerts about an account or a trader, the rest about an account.
  const subject = String(detail['accountId'] ?? detail['traderId'] ?? detail['subjectId']);
  return `${clock(String(detail['time']))}  ${subject.padEnd(20)} ${what}${rule}${extra}`;
}

const activity = { records: 0, batches: 0 };
const platform = await startPlatform({
  logins: demoLogin,
  tenantId: TENANT,
  dataDir: DATA_DIR,
  ports: PORTS,
  schedules: true,
  onBatch: (report) => {
    activity.batches += 1;
    if (report.outcome === 'succeeded') activity.records += report.size;
  },
  onDomainEvent: (_queue, event) => {
    if (event.source === 'propdesk.workflows' && event['detail-type'] === 'OrderRefused') console.log(`order refused: ${JSON.stringify(event.detail['problems'])}`);
    else console.log(describe(event));
    if (event['detail-type'] === 'AccountActivated') void trade(String(event.detail['accountId']));
  },
  onQuarantine: (body) => console.log(`quarantined: ${(JSON.parse(body) as { reason: string }).reason}`),
  onStreamFailure: (failure) => console.error('records skipped to the on-failure destination', failure.KinesisBatchInfo),
  // The simulated trader owns its account's seqs: a payout's balance operation goes out in its stream.
  applyBalance: async ({ accountId, operationId, amount }) => traders.get(accountId)?.applyBalance(operationId, amount),
});

// The demo firm: its program, and six purchases, each paid once; a restart finds their accounts (and the funded
// accounts passes provisioned) and trades on.
await platform.programs.put(DEMO_PROGRAM);
const traders = new Map<string, SimulatedTrader>();
/** The purchase an account descends from: its own, or the challenge it passed (`phase:<challenge>:<phase>`). */
const purchaseOf = new Map(DEMO_PURCHASES.map((purchase) => [accountIdOf(`${DEMO_PROCESSOR}:${purchase.orderId}`), purchase]));

/** Starts a simulated trader on an active demo account, once. */
async function trade(accountId: string, known?: AccountState): Promise<void> {
  const state = known ?? (await platform.accounts.load([accountId])).get(accountId)?.state;
  const purchase = purchaseOf.get(accountId);
  if (state === undefined || state.status !== 'active' || purchase === undefined || traders.has(accountId)) return;
  const startAt = Math.floor(Date.now() / 1000) * 1000;
  const { profile, seed } = purchase;
  traders.set(accountId, new SimulatedTrader({ tenant: TENANT, accountId, profile, balance: state.balance, seed: seed + state.lastSeq, firstSeq: state.lastSeq + 1, startAt, leftOpen: state.positions }));
}

for (const purchase of DEMO_PURCHASES) {
  const orderKey = `${DEMO_PROCESSOR}:${purchase.orderId}`;
  // Next phases descend from their challenge: the same trader profile trades on.
  for (const phase of DEMO_PROGRAM.phases.slice(1)) purchaseOf.set(accountIdOf(`phase:${accountIdOf(orderKey)}:${phase.id}`), purchase);
  if ((await platform.orders.order(orderKey)) !== undefined) continue;
  const detail = {
    schemaVersion: 1,
    paymentId: `pay-${purchase.orderId}`,
    orderId: purchase.orderId,
    customer: { email: purchase.email, name: purchase.name },
    programId: DEMO_PROGRAM.id,
    amount: 15_500,
    currency: 'USD',
    rail: 'card',
    paidAt: new Date().toISOString(),
  };
  await platform.bus.putEvents([{ Source: `propdesk.processor.${DEMO_PROCESSOR}`, DetailType: 'PaymentSucceeded', Detail: JSON.stringify(detail) }]);
}
await platform.workflows.idle();
const stored = await platform.accounts.load([...purchaseOf.keys()]);
for (const [accountId, { state }] of stored) await trade(accountId, state);

console.log(`Propdesk local platform (tenant ${TENANT}), data in ${DATA_DIR}/
  ingest endpoint  POST ${platform.ingestUrl}/ingest/events  (signing secret: "${platform.ingestSecret}")
  API              ${platform.apiUrl}/v1/...  (described at /openapi.json; a token: npx propdesk token --role admin)
  DynamoDB         ${platform.dynamodbEndpoint}  table ${platform.tableName}
  Kinesis          ${platform.kinesisEndpoint}  stream ${platform.streamName}
  ${traders.size} demo accounts trading on "${DEMO_PROGRAM.name}"; verdicts follow. Ctrl-C stops.
`);

async function post(events: TradeEvent[]): Promise<void> {
  const body = JSON.stringify({ events: events.map(toWire) });
  const signature = signPayload(platform.ingestSecret, body, Math.floor(Date.now() / 1000));
  const response = await fetch(`${platform.ingestUrl}/ingest/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'propdesk-signature': signature }, body });
  if (response.status !== 202) console.error(`ingest refused the demo traders' events: ${response.status} ${await response.text()}`);
}

const ticker = setInterval(() => {
  const now = Math.floor(Date.now() / 1000) * 1000;
  const events = [...traders.values()].flatMap((trader) => trader.step(now));
  if (events.length > 0) void post(events);
}, 1000);

/**
 * Funded traders ask for their profit, through the API as a trader would, when they are flat and their last
 * request is a payout cycle old: the payout workflow judges each request by the funded phase's policy and
 * pays it or says why not.
 */
async function requestPayouts(): Promise<void> {
  const policy = DEMO_PROGRAM.phases.find((phase) => phase.kind === 'funded')?.payouts;
  if (policy === undefined) return;
  const stored = await platform.accounts.load([...traders.keys()]);
  for (const [accountId, { state }] of stored) {
    const profit = state.balance - state.initialBalance;
    if (state.phaseId !== 'funded' || state.status !== 'active' || state.traderId === null || profit < policy.minAmount || state.positions.length > 0) continue;
    const [latest] = (await platform.payouts.listForAccount(accountId, { limit: 1 })).items;
    if (latest !== undefined && Date.now() - latest.requestedAt < policy.everyDays * 86_400_000) continue;
    const token = await platform.issuer.mint({ subject: state.traderId, roles: ['trader'] });
    const response = await fetch(`${platform.apiUrl}/v1/accounts/${accountId}/payouts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ amount: profit, rail: 'bank', destination: 'DE89370400440532013000' }),
    });
    if (response.status !== 202) console.error(`payout request refused: ${response.status} ${await response.text()}`);
  }
}
const payouts = setInterval(() => void requestPayouts().catch((error: unknown) => console.error('demo payout request failed:', error)), 10_000);

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
  clearInterval(payouts);
  console.log('\nstopping: finishing the batch in flight and saving checkpoints');
  await platform.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
