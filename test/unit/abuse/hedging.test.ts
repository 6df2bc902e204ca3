import { describe, expect, it } from 'vitest';
import type { Linkage } from '../../../shared/abuse/detector.js';
import { hedgeMatches, hedging } from '../../../shared/abuse/detectors/hedging.js';
import type { AbuseTrade, LinkEvidence } from '../../../shared/abuse/findings.js';
import { at, closedTrade, policyWith } from '../../support/abuse.js';

const policy = policyWith('hedging', {});
const SAME_TRADER: Linkage = { sameTrader: true, links: [] };
const device: LinkEvidence = { kind: 'device', shown: 'a1b2c3d4…', traderIds: ['trd-1', 'trd-3'], firstSeen: [at('2026-02-01T00:00:00Z'), at('2026-02-20T00:00:00Z')] };
const payment: LinkEvidence = { kind: 'payment', shown: 'payment fingerprint …0a1b2c', traderIds: ['trd-1', 'trd-3'], firstSeen: [at('2026-02-01T00:00:00Z'), at('2026-02-02T00:00:00Z')] };

/** acc-1 (trd-1) buys EURUSD 09:00 to 09:05, winning 10.00. */
const latest = closedTrade({ positionId: 'p-1', openedAt: at('2026-03-02T09:00:00Z'), closedAt: at('2026-03-02T09:05:00Z') });

/** A sell on acc-2 (also trd-1's), losing 9.50, open 09:01 to 09:06 unless told otherwise. */
const opposite = (overrides: Partial<AbuseTrade> & { positionId: string }): AbuseTrade =>
  closedTrade({ accountId: 'acc-2', side: 'sell', openedAt: at('2026-03-02T09:01:00Z'), closedAt: at('2026-03-02T09:06:00Z'), netPnl: -950, ...overrides });

/** acc-2 is trd-1's own account, acc-3 a trader sharing a device and a card; the rest are not linked. */
const linkageOf = (other: AbuseTrade): Linkage | null =>
  other.accountId === 'acc-2' ? SAME_TRADER : other.accountId === 'acc-3' ? { sameTrader: false, links: [device, payment] } : null;

/**
 * As the engine judges: the hedges of latest now, plus `before` hedges each account already had with
 * latest's (by default one, so this is the second and the default minHedges of 2 is met).
 */
function judge(trade: AbuseTrade, candidates: readonly AbuseTrade[], linkage = linkageOf, chosen = policy, before = 1) {
  const matched = hedgeMatches(trade, candidates, linkage, chosen);
  const hedgesWith = new Map<string, number>();
  for (const other of matched) hedgesWith.set(other.accountId, before + 1);
  return hedging(trade, matched, linkage, chosen, hedgesWith);
}

describe('hedging', () => {
  it("flags a buy opposed by a sell on the trader's other account", () => {
    const finding = judge(latest, [opposite({ positionId: 'p-2' })], linkageOf, policy);
    expect(finding).toEqual({
      detector: 'hedging',
      accountId: 'acc-1',
      traderId: 'trd-1',
      at: at('2026-03-02T09:05:00Z'),
      message: 'EURUSD buy opposed by 1 sell on linked account acc-2 (same trader) open together 4 min; 2 hedges between them so far',
      evidence: {
        measured: { pairs: 1, overlapSeconds: 240, symbol: 'EURUSD', netPnl: 50 },
        thresholds: { windowSeconds: 300, minOverlapSeconds: 30, minHedges: 2 },
        trades: [expect.objectContaining({ accountId: 'acc-1', positionId: 'p-1' }), expect.objectContaining({ accountId: 'acc-2', positionId: 'p-2', side: 'sell', netPnl: -950 })],
        peers: [{ accountId: 'acc-2', traderId: 'trd-1', matchedTrades: 2, lotRatioBps: 10_000, sameTrader: true, links: [] }],
      },
    });
  });

  it('flags a hedge across traders sharing identities, naming what they share', () => {
    const other = opposite({ positionId: 'q-1', accountId: 'acc-3', traderId: 'trd-3', volume: 20_000 });
    const finding = judge(latest, [other], linkageOf, policy);
    expect(finding?.message).toBe('EURUSD buy opposed by 1 sell on linked account acc-3 (shared device, payment method) open together 4 min; 2 hedges between them so far');
    expect(finding?.evidence.peers).toEqual([{ accountId: 'acc-3', traderId: 'trd-3', matchedTrades: 2, lotRatioBps: 5_000, sameTrader: false, links: [device, payment] }]);
  });

  it('counts every opposing trade on every linked account, lot ratio the median per account', () => {
    const candidates = [
      opposite({ positionId: 'p-2', volume: 20_000, netPnl: -500 }),
      opposite({ positionId: 'p-3', volume: 30_000, netPnl: -300, openedAt: at('2026-03-02T08:58:00Z'), closedAt: at('2026-03-02T09:04:00Z') }),
      opposite({ positionId: 'q-1', accountId: 'acc-3', traderId: 'trd-3', netPnl: -200 }),
      opposite({ positionId: 'x-1', accountId: 'acc-9', traderId: 'trd-9' }),
    ];
    const finding = judge(latest, candidates, linkageOf, policy);
    expect(finding?.message).toBe(
      'EURUSD buy opposed by 3 sells on linked accounts acc-2 (same trader), acc-3 (shared device, payment method) open together up to 4 min; 2 hedges between them so far',
    );
    expect(finding?.evidence.measured).toEqual({ pairs: 3, overlapSeconds: 240, symbol: 'EURUSD', netPnl: 0 });
    // 10,000/20,000 and 10,000/30,000: (5,000 + 3,333.3) / 2
    expect(finding?.evidence.peers.map((peer) => [peer.accountId, peer.matchedTrades, peer.lotRatioBps])).toEqual([
      ['acc-2', 2, 4_167],
      ['acc-3', 2, 10_000],
    ]);
    expect(finding?.evidence.trades.map((trade) => trade.positionId)).toEqual(['p-3', 'p-1', 'p-2', 'q-1']);
  });

  it('takes the median of an odd number of trades', () => {
    const candidates = [20_000, 30_000, 10_000].map((volume, i) => opposite({ positionId: `p-${i + 2}`, volume }));
    expect(judge(latest, candidates, linkageOf, policy)?.evidence.peers[0]?.lotRatioBps).toBe(5_000);
  });

  it('judges a sell against a buy the same way', () => {
    const sell = closedTrade({ ...latest, side: 'sell' });
    const buy = opposite({ positionId: 'p-2', side: 'buy', openedAt: at('2026-03-02T09:04:00Z') });
    expect(judge(sell, [buy], linkageOf, policy)?.message).toBe('EURUSD sell opposed by 1 buy on linked account acc-2 (same trader) open together 60 s; 2 hedges between them so far');
  });

  it('flags exactly at the thresholds: 300 s apart, 30 s together', () => {
    const late = opposite({ positionId: 'p-2', openedAt: at('2026-03-02T09:05:00Z'), closedAt: at('2026-03-02T09:10:00Z') });
    const longer = closedTrade({ ...latest, closedAt: at('2026-03-02T09:05:30Z') });
    expect(judge(longer, [late], linkageOf, policy)?.evidence.measured.overlapSeconds).toBe(30);
  });

  describe('near misses', () => {
    it.each([
      ['the same side on a linked account', opposite({ positionId: 'p-2', side: 'buy' })],
      ['the opposite side on an unlinked account', opposite({ positionId: 'x-1', accountId: 'acc-9', traderId: 'trd-9' })],
      ['29 s together when 30 are required', opposite({ positionId: 'p-2', openedAt: at('2026-03-02T09:04:31Z'), closedAt: at('2026-03-02T09:10:00Z') })],
      ['another symbol', opposite({ positionId: 'p-2', symbol: 'GBPUSD' })],
      ['the same account: hedging within an account is not this detector', opposite({ positionId: 'p-2', accountId: 'acc-1' })],
    ])('%s', (_, other) => {
      expect(judge(latest, [other], linkageOf, policy)).toBeNull();
    });

    it('opened 301 s apart', () => {
      const longer = closedTrade({ ...latest, closedAt: at('2026-03-02T09:10:00Z') });
      const other = opposite({ positionId: 'p-2', openedAt: at('2026-03-02T09:05:01Z'), closedAt: at('2026-03-02T09:10:00Z') });
      expect(judge(longer, [other], linkageOf, policy)).toBeNull();
      expect(judge(longer, [{ ...other, openedAt: other.openedAt - 1_000 }], linkageOf, policy)).not.toBeNull();
    });

    it('when disabled', () => {
      expect(judge(latest, [opposite({ positionId: 'p-2' })], linkageOf, policyWith('hedging', { enabled: false }))).toBeNull();
    });

    it('with no candidates', () => {
      expect(judge(latest, [], linkageOf, policy)).toBeNull();
    });
  });

  it('follows the policy thresholds', () => {
    const other = opposite({ positionId: 'p-2' });
    expect(judge(latest, [other], linkageOf, policyWith('hedging', { minOverlapSeconds: 241 }))).toBeNull();
    expect(judge(latest, [other], linkageOf, policyWith('hedging', { windowSeconds: 59 }))).toBeNull();
    expect(judge(latest, [other], linkageOf, policyWith('hedging', { windowSeconds: 60, minOverlapSeconds: 240 }))?.evidence.thresholds).toEqual({
      windowSeconds: 60,
      minOverlapSeconds: 240,
      minHedges: 2,
    });
  });

  it('is not flagged on the first hedge between two accounts (chance), and is on the first when the program asks', () => {
    const other = opposite({ positionId: 'p-2' });
    expect(judge(latest, [other], linkageOf, policy, 0)).toBeNull();
    expect(judge(latest, [other], linkageOf, policyWith('hedging', { minHedges: 1 }), 0)?.evidence.peers[0]?.matchedTrades).toBe(1);
  });
});
