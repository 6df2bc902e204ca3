/**
 * The payout rules of a funded phase, as program data: when a trader may request a payout, how much, how
 * it splits between trader and firm, what is paid without an analyst, and when the account scales up.
 * Money is integer minor units, shares are basis points. The payout workflow (workflows/payouts.ts)
 * applies it.
 */
import { z } from 'zod';
import { BPS, MAX_MONEY } from './money.js';

const positiveMoney = z.int().positive().max(MAX_MONEY);
const bps = z.int().positive().max(100_000);
/** At most 100%: keeps initial balance × share exact in a float64 up to MAX_MONEY. */
const shareOfInitial = z.int().min(0).max(BPS);
const riskScore = z.int().min(0).max(100);

const SplitStep = z.strictObject({
  fromPayout: z.int().min(1).describe('the payout number (1 = the first) from which this share applies'),
  traderShareBps: z.int().min(1).max(BPS).describe('the trader’s share of the gross amount, basis points'),
});

export const PayoutPolicy = z
  .strictObject({
    firstAfterDays: z.int().min(0).max(3660).describe('days (of 24 hours) after the funded account opened before the first payout'),
    everyDays: z.int().min(1).max(3660).describe('days (of 24 hours) from the previous payout request before the next one'),
    minTradingDays: z.int().min(0).max(3660).default(0).describe('trading days needed in the current payout cycle'),
    minProfitableDays: z.int().min(0).max(3660).default(0).describe('profitable days needed in the current payout cycle'),
    minAmount: positiveMoney.describe('smallest gross amount of profit a trader may request'),
    maxAmount: z
      .union([
        z.strictObject({ amount: positiveMoney.describe('fixed cap, minor units') }),
        z.strictObject({
          bps: bps.describe('cap as a share of the initial balance'),
          of: z.literal('initial').describe('the share is of the initial balance'),
        }),
      ])
      .optional()
      .describe('largest gross amount per request: fixed, or a share of the initial balance; absent: no cap'),
    split: z
      .array(SplitStep)
      .min(1)
      .max(10)
      .refine((steps) => steps[0]?.fromPayout === 1, { message: 'the split ladder must start at fromPayout 1' })
      .refine((steps) => steps.every((step, i) => i === 0 || step.fromPayout > steps[i - 1]!.fromPayout), {
        message: 'the split ladder must be strictly increasing in fromPayout',
      })
      .describe('the trader’s share by payout number, e.g. 80% from the first, 90% from the fifth'),
    autoApprove: z
      .strictObject({
        maxAmount: positiveMoney.describe('largest gross amount paid without an analyst'),
        maxRiskScore: riskScore.describe('highest risk score paid without an analyst'),
      })
      .optional()
      .describe('absent: every payout waits for an analyst'),
    maxRiskScore: riskScore.default(100).describe('a risk score above this blocks the payout'),
    scaling: z
      .strictObject({
        everyMonths: z.int().min(1).max(120).describe('UTC calendar months from opening or the last scale-up to the review'),
        minProfitBps: shareOfInitial.describe('profit realised since the last scale-up, as a share of the initial balance'),
        minPayouts: z.int().min(0).max(1000).describe('payouts taken since the last scale-up'),
        increaseBps: shareOfInitial.min(1).describe('increase of the initial balance, as a share of it'),
        maxInitialBalance: positiveMoney.describe('the initial balance never scales beyond this'),
      })
      .optional()
      .describe('absent: the account never scales'),
  })
  .refine((policy) => policy.maxAmount === undefined || !('amount' in policy.maxAmount) || policy.maxAmount.amount >= policy.minAmount, {
    message: 'maxAmount must not be below minAmount',
    path: ['maxAmount'],
  });

export type PayoutPolicy = z.output<typeof PayoutPolicy>;
export type PayoutPolicyInput = z.input<typeof PayoutPolicy>;
