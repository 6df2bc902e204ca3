/**
 * News abuse: the account's profit comes from trades opened or closed in the restricted window around
 * news on the instrument traded (the firm's calendar, at or above the policy's impact).
 */
import type { NewsItem } from '../../domain/news.js';
import type { AccountDetector } from '../detector.js';
import { tradeRefs, type AbuseTrade } from '../findings.js';

const BPS = 10_000;

const percent = (bps: number): string => `${(bps / 100).toFixed(2)}%`;

export const newsAbuse: AccountDetector<'newsAbuse'> = (trades, latest, policy, context) => {
  if (!policy.enabled) return null;
  const beforeMs = policy.beforeSeconds * 1000;
  const afterMs = policy.afterSeconds * 1000;
  // Each trade is judged on its own symbol: news on another instrument does not make it a news trade.
  const newsAround = (trade: AbuseTrade): NewsItem | null =>
    context.news.findAtLeast(trade.openedAt, trade.symbol, beforeMs, afterMs, policy.minImpact) ??
    context.news.findAtLeast(trade.closedAt, trade.symbol, beforeMs, afterMs, policy.minImpact);
  if (newsAround(latest) === null) return null;

  let newsTrades = 0;
  let newsProfit = 0;
  let grossProfit = 0;
  for (const trade of trades) {
    if (trade.netPnl > 0) grossProfit += trade.netPnl;
    if (newsAround(trade) === null) continue;
    newsTrades += 1;
    if (trade.netPnl > 0) newsProfit += trade.netPnl;
  }
  if (newsTrades < policy.minTrades || grossProfit <= 0) return null;
  if (newsProfit * BPS < policy.minProfitShareBps * grossProfit) return null;

  // Flagged: look the news trades up again for the evidence rather than keep lists on every call.
  const patternTrades: AbuseTrade[] = [];
  const items = new Map<string, NewsItem>();
  for (const trade of trades) {
    const item = newsAround(trade);
    if (item === null) continue;
    patternTrades.push(trade);
    items.set(item.id, item);
  }
  const newsItems = [...items.values()].map((item) => `${item.id} (${item.title})`).join(', ');
  const profitShareBps = Math.floor((newsProfit * BPS) / grossProfit);
  return {
    detector: 'newsAbuse',
    accountId: context.accountId,
    traderId: context.traderId,
    at: latest.closedAt,
    message:
      `${newsTrades} trades opened or closed from ${policy.beforeSeconds} s before to ${policy.afterSeconds} s after ` +
      `${policy.minImpact}-impact news earned ${percent(profitShareBps)} of the gross profit ` +
      `(${newsProfit} of ${grossProfit} minor units): ${newsItems}.`,
    evidence: {
      measured: { newsTrades, newsProfit, grossProfit, profitShareBps, newsItems },
      thresholds: {
        beforeSeconds: policy.beforeSeconds,
        afterSeconds: policy.afterSeconds,
        minImpact: policy.minImpact,
        minTrades: policy.minTrades,
        minProfitShareBps: policy.minProfitShareBps,
      },
      trades: tradeRefs(patternTrades),
      peers: [],
    },
  };
};
