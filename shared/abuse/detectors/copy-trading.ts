/**
 * Copy and group trading: the same symbol and side opened and closed within seconds on different
 * accounts, linked or not. One such match is chance, so the engine records matches between two accounts
 * across trades (copyMatches) and judges the accumulated pairs (copyTrading).
 */
import type { Linkage } from '../detector.js';
import { MAX_EVIDENCE_TRADES, type AbuseTrade, type Finding, type PeerEvidence, type TradeRef } from '../findings.js';
import type { AbusePolicy } from '../policy.js';

type CopyTradingPolicy = AbusePolicy['copyTrading'];

export interface CopyMatch {
  readonly mine: TradeRef;
  readonly theirs: TradeRef;
}

/** A peer account this account has matched with, and every match recorded between the two. */
export interface CopyPair {
  readonly accountId: string;
  readonly traderId: string | null;
  readonly matches: readonly CopyMatch[];
  readonly linkage: Linkage | null;
}

/** The other accounts' trades that `latest` copies or is copied by. */
export function copyMatches(latest: AbuseTrade, candidates: readonly AbuseTrade[], policy: CopyTradingPolicy): AbuseTrade[] {
  if (!policy.enabled) return [];
  const openWithinMs = policy.openWithinSeconds * 1000;
  const closeWithinMs = policy.closeWithinSeconds * 1000;
  return candidates.filter(
    (other) =>
      other.accountId !== latest.accountId &&
      other.symbol === latest.symbol &&
      other.side === latest.side &&
      Math.abs(other.openedAt - latest.openedAt) <= openWithinMs &&
      Math.abs(other.closedAt - latest.closedAt) <= closeWithinMs &&
      !isAllowedOwnCopy(latest.traderId, other.traderId, policy),
  );
}

/**
 * Flags `latest` when it is one of the matches of a pair that has reached minMatchedTrades, and those
 * matches are at least minMatchedShareBps of the account's `tradesInWindow`. Every pair that qualifies is
 * a peer in the evidence, so a group shows as several peers.
 */
export function copyTrading(latest: AbuseTrade, pairs: readonly CopyPair[], policy: CopyTradingPolicy, tradesInWindow: number): Finding | null {
  if (!policy.enabled) return null;
  // Re-checked here because matches recorded before the program allowed own-account copying stay stored.
  const flagged = pairs.filter((pair) => {
    if (isAllowedOwnCopy(latest.traderId, pair.traderId, policy)) return false;
    const matched = matchedTrades(pair.matches);
    return matched >= policy.minMatchedTrades && matched * 10_000 >= policy.minMatchedShareBps * tradesInWindow;
  });
  if (!flagged.some((pair) => pair.matches.some((match) => match.mine.positionId === latest.positionId))) return null;

  const peers = flagged.map(peerOf).sort((a, b) => b.matchedTrades - a.matchedTrades || (a.accountId < b.accountId ? -1 : 1));
  const strongest = peers[0]!;
  const others = peers.length - 1;
  const window =
    policy.openWithinSeconds === policy.closeWithinSeconds
      ? `opened and closed within ${policy.openWithinSeconds} s`
      : `opened within ${policy.openWithinSeconds} s and closed within ${policy.closeWithinSeconds} s`;
  const group = others === 0 ? '' : `, and ${others} more account${others === 1 ? '' : 's'} matched as a group`;
  return {
    detector: 'copyTrading',
    accountId: latest.accountId,
    traderId: latest.traderId,
    at: latest.closedAt,
    message: `${strongest.matchedTrades} trades matched ${strongest.accountId} (lot ratio ${(strongest.lotRatioBps / 10_000).toFixed(2)}) ${window}${group}`,
    evidence: {
      measured: {
        peers: peers.length,
        matchedTrades: strongest.matchedTrades,
        tradesInWindow,
        matchedShareBps: Math.floor((strongest.matchedTrades * 10_000) / tradesInWindow),
        symbol: latest.symbol,
      },
      thresholds: {
        openWithinSeconds: policy.openWithinSeconds,
        closeWithinSeconds: policy.closeWithinSeconds,
        minMatchedTrades: policy.minMatchedTrades,
        minMatchedShareBps: policy.minMatchedShareBps,
        ownAccountsAllowed: policy.ownAccountsAllowed,
      },
      trades: evidenceTrades(latest, flagged),
      peers,
    },
  };
}

/** The median of mine.volume over theirs.volume in bps, rounded to the nearest integer; 0 for no matches. */
export function medianLotRatioBps(matches: readonly { readonly mine: { readonly volume: number }; readonly theirs: { readonly volume: number } }[]): number {
  const ratios = matches.map((match) => (match.mine.volume * 10_000) / match.theirs.volume).sort((a, b) => a - b);
  const middle = ratios.length >> 1;
  const upper = ratios[middle] ?? 0;
  const lower = ratios.length % 2 === 1 ? upper : (ratios[middle - 1] ?? 0);
  return Math.round((lower + upper) / 2);
}

/** Copying between one trader's own accounts, where the program allows it. */
function isAllowedOwnCopy(traderId: string | null, otherTraderId: string | null, policy: CopyTradingPolicy): boolean {
  return policy.ownAccountsAllowed && traderId !== null && traderId === otherTraderId;
}

/** The account's trades among `matches` with one peer: one trade may match two of the peer's, it counts once. */
export function matchedTrades(matches: readonly { readonly mine: { readonly positionId: string } }[]): number {
  return new Set(matches.map((match) => match.mine.positionId)).size;
}

function peerOf(pair: CopyPair): PeerEvidence & { readonly lotRatioBps: number } {
  return {
    accountId: pair.accountId,
    traderId: pair.traderId,
    matchedTrades: matchedTrades(pair.matches),
    lotRatioBps: medianLotRatioBps(pair.matches),
    sameTrader: pair.linkage?.sameTrader ?? false,
    links: pair.linkage?.links ?? [],
  };
}

/**
 * Both sides of the matches, oldest first. Latest's own matches go in first so they survive the evidence
 * limit in a large group; then the other matches, newest first.
 */
function evidenceTrades(latest: AbuseTrade, pairs: readonly CopyPair[]): TradeRef[] {
  const refs = new Map<string, TradeRef>();
  const add = (ref: TradeRef) => {
    const key = `${ref.accountId}\n${ref.positionId}`;
    if (refs.size < MAX_EVIDENCE_TRADES || refs.has(key)) refs.set(key, ref);
  };
  const rest: CopyMatch[] = [];
  for (const pair of pairs) {
    for (const match of pair.matches) {
      if (match.mine.positionId !== latest.positionId) rest.push(match);
      else {
        add(match.mine);
        add(match.theirs);
      }
    }
  }
  // Newest first, ties by both positions, so the evidence does not depend on the order a store lists matches in.
  rest.sort(
    (a, b) =>
      b.mine.closedAt - a.mine.closedAt ||
      (a.mine.positionId < b.mine.positionId ? -1 : a.mine.positionId > b.mine.positionId ? 1 : 0) ||
      (a.theirs.accountId < b.theirs.accountId ? -1 : a.theirs.accountId > b.theirs.accountId ? 1 : 0) ||
      (a.theirs.positionId < b.theirs.positionId ? -1 : a.theirs.positionId > b.theirs.positionId ? 1 : 0),
  );
  for (const match of rest) {
    add(match.mine);
    add(match.theirs);
  }
  return [...refs.values()].sort((a, b) => a.closedAt - b.closedAt || (a.positionId < b.positionId ? -1 : a.positionId > b.positionId ? 1 : 0));
}
