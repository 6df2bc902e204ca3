/**
 * Payouts of a funded account: whether a request may be paid (independent gates), how it splits
 * between trader and firm, who approves it, and when the account is due for scaling.
 *
 * Pure: every fact, time included, comes in as an argument (epoch ms). Money is integer minor units,
 * shares are basis points. Every numeric gate passes when the value touches its limit; only going
 * beyond it blocks. The policy itself is program data: shared/domain/payout-policy.ts.
 */
import { DateTime } from 'luxon';
import { BPS, MAX_MONEY, percentOf, reachesShare } from '../domain/money.js';
import type { PayoutPolicy } from '../domain/payout-policy.js';
import type { AccountState, AccountStatus } from '../domain/state.js';

const DAY_MS = 86_400_000;

export type KycStatus = 'approved' | 'pending' | 'rejected' | 'notStarted';

/** The account as the payout gates read it. */
export interface PayoutAccountFacts {
  /** The account is in a funded phase (the program knows; the state does not). */
  fundedPhase: boolean;
  status: AccountStatus;
  /** Closed balance, minor units: open positions do not count towards profit. */
  balance: number;
  /** The (possibly scaled) initial balance of the phase. */
  initialBalance: number;
  openedAt: number;
  openPositions: number;
  /** Payouts taken so far; this request is payout number payouts + 1. */
  payouts: number;
  /** When the previous payout was requested; null before the first. */
  lastPayoutAt: number | null;
  /** Trading and profitable days since the last payout, or since opening before the first. */
  cycleTradingDays: number;
  cycleProfitableDays: number;
}

/** Everything the gates read, supplied by the caller. */
export interface PayoutFacts {
  requestedAt: number;
  /** Gross amount requested, minor units. */
  amount: number;
  account: PayoutAccountFacts;
  kyc: KycStatus;
  unresolvedHardViolations: number;
  /** Null: not scored yet, counted as 0. */
  riskScore: number | null;
  openHighRiskFlags: number;
  /** Null when the program has no payout-gating consistency rule; false when that rule blocks payouts now. */
  consistencyHolds: boolean | null;
}

/**
 * What the account state cannot tell: the reducer counts tradingDays and profitableDays over the whole
 * phase (a payout does not reset them) and keeps no payout time, so the cycle facts come from the caller.
 */
export interface PayoutContext extends Omit<PayoutFacts, 'account'> {
  fundedPhase: boolean;
  lastPayoutAt: number | null;
  cycleTradingDays: number;
  cycleProfitableDays: number;
}

export function payoutFactsOf(state: AccountState, context: PayoutContext): PayoutFacts {
  const { fundedPhase, lastPayoutAt, cycleTradingDays, cycleProfitableDays, ...rest } = context;
  return {
    ...rest,
    account: {
      fundedPhase,
      status: state.status,
      balance: state.balance,
      initialBalance: state.initialBalance,
      openedAt: state.openedAt,
      openPositions: state.positions.length,
      payouts: state.payouts,
      lastPayoutAt,
      cycleTradingDays,
      cycleProfitableDays,
    },
  };
}

export const GATE_NAMES = [
  'accountFunded',
  'cycle',
  'minTradingDays',
  'minProfitableDays',
  'consistency',
  'minAmount',
  'maxAmount',
  'availableProfit',
  'noOpenPositions',
  'kycApproved',
  'noHardViolations',
  'riskScore',
  'noHighRiskFlags',
] as const;
export type GateName = (typeof GATE_NAMES)[number];

export interface PayoutGate {
  gate: GateName;
  passed: boolean;
  reason: string;
  evidence: Record<string, number | string | boolean | null>;
}

const grouping = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const minor = (amount: number): string => `${grouping.format(amount)} minor units`;
const count = (n: number, noun: string): string => `${grouping.format(n)} ${noun}${n === 1 ? '' : 's'}`;
const iso = (time: number): string => new Date(time).toISOString();

/**
 * Every gate, each judged on its own, so an analyst sees all that blocks a request at once rather
 * than one reason per attempt. The request is payable when all pass (see eligible).
 */
export function payoutEligibility(policy: PayoutPolicy, facts: PayoutFacts): readonly PayoutGate[] {
  const { account, amount } = facts;
  const gate = (name: GateName, passed: boolean, reason: string, evidence: PayoutGate['evidence']): PayoutGate => ({
    gate: name,
    passed,
    reason,
    evidence,
  });

  // The first cycle runs from opening; every later one from the previous request.
  const first = account.lastPayoutAt === null;
  const cycleDays = first ? policy.firstAfterDays : policy.everyDays;
  const opensAt = (account.lastPayoutAt ?? account.openedAt) + cycleDays * DAY_MS;
  const since = first ? 'after the account opened' : 'after the previous payout request';
  const cycleOpen = facts.requestedAt >= opensAt;

  const maxAmount = policy.maxAmount === undefined ? null : 'amount' in policy.maxAmount ? policy.maxAmount.amount : percentOf(account.initialBalance, policy.maxAmount.bps);
  const profit = account.balance - account.initialBalance;
  const score = facts.riskScore ?? 0;

  return [
    gate(
      'accountFunded',
      account.fundedPhase && account.status === 'active',
      !account.fundedPhase
        ? 'the account is not in a funded phase: only funded accounts are paid'
        : account.status === 'active'
          ? 'the account is active in a funded phase'
          : `the account is ${account.status}, not active: only an active funded account is paid`,
      { fundedPhase: account.fundedPhase, status: account.status },
    ),
    gate(
      'cycle',
      cycleOpen,
      `the ${first ? 'first' : 'next'} payout window ${cycleOpen ? 'opened' : 'opens'} ${iso(opensAt)}, ${count(cycleDays, 'day')} ${since}`,
      { first, opensAt, requestedAt: facts.requestedAt, cycleDays },
    ),
    dayGate('minTradingDays', 'trading day', account.cycleTradingDays, policy.minTradingDays),
    dayGate('minProfitableDays', 'profitable day', account.cycleProfitableDays, policy.minProfitableDays),
    gate(
      'consistency',
      facts.consistencyHolds !== false,
      facts.consistencyHolds === null
        ? 'the program has no consistency rule that gates payouts'
        : facts.consistencyHolds
          ? 'the consistency rule holds'
          : 'the consistency rule currently blocks payouts: the best day is too large a share of the cycle’s profit',
      { consistencyHolds: facts.consistencyHolds },
    ),
    gate(
      'minAmount',
      amount >= policy.minAmount,
      amount >= policy.minAmount
        ? `requested ${minor(amount)} meets the minimum of ${minor(policy.minAmount)}`
        : `requested ${minor(amount)} is below the minimum of ${minor(policy.minAmount)}`,
      { amount, minAmount: policy.minAmount },
    ),
    gate(
      'maxAmount',
      maxAmount === null || amount <= maxAmount,
      maxAmount === null
        ? 'the policy sets no maximum per request'
        : amount <= maxAmount
          ? `requested ${minor(amount)} is within the maximum of ${minor(maxAmount)}`
          : `requested ${minor(amount)} exceeds the maximum of ${minor(maxAmount)} by ${minor(amount - maxAmount)}`,
      { amount, maxAmount },
    ),
    gate(
      'availableProfit',
      amount <= profit,
      profit <= 0
        ? `there is no profit to withdraw: the balance of ${minor(account.balance)} is not above the initial balance of ${minor(account.initialBalance)}`
        : amount <= profit
          ? `requested ${minor(amount)} is within the available profit of ${minor(profit)}`
          : `requested ${minor(amount)} exceeds the available profit of ${minor(profit)} (balance ${minor(account.balance)} over the initial ${minor(account.initialBalance)}) by ${minor(amount - profit)}`,
      { amount, profit, balance: account.balance, initialBalance: account.initialBalance },
    ),
    gate(
      'noOpenPositions',
      account.openPositions === 0,
      account.openPositions === 0
        ? 'no position is open'
        : `${count(account.openPositions, 'position')} open: every position must be closed before a payout`,
      { openPositions: account.openPositions },
    ),
    gate(
      'kycApproved',
      facts.kyc === 'approved',
      facts.kyc === 'approved' ? 'identity verification is approved' : `identity verification is ${facts.kyc}: it must be approved before a payout`,
      { kyc: facts.kyc },
    ),
    gate(
      'noHardViolations',
      facts.unresolvedHardViolations === 0,
      facts.unresolvedHardViolations === 0
        ? 'no hard-rule violation is unresolved'
        : `${count(facts.unresolvedHardViolations, 'hard-rule violation')} unresolved: resolve them before paying`,
      { unresolvedHardViolations: facts.unresolvedHardViolations },
    ),
    gate(
      'riskScore',
      score <= policy.maxRiskScore,
      `risk score ${score}${facts.riskScore === null ? ' (not scored yet)' : ''} is ${score <= policy.maxRiskScore ? 'within' : 'above'} the limit of ${policy.maxRiskScore}`,
      { riskScore: facts.riskScore, maxRiskScore: policy.maxRiskScore },
    ),
    gate(
      'noHighRiskFlags',
      facts.openHighRiskFlags === 0,
      facts.openHighRiskFlags === 0
        ? 'no high-risk flag is open'
        : `${count(facts.openHighRiskFlags, 'high-risk flag')} open: an analyst must close every high-risk flag first`,
      { openHighRiskFlags: facts.openHighRiskFlags },
    ),
  ];

  function dayGate(name: 'minTradingDays' | 'minProfitableDays', noun: string, days: number, required: number): PayoutGate {
    const passed = days >= required;
    const needed = passed ? '' : `: ${grouping.format(required - days)} more needed`;
    return gate(name, passed, `${count(days, noun)} in this payout cycle, ${grouping.format(required)} required${needed}`, { days, required });
  }
}

export function eligible(gates: readonly PayoutGate[]): boolean {
  return gates.every((gate) => gate.passed);
}

export interface PayoutSplit {
  payoutNumber: number;
  traderShareBps: number;
  traderAmount: number;
  firmAmount: number;
}

/**
 * Splits a gross amount for payout number payoutNumber (1 = the first) at the ladder step with the
 * highest fromPayout not above it.
 *
 * Rounding rule: traderAmount = floor(amount × traderShareBps / 10,000), firmAmount = amount −
 * traderAmount. The firm keeps the sub-unit remainder: the trader is never paid a fraction the firm
 * did not earn, and trader + firm always equals the amount exactly.
 */
export function splitPayout(policy: PayoutPolicy, amount: number, payoutNumber: number): PayoutSplit {
  if (!Number.isInteger(amount) || amount < 1 || amount > MAX_MONEY) {
    throw new RangeError(`a payout amount is a whole number of minor units from 1 to ${MAX_MONEY}, not ${amount}`);
  }
  if (!Number.isInteger(payoutNumber) || payoutNumber < 1) throw new RangeError(`a payout number counts from 1, not ${payoutNumber}`);
  const step = policy.split.findLast((s) => s.fromPayout <= payoutNumber)!;
  // amount ≤ MAX_MONEY keeps the product exact; the remainder corrects a quotient the float division rounded up.
  const product = amount * step.traderShareBps;
  let traderAmount = Math.trunc(product / BPS);
  if (traderAmount * BPS > product) traderAmount -= 1;
  return { payoutNumber, traderShareBps: step.traderShareBps, traderAmount, firmAmount: amount - traderAmount };
}

export interface ApprovalRoute {
  route: 'auto' | 'analyst';
  reason: string;
}

/** Whether an eligible payout is paid at once or waits for an analyst; an unscored account counts as 0. */
export function approvalRoute(policy: PayoutPolicy, amount: number, riskScore: number | null): ApprovalRoute {
  const auto = policy.autoApprove;
  if (auto === undefined) return { route: 'analyst', reason: 'the policy approves no payout automatically' };
  const score = riskScore ?? 0;
  const blockers: string[] = [];
  if (amount > auto.maxAmount) blockers.push(`${minor(amount)} is above the automatic limit of ${minor(auto.maxAmount)}`);
  if (score > auto.maxRiskScore) blockers.push(`risk score ${score} is above the automatic limit of ${auto.maxRiskScore}`);
  if (blockers.length > 0) return { route: 'analyst', reason: blockers.join('; ') };
  return {
    route: 'auto',
    reason: `${minor(amount)} and risk score ${score} are within the automatic limits of ${minor(auto.maxAmount)} and ${auto.maxRiskScore}`,
  };
}

export interface ScalingFacts {
  now: number;
  /** When the account opened or was last scaled up. */
  cycleStartedAt: number;
  initialBalance: number;
  balance: number;
  payoutsSinceScale: number;
  /**
   * Net profit realised since cycleStartedAt, payouts included (they were profit before they were paid).
   * Absent: balance − initialBalance, which leaves out profit already paid out, so it can only delay a
   * scale-up, never grant one early; supply it when the window had payouts.
   */
  profitSinceScale?: number;
}

export interface ScalingReview {
  due: boolean;
  newInitialBalance: number | null;
  /** Every unmet condition when not due; the conditions met when due. */
  reasons: string[];
  evidence: Record<string, number | string | boolean | null>;
}

/**
 * The review adds everyMonths UTC calendar months to the UTC date of cycleStartedAt (a day the
 * target month lacks clamps to its last day: 31 Jan + 1 month = 28 or 29 Feb).
 */
export function scalingReview(policy: PayoutPolicy, facts: ScalingFacts): ScalingReview {
  const plan = policy.scaling;
  if (plan === undefined) return { due: false, newInitialBalance: null, reasons: ['the policy has no scaling plan'], evidence: {} };

  const reviewAt = DateTime.fromMillis(facts.cycleStartedAt, { zone: 'utc' }).plus({ months: plan.everyMonths }).toMillis();
  const profit = facts.profitSinceScale ?? facts.balance - facts.initialBalance;
  const requiredProfit = ceilShare(facts.initialBalance, plan.minProfitBps);
  const scaled = Math.min(plan.maxInitialBalance, facts.initialBalance + percentOf(facts.initialBalance, plan.increaseBps));

  const met: string[] = [];
  const unmet: string[] = [];
  const check = (ok: boolean, yes: string, no: string): void => {
    (ok ? met : unmet).push(ok ? yes : no);
  };
  check(facts.now >= reviewAt, `the review date ${iso(reviewAt)} has come`, `the review date ${iso(reviewAt)} has not come yet`);
  check(
    reachesShare(profit, facts.initialBalance, plan.minProfitBps),
    `profit since the last scale-up of ${minor(profit)} reaches ${minor(requiredProfit)}`,
    `profit since the last scale-up of ${minor(profit)} is below the required ${minor(requiredProfit)}`,
  );
  check(
    facts.payoutsSinceScale >= plan.minPayouts,
    `${count(facts.payoutsSinceScale, 'payout')} since the last scale-up, ${plan.minPayouts} required`,
    `only ${count(facts.payoutsSinceScale, 'payout')} since the last scale-up, ${plan.minPayouts} required`,
  );
  // Without this, min() with the cap would shrink an account already at or above it.
  check(
    scaled > facts.initialBalance,
    `the initial balance grows to ${minor(scaled)}`,
    `the initial balance of ${minor(facts.initialBalance)} is already at the cap of ${minor(plan.maxInitialBalance)}`,
  );

  const due = unmet.length === 0;
  return {
    due,
    newInitialBalance: due ? scaled : null,
    reasons: due ? met : unmet,
    evidence: {
      reviewAt,
      now: facts.now,
      profitSinceScale: profit,
      profitSupplied: facts.profitSinceScale !== undefined,
      requiredProfit,
      payoutsSinceScale: facts.payoutsSinceScale,
      minPayouts: plan.minPayouts,
      initialBalance: facts.initialBalance,
      maxInitialBalance: plan.maxInitialBalance,
    },
  };
}

/** The smallest whole minor unit that is at least amount × shareBps / 10,000 (a threshold to reach). */
function ceilShare(amount: number, shareBps: number): number {
  const product = amount * shareBps;
  const quotient = Math.trunc(product / BPS);
  return quotient * BPS < product ? quotient + 1 : quotient;
}
