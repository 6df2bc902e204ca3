/**
 * Martingale: lot size escalated after losses. In opening order, trade b escalates trade a when b is the
 * next trade opened after a, a lost, b opened after a closed and within withinSeconds of it, and b is at
 * least multiplierBps of a's volume. Flagged when a run of at least minEscalations consecutive
 * escalations ends at latest.
 */
import { BPS } from '../../domain/money.js';
import type { AccountDetector } from '../detector.js';
import { tradeRefs, type AbuseTrade } from '../findings.js';
import type { DetectorPolicy } from '../policy.js';

const VOLUME_PER_LOT = 10_000;

export const martingale: AccountDetector<'martingale'> = (trades, latest, policy, context) => {
  if (!policy.enabled) return null;
  const byOpening = [...trades].sort((a, b) => a.openedAt - b.openedAt);
  const last = byOpening.findIndex((trade) => trade.positionId === latest.positionId);
  let first = last;
  while (first > 0 && escalates(byOpening[first - 1]!, byOpening[first]!, policy)) first--;
  const escalations = last - first;
  if (escalations < policy.minEscalations) return null;

  const chain = byOpening.slice(first, last + 1);
  const firstVolume = chain[0]!.volume;
  const multipleBps = Math.floor((latest.volume * BPS) / firstVolume);
  return {
    detector: 'martingale',
    accountId: context.accountId,
    traderId: context.traderId,
    at: latest.closedAt,
    message:
      `Volume escalated after ${escalations} consecutive losses, from ${lots(firstVolume)} to ${lots(latest.volume)} (${multiple(multipleBps)}; ` +
      `limit ${policy.minEscalations} escalations of ${multiple(policy.multiplierBps)} within ${policy.withinSeconds} s)`,
    evidence: {
      measured: { escalations, firstVolume, lastVolume: latest.volume, multipleBps },
      thresholds: { multiplierBps: policy.multiplierBps, withinSeconds: policy.withinSeconds, minEscalations: policy.minEscalations },
      trades: tradeRefs(chain),
      peers: [],
    },
  };
};

/** Whether `next`, the trade opened right after `previous`, escalates it. */
function escalates(previous: AbuseTrade, next: AbuseTrade, policy: DetectorPolicy<'martingale'>): boolean {
  const wait = next.openedAt - previous.closedAt;
  return previous.netPnl < 0 && wait >= 0 && wait <= policy.withinSeconds * 1_000 && next.volume * BPS >= policy.multiplierBps * previous.volume;
}

function lots(volume: number): string {
  return `${volume / VOLUME_PER_LOT} ${volume === VOLUME_PER_LOT ? 'lot' : 'lots'}`;
}

function multiple(bps: number): string {
  return `${bps / BPS}x`;
}
