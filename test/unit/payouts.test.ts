import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MAX_MONEY } from '../../shared/domain/money.js';
import { PayoutPolicy, type PayoutPolicyInput } from '../../shared/domain/payout-policy.js';
import { parseProgram } from '../../shared/domain/program.js';
import { openAccount } from '../../shared/domain/state.js';
import {
  approvalRoute,
  eligible,
  GATE_NAMES,
  payoutEligibility,
  payoutFactsOf,
  scalingReview,
  splitPayout,
  type GateName,
  type PayoutFacts,
} from '../../shared/workflows/payouts.js';

const DAY = 86_400_000;
const OPENED = Date.UTC(2024, 0, 1);
const INITIAL = 10_000_000;

const policyInput: PayoutPolicyInput = {
  firstAfterDays: 14,
  everyDays: 14,
  minTradingDays: 3,
  minProfitableDays: 2,
  minAmount: 10_000,
  maxAmount: { amount: 500_000 },
  split: [
    { fromPayout: 1, traderShareBps: 8000 },
    { fromPayout: 5, traderShareBps: 9000 },
  ],
  autoApprove: { maxAmount: 100_000, maxRiskScore: 30 },
  maxRiskScore: 70,
  scaling: { everyMonths: 4, minProfitBps: 1000, minPayouts: 2, increaseBps: 2500, maxInitialBalance: 20_000_000 },
};
const policyWith = (change: Partial<PayoutPolicyInput> = {}) => PayoutPolicy.parse({ ...policyInput, ...change });
const policy = policyWith();

type FactsChange = Omit<Partial<PayoutFacts>, 'account'> & { account?: Partial<PayoutFacts['account']> };
/** A request every gate passes, with fields replaced. */
function factsWith(change: FactsChange = {}): PayoutFacts {
  const base: PayoutFacts = {
    requestedAt: OPENED + 20 * DAY,
    amount: 200_000,
    account: {
      fundedPhase: true,
      status: 'active',
      balance: INITIAL + 300_000,
      initialBalance: INITIAL,
      openedAt: OPENED,
      openPositions: 0,
      payouts: 0,
      lastPayoutAt: null,
      cycleTradingDays: 5,
      cycleProfitableDays: 3,
    },
    kyc: 'approved',
    unresolvedHardViolations: 0,
    riskScore: 10,
    openHighRiskFlags: 0,
    consistencyHolds: true,
  };
  return { ...base, ...change, account: { ...base.account, ...change.account } };
}

const gateOf = (facts: PayoutFacts, name: GateName, p = policy) => payoutEligibility(p, facts).find((g) => g.gate === name)!;
const failedGates = (facts: PayoutFacts, p = policy) =>
  payoutEligibility(p, facts)
    .filter((g) => !g.passed)
    .map((g) => g.gate);

describe('PayoutPolicy', () => {
  it('fills defaults', () => {
    const parsed = PayoutPolicy.parse({ firstAfterDays: 0, everyDays: 7, minAmount: 1, split: [{ fromPayout: 1, traderShareBps: 10_000 }] });
    expect(parsed).toMatchObject({ minTradingDays: 0, minProfitableDays: 0, maxRiskScore: 100 });
    expect(parsed.autoApprove).toBeUndefined();
  });

  it.each([
    [[{ fromPayout: 2, traderShareBps: 8000 }], 'the split ladder must start at fromPayout 1'],
    [[{ fromPayout: 1, traderShareBps: 8000 }, { fromPayout: 1, traderShareBps: 9000 }], 'the split ladder must be strictly increasing in fromPayout'],
    [[{ fromPayout: 1, traderShareBps: 8000 }, { fromPayout: 5, traderShareBps: 9000 }, { fromPayout: 3, traderShareBps: 9500 }], 'strictly increasing'],
  ])('refuses the ladder %j', (split, message) => {
    const result = PayoutPolicy.safeParse({ ...policyInput, split });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message).join('\n')).toContain(message);
    expect(result.error?.issues[0]?.path).toEqual(['split']);
  });

  it('refuses an empty ladder, a share above 100%, a fixed maximum below the minimum, and unknown fields', () => {
    expect(PayoutPolicy.safeParse({ ...policyInput, split: [] }).success).toBe(false);
    expect(PayoutPolicy.safeParse({ ...policyInput, split: [{ fromPayout: 1, traderShareBps: 10_001 }] }).success).toBe(false);
    const belowMin = PayoutPolicy.safeParse({ ...policyInput, maxAmount: { amount: 9_999 } });
    expect(belowMin.error?.issues[0]).toMatchObject({ message: 'maxAmount must not be below minAmount', path: ['maxAmount'] });
    expect(PayoutPolicy.safeParse({ ...policyInput, maxAmount: { amount: 10_000 } }).success).toBe(true);
    expect(PayoutPolicy.safeParse({ ...policyInput, payoutDay: 'friday' }).success).toBe(false);
  });

  it('describes every field, nested ones included', () => {
    const undescribed: string[] = [];
    const walk = (node: Record<string, unknown>, path: string): void => {
      const properties = (node.properties ?? {}) as Record<string, Record<string, unknown>>;
      for (const [key, child] of Object.entries(properties)) {
        const inner = (child.anyOf as Record<string, unknown>[] | undefined) ?? [child];
        if (child.description === undefined) undescribed.push(`${path}${key}`);
        for (const option of inner) walk(option, `${path}${key}.`);
        if (child.items !== undefined) walk(child.items as Record<string, unknown>, `${path}${key}[].`);
      }
    };
    walk(z.toJSONSchema(PayoutPolicy, { io: 'input' }) as Record<string, unknown>, '');
    expect(undescribed).toEqual([]);
  });
});

describe('payoutEligibility', () => {
  it('passes every gate of a good request, in GATE_NAMES order', () => {
    const gates = payoutEligibility(policy, factsWith());
    expect(gates.map((g) => g.gate)).toEqual([...GATE_NAMES]);
    expect(gates.filter((g) => !g.passed)).toEqual([]);
    expect(eligible(gates)).toBe(true);
    expect(gateOf(factsWith(), 'cycle').reason).toBe('the first payout window opened 2024-01-15T00:00:00.000Z, 14 days after the account opened');
    expect(gateOf(factsWith(), 'availableProfit').reason).toBe('requested 200,000 minor units is within the available profit of 300,000 minor units');
  });

  it.each<[GateName, FactsChange, string | RegExp]>([
    ['accountFunded', { account: { fundedPhase: false } }, 'the account is not in a funded phase: only funded accounts are paid'],
    ['accountFunded', { account: { status: 'failed' } }, 'the account is failed, not active: only an active funded account is paid'],
    ['cycle', { requestedAt: OPENED + 10 * DAY }, 'the first payout window opens 2024-01-15T00:00:00.000Z, 14 days after the account opened'],
    [
      'cycle',
      { requestedAt: OPENED + 30 * DAY, account: { payouts: 1, lastPayoutAt: OPENED + 20 * DAY } },
      'the next payout window opens 2024-02-04T00:00:00.000Z, 14 days after the previous payout request',
    ],
    ['minTradingDays', { account: { cycleTradingDays: 1 } }, '1 trading day in this payout cycle, 3 required: 2 more needed'],
    ['minProfitableDays', { account: { cycleProfitableDays: 0 } }, '0 profitable days in this payout cycle, 2 required: 2 more needed'],
    ['consistency', { consistencyHolds: false }, /consistency rule currently blocks payouts/],
    ['minAmount', { amount: 5_000 }, 'requested 5,000 minor units is below the minimum of 10,000 minor units'],
    ['maxAmount', { amount: 600_000, account: { balance: INITIAL + 700_000 } }, 'requested 600,000 minor units exceeds the maximum of 500,000 minor units by 100,000 minor units'],
    ['availableProfit', { amount: 350_000 }, /exceeds the available profit of 300,000 minor units \(balance 10,300,000 minor units over the initial 10,000,000 minor units\) by 50,000 minor units/],
    ['availableProfit', { account: { balance: INITIAL - 1 } }, /there is no profit to withdraw: the balance of 9,999,999 minor units is not above/],
    ['noOpenPositions', { account: { openPositions: 2 } }, '2 positions open: every position must be closed before a payout'],
    ['kycApproved', { kyc: 'pending' }, 'identity verification is pending: it must be approved before a payout'],
    ['kycApproved', { kyc: 'notStarted' }, /is notStarted/],
    ['noHardViolations', { unresolvedHardViolations: 1 }, '1 hard-rule violation unresolved: resolve them before paying'],
    ['riskScore', { riskScore: 85 }, 'risk score 85 is above the limit of 70'],
    ['noHighRiskFlags', { openHighRiskFlags: 3 }, '3 high-risk flags open: an analyst must close every high-risk flag first'],
  ])('%s blocks %j, and only it', (gate, change, reason) => {
    const facts = factsWith(change);
    expect(failedGates(facts)).toEqual([gate]);
    expect(gateOf(facts, gate).reason).toMatch(typeof reason === 'string' ? new RegExp(`^${reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : reason);
  });

  it('evaluates every gate when several fail', () => {
    const facts = factsWith({
      requestedAt: OPENED,
      amount: 1_000,
      kyc: 'rejected',
      openHighRiskFlags: 1,
      account: { status: 'passed', openPositions: 1, cycleTradingDays: 0, balance: INITIAL },
    });
    const gates = payoutEligibility(policy, facts);
    expect(gates).toHaveLength(GATE_NAMES.length);
    expect(failedGates(facts)).toEqual(['accountFunded', 'cycle', 'minTradingDays', 'minAmount', 'availableProfit', 'noOpenPositions', 'kycApproved', 'noHighRiskFlags']);
    expect(eligible(gates)).toBe(false);
    expect(gateOf(facts, 'cycle').evidence).toMatchObject({ first: true, opensAt: OPENED + 14 * DAY, requestedAt: OPENED });
  });

  it('passes gates that have nothing to check', () => {
    const open = policyWith({ maxAmount: undefined });
    expect(gateOf(factsWith({ consistencyHolds: null }), 'consistency').reason).toBe('the program has no consistency rule that gates payouts');
    expect(gateOf(factsWith({ amount: 300_000 }), 'maxAmount', open)).toMatchObject({ passed: true, reason: 'the policy sets no maximum per request' });
    expect(gateOf(factsWith({ riskScore: null }), 'riskScore', policyWith({ maxRiskScore: 0 }))).toMatchObject({
      passed: true,
      reason: 'risk score 0 (not scored yet) is within the limit of 0',
    });
  });

  describe('boundaries: touching passes, crossing fails', () => {
    const later = (requestedAt: number): FactsChange => ({ requestedAt, account: { payouts: 2, lastPayoutAt: OPENED + 40 * DAY } });
    const percentMax = policyWith({ maxAmount: { bps: 300, of: 'initial' } });
    it.each<[GateName, FactsChange, FactsChange, typeof policy?]>([
      ['cycle', { requestedAt: OPENED + 14 * DAY }, { requestedAt: OPENED + 14 * DAY - 1 }],
      ['cycle', later(OPENED + 54 * DAY), later(OPENED + 54 * DAY - 1)],
      ['minTradingDays', { account: { cycleTradingDays: 3 } }, { account: { cycleTradingDays: 2 } }],
      ['minProfitableDays', { account: { cycleProfitableDays: 2 } }, { account: { cycleProfitableDays: 1 } }],
      ['minAmount', { amount: 10_000 }, { amount: 9_999 }],
      ['maxAmount', { amount: 500_000 }, { amount: 500_001 }],
      ['maxAmount', { amount: 300_000 }, { amount: 300_001 }, percentMax],
      ['availableProfit', { amount: 300_000 }, { amount: 300_001 }],
      ['riskScore', { riskScore: 70 }, { riskScore: 71 }],
    ])('%s', (gate, touching, crossing, p = policy) => {
      expect(gateOf(factsWith(touching), gate, p).passed).toBe(true);
      expect(gateOf(factsWith(crossing), gate, p).passed).toBe(false);
    });

    it('a first payout is open at once when firstAfterDays is 0', () => {
      expect(gateOf(factsWith({ requestedAt: OPENED }), 'cycle', policyWith({ firstAfterDays: 0 })).passed).toBe(true);
    });
  });
});

describe('payoutFactsOf', () => {
  it('reads the account from its state and the cycle facts from the context', () => {
    const program = parseProgram({
      id: 'funded-test',
      version: 1,
      name: 'Funded',
      currency: 'USD',
      initialBalance: INITIAL,
      dayBoundary: { timeZone: 'UTC', time: '00:00' },
      phases: [{ id: 'funded', name: 'Funded', kind: 'funded', rules: [] }],
    });
    const state = { ...openAccount(program, { tenant: 't', accountId: 'a', openedAt: OPENED }), balance: INITIAL + 50_000, payouts: 3, tradingDays: 40 };
    const facts = payoutFactsOf(state, {
      fundedPhase: true,
      lastPayoutAt: OPENED + 30 * DAY,
      cycleTradingDays: 4,
      cycleProfitableDays: 2,
      requestedAt: OPENED + 50 * DAY,
      amount: 20_000,
      kyc: 'approved',
      unresolvedHardViolations: 0,
      riskScore: null,
      openHighRiskFlags: 0,
      consistencyHolds: null,
    });
    expect(facts.account).toEqual({
      fundedPhase: true,
      status: 'active',
      balance: INITIAL + 50_000,
      initialBalance: INITIAL,
      openedAt: OPENED,
      openPositions: 0,
      payouts: 3,
      lastPayoutAt: OPENED + 30 * DAY,
      cycleTradingDays: 4,
      cycleProfitableDays: 2,
    });
    expect(facts).toMatchObject({ requestedAt: OPENED + 50 * DAY, amount: 20_000, riskScore: null });
  });
});

describe('splitPayout', () => {
  it.each([
    [1, 8000],
    [2, 8000],
    [4, 8000],
    [5, 9000],
    [6, 9000],
    [40, 9000],
  ])('payout %i pays the trader %i bps', (payoutNumber, traderShareBps) => {
    expect(splitPayout(policy, 100_000, payoutNumber)).toEqual({
      payoutNumber,
      traderShareBps,
      traderAmount: traderShareBps * 10,
      firmAmount: 100_000 - traderShareBps * 10,
    });
  });

  it('rounds the trader down and gives the firm the remainder', () => {
    expect(splitPayout(policy, 12_345, 1)).toMatchObject({ traderAmount: 9_876, firmAmount: 2_469 });
    expect(splitPayout(policy, 12_345, 5)).toMatchObject({ traderAmount: 11_110, firmAmount: 1_235 });
    expect(splitPayout(policy, 1, 1)).toMatchObject({ traderAmount: 0, firmAmount: 1 });
    expect(splitPayout(policyWith({ split: [{ fromPayout: 1, traderShareBps: 10_000 }] }), MAX_MONEY, 1)).toMatchObject({ traderAmount: MAX_MONEY, firmAmount: 0 });
  });

  it('refuses amounts outside 1..MAX_MONEY and payout numbers below 1', () => {
    for (const amount of [0, -5, 1.5, MAX_MONEY + 1, Number.NaN]) expect(() => splitPayout(policy, amount, 1)).toThrow(RangeError);
    expect(() => splitPayout(policy, 100, 0)).toThrow('a payout number counts from 1, not 0');
  });

  it('trader + firm is the amount, and the trader gets the floor of the exact share', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_MONEY }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 50 }), (amount, bps, n) => {
        const split = splitPayout(policyWith({ split: [{ fromPayout: 1, traderShareBps: bps }] }), amount, n);
        expect(split.traderAmount + split.firmAmount).toBe(amount);
        expect(split.traderAmount * 10_000).toBeLessThanOrEqual(amount * bps);
        expect(amount * bps).toBeLessThan((split.traderAmount + 1) * 10_000);
      }),
    );
  });
});

describe('approvalRoute', () => {
  it('auto-approves within both limits, touching included', () => {
    expect(approvalRoute(policy, 100_000, 30)).toEqual({
      route: 'auto',
      reason: '100,000 minor units and risk score 30 are within the automatic limits of 100,000 minor units and 30',
    });
    expect(approvalRoute(policy, 5_000, null).route).toBe('auto');
  });

  it('sends crossing amounts and scores to an analyst, naming each', () => {
    expect(approvalRoute(policy, 100_001, 30)).toEqual({ route: 'analyst', reason: '100,001 minor units is above the automatic limit of 100,000 minor units' });
    expect(approvalRoute(policy, 100_000, 31)).toEqual({ route: 'analyst', reason: 'risk score 31 is above the automatic limit of 30' });
    expect(approvalRoute(policy, 200_000, 90).reason).toMatch(/200,000 minor units is above .*; risk score 90 is above/);
  });

  it('sends everything to an analyst without autoApprove', () => {
    expect(approvalRoute(policyWith({ autoApprove: undefined }), 1, 0)).toEqual({ route: 'analyst', reason: 'the policy approves no payout automatically' });
  });
});

describe('scalingReview', () => {
  const reviewAt = Date.UTC(2024, 4, 1);
  const scaling = { now: reviewAt, cycleStartedAt: OPENED, initialBalance: INITIAL, balance: INITIAL + 400_000, payoutsSinceScale: 2, profitSinceScale: 1_000_000 };

  it('is due after 4 months with 10% profit and 2 payouts, adding 25% of the initial balance', () => {
    const review = scalingReview(policy, scaling);
    expect(review).toMatchObject({ due: true, newInitialBalance: 12_500_000 });
    expect(review.reasons).toContain('the review date 2024-05-01T00:00:00.000Z has come');
    expect(review.evidence).toMatchObject({ reviewAt, requiredProfit: 1_000_000, profitSupplied: true });
  });

  it('lists every unmet condition', () => {
    const review = scalingReview(policy, { ...scaling, now: reviewAt - 1, payoutsSinceScale: 1, profitSinceScale: 999_999 });
    expect(review).toMatchObject({ due: false, newInitialBalance: null });
    expect(review.reasons).toEqual([
      'the review date 2024-05-01T00:00:00.000Z has not come yet',
      'profit since the last scale-up of 999,999 minor units is below the required 1,000,000 minor units',
      'only 1 payout since the last scale-up, 2 required',
    ]);
  });

  it('caps the new initial balance, and is not due at the cap', () => {
    expect(scalingReview(policy, { ...scaling, initialBalance: 18_000_000, profitSinceScale: 1_800_000 }).newInitialBalance).toBe(20_000_000);
    const atCap = scalingReview(policy, { ...scaling, initialBalance: 20_000_000, profitSinceScale: 2_000_000 });
    expect(atCap).toMatchObject({ due: false, reasons: ['the initial balance of 20,000,000 minor units is already at the cap of 20,000,000 minor units'] });
  });

  it('counts UTC calendar months, clamping to the end of a shorter month', () => {
    const review = scalingReview(policyWith({ scaling: { ...policyInput.scaling!, everyMonths: 1 } }), { ...scaling, cycleStartedAt: Date.UTC(2024, 0, 31, 12) });
    expect(review.evidence.reviewAt).toBe(Date.UTC(2024, 1, 29, 12));
  });

  it('without profitSinceScale, takes the balance over the initial', () => {
    const review = scalingReview(policy, { ...scaling, profitSinceScale: undefined });
    expect(review.due).toBe(false);
    expect(review.evidence).toMatchObject({ profitSinceScale: 400_000, profitSupplied: false });
  });

  it('is never due without a scaling plan', () => {
    expect(scalingReview(policyWith({ scaling: undefined }), scaling)).toEqual({ due: false, newInitialBalance: null, reasons: ['the policy has no scaling plan'], evidence: {} });
  });
});
