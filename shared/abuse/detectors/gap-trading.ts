/**
 * Gap trading: positions opened just before a weekly market closure and closed just after it reopens,
 * won on the price gap across the closure. Closures are weekly local times in the policy's zone, turned
 * into instants by the calendar's Cutoffs so that a closure spanning a DST change is measured right.
 */
import { Cutoffs, type Weekday } from '../../domain/calendar.js';
import type { AccountDetector } from '../detector.js';
import { tradeRefs, type AbuseTrade } from '../findings.js';
import type { AbusePolicy } from '../policy.js';

const BPS = 10_000;

type GapPolicy = AbusePolicy['gapTrading'];

/** One Cutoffs per zone, weekday and time: each remembers the week it last answered, which most trades share. */
const cutoffsByKey = new Map<string, Cutoffs>();

function weeklyCutoffs(timeZone: string, day: Weekday, time: string): Cutoffs {
  const key = `${timeZone} ${day} ${time}`;
  let cutoffs = cutoffsByKey.get(key);
  if (cutoffs === undefined) {
    cutoffs = new Cutoffs(time, timeZone, day);
    cutoffsByKey.set(key, cutoffs);
  }
  return cutoffs;
}

/** How far the price moved in the trade's favour, in price units. */
const favourableMove = (trade: AbuseTrade): number => (trade.side === 'buy' ? trade.closePrice - trade.openPrice : trade.openPrice - trade.closePrice);

interface Closure {
  readonly closedAt: number;
  readonly reopenedAt: number;
}

/** The closure `trade` was carried across as a gap trade, or null when it is not one. */
function gapCrossed(trade: AbuseTrade, policy: GapPolicy): Closure | null {
  // The cheap tests first: only a winning, far-enough move needs the calendar.
  if (trade.netPnl <= 0 || favourableMove(trade) * BPS < policy.minMoveBps * trade.openPrice) return null;
  for (const closure of policy.breaks) {
    // next() is strictly after its argument; a closure starting at the open itself counts.
    const closedAt = weeklyCutoffs(policy.timeZone, closure.from.day, closure.from.time).next(trade.openedAt - 1);
    if (closedAt - trade.openedAt > policy.openedWithinSeconds * 1000) continue;
    const reopenedAt = weeklyCutoffs(policy.timeZone, closure.to.day, closure.to.time).next(closedAt);
    if (trade.closedAt >= reopenedAt && trade.closedAt - reopenedAt <= policy.closedWithinSeconds * 1000) return { closedAt, reopenedAt };
  }
  return null;
}

export const gapTrading: AccountDetector<'gapTrading'> = (trades, latest, policy, context) => {
  if (!policy.enabled) return null;
  const closure = gapCrossed(latest, policy);
  if (closure === null) return null;

  const gapTrades = trades.filter((trade) => gapCrossed(trade, policy) !== null);
  if (gapTrades.length < policy.minTrades) return null;

  let gapProfit = 0;
  for (const trade of gapTrades) gapProfit += trade.netPnl;
  const moveBps = Math.floor((favourableMove(latest) * BPS) / latest.openPrice);
  const marketClosedAt = new Date(closure.closedAt).toISOString();
  const reopenedAt = new Date(closure.reopenedAt).toISOString();
  return {
    detector: 'gapTrading',
    accountId: context.accountId,
    traderId: context.traderId,
    at: latest.closedAt,
    message:
      `${latest.positionId} on ${latest.symbol} was opened before the market closed at ${marketClosedAt}, closed after it reopened at ` +
      `${reopenedAt} and gained ${moveBps} bps on the gap; gap trades in the window: ${gapTrades.length}, earning ${gapProfit} minor units.`,
    evidence: {
      measured: { gapTrades: gapTrades.length, moveBps, marketClosedAt, reopenedAt, gapProfit },
      thresholds: {
        timeZone: policy.timeZone,
        openedWithinSeconds: policy.openedWithinSeconds,
        closedWithinSeconds: policy.closedWithinSeconds,
        minMoveBps: policy.minMoveBps,
        minTrades: policy.minTrades,
      },
      trades: tradeRefs(gapTrades),
      peers: [],
    },
  };
};
