/**
 * Payouts end to end on the local platform: a funded account bought through the purchase workflow (its trader
 * verified by the simulated KYC provider), profit made on the trade stream, payouts requested through the API
 * as the trader, and the synthesized Payout state machine taking each to a refusal with its reasons, an
 * analyst's decision, the processor's settlement, the ledger and the balance operation back on the stream.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBridgeEvent } from '../../local/event-router.js';
import { type Platform, startPlatform } from '../../local/platform.js';
import { parseProgram } from '../../shared/domain/program.js';
import type { PayoutRecord } from '../../shared/ports/payouts.js';
import { accountIdOf, traderIdOf } from '../../shared/workflows/purchase.js';
import { events } from '../support/events.js';

const TENANT = 'demo';
const EMAIL = 'payee@example.com';
const TRADER = traderIdOf(EMAIL);
const FAILING_AMOUNT = 12_345;

const program = parseProgram({
  id: 'e2e-funded',
  version: 1,
  name: 'E2E Funded',
  currency: 'USD',
  initialBalance: 10_000_000,
  dayBoundary: { timeZone: 'Europe/Prague', time: '00:00' },
  phases: [
    {
      id: 'funded',
      name: 'Funded',
      kind: 'funded',
      rules: [{ kind: 'maxLoss', severity: 'hard', floor: 'static', limit: { bps: 1000, of: 'initial' }, breachAt: 'touch' }],
      payouts: {
        firstAfterDays: 0,
        everyDays: 0 + 1,
        minAmount: 1_000,
        split: [
          { fromPayout: 1, traderShareBps: 8_000 },
          { fromPayout: 3, traderShareBps: 9_000 },
        ],
        autoApprove: { maxAmount: 50_000, maxRiskScore: 50 },
      },
    },
  ],
});

let platform: Platform;
const outcomes: EventBridgeEvent[] = [];
/** One funded account per scenario: the payout cycle allows one payout a day per account. */
const SCENARIOS = ['auto', 'gate', 'approve', 'decline', 'fail'] as const;
type Scenario = (typeof SCENARIOS)[number];
const accountOf = (scenario: Scenario) => accountIdOf(`coinpay:funded-${scenario}`);

beforeAll(async () => {
  platform = await startPlatform({
    tenantId: TENANT,
    payoutProcessor: (instruction) => (instruction.amount === Math.floor((FAILING_AMOUNT * 8_000) / 10_000) ? { answer: 'fail', reason: 'the beneficiary bank refused the transfer' } : { answer: 'settle' }),
    onDomainEvent: (queue, event) => {
      if (queue === platform.template.queues.accountOutcomes) outcomes.push(event);
    },
  });
  await platform.programs.put(program);
  for (const scenario of SCENARIOS) {
    const detail = {
      schemaVersion: 1,
      paymentId: `pay-funded-${scenario}`,
      orderId: `funded-${scenario}`,
      customer: { email: EMAIL, name: 'Pat Payee' },
      programId: program.id,
      phaseId: 'funded',
      amount: 50_000,
      currency: 'USD',
      rail: 'card',
      paidAt: '2026-11-22T09:00:00Z',
    };
    await platform.bus.putEvents([{ Source: 'propdesk.processor.coinpay', DetailType: 'PaymentSucceeded', Detail: JSON.stringify(detail) }]);
  }
  await platform.workflows.idle();
  // $2,000.00 of closed profit on each.
  const start = Date.now() + 1_000;
  for (const scenario of SCENARIOS) {
    const trades = events({ tenant: TENANT, accountId: accountOf(scenario) });
    await platform.tradeStream.put([
      trades.deal(start, { positionId: 'p1', symbol: 'EURUSD', side: 'buy', volume: 10_000, entry: 'in' }),
      trades.deal(start + 60_000, { positionId: 'p1', symbol: 'EURUSD', side: 'sell', volume: 10_000, entry: 'out', profit: 200_000 }),
    ]);
  }
  await platform.drained();
}, 60_000);

afterAll(async () => {
  await platform?.stop();
});

async function post(path: string, body: unknown, roles: ('trader' | 'risk')[], subject: string): Promise<Response> {
  const token = await platform.issuer.mint({ subject, roles });
  return fetch(`${platform.apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify(body),
  });
}

/** Requests a payout as the trader and waits until its workflow has nothing left to do without an analyst. */
async function requestPayout(scenario: Scenario, amount: number): Promise<PayoutRecord> {
  const response = await post(`/v1/accounts/${accountOf(scenario)}/payouts`, { amount, rail: 'bank', destination: 'DE89370400440532013000' }, ['trader'], TRADER);
  expect(response.status).toBe(202);
  const { payoutId } = (await response.json()) as { payoutId: string };
  await until(async () => !['requested', 'approved', 'instructed'].includes((await platform.payouts.get(payoutId))!.state));
  return (await platform.payouts.get(payoutId))!;
}

async function until(done: () => Promise<boolean>): Promise<void> {
  const giveUpAt = Date.now() + 30_000;
  while (!(await done())) {
    if (Date.now() > giveUpAt) throw new Error('gave up waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const balance = async (scenario: Scenario) => (await platform.accounts.load([accountOf(scenario)])).get(accountOf(scenario))!.state;

describe('a payout request', () => {
  it('under the auto-approval limit is paid, booked, and taken off the balance through the trade stream', async () => {
    expect((await balance('auto')).balance).toBe(10_200_000);
    const payout = await requestPayout('auto', 40_000);
    expect(payout).toMatchObject({ state: 'settled', number: 1, decision: { by: 'auto' }, split: { traderShareBps: 8_000, traderAmount: 32_000, firmAmount: 8_000 } });
    expect(payout.gates?.every((gate) => gate.passed)).toBe(true);
    expect(platform.payoutProcessor.instructions.at(-1)).toMatchObject({ payoutId: payout.payoutId, amount: 32_000, rail: 'bank', destination: 'DE89370400440532013000' });
    expect(outcomes.find((event) => event['detail-type'] === 'PayoutSettled' && event.detail['payoutId'] === payout.payoutId)?.detail).toMatchObject({
      amount: 40_000,
      traderAmount: 32_000,
      firmAmount: 8_000,
      reference: `local-transfer-${payout.payoutId}`,
    });
    await platform.drained();
    await until(async () => (await balance('auto')).payouts === 1);
    expect(await balance('auto')).toMatchObject({ balance: 10_160_000, payouts: 1 });
    // The bus delivers the request again: a second execution finds it handled and changes nothing.
    const requested = platform.bus.archive.find((event) => event['detail-type'] === 'PayoutRequested' && event.detail['payoutId'] === payout.payoutId)!;
    const instructions = platform.payoutProcessor.instructions.length;
    await platform.bus.putEvents([{ Source: requested.source, DetailType: requested['detail-type'], Detail: JSON.stringify(requested.detail) }]);
    await platform.workflows.idle();
    expect(platform.workflows.executions.at(-1)).toMatchObject({ status: 'succeeded', output: { outcome: 'alreadyHandled' } });
    expect(platform.payoutProcessor.instructions).toHaveLength(instructions);
    expect(await platform.payouts.get(payout.payoutId)).toMatchObject({ state: 'settled' });
    // The next payout waits for the cycle: a day after this one.
    const tooSoon = await requestPayout('auto', 5_000);
    expect(tooSoon.gates!.find((gate) => gate.gate === 'cycle')).toMatchObject({ passed: false });
  });

  it('refused by a gate says which and why, and moves no money', async () => {
    const instructions = platform.payoutProcessor.instructions.length;
    const payout = await requestPayout('gate', 500);
    expect(payout.state).toBe('rejected');
    const minAmount = payout.gates!.find((gate) => gate.gate === 'minAmount');
    expect(minAmount).toMatchObject({ passed: false, reason: expect.stringContaining('1,000') });
    expect(platform.payoutProcessor.instructions).toHaveLength(instructions);
    expect(outcomes.find((event) => event['detail-type'] === 'PayoutRejected' && event.detail['payoutId'] === payout.payoutId)?.detail).toMatchObject({ by: 'gates' });
  });

  it('over the limit waits for an analyst, who approves it; the approval is audited and the payout paid', async () => {
    const payout = await requestPayout('approve', 60_000);
    expect(payout.state).toBe('awaitingApproval');
    const decided = await post(`/v1/payouts/${payout.payoutId}/decision`, { decision: 'approve', note: 'checked the trades: clean' }, ['risk'], 'anna');
    expect(decided.status).toBe(200);
    await until(async () => (await platform.payouts.get(payout.payoutId))!.state === 'settled');
    expect(await platform.payouts.get(payout.payoutId)).toMatchObject({ decision: { by: 'anna', note: 'checked the trades: clean' }, split: { traderAmount: 48_000 } });
  });

  it('an analyst declines, with the note as the reason', async () => {
    const payout = await requestPayout('decline', 70_000);
    expect((await post(`/v1/payouts/${payout.payoutId}/decision`, { decision: 'reject', note: 'copy trading under review' }, ['risk'], 'anna')).status).toBe(200);
    await until(async () => (await platform.payouts.get(payout.payoutId))!.state === 'rejected');
    expect(outcomes.find((event) => event['detail-type'] === 'PayoutRejected' && event.detail['payoutId'] === payout.payoutId)?.detail).toMatchObject({ by: 'anna', reasons: ['copy trading under review'] });
  });

  it("the processor's failure is compensated: nothing booked, the balance untouched", async () => {
    const before = await balance('fail');
    const payout = await requestPayout('fail', FAILING_AMOUNT);
    expect(payout).toMatchObject({ state: 'failed', settlement: { failure: 'PayoutFailed: the beneficiary bank refused the transfer' } });
    await platform.workflows.idle();
    expect(outcomes.find((event) => event['detail-type'] === 'PayoutFailed' && event.detail['payoutId'] === payout.payoutId)).toBeDefined();
    expect(platform.bridge.balanceOperations.some((operation) => operation.operationId.endsWith(payout.payoutId))).toBe(false);
    expect((await balance('fail')).balance).toBe(before.balance);
  });
});
