/**
 * Grid: regularly spaced same-side entries on one symbol, open together. Among latest's symbol and side,
 * the largest set of trades containing latest that were all open at one instant and opened within
 * windowSeconds of each other is a grid when it has at least minEntries distinct entry prices and every
 * gap between neighbouring prices is within maxSpacingDeviationBps of the mean gap.
 */
import { BPS } from '../../domain/money.js';
import type { AccountDetector } from '../detector.js';
import { tradeRefs, type AbuseTrade } from '../findings.js';

/** Float gaps of an exactly regular ladder differ by rounding noise far below this; it must not count as deviation. */
const FLOAT_NOISE_BPS = 0.001;

export const grid: AccountDetector<'grid'> = (trades, latest, policy, context) => {
  if (!policy.enabled) return null;
  const windowMs = policy.windowSeconds * 1_000;
  // Only these can be open together with latest within the window.
  const candidates = trades.filter(
    (trade) => trade.symbol === latest.symbol && trade.side === latest.side && Math.abs(trade.openedAt - latest.openedAt) <= windowMs,
  );
  const openAt = (trade: AbuseTrade, instant: number) => trade.openedAt <= instant && instant < trade.closedAt && instant - trade.openedAt <= windowMs;

  // The largest set is open at some entry's opening; only instants at which latest itself counts qualify.
  let instant = latest.openedAt;
  let size = 0;
  for (const candidate of candidates) {
    if (!openAt(latest, candidate.openedAt)) continue;
    let open = 0;
    for (const trade of candidates) if (openAt(trade, candidate.openedAt)) open++;
    if (open > size) {
      instant = candidate.openedAt;
      size = open;
    }
  }
  if (size < policy.minEntries) return null;

  const entries = candidates.filter((trade) => openAt(trade, instant));
  const spacing = spacingOf(entries);
  if (spacing === null || spacing.levels < policy.minEntries || spacing.maxDeviationBps > policy.maxSpacingDeviationBps) return null;

  return {
    detector: 'grid',
    accountId: context.accountId,
    traderId: context.traderId,
    at: latest.closedAt,
    message:
      `${entries.length} ${latest.side} entries on ${latest.symbol} were open together at prices spaced ${spacing.meanSpacing} apart ` +
      `(deviation up to ${spacing.maxDeviationBps} bps of the spacing, limit ${policy.maxSpacingDeviationBps} bps)`,
    evidence: {
      measured: {
        entries: entries.length,
        priceLevels: spacing.levels,
        meanSpacing: spacing.meanSpacing,
        maxDeviationBps: spacing.maxDeviationBps,
        symbol: latest.symbol,
        side: latest.side,
      },
      thresholds: { minEntries: policy.minEntries, maxSpacingDeviationBps: policy.maxSpacingDeviationBps, windowSeconds: policy.windowSeconds },
      trades: tradeRefs(entries),
      peers: [],
    },
  };
};

/**
 * The entry prices' distinct levels, the mean gap between neighbouring levels (10 significant digits, as
 * shown) and the largest gap's deviation from it in bps of the mean, rounded up; null for a single price.
 */
function spacingOf(entries: readonly AbuseTrade[]): { levels: number; meanSpacing: number; maxDeviationBps: number } | null {
  const prices = [...new Set(entries.map((trade) => trade.openPrice))].sort((a, b) => a - b);
  if (prices.length < 2) return null;
  const mean = (prices.at(-1)! - prices[0]!) / (prices.length - 1);
  let maxDeviation = 0;
  for (let i = 1; i < prices.length; i++) maxDeviation = Math.max(maxDeviation, Math.abs(prices[i]! - prices[i - 1]! - mean));
  return {
    levels: prices.length,
    meanSpacing: Number(mean.toPrecision(10)),
    maxDeviationBps: Math.max(0, Math.ceil((maxDeviation * BPS) / mean - FLOAT_NOISE_BPS)),
  };
}
