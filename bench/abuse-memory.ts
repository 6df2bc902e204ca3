/**
 * The abuse engine's stores in memory: the bench measures the engine itself with them, and the scenario
 * tests run whole labelled populations through it. The deployed engine uses the DynamoDB adapters.
 */
import type { AbuseTrade, LinkEvidence } from '../shared/abuse/findings.js';
import { identityKeys, linkEvidence, type IdentityObservation } from '../shared/abuse/identity.js';
import type { RiskScore, ScoredFlag } from '../shared/abuse/score.js';
import { tradeRef } from '../shared/abuse/findings.js';
import type { AccountMatches, Flag, IdentityGraph, MatchKind, RiskLedger, TradeMemory } from '../shared/ports/abuse.js';

const BUCKET_MS = 60_000;

interface AccountWindow {
  readonly trades: AbuseTrade[];
  readonly positions: Set<string>;
}

const byClose = (a: AbuseTrade, b: AbuseTrade): number => a.closedAt - b.closedAt || (a.positionId < b.positionId ? -1 : a.positionId > b.positionId ? 1 : 0);

export class MemoryTradeMemory implements TradeMemory {
  private readonly windows = new Map<string, AccountWindow>();
  private readonly buckets = new Map<string, Map<number, AbuseTrade[]>>();
  /** Per kind and account: each peer account and the matches with it. */
  private readonly matches = new Map<string, Map<string, { traderId: string | null; keys: Set<string>; matches: AccountMatches['matches'][number][] }>>();

  private readonly judged = new Set<string>();

  async keep(trade: AbuseTrade, windowMs: number): Promise<{ judged: boolean; window: readonly AbuseTrade[] }> {
    let window = this.windows.get(trade.accountId);
    if (window === undefined) {
      window = { trades: [], positions: new Set() };
      this.windows.set(trade.accountId, window);
    }
    if (window.positions.has(trade.positionId)) return { judged: this.judged.has(`${trade.accountId}|${trade.positionId}`), window: window.trades };
    window.positions.add(trade.positionId);
    const trades = window.trades;
    let at = trades.length;
    while (at > 0 && byClose(trades[at - 1]!, trade) > 0) at--;
    trades.splice(at, 0, trade);
    const newest = trades[trades.length - 1]!.closedAt;
    let expired = 0;
    while (expired < trades.length && trades[expired]!.closedAt < newest - windowMs) window.positions.delete(trades[expired++]!.positionId);
    if (expired > 0) trades.splice(0, expired);
    return { judged: false, window: trades };
  }

  async markJudged(trade: AbuseTrade): Promise<void> {
    this.judged.add(`${trade.accountId}|${trade.positionId}`);
  }

  async windowSize(accountId: string): Promise<number> {
    return this.windows.get(accountId)?.trades.length ?? 0;
  }

  async openedBetween(symbol: string, from: number, to: number): Promise<readonly AbuseTrade[]> {
    const buckets = this.buckets.get(symbol);
    if (buckets === undefined) return [];
    const found: AbuseTrade[] = [];
    for (let bucket = Math.floor(from / BUCKET_MS); bucket <= Math.floor(to / BUCKET_MS); bucket++) {
      for (const trade of buckets.get(bucket) ?? []) if (trade.openedAt >= from && trade.openedAt <= to) found.push(trade);
    }
    return found;
  }

  async index(trade: AbuseTrade): Promise<void> {
    let buckets = this.buckets.get(trade.symbol);
    if (buckets === undefined) {
      buckets = new Map();
      this.buckets.set(trade.symbol, buckets);
    }
    const bucket = Math.floor(trade.openedAt / BUCKET_MS);
    const list = buckets.get(bucket);
    if (list) list.push(trade);
    else buckets.set(bucket, [trade]);
  }

  async recordMatches(kind: MatchKind, latest: AbuseTrade, matched: readonly AbuseTrade[]): Promise<void> {
    for (const other of matched) {
      this.record(kind, latest, other);
      this.record(kind, other, latest);
    }
  }

  private record(kind: MatchKind, mine: AbuseTrade, theirs: AbuseTrade): void {
    const key = `${kind}|${mine.accountId}`;
    let pairs = this.matches.get(key);
    if (pairs === undefined) {
      pairs = new Map();
      this.matches.set(key, pairs);
    }
    let pair = pairs.get(theirs.accountId);
    if (pair === undefined) {
      pair = { traderId: theirs.traderId, keys: new Set(), matches: [] };
      pairs.set(theirs.accountId, pair);
    }
    const matchKey = `${mine.positionId}|${theirs.positionId}`;
    if (pair.keys.has(matchKey)) return;
    pair.keys.add(matchKey);
    pair.matches.push({ mine: tradeRef(mine), theirs: tradeRef(theirs) });
  }

  async matchesOf(kind: MatchKind, accountId: string): Promise<readonly AccountMatches[]> {
    const pairs = this.matches.get(`${kind}|${accountId}`);
    if (pairs === undefined) return [];
    return [...pairs].map(([peer, pair]) => ({ accountId: peer, traderId: pair.traderId, matches: pair.matches }));
  }
}

export class MemoryIdentityGraph implements IdentityGraph {
  /** Key → trader → first seen; and the key's kind and how it is shown. */
  private readonly holders = new Map<string, Map<string, number>>();
  private readonly keysOfTrader = new Map<string, Set<string>>();
  private readonly described = new Map<string, ReturnType<typeof identityKeys>[number]>();

  async observe(observation: IdentityObservation): Promise<readonly LinkEvidence[]> {
    const created: LinkEvidence[] = [];
    for (const key of identityKeys(observation)) {
      this.described.set(key.key, key);
      let holders = this.holders.get(key.key);
      if (holders === undefined) {
        holders = new Map();
        this.holders.set(key.key, holders);
      }
      // As the DynamoDB graph: links for a new holder, and again for the observation that first recorded it.
      const seen = holders.get(observation.traderId);
      if (seen !== undefined && seen !== observation.observedAt) {
        if (observation.observedAt < seen) holders.set(observation.traderId, observation.observedAt);
        continue;
      }
      holders.set(observation.traderId, observation.observedAt);
      for (const [other, firstSeen] of holders) {
        if (other !== observation.traderId) created.push(linkEvidence(key, { traderId: observation.traderId, firstSeen: observation.observedAt }, { traderId: other, firstSeen }));
      }
      let keys = this.keysOfTrader.get(observation.traderId);
      if (keys === undefined) {
        keys = new Set();
        this.keysOfTrader.set(observation.traderId, keys);
      }
      keys.add(key.key);
    }
    return created;
  }

  async linksOf(traderId: string): Promise<readonly LinkEvidence[]> {
    const links: LinkEvidence[] = [];
    for (const key of this.keysOfTrader.get(traderId) ?? []) {
      const holders = this.holders.get(key)!;
      const mine = holders.get(traderId)!;
      for (const [other, firstSeen] of holders) {
        if (other !== traderId) links.push(linkEvidence(this.described.get(key)!, { traderId, firstSeen: mine }, { traderId: other, firstSeen }));
      }
    }
    return links;
  }
}

export class MemoryRiskLedger implements RiskLedger {
  readonly flags = new Map<string, Flag>();
  readonly dismissed = new Set<string>();
  private readonly flagsOfAccount = new Map<string, Flag[]>();
  private readonly owned = new Map<string, Set<string>>();
  private readonly latest = new Map<string, RiskScore>();
  readonly history = new Map<string, RiskScore[]>();

  async raise(flag: Flag): Promise<boolean> {
    const stored = this.flags.get(flag.flagId);
    if (stored !== undefined) return stored.at === flag.at;
    this.flags.set(flag.flagId, flag);
    const list = this.flagsOfAccount.get(flag.accountId);
    if (list) list.push(flag);
    else this.flagsOfAccount.set(flag.accountId, [flag]);
    return true;
  }

  async countingFlags(accountIds: readonly string[]): Promise<readonly ScoredFlag[]> {
    const counting: ScoredFlag[] = [];
    for (const accountId of accountIds) {
      for (const flag of this.flagsOfAccount.get(accountId) ?? []) {
        if (!this.dismissed.has(flag.flagId)) counting.push({ flagId: flag.flagId, detector: flag.detector, accountId: flag.accountId, message: flag.message });
      }
    }
    return counting;
  }

  async accountsOf(traderId: string): Promise<readonly string[]> {
    return [...(this.owned.get(traderId) ?? [])];
  }

  async own(traderId: string, accountId: string): Promise<void> {
    let accounts = this.owned.get(traderId);
    if (accounts === undefined) {
      accounts = new Set();
      this.owned.set(traderId, accounts);
    }
    accounts.add(accountId);
  }

  async score(subject: RiskScore['subject'], subjectId: string): Promise<RiskScore | null> {
    return this.latest.get(`${subject}:${subjectId}`) ?? null;
  }

  async saveScore(score: RiskScore): Promise<void> {
    const key = `${score.subject}:${score.subjectId}`;
    this.latest.set(key, score);
    const list = this.history.get(key);
    if (list) list.push(score);
    else this.history.set(key, [score]);
  }
}
