/**
 * What the abuse engine remembers between trades. Three stores, because they are read three ways:
 * an account's recent trades (per-account detectors), every account's trades by symbol and time
 * (cross-account detectors), the matches between two accounts (copy trading builds up over trades);
 * the identity graph (who shares what); and the flags and scores the risk desk sees.
 */
import type { AbuseTrade, Finding, LinkEvidence, TradeRef } from '../abuse/findings.js';
import type { IdentityObservation } from '../abuse/identity.js';
import type { RiskScore, ScoredFlag } from '../abuse/score.js';
import type { Page, PageRequest } from './page.js';

export interface TradeMemory {
  /**
   * Adds the trade to its account's window, drops trades that closed more than `windowMs` before it, and
   * returns the window sorted by closedAt then positionId. `judged` is true when the trade was judged and
   * its outcome delivered before (markJudged): a redelivered event, which must not be judged twice. A trade
   * kept but not marked (its delivery failed) is judged again.
   * kept: a redelivered event, which the detectors must not judge twice.
   */
  keep(trade: AbuseTrade, windowMs: number): Promise<{ readonly judged: boolean; readonly window: readonly AbuseTrade[] }>;
  /** Records that the trade's outcome (flags, events, fails) was delivered: keep() answers judged from now on. */
  markJudged(trade: AbuseTrade): Promise<void>;
  /** How many trades the account's window holds now. */
  windowSize(accountId: string): Promise<number>;
  /** Trades of every account on `symbol` opened in [from, to]. */
  openedBetween(symbol: string, from: number, to: number): Promise<readonly AbuseTrade[]>;
  /** Makes the trade visible to openedBetween. */
  index(trade: AbuseTrade): Promise<void>;
  /**
   * Records matches of `latest` with other accounts' trades (copies, or hedges), both ways; a match
   * recorded before is kept once.
   */
  recordMatches(kind: MatchKind, latest: AbuseTrade, matched: readonly AbuseTrade[]): Promise<void>;
  /** Every account `accountId` has matched with, and the matches, seen from `accountId`. */
  matchesOf(kind: MatchKind, accountId: string): Promise<readonly AccountMatches[]>;
}

/** Cross-account patterns build up over trades: a copy or a hedge once may be chance. */
export type MatchKind = 'copy' | 'hedge';

export interface AccountMatches {
  readonly accountId: string;
  readonly traderId: string | null;
  readonly matches: readonly { readonly mine: TradeRef; readonly theirs: TradeRef }[];
}

export interface IdentityGraph {
  /**
   * Records what was seen of a trader; returns the links to other traders it created (new shared identities),
   * or, for an observation received again (the same time), those links as they stand.
   */
  observe(observation: IdentityObservation): Promise<readonly LinkEvidence[]>;
  /** Every identity the trader shares with another trader. */
  linksOf(traderId: string): Promise<readonly LinkEvidence[]>;
}

/** A finding the risk desk sees: one per detector, account and day; `action` is the program's. */
export interface Flag extends Finding {
  readonly flagId: string;
  readonly action: 'flag' | 'fail';
  readonly programId: string;
}

/**
 * How the risk desk handles a flag: open, acknowledged (someone is looking), resolved with an outcome.
 * A dismissed flag stops counting in the risk score; a confirmed one keeps counting. Resolved is final.
 */
export const FLAG_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type FlagState = (typeof FLAG_STATES)[number];
export const FLAG_OUTCOMES = ['confirmed', 'dismissed'] as const;
export type FlagOutcome = (typeof FLAG_OUTCOMES)[number];
export const FLAG_MOVES: Readonly<Record<FlagState, readonly FlagState[]>> = {
  open: ['acknowledged', 'resolved'],
  acknowledged: ['resolved'],
  resolved: [],
};

export interface StoredFlag {
  readonly flag: Flag;
  readonly state: FlagState;
  /** Set when resolved. */
  readonly outcome: FlagOutcome | null;
  /** Who moved it last, when (ISO 8601), with what note and decision id; null while open. */
  readonly handledBy: string | null;
  readonly handledAt: string | null;
  readonly note: string | null;
  readonly decisionId: string | null;
}

export type FlagMove =
  | { readonly to: 'acknowledged'; readonly by: string; readonly at: string; readonly note: string; readonly decisionId: string }
  | { readonly to: 'resolved'; readonly outcome: FlagOutcome; readonly by: string; readonly at: string; readonly note: string; readonly decisionId: string };

export type FlagMoveOutcome =
  | { readonly moved: true; readonly flag: StoredFlag }
  /** No such flag, or FLAG_MOVES does not allow the move from its state (another analyst may have moved it). */
  | { readonly moved: false; readonly reason: 'notFound' }
  | { readonly moved: false; readonly reason: 'notAllowed'; readonly flag: StoredFlag };

export interface RiskLedger {
  /**
   * Keeps the flag unless one with its id exists. True when it is new, or when the stored one was raised by
   * the same trade (the same time): judging that trade again after a failed delivery must deliver it again.
   */
  raise(flag: Flag): Promise<boolean>;
  /** The flags on these accounts that still count (not dismissed). */
  countingFlags(accountIds: readonly string[]): Promise<readonly ScoredFlag[]>;
  /** The accounts the trader owns that have flags or trades seen by the engine. */
  accountsOf(traderId: string): Promise<readonly string[]>;
  /** Remembers that the trader owns the account. */
  own(traderId: string, accountId: string): Promise<void>;
  /** The latest score of an account or trader, or null before the first. */
  score(subject: RiskScore['subject'], subjectId: string): Promise<RiskScore | null>;
  /** Stores a new score as the latest and in the subject's history. */
  saveScore(score: RiskScore): Promise<void>;
}

/** What the risk desk reads and does beyond the engine's ledger: flags listed and handled, score histories. */
export interface FlagDesk extends RiskLedger {
  /** A subject's scores, newest first. */
  scoreHistory(subject: RiskScore['subject'], subjectId: string, page: PageRequest): Promise<Page<RiskScore>>;

  /** The flags in one state across the firm, newest first: the risk desk's flag queue. */
  listFlags(state: FlagState, page: PageRequest): Promise<Page<StoredFlag>>;
  /** An account's flags, newest first, whatever their state. */
  flagsOfAccount(accountId: string, page: PageRequest): Promise<Page<StoredFlag>>;
  getFlag(flagId: string): Promise<StoredFlag | null>;
  /** Moves the flag if FLAG_MOVES allows it from the state it is in at the time of the write. */
  moveFlag(flagId: string, move: FlagMove): Promise<FlagMoveOutcome>;
}
