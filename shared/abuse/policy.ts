/**
 * A program's abuse policy: which detectors run, their thresholds, what a finding does (a flag for the
 * risk desk, or the account failed when the firm's rulebook says so) and how much it weighs in the risk
 * score. Every field has a default, so a program without `abuse` gets the firm-neutral defaults below.
 * Shares are basis points (50% = 5,000), durations seconds, volumes 1/10,000 lot.
 */
import { z } from 'zod';
import { isTimeZone } from '../domain/calendar.js';

const shareBps = z.int().min(0).max(10_000);
const seconds = z.int().positive().max(30 * 86_400);
const count = z.int().positive().max(10_000);
const weight = z.int().min(0).max(100).describe('points this signal adds to the risk score (0 to 100)');
const action = z
  .enum(['flag', 'fail'])
  .default('flag')
  .describe('flag: the risk desk reviews it; fail: the account is failed at once (only where the rulebook says so)');
const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour');
const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

const detector = <T extends z.ZodRawShape>(weightDefault: number, shape: T) =>
  z.strictObject({ enabled: z.boolean().default(true), action, weight: weight.default(weightDefault), ...shape });

export const HedgingPolicy = detector(40, {
  windowSeconds: seconds.default(300).describe('the opposite position was opened within this long of the other'),
  minOverlapSeconds: seconds.default(30).describe('both positions were open together at least this long'),
  minHedges: count
    .default(2)
    .describe('opposite pairs between two accounts before they are flagged: one may be chance (two relatives on one home address), a habit is not'),
}).describe('cross-account hedging: opposite exposure on one instrument across linked accounts (same trader or a shared identity)');

export const CopyTradingPolicy = detector(35, {
  openWithinSeconds: seconds.default(5).describe('the two positions were opened within this long of each other'),
  closeWithinSeconds: seconds.default(5).describe('and closed within this long of each other'),
  minMatchedTrades: count.default(3).describe('matched trades between two accounts before they are flagged'),
  minMatchedShareBps: shareBps
    .default(5_000)
    .describe("and at least this share of the account's trades in the window matched that account: a busy scalper meets others by chance, a copier matches most of the time"),
  ownAccountsAllowed: z.boolean().default(true).describe('copying between one trader\'s own accounts is allowed (FundedNext, The5ers)'),
}).describe('copy and group trading: the same symbol and side opened and closed within seconds across accounts, linked or not');

export const HftPolicy = detector(25, {
  shortHoldSeconds: seconds.default(15).describe('a trade held less than this is short'),
  maxShortHoldShareBps: shareBps.default(5_000).describe('flagged when more than this share of trades are short'),
  minTrades: count.default(20).describe('trades in the window before the share is judged: over fewer, a legitimate scalper crosses half by chance'),
  maxTradesPerMinute: count.default(10).describe('flagged when more trades than this open within any 60 seconds'),
}).describe('HFT and tick scalping: the share of trades held under N seconds, and trades per minute');

export const MartingalePolicy = detector(30, {
  multiplierBps: z.int().min(10_001).max(1_000_000).default(15_000).describe('the next trade is at least this multiple of a losing one (15,000 = 1.5x)'),
  withinSeconds: seconds.default(3_600).describe('the larger trade opens within this long of the loss closing'),
  minEscalations: count.default(3).describe('consecutive escalations after losses before it is flagged'),
}).describe('martingale: lot size escalated after losses');

export const GridPolicy = detector(20, {
  minEntries: count.default(5).describe('same-side entries on one symbol, open together'),
  maxSpacingDeviationBps: shareBps.default(1_500).describe('the entries\' price spacing varies by at most this share of its mean'),
  windowSeconds: seconds.default(86_400).describe('the entries opened within this long'),
}).describe('grid: regularly spaced same-side entries on one symbol');

export const AllInPolicy = detector(30, {
  minResultBps: shareBps.default(300).describe('one trade won or lost at least this share of the initial balance'),
  minVolumeMultipleBps: z.int().min(10_000).max(10_000_000).default(50_000).describe('and was at least this multiple of the account\'s median trade (50,000 = 5x)'),
  minPriorTrades: count.default(3).describe('trades before it, for a median'),
}).describe('all-in sizing: one outsized trade decides the account');

export const LatencyArbitragePolicy = detector(40, {
  maxHoldSeconds: seconds.default(60).describe('a trade held at most this long is a quick trade'),
  minTrades: count.default(10).describe('quick trades in the window before it is judged'),
  minProfitShareBps: shareBps.default(8_000).describe('the quick trades earned at least this share of the gross profit'),
  minWinRateBps: shareBps.default(8_000).describe('and won at least this share of the time'),
  minFavourableShareBps: shareBps
    .default(7_000)
    .describe('where reference prices are given, at least this share of those quick trades did better at their fills than at the reference prices'),
}).describe('latency arbitrage: profit concentrated in very short holds, filled better than a reference price where one is provided');

export const NewsAbusePolicy = detector(25, {
  beforeSeconds: seconds.default(120),
  afterSeconds: seconds.default(120),
  minImpact: z.enum(['low', 'medium', 'high']).default('high'),
  minTrades: count.default(3).describe('trades opened or closed in a window before it is judged'),
  minProfitShareBps: shareBps.default(5_000).describe('those trades earned at least this share of the gross profit'),
}).describe('news abuse: trades opened or closed in restricted windows on affected instruments (the calendar is managed through the API)');

const WeeklyInstant = z.strictObject({ day: weekday, time: localTime });
export const GapTradingPolicy = detector(25, {
  timeZone: z.string().refine(isTimeZone, 'an IANA time zone such as America/New_York').default('America/New_York'),
  breaks: z
    .array(z.strictObject({ from: WeeklyInstant, to: WeeklyInstant }))
    .min(1)
    .max(14)
    .default([{ from: { day: 'fri', time: '17:00' }, to: { day: 'sun', time: '17:00' } }])
    .describe('market closures, weekly, in timeZone (default: the FX weekend)'),
  openedWithinSeconds: seconds.default(3_600).describe('opened at most this long before the market closed'),
  closedWithinSeconds: seconds.default(3_600).describe('closed at most this long after it reopened'),
  minMoveBps: z.int().positive().max(10_000).default(20).describe('the price moved in the trade\'s favour by at least this share (20 = 0.2%, PipFarm)'),
  minTrades: count.default(1),
}).describe('gap trading: positions opened just before a market closure and closed just after it reopens, profiting from the gap');

export const IdentityWeights = z
  .strictObject({
    ipv4: weight.default(10),
    ipv6: weight.default(10),
    device: weight.default(25),
    payment: weight.default(30),
    kyc: weight.default(40),
    email: weight.default(20),
    phone: weight.default(20),
    nameAddress: weight.default(20),
  })
  .describe('points a link of each kind to another trader adds to the trader\'s risk score');

export const AbusePolicy = z
  .strictObject({
    hedging: HedgingPolicy.prefault({}),
    copyTrading: CopyTradingPolicy.prefault({}),
    hft: HftPolicy.prefault({}),
    martingale: MartingalePolicy.prefault({}),
    grid: GridPolicy.prefault({}),
    allIn: AllInPolicy.prefault({}),
    latencyArbitrage: LatencyArbitragePolicy.prefault({}),
    newsAbuse: NewsAbusePolicy.prefault({}),
    gapTrading: GapTradingPolicy.prefault({}),
    identityWeights: IdentityWeights.prefault({}),
    windowDays: z.int().positive().max(90).default(14).describe('how far back an account\'s trades are kept for the detectors'),
    alertAtScore: z.int().min(1).max(100).default(50).describe('a risk score reaching this raises a risk-desk alert'),
  })
  .describe('abuse detection: detectors, thresholds, actions and risk-score weights');

export type AbusePolicy = z.output<typeof AbusePolicy>;
export type AbusePolicyInput = z.input<typeof AbusePolicy>;
export const DETECTORS = ['hedging', 'copyTrading', 'hft', 'martingale', 'grid', 'allIn', 'latencyArbitrage', 'newsAbuse', 'gapTrading'] as const;
export type DetectorId = (typeof DETECTORS)[number];
export type DetectorPolicy<D extends DetectorId> = AbusePolicy[D];

/** The defaults, parsed once. */
export const DEFAULT_ABUSE_POLICY: AbusePolicy = AbusePolicy.parse({});
