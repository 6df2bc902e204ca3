import { describe, expect, it } from 'vitest';
import { copyMatches, copyTrading, type CopyMatch, type CopyPair } from '../../../shared/abuse/detectors/copy-trading.js';
import { MAX_EVIDENCE_TRADES, tradeRef, type AbuseTrade, type LinkEvidence } from '../../../shared/abuse/findings.js';
import { at, closedTrade, policyWith } from '../../support/abuse.js';

const policy = policyWith('copyTrading', {});
const HOUR = 3_600_000;

/** acc-7 (trd-7) buys 2 lots of EURUSD 09:00:00 to 09:10:00. */
const leader = closedTrade({ positionId: 'lead-1', accountId: 'acc-7', traderId: 'trd-7', volume: 20_000, openedAt: at('2026-03-02T09:00:00Z'), closedAt: at('2026-03-02T09:10:00Z') });

/** acc-1 (trd-1) copies it at 1 lot, 3 s later in and 4 s later out, unless told otherwise. */
const copy = (overrides: Partial<AbuseTrade> = {}): AbuseTrade =>
  closedTrade({ positionId: 'p-1', volume: 10_000, openedAt: leader.openedAt + 3_000, closedAt: leader.closedAt + 4_000, ...overrides });

describe('copyMatches', () => {
  it('matches the same symbol and side opened and closed within seconds on another account', () => {
    expect(copyMatches(copy(), [leader], policy)).toEqual([leader]);
  });

  it('matches exactly at the windows, either way round', () => {
    expect(copyMatches(copy({ openedAt: leader.openedAt - 5_000, closedAt: leader.closedAt + 5_000 }), [leader], policy)).toEqual([leader]);
  });

  describe('near misses', () => {
    it.each([
      ['opened 6 s apart', { openedAt: leader.openedAt + 6_000 }],
      ['opened together but closed 20 s apart', { openedAt: leader.openedAt, closedAt: leader.closedAt + 20_000 }],
      ['the opposite side', { side: 'sell' as const }],
      ['another symbol', { symbol: 'GBPUSD' }],
      ['the same account', { accountId: 'acc-7' }],
    ])('%s', (_, overrides) => {
      expect(copyMatches(copy(overrides), [leader], policy)).toEqual([]);
    });

    it('when disabled', () => {
      expect(copyMatches(copy(), [leader], policyWith('copyTrading', { enabled: false }))).toEqual([]);
    });
  });

  it("does not match the trader's own accounts where that is allowed, and does where it is not", () => {
    const own = copy({ traderId: 'trd-7' });
    expect(copyMatches(own, [leader], policyWith('copyTrading', { ownAccountsAllowed: true }))).toEqual([]);
    expect(copyMatches(own, [leader], policyWith('copyTrading', { ownAccountsAllowed: false }))).toEqual([leader]);
  });

  it('does not take two unknown owners for one trader', () => {
    expect(copyMatches(copy({ traderId: null }), [{ ...leader, traderId: null }], policy)).toHaveLength(1);
  });

  it('follows the policy windows', () => {
    const wide = policyWith('copyTrading', { openWithinSeconds: 10, closeWithinSeconds: 30 });
    expect(copyMatches(copy({ openedAt: leader.openedAt + 9_000, closedAt: leader.closedAt + 25_000 }), [leader], wide)).toEqual([leader]);
  });
});

/** The n-th copy of the leader by `accountId`, hours apart; `mine` is the copier's trade. */
function copied(n: number, mine: Partial<AbuseTrade> = {}, theirs: Partial<AbuseTrade> = {}): { mine: AbuseTrade; theirs: AbuseTrade } {
  const shift = n * HOUR;
  const lead = { ...leader, positionId: `lead-${n}`, openedAt: leader.openedAt + shift, closedAt: leader.closedAt + shift, ...theirs };
  return { mine: copy({ positionId: `p-${n}`, openedAt: lead.openedAt + 3_000, closedAt: lead.closedAt + 4_000, ...mine }), theirs: lead };
}

const matchOf = ({ mine, theirs }: { mine: AbuseTrade; theirs: AbuseTrade }): CopyMatch => ({ mine: tradeRef(mine), theirs: tradeRef(theirs) });

/** acc-1's pair with `accountId`: matches 1..count, made with copyMatches as the engine does. */
function pairWith(accountId: string, count: number, linkage: CopyPair['linkage'] = null): CopyPair {
  const matches: CopyMatch[] = [];
  for (let n = 1; n <= count; n++) {
    const match = copied(n, {}, { accountId, traderId: `trd-${accountId}` });
    expect(copyMatches(match.mine, [match.theirs], policy)).toHaveLength(1);
    matches.push(matchOf(match));
  }
  return { accountId, traderId: `trd-${accountId}`, matches, linkage };
}

/** acc-1's third copy: the trade that completes three matches. */
const third = copied(3).mine;

/** The account's window holds `tradesInWindow` trades: by default its 3 to 5 copies, all matched. */
const judge = (latest: AbuseTrade, pairs: readonly CopyPair[], chosen = policy, tradesInWindow = 5) => copyTrading(latest, pairs, chosen, tradesInWindow);

describe('copyTrading', () => {
  it('flags the third matched trade with the peer, its lot ratio and both sides of the matches', () => {
    const finding = judge(third, [pairWith('acc-7', 3)], policy);
    expect(finding).toMatchObject({
      detector: 'copyTrading',
      accountId: 'acc-1',
      traderId: 'trd-1',
      at: third.closedAt,
      message: '3 trades matched acc-7 (lot ratio 0.50) opened and closed within 5 s',
      evidence: {
        measured: { peers: 1, matchedTrades: 3, tradesInWindow: 5, matchedShareBps: 6_000, symbol: 'EURUSD' },
        thresholds: { openWithinSeconds: 5, closeWithinSeconds: 5, minMatchedTrades: 3, minMatchedShareBps: 5_000, ownAccountsAllowed: true },
        peers: [{ accountId: 'acc-7', traderId: 'trd-acc-7', matchedTrades: 3, lotRatioBps: 5_000, sameTrader: false, links: [] }],
      },
    });
    expect(finding?.evidence.trades.map((trade) => trade.positionId)).toEqual(['lead-1', 'p-1', 'lead-2', 'p-2', 'lead-3', 'p-3']);
  });

  it('is flagged when the matches are at least half the account\'s trades, not when a busy account meets a peer by chance', () => {
    expect(judge(third, [pairWith('acc-7', 3)], policy, 6)).not.toBeNull();
    expect(judge(third, [pairWith('acc-7', 3)], policy, 7)).toBeNull();
    expect(judge(third, [pairWith('acc-7', 3)], policyWith('copyTrading', { minMatchedShareBps: 4_000 }), 7)?.evidence.measured).toMatchObject({
      matchedTrades: 3,
      tradesInWindow: 7,
      matchedShareBps: 4_285,
    });
  });

  it('is not flagged at 2 matches when 3 are needed', () => {
    expect(judge(copied(2).mine, [pairWith('acc-7', 2)], policy)).toBeNull();
    expect(judge(copied(2).mine, [pairWith('acc-7', 2)], policyWith('copyTrading', { minMatchedTrades: 2 }), 4)).not.toBeNull();
  });

  it('is not flagged for a trade that is not among the matches', () => {
    expect(judge(copy({ positionId: 'p-other' }), [pairWith('acc-7', 5)], policy)).toBeNull();
  });

  it('is not flagged when disabled', () => {
    expect(judge(third, [pairWith('acc-7', 3)], policyWith('copyTrading', { enabled: false }))).toBeNull();
  });

  it('shows a group as every peer at the threshold, the strongest first', () => {
    const finding = judge(third, [pairWith('acc-8', 3), pairWith('acc-9', 2), pairWith('acc-7', 4)], policy);
    expect(finding?.message).toBe('4 trades matched acc-7 (lot ratio 0.50) opened and closed within 5 s, and 1 more account matched as a group');
    expect(finding?.evidence.measured).toEqual({ peers: 2, matchedTrades: 4, tradesInWindow: 5, matchedShareBps: 8_000, symbol: 'EURUSD' });
    expect(finding?.evidence.peers.map((peer) => [peer.accountId, peer.matchedTrades])).toEqual([
      ['acc-7', 4],
      ['acc-8', 3],
    ]);
  });

  it('carries how the peer is linked', () => {
    const link: LinkEvidence = { kind: 'ipv4', shown: '203.0.113.7', traderIds: ['trd-1', 'trd-acc-7'], firstSeen: [1, 2] };
    const finding = judge(third, [pairWith('acc-7', 3, { sameTrader: false, links: [link] })], policy);
    expect(finding?.evidence.peers[0]).toMatchObject({ sameTrader: false, links: [link] });
  });

  it('takes the median lot ratio, rounded', () => {
    const matches = [10_000, 30_000, 30_000].map((volume, i) => matchOf(copied(i + 1, { volume })));
    const pair: CopyPair = { accountId: 'acc-7', traderId: 'trd-7', matches, linkage: null };
    expect(judge(copied(1, { volume: 10_000 }).mine, [pair], policy)?.evidence.peers[0]?.lotRatioBps).toBe(15_000);
    const even: CopyPair = { ...pair, matches: [...matches, matchOf(copied(4, { volume: 10_001 }))] };
    // 10,001 and 30,000 over 20,000: (5,000.5 + 15,000) / 2 = 10,000.25
    expect(judge(third, [even], policy)?.evidence.peers[0]?.lotRatioBps).toBe(10_000);
  });

  it("flags the trader's own accounts only where the program forbids copying them", () => {
    const own: CopyPair = { ...pairWith('acc-2', 3, { sameTrader: true, links: [] }), traderId: 'trd-1' };
    expect(judge(third, [own], policyWith('copyTrading', { ownAccountsAllowed: true }))).toBeNull();
    const forbidden = judge(third, [own], policyWith('copyTrading', { ownAccountsAllowed: false }));
    expect(forbidden?.evidence.peers[0]).toMatchObject({ accountId: 'acc-2', traderId: 'trd-1', sameTrader: true, links: [] });
  });

  it('says so when the open and close windows differ', () => {
    const finding = judge(third, [pairWith('acc-7', 3)], policyWith('copyTrading', { closeWithinSeconds: 30 }));
    expect(finding?.message).toBe('3 trades matched acc-7 (lot ratio 0.50) opened within 5 s and closed within 30 s');
  });

  it("keeps the evidence to the limit, latest's own matches always in it", () => {
    const accounts = Array.from({ length: 12 }, (_, i) => `acc-${10 + i}`);
    const latest = copied(5).mine;
    const finding = judge(latest, accounts.map((accountId) => pairWith(accountId, 5)), policy);
    const trades = finding?.evidence.trades ?? [];
    expect(trades).toHaveLength(MAX_EVIDENCE_TRADES);
    expect(trades.filter((trade) => trade.positionId === 'p-5')).toHaveLength(1);
    expect(trades.filter((trade) => trade.positionId === 'lead-5')).toHaveLength(12);
    expect(trades.map((trade) => trade.closedAt)).toEqual([...trades.map((trade) => trade.closedAt)].sort((a, b) => a - b));
    expect(finding?.message).toBe('5 trades matched acc-10 (lot ratio 0.50) opened and closed within 5 s, and 11 more accounts matched as a group');
  });
});
