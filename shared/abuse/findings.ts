/**
 * What the detectors read and what they find. A detector reads closed trades (the evaluator's
 * TradeClosed events, with the prices the abuse patterns need) and returns a finding with its evidence:
 * what was measured, the thresholds it was compared with, the trades that make the pattern and, for
 * cross-account patterns, the other accounts and what links them. Time comes only from the trades.
 */
import type { ClosedTrade } from '../domain/effects.js';
import type { NewsIndex } from '../domain/news.js';
import type { DetectorId } from './policy.js';

/** A closed trade as the reducer reports it (without the rule engine's stop-loss and exclusion marks), and whose it is. */
export interface AbuseTrade extends Omit<ClosedTrade, 'hadStopLoss' | 'excludedFromProfit'> {
  readonly accountId: string;
  /** The account's owner; null for an account opened outside the purchase workflow. */
  readonly traderId: string | null;
  /** The account's program, whose abuse policy judges it. */
  readonly programId: string;
  readonly programVersion: number;
}

/** What a per-account detector knows besides the account's trades. */
export interface AccountContext {
  readonly accountId: string;
  readonly traderId: string | null;
  readonly initialBalance: number;
  readonly news: NewsIndex;
}

export type Figure = number | string | boolean | null;

/** A trade as evidence: enough to find it and see why it counts. */
export type TradeRef = Pick<AbuseTrade, 'accountId' | 'positionId' | 'symbol' | 'side' | 'volume' | 'openedAt' | 'closedAt' | 'netPnl'>;

/** Why two traders are linked: one shared identity signal, with when each side was seen with it. */
export interface LinkEvidence {
  readonly kind: IdentityKind;
  /** The signal as an analyst may see it: an IP address or /64 prefix; personal data masked. */
  readonly shown: string;
  readonly traderIds: readonly [string, string];
  readonly firstSeen: readonly [number, number];
}

/** Another account in a cross-account finding. */
export interface PeerEvidence {
  readonly accountId: string;
  readonly traderId: string | null;
  readonly matchedTrades: number;
  /** The median of this account's volume over the peer's, in bps (10,000 = same size); null when not measured. */
  readonly lotRatioBps: number | null;
  /** Why the two are linked: the same trader, or shared identities; empty when they are not linked. */
  readonly sameTrader: boolean;
  readonly links: readonly LinkEvidence[];
}

export interface FindingEvidence {
  readonly measured: Readonly<Record<string, Figure>>;
  readonly thresholds: Readonly<Record<string, Figure>>;
  /** The trades that make the pattern, newest last (at most MAX_EVIDENCE_TRADES). */
  readonly trades: readonly TradeRef[];
  readonly peers: readonly PeerEvidence[];
}

export interface Finding {
  readonly detector: DetectorId;
  readonly accountId: string;
  readonly traderId: string | null;
  /** Event time: when the trade that completed the pattern closed. */
  readonly at: number;
  readonly message: string;
  readonly evidence: FindingEvidence;
}

export const MAX_EVIDENCE_TRADES = 20;

export function tradeRef(trade: AbuseTrade): TradeRef {
  return {
    accountId: trade.accountId,
    positionId: trade.positionId,
    symbol: trade.symbol,
    side: trade.side,
    volume: trade.volume,
    openedAt: trade.openedAt,
    closedAt: trade.closedAt,
    netPnl: trade.netPnl,
  };
}

/** The last MAX_EVIDENCE_TRADES of `trades` as evidence. */
export function tradeRefs(trades: readonly AbuseTrade[]): TradeRef[] {
  return trades.slice(-MAX_EVIDENCE_TRADES).map(tradeRef);
}

export const IDENTITY_KINDS = ['ipv4', 'ipv6', 'device', 'payment', 'kyc', 'email', 'phone', 'nameAddress'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

/** How each kind of identity reads in a sentence. */
export const IDENTITY_LABELS: Readonly<Record<IdentityKind, string>> = {
  ipv4: 'IP address',
  ipv6: 'IPv6 network',
  device: 'device',
  payment: 'payment method',
  kyc: 'KYC identity',
  email: 'email',
  phone: 'phone',
  nameAddress: 'name and address',
};
