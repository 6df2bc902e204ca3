/**
 * Latency arbitrage: profit concentrated in very short holds that nearly always win and, where the bridge
 * gives reference prices, were filled better than the reference feed at both ends (a stale quote picked off).
 * A fast trader who wins on skill is filled like anyone else, so the fill test tells the two apart.
 */
import type { AccountDetector } from '../detector.js';
import { tradeRefs, type AbuseTrade } from '../findings.js';

const BPS = 10_000;

/** Did better at its fills than it would have at the reference prices (both must be known). */
function filledFavourably(trade: AbuseTrade, openReference: number, closeReference: number): boolean {
  return trade.side === 'buy'
    ? trade.closePrice - closeReference + (openReference - trade.openPrice) > 0
    : closeReference - trade.closePrice + (trade.openPrice - openReference) > 0;
}

const percent = (bps: number): string => `${(bps / 100).toFixed(2)}%`;

export const latencyArbitrage: AccountDetector<'latencyArbitrage'> = (trades, latest, policy, context) => {
  if (!policy.enabled) return null;
  const maxHoldMs = policy.maxHoldSeconds * 1000;

  const isQuick = (trade: AbuseTrade): boolean => trade.closedAt - trade.openedAt <= maxHoldMs;
  if (!isQuick(latest)) return null;

  let quickTrades = 0;
  let grossProfit = 0;
  let quickProfit = 0;
  let quickWins = 0;
  let referenced = 0;
  let favourable = 0;
  for (const trade of trades) {
    if (trade.netPnl > 0) grossProfit += trade.netPnl;
    if (!isQuick(trade)) continue;
    quickTrades += 1;
    if (trade.netPnl > 0) {
      quickProfit += trade.netPnl;
      quickWins += 1;
    }
    if (trade.openReferencePrice !== null && trade.closeReferencePrice !== null) {
      referenced += 1;
      if (filledFavourably(trade, trade.openReferencePrice, trade.closeReferencePrice)) favourable += 1;
    }
  }

  if (quickTrades < policy.minTrades || grossProfit <= 0) return null;
  if (quickProfit * BPS < policy.minProfitShareBps * grossProfit) return null;
  if (quickWins * BPS < policy.minWinRateBps * quickTrades) return null;
  // Without reference prices the fills cannot be judged; the evidence shows it was not applied.
  if (referenced > 0 && favourable * BPS < policy.minFavourableShareBps * referenced) return null;

  const profitShareBps = Math.floor((quickProfit * BPS) / grossProfit);
  const winRateBps = Math.floor((quickWins * BPS) / quickTrades);
  const favourableShareBps = referenced > 0 ? Math.floor((favourable * BPS) / referenced) : null;
  const fills =
    favourableShareBps === null
      ? 'no reference prices to judge the fills'
      : `${favourable} of ${referenced} with reference prices filled better than the reference (${percent(favourableShareBps)})`;
  return {
    detector: 'latencyArbitrage',
    accountId: context.accountId,
    traderId: context.traderId,
    at: latest.closedAt,
    message:
      `${quickTrades} trades held at most ${policy.maxHoldSeconds} s earned ${percent(profitShareBps)} of the gross profit ` +
      `(${quickProfit} of ${grossProfit} minor units) and won ${percent(winRateBps)} of the time; ${fills}.`,
    evidence: {
      measured: {
        quickTrades,
        quickProfit,
        grossProfit,
        profitShareBps,
        winRateBps,
        referencedTrades: referenced,
        favourableTrades: favourable,
        favourableShareBps,
      },
      thresholds: {
        maxHoldSeconds: policy.maxHoldSeconds,
        minTrades: policy.minTrades,
        minProfitShareBps: policy.minProfitShareBps,
        minWinRateBps: policy.minWinRateBps,
        minFavourableShareBps: policy.minFavourableShareBps,
      },
      trades: tradeRefs(trades.filter(isQuick)),
      peers: [],
    },
  };
};
