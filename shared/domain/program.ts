/**
 * Challenge programs as versioned data. A program has phases; each phase has its own rule set.
 * Money is integer minor units, shares are basis points, volumes are 1/10,000 lot.
 * See docs in ARCHITECTURE.md ("Programs") for the meaning of every variant.
 */
import { z } from 'zod';
import { isTimeZone } from './calendar.js';
import { MAX_MONEY } from './money.js';
import { AbusePolicy } from '../abuse/policy.js';
import { PayoutPolicy } from './payout-policy.js';

const positiveMoney = z.int().positive().max(MAX_MONEY);
const bps = z.int().positive().max(100_000);
const shareBps = z.int().positive().max(10_000);
const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour');
const timeZone = z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Prague');

/** hard: fails the account at once. soft: daily loss locks trading until the next day; any other rule flags. */
const severity = z.enum(['hard', 'soft']);
/** touch: reaching the limit breaches (<=). cross: only going beyond it does (<). */
const breachAt = z.enum(['touch', 'cross']);
const warnAtBps = z.array(shareBps).max(4).default([]).describe('early warnings as shares of the limit, e.g. [8000, 9000]');
/** For limits on money: early warnings, and a tolerance for broker rounding. */
const moneyLimit = {
  severity,
  warnAtBps,
  toleranceMinor: z.int().nonnegative().max(MAX_MONEY).default(0).describe('broker rounding absorbed at the limit'),
};
/** For limits on counts and volumes: early warnings only. */
const countLimit = { severity, warnAtBps };

/** A share of the initial balance, or a fixed amount. */
const amountOfInitial = z.union([
  z.strictObject({ bps, of: z.literal('initial') }),
  z.strictObject({ amount: positiveMoney }),
]);

export const DailyLossRule = z.strictObject({
  kind: z.literal('dailyLoss'),
  ...moneyLimit,
  reference: z.enum(['dayStartBalance', 'dayStartMaxBalanceEquity', 'dayStartEquity', 'dayPeakEquity']),
  limit: z.union([
    z.strictObject({ bps, of: z.enum(['initial', 'reference']) }),
    z.strictObject({ amount: positiveMoney }),
  ]),
  breachAt,
});

export const MaxLossRule = z
  .strictObject({
    kind: z.literal('maxLoss'),
    ...moneyLimit,
    floor: z.enum(['static', 'trailing']),
    trailSource: z.enum(['endOfDayBalance', 'intradayEquity', 'closedBalance', 'balanceOrEquity']).optional(),
    limit: z.union([
      z.strictObject({ bps, of: z.enum(['initial', 'peak']) }),
      z.strictObject({ amount: positiveMoney }),
    ]),
    lockAt: z
      .union([z.literal('none'), z.literal('initial'), z.strictObject({ initialPlus: z.int().nonnegative().max(MAX_MONEY) })])
      .default('none'),
    afterPayout: z.enum(['keep', 'reset', 'lock']).default('keep'),
    breachAt,
  })
  .refine((rule) => (rule.floor === 'trailing') === (rule.trailSource !== undefined), {
    message: 'trailSource is required for a trailing floor and not allowed for a static one',
  })
  .refine((rule) => rule.floor === 'trailing' || !('of' in rule.limit) || rule.limit.of === 'initial', {
    message: 'a static floor cannot be a share of the peak',
  });

export const ProfitTargetRule = z.strictObject({
  kind: z.literal('profitTarget'),
  target: amountOfInitial,
  measure: z.enum(['balance', 'equity']),
  requireFlat: z.boolean().default(false),
});

export const MinTradingDaysRule = z.strictObject({
  kind: z.literal('minTradingDays'),
  days: z.int().positive().max(366),
  dayCounts: z
    .discriminatedUnion('when', [
      z.strictObject({ when: z.literal('anyTrade') }),
      z.strictObject({ when: z.literal('minVolume'), volume: z.int().positive() }),
      z.strictObject({ when: z.literal('minNetPnl'), pnl: amountOfInitial }),
    ])
    .default({ when: 'anyTrade' }),
});

export const MinProfitableDaysRule = z.strictObject({
  kind: z.literal('minProfitableDays'),
  days: z.int().positive().max(366),
  minNetPnl: amountOfInitial.describe('closed net P&L of the firm day that makes it profitable'),
});

export const MaxPeriodRule = z.strictObject({
  kind: z.literal('maxPeriod'),
  severity,
  days: z.int().positive().max(3660).describe('firm days from the phase start; the phase fails at the rollover that ends the last one'),
});

export const InactivityRule = z.strictObject({
  kind: z.literal('inactivity'),
  severity,
  days: z.int().positive().max(3660).describe('whole firm days without a deal'),
});

export const BestDayConsistencyRule = z.strictObject({
  kind: z.literal('bestDayConsistency'),
  maxShareBps: shareBps.describe('best day over total closed profit in the window'),
  comparison: z.enum(['strict', 'inclusive']).describe('strict: share < max; inclusive: share <= max'),
  window: z.enum(['sinceStart', 'sinceLastPayout']),
  action: z.enum(['blockPass', 'extendTarget', 'blockPayout']),
});

export const LotConsistencyRule = z.strictObject({
  kind: z.literal('lotConsistency'),
  severity,
  minShareBps: z.int().nonnegative().max(100_000).describe('smallest position allowed, as a share of the average closed position'),
  maxShareBps: z.int().positive().max(1_000_000).describe('largest position allowed, as a share of the average closed position'),
  minTrades: z.int().nonnegative().max(10_000).default(1).describe('closed positions needed before the range applies'),
});

export const NewsWindowRule = z.strictObject({
  kind: z.literal('newsWindow'),
  severity,
  beforeSeconds: z.int().nonnegative().max(86_400),
  afterSeconds: z.int().nonnegative().max(86_400),
  restrict: z.array(z.enum(['open', 'close', 'pendingFill', 'stopOrTakeProfit'])).min(1),
  holdExemptSeconds: z
    .int()
    .nonnegative()
    .nullable()
    .default(null)
    .describe('a position opened at least this long before the news may be closed in the window'),
  consequence: z.enum(['violation', 'excludeProfit']),
});

const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

export const WeekendHoldingRule = z.strictObject({
  kind: z.literal('weekendHolding'),
  severity,
  cutoff: z.strictObject({ weekday, time: localTime, timeZone }).describe('positions open at this weekly instant breach'),
});

export const OvernightHoldingRule = z.strictObject({
  kind: z.literal('overnightHolding'),
  severity,
  cutoff: z.strictObject({ time: localTime, timeZone }).describe('positions open at this daily instant breach'),
});

export const MaxVolumeRule = z.strictObject({
  kind: z.literal('maxVolume'),
  ...countLimit,
  maxVolume: z.int().positive().describe('total open volume across positions, 1/10,000 lot'),
});

export const MaxOpenPositionsRule = z.strictObject({
  kind: z.literal('maxOpenPositions'),
  ...countLimit,
  max: z.int().positive().max(10_000),
});

export const MaxMarginUsageRule = z.strictObject({
  kind: z.literal('maxMarginUsage'),
  ...moneyLimit,
  maxShareBps: z.int().positive().max(1_000_000).describe('margin used over equity: the leverage or exposure cap'),
});

export const AllowedInstrumentsRule = z.strictObject({
  kind: z.literal('allowedInstruments'),
  severity,
  symbols: z.array(z.string().min(1).max(33)).min(1).describe('exact symbols, or a prefix ending in * (e.g. EUR*)'),
});

export const StopLossRequiredRule = z.strictObject({
  kind: z.literal('stopLossRequired'),
  severity,
});

export const MaxLossPerTradeRule = z.strictObject({
  kind: z.literal('maxLossPerTrade'),
  severity,
  limit: amountOfInitial,
  breachAt,
});

export const Rule = z.union([
  DailyLossRule,
  MaxLossRule,
  ProfitTargetRule,
  MinTradingDaysRule,
  MinProfitableDaysRule,
  MaxPeriodRule,
  InactivityRule,
  BestDayConsistencyRule,
  LotConsistencyRule,
  NewsWindowRule,
  WeekendHoldingRule,
  OvernightHoldingRule,
  MaxVolumeRule,
  MaxOpenPositionsRule,
  MaxMarginUsageRule,
  AllowedInstrumentsRule,
  StopLossRequiredRule,
  MaxLossPerTradeRule,
]);

export const Phase = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9-]{1,40}$/),
    name: z.string().min(1).max(80),
    kind: z.enum(['evaluation', 'funded']),
    passCheck: z
      .enum(['onTradeClose', 'atRollover'])
      .default('onTradeClose')
      .describe('when met objectives pass the phase: on the closing trade, or at the day rollover'),
    rules: z.array(Rule),
    payouts: PayoutPolicy.optional().describe('the payout rules of a funded phase: when and how much a trader is paid, and how the account scales'),
  })
  .refine((phase) => phase.kind === 'funded' || phase.payouts === undefined, {
    message: 'only a funded phase has payouts',
    path: ['payouts'],
  })
  // The reducer counts trading and profitable days only under the rule that defines them.
  .refine((phase) => (phase.payouts?.minTradingDays ?? 0) === 0 || phase.rules.some((rule) => rule.kind === 'minTradingDays'), {
    message: 'payouts.minTradingDays needs a minTradingDays rule in the phase, which defines what a trading day is',
    path: ['payouts', 'minTradingDays'],
  })
  .refine((phase) => (phase.payouts?.minProfitableDays ?? 0) === 0 || phase.rules.some((rule) => rule.kind === 'minProfitableDays'), {
    message: 'payouts.minProfitableDays needs a minProfitableDays rule in the phase, which defines what a profitable day is',
    path: ['payouts', 'minProfitableDays'],
  })
  .refine((phase) => new Set(phase.rules.map((rule) => rule.kind)).size === phase.rules.length, {
    message: 'at most one rule of each kind per phase',
  })
  .refine((phase) => phase.kind === 'funded' || phase.rules.some((rule) => rule.kind === 'profitTarget'), {
    message: 'an evaluation phase needs a profitTarget rule',
  });

export const DayBoundary = z.union([
  z.strictObject({ timeZone, time: localTime }).describe('the firm day starts at this local time in an IANA zone (DST-correct)'),
  z
    .strictObject({
      serverUtcOffsetMinutes: z.int().min(-720).max(840),
      serverDst: z.enum(['none', 'us', 'eu']),
      time: localTime,
    })
    .describe('platform server time: a base UTC offset plus one hour while US or EU daylight saving is in effect'),
]);

export const Program = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{1,60}$/),
  version: z.int().positive(),
  name: z.string().min(1).max(120),
  basedOn: z.string().max(2000).optional().describe('the published rulebook this program follows, with sources'),
  currency: z.string().regex(/^[A-Z]{3}$/),
  initialBalance: positiveMoney,
  dayBoundary: DayBoundary,
  phases: z.array(Phase).min(1).max(10),
  abuse: AbusePolicy.prefault({}).describe('the abuse detectors for accounts on this program: thresholds, actions, risk-score weights'),
});

export type Program = z.output<typeof Program>;
export type ProgramInput = z.input<typeof Program>;
export type Phase = z.output<typeof Phase>;
export type Rule = z.output<typeof Rule>;
export type RuleKind = Rule['kind'];
export type DayBoundary = z.output<typeof DayBoundary>;
export type RuleOf<K extends RuleKind> = Extract<Rule, { kind: K }>;

/** Parses program data, throwing a zod error that names the failing path. */
export function parseProgram(data: unknown): Program {
  return Program.parse(data);
}
