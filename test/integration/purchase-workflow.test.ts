/**
 * The purchase workflow end to end on the local platform: payment events on the firm's bus start the state
 * machine CDK synthesizes, run by the local runner; its steps write to dynalite through the real SDK; the
 * simulated bridge answers on the bus; the callbacks function resumes the task; the evaluator passes the
 * phase on the trade stream, and the next phase is provisioned.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTenantConfig } from '../../cdk/tenant-config.js';
import type { EventBridgeEvent } from '../../local/event-router.js';
import { type Platform, startPlatform } from '../../local/platform.js';
import type { LocalExecution } from '../../local/workflows.js';
import { parseProgram } from '../../shared/domain/program.js';
import { accountIdOf, traderIdOf } from '../../shared/workflows/purchase.js';
import { events } from '../support/events.js';

const TENANT = 'demo';
const BRIDGE_WAIT_SECONDS = 2;

const program = parseProgram({
  id: 'e2e-two-step',
  version: 1,
  name: 'E2E Two-Step',
  currency: 'USD',
  initialBalance: 10_000_000,
  dayBoundary: { timeZone: 'Europe/Prague', time: '00:00' },
  phases: [
    { id: 'challenge', name: 'Challenge', kind: 'evaluation', rules: [{ kind: 'profitTarget', target: { bps: 100, of: 'initial' }, measure: 'balance' }] },
    { id: 'funded', name: 'Funded', kind: 'funded', rules: [{ kind: 'maxLoss', severity: 'hard', floor: 'static', limit: { bps: 1000, of: 'initial' }, breachAt: 'touch' }] },
  ],
});

let platform: Platform;
const outcomes: EventBridgeEvent[] = [];

beforeAll(async () => {
  platform = await startPlatform({
    tenantId: TENANT,
    adjustTenant: (config) => ({ ...config, workflows: { ...config.workflows, bridgeAnswerSeconds: BRIDGE_WAIT_SECONDS } }),
    bridge: (request) =>
      request.trader.email.startsWith('refused')
        ? { answer: 'refuse', reason: 'the platform has no server for this group' }
        : request.trader.email.startsWith('silent')
          ? { answer: 'ignore' }
          : { answer: 'create' },
    applicants: (traderId) => (traderId === traderIdOf('rejected-kyc@example.com') ? 'rejected' : traderId === traderIdOf('resubmits@example.com') ? 'ignore' : 'approved'),
    onDomainEvent: (queue, event) => {
      if (queue === platform.template.queues.accountOutcomes) outcomes.push(event);
    },
  });
  await platform.programs.put(program);
}, 60_000);

afterAll(async () => {
  await platform?.stop();
});

let paymentCount = 0;

/** A generic processor's PaymentSucceeded for the e2e program, put on the bus as the processor would. */
async function pay(email: string, orderId = `ord-${++paymentCount}`, phaseId?: string): Promise<string> {
  const detail = {
    ...(phaseId === undefined ? {} : { phaseId }),
    schemaVersion: 1,
    paymentId: `pay-${orderId}`,
    orderId,
    customer: { email, name: 'Test Trader' },
    programId: program.id,
    amount: 15_500,
    currency: 'USD',
    rail: 'crypto',
    paidAt: '2026-11-22T09:00:00Z',
  };
  await platform.bus.putEvents([{ Source: 'propdesk.processor.coinpay', DetailType: 'PaymentSucceeded', Detail: JSON.stringify(detail) }]);
  return `coinpay:${orderId}`;
}

async function settled(): Promise<LocalExecution[]> {
  await platform.workflows.idle();
  return platform.workflows.executions;
}

const executionsFor = (orderKey: string) =>
  platform.workflows.executions.filter((execution) => {
    const detail = (execution.input as EventBridgeEvent).detail;
    return `coinpay:${String(detail['orderId'])}` === orderKey;
  });

describe('a payment becomes an active account', () => {
  it('provisions, mails the credentials, activates and audits a Stripe checkout', async () => {
    const stripe = JSON.parse(readFileSync(new URL('../../events/samples/processors/stripe-checkout-session-completed.json', import.meta.url), 'utf8')) as EventBridgeEvent;
    const twoStep = parseProgram({ ...program, id: 'two-step-static' });
    await platform.programs.put(twoStep);
    const sent = platform.outbox.sent.length;
    // As the forwarding rule delivers it from the firm's own partner event source.
    const source = loadTenantConfig(TENANT).paymentProcessors.stripe!.partnerEventSource;
    await platform.bus.putEvents([{ Source: source, DetailType: stripe['detail-type'], Detail: JSON.stringify(stripe.detail) }]);
    const [execution] = (await settled()).slice(-1);
    expect(execution).toMatchObject({ status: 'succeeded' });

    const session = (stripe.detail['data'] as { object: { id: string } }).object.id;
    const accountId = accountIdOf(`stripe:${session}`);
    const traderId = traderIdOf('lena.hartmann@example.com');
    const state = (await platform.accounts.load([accountId])).get(accountId)?.state;
    expect(state).toMatchObject({ status: 'active', traderId, programId: 'two-step-static', programVersion: 1, phaseId: 'challenge', balance: 10_000_000 });
    expect(await platform.orders.order(`stripe:${session}`)).toMatchObject({ status: 'active', accountId, payment: { processor: 'stripe', amount: 49_410, currency: 'USD' } });

    const [email] = platform.outbox.sent.slice(sent);
    expect(email).toMatchObject({ to: 'lena.hartmann@example.com', subject: 'Your E2E Two-Step account is ready: Challenge' });
    expect(email!.text).toMatch(/Login: {4}\d{7}\nPassword: \S{12}/);
    // The password went from the bridge's answer to the mail, and nowhere in the execution.
    const password = /Password: (\S+)/.exec(email!.text)![1]!;
    expect(JSON.stringify(execution)).not.toContain(password);

    const activated = outcomes.find((event) => event['detail-type'] === 'AccountActivated' && event.detail['accountId'] === accountId);
    expect(activated?.detail).toMatchObject({ traderId, orderKey: `stripe:${session}`, server: 'Propdesk-Local' });
    const day = new Date().toISOString().slice(0, 10);
    const audit = await platform.audit.query({ from: day, to: day, targetId: accountId }, { limit: 20 });
    expect(audit.items.map((entry) => entry.action).sort()).toEqual(['account.activated', 'account.credentialsSent', 'order.claimed']);
  });

  it('creates exactly one account for a payment event delivered twice', async () => {
    const requests = platform.bridge.requests.length;
    const orderKey = await pay('twice@example.com', 'ord-twice');
    await pay('twice@example.com', 'ord-twice');
    await settled();
    const runs = executionsFor(orderKey);
    expect(runs.map((run) => run.status)).toEqual(['succeeded', 'succeeded']);
    expect(runs.map((run) => (run.output as { outcome: string }).outcome).sort()).toEqual(['duplicate', 'provision']);
    expect(platform.bridge.requests.length - requests).toBe(1);
    expect(platform.outbox.sent.filter((email) => email.to === 'twice@example.com')).toHaveLength(1);
    const accounts = await platform.accounts.load([accountIdOf(orderKey)]);
    expect(accounts.get(accountIdOf(orderKey))?.state.status).toBe('active');
  });
});

describe('provisioning that cannot finish', () => {
  it('fails the order when the bridge refuses, telling staff why', async () => {
    const orderKey = await pay('refused@example.com');
    await settled();
    expect(executionsFor(orderKey)).toMatchObject([{ status: 'failed', error: 'ProvisioningFailed' }]);
    expect(await platform.orders.order(orderKey)).toMatchObject({ status: 'failed', reason: 'BridgeRefused: the platform has no server for this group' });
    expect((await platform.accounts.load([accountIdOf(orderKey)])).size).toBe(0);
    expect(outcomes.find((event) => event['detail-type'] === 'ProvisioningFailed' && event.detail['orderKey'] === orderKey)?.detail).toMatchObject({ error: 'BridgeRefused' });
  });

  it('fails the order when the bridge never answers, and refuses its late answer', async () => {
    const started = Date.now();
    const orderKey = await pay('silent@example.com');
    await settled();
    expect(Date.now() - started).toBeGreaterThanOrEqual(BRIDGE_WAIT_SECONDS * 1000 - 100);
    expect(executionsFor(orderKey)).toMatchObject([{ status: 'failed', error: 'ProvisioningFailed' }]);
    expect((await platform.orders.order(orderKey))?.reason).toMatch(/^States\.Timeout/);
    // The bridge wakes up: its answer finds nobody waiting and changes nothing.
    const accountId = accountIdOf(orderKey);
    const late = { requestId: `create:${accountId}`, accountId, platform: 'mt5', login: '5999999', server: 'Propdesk-Local', password: 'late-password-1' };
    await platform.bus.putEvents([{ Source: 'propdesk.bridge.local', DetailType: 'TradingAccountCreated', Detail: JSON.stringify(late) }]);
    await settled();
    expect((await platform.accounts.load([accountId])).size).toBe(0);
    expect(platform.outbox.sent.some((email) => email.to === 'silent@example.com')).toBe(false);
  });

  it('refuses a payment for a program nobody published, with the reason, and provisions nothing', async () => {
    const requests = platform.bridge.requests.length;
    await platform.bus.putEvents([
      {
        Source: 'propdesk.processor.coinpay',
        DetailType: 'PaymentSucceeded',
        Detail: JSON.stringify({ schemaVersion: 1, paymentId: 'p-x', orderId: 'ord-x', customer: { email: 'x@example.com', name: 'X' }, programId: 'no-such-program', amount: 100, currency: 'USD', rail: 'card', paidAt: '2026-11-22T09:00:00Z' }),
      },
    ]);
    await settled();
    expect(executionsFor('coinpay:ord-x')).toMatchObject([{ status: 'failed', error: 'InvalidOrder', cause: expect.stringContaining('programId: program no-such-program is not published') }]);
    const refused = outcomes.find((event) => event['detail-type'] === 'OrderRefused' && event.detail['problems'] !== undefined && JSON.stringify(event.detail).includes('no-such-program'));
    expect(refused?.detail).toMatchObject({ source: 'propdesk.processor.coinpay', problems: [{ path: 'programId' }] });
    expect(platform.bridge.requests.length).toBe(requests);
  });
});

describe('passing a phase provisions the next one', () => {
  it('opens the funded account for the same trader once the evaluator passes the challenge', async () => {
    const orderKey = await pay('passer@example.com');
    await settled();
    const challenge = accountIdOf(orderKey);
    const start = Date.now() + 1_000;
    const trades = events({ tenant: TENANT, accountId: challenge });
    await platform.tradeStream.put([
      trades.deal(start, { positionId: 'p1', symbol: 'EURUSD', side: 'buy', volume: 10_000, entry: 'in' }),
      trades.deal(start + 60_000, { positionId: 'p1', symbol: 'EURUSD', side: 'sell', volume: 10_000, entry: 'out', profit: 100_000 }),
    ]);
    await platform.drained();
    await settled();
    expect((await platform.accounts.load([challenge])).get(challenge)?.state.status).toBe('passed');

    const funded = accountIdOf(`phase:${challenge}:funded`);
    const state = (await platform.accounts.load([funded])).get(funded)?.state;
    expect(state).toMatchObject({ status: 'active', phaseId: 'funded', traderId: traderIdOf('passer@example.com'), initialBalance: 10_000_000, programVersion: 1 });
    // A funded phase waits for the trader's identity verification: the simulated applicant is approved.
    expect(platform.outbox.sent.filter((email) => email.to === 'passer@example.com').map((email) => email.subject)).toEqual([
      'Your E2E Two-Step account is ready: Challenge',
      'Verify your identity to trade a funded account',
      'Your E2E Two-Step account is ready: Funded',
    ]);
    const kyc = outcomes.filter((event) => event.detail['traderId'] === traderIdOf('passer@example.com') && String(event['detail-type']).startsWith('Kyc'));
    expect(kyc.map((event) => event['detail-type'])).toEqual(['KycApproved']);
  });
});

describe('identity verification gates a funded activation', () => {
  it("fails the order, with the provider's reasons, when the trader's verification is rejected", async () => {
    const orderKey = await pay('rejected-kyc@example.com', undefined, 'funded');
    await settled();
    expect(executionsFor(orderKey)).toMatchObject([{ status: 'failed', error: 'ProvisioningFailed' }]);
    expect((await platform.orders.order(orderKey))?.reason).toMatch(/^KycRejected: .*DOCUMENT_PAGE_MISSING/);
    // No login was asked for: the gate comes before the bridge.
    expect(platform.bridge.requests.some((request) => request.trader.email === 'rejected-kyc@example.com')).toBe(false);
    const traderId = traderIdOf('rejected-kyc@example.com');
    expect(outcomes.find((event) => event['detail-type'] === 'KycRejected' && event.detail['traderId'] === traderId)?.detail).toMatchObject({ reasons: ['DOCUMENT_PAGE_MISSING'] });
  });

  it('asks for a resubmission, then activates once the second review approves', async () => {
    const email = 'resubmits@example.com';
    const traderId = traderIdOf(email);
    const orderKey = await pay(email, undefined, 'funded');
    const until = async (done: () => boolean) => {
      while (!done()) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    await until(() => platform.outbox.sent.some((mail) => mail.to === email && mail.subject.startsWith('Verify')));
    const reviewedAt = Date.now();
    expect((await platform.applicants.decide(traderId, 'resubmissionRequested', ['SELFIE_MISMATCH'], reviewedAt)).status).toBe(200);
    await until(() => platform.outbox.sent.some((mail) => mail.to === email && mail.subject.includes('another document')));
    expect(platform.outbox.sent.find((mail) => mail.to === email && mail.subject.includes('another document'))?.text).toContain('SELFIE_MISMATCH');
    // The provider delivering the same webhook again changes nothing.
    expect(await (await platform.applicants.decide(traderId, 'resubmissionRequested', ['SELFIE_MISMATCH'], reviewedAt)).json()).toMatchObject({ outcome: 'ignored' });
    expect((await platform.applicants.decide(traderId, 'approved', [])).status).toBe(200);
    await settled();
    expect(executionsFor(orderKey)).toMatchObject([{ status: 'succeeded' }]);
    expect((await platform.accounts.load([accountIdOf(orderKey)])).get(accountIdOf(orderKey))?.state).toMatchObject({ status: 'active', phaseId: 'funded' });
    const kyc = platform.workflows.executions.filter((execution) => execution.stateMachineLogicalId === platform.template.stateMachines.kyc.logicalId && (execution.input as EventBridgeEvent).detail['traderId'] === traderId);
    expect(kyc).toMatchObject([{ status: 'succeeded' }]);
  });

  it('refuses a forged verdict at the webhook', async () => {
    const { rawBody, headers } = platform.applicants.fake.webhookFor(traderIdOf('rejected-kyc@example.com'), 'approved', Date.now());
    const forged = rawBody.replace('GREEN', 'GREEN ');
    const response = await fetch(`${platform.apiUrl}/webhooks/kyc`, { method: 'POST', headers, body: forged });
    expect(response.status).toBe(401);
  });
});
