/**
 * The abuse engine: one closed trade in, the flags it raises and the risk scores it changes out. It
 * keeps the trade in its account's window, runs the per-account detectors on that window and the
 * cross-account detectors against other accounts' trades on the same symbol around the same time, and
 * raises one flag per detector, account and day. A cross-account pattern flags both sides: the copier and
 * the copied, each hedging account. Time comes only from the trades, so a replay gives the same flags.
 */
import type { NewsIndex } from '../domain/news.js';
import type { Flag, IdentityGraph, MatchKind, RiskLedger, TradeMemory } from '../ports/abuse.js';
import type { AccountDetector, Linkage } from './detector.js';
import { allIn } from './detectors/all-in.js';
import { copyMatches, copyTrading, matchedTrades, type CopyPair } from './detectors/copy-trading.js';
import { gapTrading } from './detectors/gap-trading.js';
import { grid } from './detectors/grid.js';
import { hedgeMatches, hedging } from './detectors/hedging.js';
import { hft } from './detectors/hft.js';
import { latencyArbitrage } from './detectors/latency-arbitrage.js';
import { martingale } from './detectors/martingale.js';
import { newsAbuse } from './detectors/news-abuse.js';
import type { AbuseTrade, AccountContext, Finding, LinkEvidence } from './findings.js';
import type { AbusePolicy, DetectorId } from './policy.js';
import { flagIdOf, type Alert, type RiskScore } from './score.js';
import { RiskScorer, ScoreChanges } from './scorer.js';

const DAY_MS = 86_400_000;

/** What the engine needs to know about a trade's account: its program's policy and size. */
export interface AccountProgram {
  readonly programId: string;
  readonly initialBalance: number;
  readonly policy: AbusePolicy;
}

/** The program of a trade's account: the trade names its program and version. */
export type ProgramOf = (trade: AbuseTrade) => Promise<AccountProgram>;

/** A finding and the program whose policy judges it (a peer's finding is judged by the peer's program). */
interface Judged {
  readonly finding: Finding;
  readonly program: AccountProgram;
}

export interface AbusePorts {
  readonly trades: TradeMemory;
  readonly identities: IdentityGraph;
  readonly ledger: RiskLedger;
}

export interface AbuseOutcome {
  /** Flags raised by this trade (new ids only), on its account and on peers'. */
  readonly flags: readonly Flag[];
  /** Scores that changed, accounts' and traders'. */
  readonly scores: readonly RiskScore[];
  /** Scores that reached the alert threshold of the program that scored them, with this change. */
  readonly alerts: readonly Alert[];
}

const PER_ACCOUNT: readonly { readonly id: DetectorId; readonly detect: AccountDetector<never> }[] = [
  { id: 'hft', detect: hft as AccountDetector<never> },
  { id: 'martingale', detect: martingale as AccountDetector<never> },
  { id: 'grid', detect: grid as AccountDetector<never> },
  { id: 'allIn', detect: allIn as AccountDetector<never> },
  { id: 'latencyArbitrage', detect: latencyArbitrage as AccountDetector<never> },
  { id: 'newsAbuse', detect: newsAbuse as AccountDetector<never> },
  { id: 'gapTrading', detect: gapTrading as AccountDetector<never> },
];

const byOpenThenPosition = (a: AbuseTrade, b: AbuseTrade): number =>
  a.openedAt - b.openedAt || (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0) || (a.positionId < b.positionId ? -1 : a.positionId > b.positionId ? 1 : 0);

const NOTHING: AbuseOutcome = { flags: [], scores: [], alerts: [] };

export class AbuseEngine {
  private readonly scorer: RiskScorer;

  constructor(private readonly ports: AbusePorts) {
    this.scorer = new RiskScorer(ports.ledger, ports.identities);
  }

  /**
   * Judges one closed trade. `programOf` gives the program of any trade's account (the trade's and its
   * peers'), `news` the firm's calendar.
   */
  async onTrade(trade: AbuseTrade, programOf: ProgramOf, news: NewsIndex): Promise<AbuseOutcome> {
    const program = await programOf(trade);
    const policy = program.policy;
    const { judged, window } = await this.ports.trades.keep(trade, policy.windowDays * DAY_MS);
    if (judged) return NOTHING;
    if (trade.traderId !== null) await this.ports.ledger.own(trade.traderId, trade.accountId);

    const findings: Judged[] = [];
    const context: AccountContext = { accountId: trade.accountId, traderId: trade.traderId, initialBalance: program.initialBalance, news };
    for (const { id, detect } of PER_ACCOUNT) {
      const finding = detect(window, trade, policy[id] as never, context);
      if (finding !== null) findings.push({ finding, program });
    }
    for (const found of await this.crossAccount(trade, window.length, program, programOf)) findings.push(found);
    if (findings.length === 0) return NOTHING;
    return this.raise(findings);
  }

  /**
   * Makes trades visible to the cross-account detectors: call it before judging them. A batch indexes all
   * its trades first, so trades judged at the same time (two linked traders' hedge arriving together) still
   * see each other; indexing again is harmless.
   */
  async index(trades: readonly AbuseTrade[]): Promise<void> {
    await Promise.all(trades.map((trade) => this.ports.trades.index(trade)));
  }

  /**
   * Records that the trade's outcome was delivered (flags published, accounts failed): a redelivery of the
   * trade is then not judged again. Until it is, a retry judges it again and delivers the same outcome.
   */
  async markJudged(trade: AbuseTrade): Promise<void> {
    await this.ports.trades.markJudged(trade);
  }

  /** Hedging and copy trading against other accounts' trades opened around this one. */
  private async crossAccount(trade: AbuseTrade, tradesInWindow: number, program: AccountProgram, programOf: ProgramOf): Promise<Judged[]> {
    const policy = program.policy;
    const hedge = policy.hedging;
    const copy = policy.copyTrading;
    const reachMs = Math.max(hedge.enabled ? hedge.windowSeconds : 0, copy.enabled ? copy.openWithinSeconds : 0) * 1000;
    if (reachMs === 0) return [];
    const nearby = await this.ports.trades.openedBetween(trade.symbol, trade.openedAt - reachMs, trade.openedAt + reachMs);
    // In a fixed order, so the flags do not depend on the order a store lists trades in.
    const others = nearby.filter((other) => other.accountId !== trade.accountId).sort(byOpenThenPosition);
    if (others.length === 0) return [];
    const findings: Judged[] = [];

    if (hedge.enabled) {
      const opposite = others.filter((other) => other.side !== trade.side);
      const linkages = opposite.length === 0 ? new Map<string, Linkage | null>() : await this.linkages(trade, opposite);
      const linkageOf = (other: AbuseTrade): Linkage | null => linkages.get(other.accountId) ?? null;
      const matched = hedgeMatches(trade, opposite, linkageOf, hedge);
      if (matched.length > 0) {
        await this.ports.trades.recordMatches('hedge', trade, matched);
        const mine = hedging(trade, matched, linkageOf, hedge, await this.matchCounts('hedge', trade.accountId));
        if (mine !== null) findings.push({ finding: mine, program });
        // The other side of each hedge is hedging too, judged by its own program.
        for (const other of matched) {
          const linkage = linkageOf(other);
          const otherProgram = await programOf(other);
          const theirs = hedging(other, [trade], () => linkage, otherProgram.policy.hedging, await this.matchCounts('hedge', other.accountId));
          if (theirs !== null) findings.push({ finding: theirs, program: otherProgram });
        }
      }
    }

    if (copy.enabled) {
      const matched = copyMatches(trade, others, copy);
      if (matched.length > 0) {
        await this.ports.trades.recordMatches('copy', trade, matched);
        const mine = copyTrading(trade, await this.pairsOf(trade.accountId, trade.traderId), copy, tradesInWindow);
        if (mine !== null) findings.push({ finding: mine, program });
        // The copied account is in the group too: judge its matched trade against its own pairs and window.
        for (const other of matched) {
          const otherProgram = await programOf(other);
          const theirs = copyTrading(other, await this.pairsOf(other.accountId, other.traderId), otherProgram.policy.copyTrading, await this.ports.trades.windowSize(other.accountId));
          if (theirs !== null) findings.push({ finding: theirs, program: otherProgram });
        }
      }
    }
    return findings;
  }

  private async pairsOf(accountId: string, traderId: string | null): Promise<CopyPair[]> {
    const stored = await this.ports.trades.matchesOf('copy', accountId);
    const linkageWith = await this.linkageFrom(traderId);
    return stored.map((pair) => ({ accountId: pair.accountId, traderId: pair.traderId, matches: pair.matches, linkage: linkageWith(pair.traderId) }));
  }

  /** How many of the account's trades matched each peer account. */
  private async matchCounts(kind: MatchKind, accountId: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const pair of await this.ports.trades.matchesOf(kind, accountId)) {
      counts.set(pair.accountId, matchedTrades(pair.matches));
    }
    return counts;
  }

  /** The linkage of the trade's account with each other account, by its owner. */
  private async linkages(trade: AbuseTrade, others: readonly AbuseTrade[]): Promise<Map<string, Linkage | null>> {
    const linkageWith = await this.linkageFrom(trade.traderId);
    const byAccount = new Map<string, Linkage | null>();
    for (const other of others) if (!byAccount.has(other.accountId)) byAccount.set(other.accountId, linkageWith(other.traderId));
    return byAccount;
  }

  /** How a trader is linked to others: the same trader, or the identities they share (read once per trade). */
  private async linkageFrom(traderId: string | null): Promise<(otherTraderId: string | null) => Linkage | null> {
    if (traderId === null) return () => null;
    const links = await this.ports.identities.linksOf(traderId);
    return (otherTraderId) => {
      if (otherTraderId === null) return null;
      if (otherTraderId === traderId) return { sameTrader: true, links: [] };
      const shared = links.filter((link) => link.traderIds.includes(otherTraderId));
      return shared.length === 0 ? null : { sameTrader: false, links: shared };
    };
  }

  /** Keeps new flags and rescores the accounts and traders they touch. */
  private async raise(findings: readonly Judged[]): Promise<AbuseOutcome> {
    const flags: Flag[] = [];
    const touched = new Map<string, { traderId: string | null; program: AccountProgram; at: number }>();
    for (const { finding, program } of findings) {
      const detector = program.policy[finding.detector];
      const flag: Flag = { ...finding, flagId: flagIdOf(finding), action: detector.action, programId: program.programId };
      if (!(await this.ports.ledger.raise(flag))) continue;
      flags.push(flag);
      const seen = touched.get(finding.accountId);
      if (seen === undefined || seen.at < finding.at) touched.set(finding.accountId, { traderId: finding.traderId, program, at: finding.at });
    }
    // A trade is judged again when its outcome was not delivered: the scores it saved then are announced again.
    const changes = new ScoreChanges(true);
    const traders = new Map<string, { program: AccountProgram; at: number }>();
    for (const [accountId, { traderId, program, at }] of touched) {
      await this.scorer.rescoreAccount(accountId, program.policy, at, changes);
      // The trader's score is as of their latest flagged trade, whatever order the accounts come in.
      if (traderId !== null && (traders.get(traderId)?.at ?? -1) < at) traders.set(traderId, { program, at });
    }
    for (const [traderId, { program, at }] of traders) await this.scorer.rescoreTrader(traderId, program.policy, at, changes);
    const { scores, alerts } = changes;
    return { flags, scores, alerts };
  }

  /**
   * Records an identity observation; a new shared identity rescores the traders it links (their accounts'
   * flags are unchanged). `policy` is the firm's default program policy (links belong to traders, not programs).
   */
  async onIdentity(observation: Parameters<IdentityGraph['observe']>[0], policy: AbusePolicy): Promise<{ links: readonly LinkEvidence[]; scores: readonly RiskScore[]; alerts: readonly Alert[] }> {
    const links = await this.ports.identities.observe(observation);
    // An observation is received again when its outcome was not delivered: the scores it saved then are announced again.
    const changes = new ScoreChanges(true);
    const traders = new Set<string>();
    for (const link of links) for (const traderId of link.traderIds) traders.add(traderId);
    for (const traderId of traders) await this.scorer.rescoreTrader(traderId, policy, observation.observedAt, changes);
    return { links, scores: changes.scores, alerts: changes.alerts };
  }
}

