/**
 * HFT and tick scalping. Two tests on the account's window; either flags:
 * - short holds: with at least minTrades trades, more than maxShortHoldShareBps of them were held under
 *   shortHoldSeconds, latest among them;
 * - trades per minute: more than maxTradesPerMinute trades opened within a span shorter than 60 s that
 *   includes latest's opening.
 */
import { BPS } from '../../domain/money.js';
import type { AccountDetector } from '../detector.js';
import { tradeRefs, type AbuseTrade } from '../findings.js';

const MINUTE_MS = 60_000;

export const hft: AccountDetector<'hft'> = (trades, latest, policy, context) => {
  if (!policy.enabled) return null;
  const shortHoldMs = policy.shortHoldSeconds * 1_000;
  const isShort = (trade: AbuseTrade) => trade.closedAt - trade.openedAt < shortHoldMs;

  let shortTrades = 0;
  for (const trade of trades) if (isShort(trade)) shortTrades++;
  const total = trades.length;
  const shortHoldsFired = total >= policy.minTrades && isShort(latest) && shortTrades * BPS > policy.maxShortHoldShareBps * total;

  const burst = busiestMinuteWith(trades, latest);
  const rateFired = burst.count > policy.maxTradesPerMinute;
  if (!shortHoldsFired && !rateFired) return null;

  const shortShareBps = Math.floor((shortTrades * BPS) / total);
  const shortHoldsText = `${percent(shortShareBps)} of ${total} trades were held under ${policy.shortHoldSeconds} s (limit ${percent(policy.maxShortHoldShareBps)})`;
  const rateText = `${burst.count} trades opened within 60 s (limit ${policy.maxTradesPerMinute})`;
  const inBurst = (trade: AbuseTrade) => trade.openedAt >= burst.from && trade.openedAt < burst.from + MINUTE_MS;
  return {
    detector: 'hft',
    accountId: context.accountId,
    traderId: context.traderId,
    at: latest.closedAt,
    message: shortHoldsFired && rateFired ? `${shortHoldsText}, and ${rateText}` : shortHoldsFired ? shortHoldsText : rateText,
    evidence: {
      measured: { trades: total, shortTrades, shortShareBps, maxTradesPerMinute: burst.count },
      thresholds: {
        shortHoldSeconds: policy.shortHoldSeconds,
        maxShortHoldShareBps: policy.maxShortHoldShareBps,
        minTrades: policy.minTrades,
        maxTradesPerMinute: policy.maxTradesPerMinute,
      },
      trades: tradeRefs(trades.filter((trade) => (shortHoldsFired && isShort(trade)) || (rateFired && inBurst(trade)))),
      peers: [],
    },
  };
};

/** The most trades opened within a span shorter than a minute that includes latest's opening, and when that span starts. */
function busiestMinuteWith(trades: readonly AbuseTrade[], latest: AbuseTrade): { from: number; count: number } {
  // Only trades opened less than a minute either side of latest can share such a span with it.
  const near = trades.filter((trade) => Math.abs(trade.openedAt - latest.openedAt) < MINUTE_MS).sort((a, b) => a.openedAt - b.openedAt);
  // The busiest span starts at an opening at or before latest's; any such span also reaches latest's.
  let from = latest.openedAt;
  let count = 0;
  let end = 0;
  for (let start = 0; start < near.length && near[start]!.openedAt <= latest.openedAt; start++) {
    const spanFrom = near[start]!.openedAt;
    while (end < near.length && near[end]!.openedAt < spanFrom + MINUTE_MS) end++;
    if (end - start > count) {
      from = spanFrom;
      count = end - start;
    }
  }
  return { from, count };
}

function percent(bps: number): string {
  return `${bps / 100}%`;
}
