/**
 * Cross-account hedging: opposite positions on one instrument, open together, on accounts that are
 * linked (one trader, or traders sharing an identity). One side wins what the other loses, so whichever
 * account wins passes at no risk to the trader. Opposite positions on one account are not this detector.
 */
import type { Linkage } from '../detector.js';
import { IDENTITY_LABELS, tradeRefs, type AbuseTrade, type Finding, type PeerEvidence } from '../findings.js';
import type { AbusePolicy } from '../policy.js';
import { medianLotRatioBps } from './copy-trading.js';


/**
 * The other accounts' trades that hedge `latest`: on its symbol, the opposite side, opened within the
 * window of it, open together long enough, on a linked account. `candidates` are trades opened around
 * latest; every condition is checked here regardless. `linkageOf` tells how a candidate's account is
 * linked to latest's (null: not linked).
 */
export function hedgeMatches(
  latest: AbuseTrade,
  candidates: readonly AbuseTrade[],
  linkageOf: (other: AbuseTrade) => Linkage | null,
  policy: AbusePolicy['hedging'],
): AbuseTrade[] {
  if (!policy.enabled) return [];
  const windowMs = policy.windowSeconds * 1000;
  const minOverlapMs = policy.minOverlapSeconds * 1000;
  return candidates.filter(
    (other) =>
      other.accountId !== latest.accountId &&
      other.symbol === latest.symbol &&
      other.side !== latest.side &&
      Math.abs(other.openedAt - latest.openedAt) <= windowMs &&
      overlapMs(latest, other) >= minOverlapMs &&
      linkageOf(other) !== null,
  );
}

const overlapMs = (a: AbuseTrade, b: AbuseTrade): number => Math.min(a.closedAt, b.closedAt) - Math.max(a.openedAt, b.openedAt);

/**
 * Flags `latest` when it hedges a linked account (`matched`, from hedgeMatches) with which its account has
 * now hedged at least minHedges times: `hedgesWith` counts the account's hedging trades per peer account,
 * this one's included. One opposite pair may be chance (two relatives on one home address); a habit is not.
 */
export function hedging(
  latest: AbuseTrade,
  matched: readonly AbuseTrade[],
  linkageOf: (other: AbuseTrade) => Linkage | null,
  policy: AbusePolicy['hedging'],
  hedgesWith: ReadonlyMap<string, number>,
): Finding | null {
  if (!policy.enabled || matched.length === 0) return null;
  const byAccount = new Map<string, { traderId: string | null; linkage: Linkage; trades: AbuseTrade[] }>();
  let longestOverlapMs = 0;
  for (const other of matched) {
    if ((hedgesWith.get(other.accountId) ?? 0) < policy.minHedges) continue;
    const peer = byAccount.get(other.accountId);
    if (peer === undefined) byAccount.set(other.accountId, { traderId: other.traderId, linkage: linkageOf(other)!, trades: [other] });
    else peer.trades.push(other);
    longestOverlapMs = Math.max(longestOverlapMs, overlapMs(latest, other));
  }
  if (byAccount.size === 0) return null;

  const peers: PeerEvidence[] = [];
  for (const [accountId, { traderId, linkage, trades }] of byAccount) {
    peers.push({
      accountId,
      traderId,
      matchedTrades: hedgesWith.get(accountId)!,
      lotRatioBps: medianLotRatioBps(trades.map((theirs) => ({ mine: latest, theirs }))),
      sameTrader: linkage.sameTrader,
      links: linkage.links,
    });
  }
  const opposing = [...byAccount.values()].flatMap((peer) => peer.trades);
  const overlapSeconds = Math.floor(longestOverlapMs / 1000);
  const opposite = latest.side === 'buy' ? 'sell' : 'buy';
  const accounts = [...byAccount].map(([accountId, { linkage }]) => `${accountId} (${linkReason(linkage)})`).join(', ');
  const message =
    `${latest.symbol} ${latest.side} opposed by ${opposing.length} ${opposite}${opposing.length === 1 ? '' : 's'}` +
    ` on linked account${byAccount.size === 1 ? '' : 's'} ${accounts}` +
    ` open together ${opposing.length === 1 ? '' : 'up to '}${duration(overlapSeconds)}` +
    `; ${Math.max(...[...byAccount.keys()].map((accountId) => hedgesWith.get(accountId)!))} hedges between them so far`;
  const trades = [latest, ...opposing].sort(
    (a, b) => a.closedAt - b.closedAt || (a.positionId < b.positionId ? -1 : a.positionId > b.positionId ? 1 : 0),
  );
  return {
    detector: 'hedging',
    accountId: latest.accountId,
    traderId: latest.traderId,
    at: latest.closedAt,
    message,
    evidence: {
      measured: {
        pairs: opposing.length,
        overlapSeconds,
        symbol: latest.symbol,
        netPnl: opposing.reduce((sum, other) => sum + other.netPnl, latest.netPnl),
      },
      thresholds: { windowSeconds: policy.windowSeconds, minOverlapSeconds: policy.minOverlapSeconds, minHedges: policy.minHedges },
      trades: tradeRefs(trades),
      peers,
    },
  };
}

function linkReason(linkage: Linkage): string {
  if (linkage.sameTrader) return 'same trader';
  return `shared ${[...new Set(linkage.links.map((link) => IDENTITY_LABELS[link.kind]))].join(', ')}`;
}

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7_200) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3_600)} h`;
}
