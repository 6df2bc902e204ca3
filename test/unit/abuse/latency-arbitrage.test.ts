import { describe, expect, it } from 'vitest';
import { latencyArbitrage } from '../../../shared/abuse/detectors/latency-arbitrage.js';
import type { AbuseTrade } from '../../../shared/abuse/findings.js';
import { accountContext, at, closedTrade, policyWith, windowOf } from '../../support/abuse.js';

const START = at('2026-03-02T09:00:00Z');
const MINUTE = 60_000;

/** The i-th quick trade: held 30 s, ten minutes after the previous one. */
function quick(i: number, overrides: Partial<AbuseTrade> = {}): AbuseTrade {
  const openedAt = START + i * 10 * MINUTE;
  return closedTrade({ positionId: `q${String(i).padStart(2, '0')}`, openedAt, closedAt: openedAt + 30_000, ...overrides });
}

/** A trade held two hours, closed before the quick trades start. */
const longHold = (netPnl: number): AbuseTrade =>
  closedTrade({ positionId: 'long', openedAt: START - 3 * 60 * MINUTE, closedAt: START - 60 * MINUTE, netPnl });

/** Buy fills one pip better (favourable) or worse than the reference at both ends. */
const buyFills = (better: boolean): Partial<AbuseTrade> => ({
  side: 'buy',
  openReferencePrice: 1.1,
  closeReferencePrice: 1.101,
  openPrice: better ? 1.0999 : 1.1001,
  closePrice: better ? 1.1011 : 1.1009,
});

const judge = (trades: AbuseTrade[], policy = policyWith('latencyArbitrage', {})) => {
  const window = windowOf(trades);
  return latencyArbitrage(window, window.at(-1)!, policy, accountContext());
};

/** 9 quick wins of 10.00, one quick loss and a long-hold win of 10.00: 90% of the profit, 90% wins. */
const scalper = (): AbuseTrade[] => [longHold(1_000), ...Array.from({ length: 10 }, (_, i) => quick(i, { netPnl: i === 3 ? -200 : 1_000 }))];

describe('latencyArbitrage', () => {
  it('flags profit concentrated in quick winning trades, noting that no fills could be judged', () => {
    const finding = judge(scalper());
    expect(finding).not.toBeNull();
    expect(finding!.detector).toBe('latencyArbitrage');
    expect(finding!.accountId).toBe('acc-1');
    expect(finding!.traderId).toBe('trd-1');
    expect(finding!.at).toBe(quick(9).closedAt);
    expect(finding!.message).toBe(
      '10 trades held at most 60 s earned 90.00% of the gross profit (9000 of 10000 minor units) and won 90.00% of the time; no reference prices to judge the fills.',
    );
    expect(finding!.evidence.measured).toEqual({
      quickTrades: 10,
      quickProfit: 9_000,
      grossProfit: 10_000,
      profitShareBps: 9_000,
      winRateBps: 9_000,
      referencedTrades: 0,
      favourableTrades: 0,
      favourableShareBps: null,
    });
    expect(finding!.evidence.thresholds).toEqual({
      maxHoldSeconds: 60,
      minTrades: 10,
      minProfitShareBps: 8_000,
      minWinRateBps: 8_000,
      minFavourableShareBps: 7_000,
    });
    expect(finding!.evidence.trades.map((trade) => trade.positionId)).toEqual(Array.from({ length: 10 }, (_, i) => quick(i).positionId));
    expect(finding!.evidence.peers).toEqual([]);
  });

  it('flags when every threshold is exactly met, and not one unit short of the profit share', () => {
    // 8 quick wins and 2 quick losses; 7 of the 10 filled better than the reference.
    const quicks = Array.from({ length: 10 }, (_, i) => quick(i, { netPnl: i < 8 ? 1_000 : -100, ...buyFills(i < 7) }));
    const met = judge([longHold(2_000), ...quicks]);
    expect(met?.evidence.measured).toMatchObject({
      quickTrades: 10,
      profitShareBps: 8_000,
      winRateBps: 8_000,
      referencedTrades: 10,
      favourableTrades: 7,
      favourableShareBps: 7_000,
    });
    expect(met!.message).toContain('7 of 10 with reference prices filled better than the reference (70.00%)');
    expect(judge([longHold(2_001), ...quicks])).toBeNull();
  });

  it('flags sells filled better than the reference', () => {
    const sellBetter: Partial<AbuseTrade> = { side: 'sell', openReferencePrice: 1.1, openPrice: 1.1001, closeReferencePrice: 1.099, closePrice: 1.0989 };
    const finding = judge(Array.from({ length: 10 }, (_, i) => quick(i, sellBetter)));
    expect(finding?.evidence.measured).toMatchObject({ referencedTrades: 10, favourableTrades: 10, favourableShareBps: 10_000 });
  });

  it('does not flag a fast trader whose quick winners were filled worse than the reference', () => {
    expect(judge(Array.from({ length: 10 }, (_, i) => quick(i, buyFills(false))))).toBeNull();
    const sellWorse: Partial<AbuseTrade> = { side: 'sell', openReferencePrice: 1.1, openPrice: 1.0999, closeReferencePrice: 1.099, closePrice: 1.0991 };
    expect(judge(Array.from({ length: 10 }, (_, i) => quick(i, sellWorse)))).toBeNull();
    // The same trades filled better do flag.
    expect(judge(Array.from({ length: 10 }, (_, i) => quick(i, buyFills(true))))).not.toBeNull();
  });

  it('judges the fills only on trades with both reference prices', () => {
    // 3 worse-filled trades with references, 7 with only an opening reference: 0 of 3 favourable.
    const trades = Array.from({ length: 10 }, (_, i) => quick(i, i < 3 ? buyFills(false) : { openReferencePrice: 1.1 }));
    expect(judge(trades)).toBeNull();
    const relaxed = judge(trades, policyWith('latencyArbitrage', { minFavourableShareBps: 0 }));
    expect(relaxed?.evidence.measured).toMatchObject({ referencedTrades: 3, favourableTrades: 0, favourableShareBps: 0 });
  });

  it('does not flag a profitable scalper who wins 55% of the time', () => {
    const trades = Array.from({ length: 20 }, (_, i) => quick(i, { netPnl: i < 11 ? 3_000 : -1_000 }));
    expect(judge(trades)).toBeNull();
    expect(judge(trades, policyWith('latencyArbitrage', { minWinRateBps: 5_500 }))).not.toBeNull();
  });

  it('does not flag when the profit comes mostly from long holds', () => {
    expect(judge([longHold(5_000), ...Array.from({ length: 10 }, (_, i) => quick(i, { netPnl: 100 }))])).toBeNull();
  });

  it('needs minTrades quick trades, counting a hold of exactly maxHoldSeconds as quick', () => {
    const nine = scalper().slice(0, -1);
    expect(judge(nine)).toBeNull();
    const atLimit = quick(9, { closedAt: quick(9).openedAt + 60_000 });
    expect(judge([...nine, atLimit])?.evidence.measured).toMatchObject({ quickTrades: 10 });
    const overLimit = quick(9, { closedAt: quick(9).openedAt + 60_001 });
    expect(judge([...nine, overLimit])).toBeNull();
  });

  it('does not flag when the latest trade is not quick', () => {
    const trades = [...scalper(), closedTrade({ positionId: 'late', openedAt: quick(9).closedAt, closedAt: quick(9).closedAt + 10 * MINUTE, netPnl: 100 })];
    expect(judge(trades)).toBeNull();
  });

  it('does not flag without gross profit', () => {
    const losers = Array.from({ length: 10 }, (_, i) => quick(i, { netPnl: -100 }));
    expect(judge(losers, policyWith('latencyArbitrage', { minProfitShareBps: 0, minWinRateBps: 0 }))).toBeNull();
  });

  it('returns null when disabled', () => {
    expect(judge(scalper(), policyWith('latencyArbitrage', { enabled: false }))).toBeNull();
  });
});
