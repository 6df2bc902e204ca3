import { describe, expect, it } from 'vitest';
import { hft } from '../../../shared/abuse/detectors/hft.js';
import type { AbuseTrade } from '../../../shared/abuse/findings.js';
import { accountContext, at, closedTrade, policyWith, windowOf } from '../../support/abuse.js';

const START = at('2026-03-02T09:00:00Z');
/** The thresholds these cases are built around, pinned so a change of defaults does not move them. */
const THRESHOLDS = { shortHoldSeconds: 15, maxShortHoldShareBps: 5_000, minTrades: 10, maxTradesPerMinute: 10 };

/** Trades opened two minutes apart (no burst), held `holdsSeconds[i]` each; the last is latest. */
function spaced(holdsSeconds: readonly number[]): AbuseTrade[] {
  return holdsSeconds.map((hold, i) => closedTrade({ positionId: `p${i}`, openedAt: START + i * 120_000, closedAt: START + i * 120_000 + hold * 1_000 }));
}

/** Trades opened `everySeconds` apart and held `holdSeconds`, from START. */
function burst(count: number, everySeconds: number, holdSeconds = 600, prefix = 'b'): AbuseTrade[] {
  return Array.from({ length: count }, (_, i) =>
    closedTrade({ positionId: `${prefix}${i}`, openedAt: START + i * everySeconds * 1_000, closedAt: START + i * everySeconds * 1_000 + holdSeconds * 1_000 }),
  );
}

function detect(trades: readonly AbuseTrade[], latest: AbuseTrade, change: Parameters<typeof policyWith<'hft'>>[1] = {}) {
  return hft(windowOf(trades), latest, policyWith('hft', { ...THRESHOLDS, ...change }), accountContext());
}

const ids = (finding: ReturnType<typeof hft>) => finding!.evidence.trades.map((trade) => trade.positionId);

describe('hft: short-hold share', () => {
  it('flags 6 of 10 trades held under 15 s, with the short trades as evidence', () => {
    const trades = spaced([5, 60, 5, 60, 5, 60, 5, 60, 5, 5]);
    const finding = detect(trades, trades.at(-1)!);
    expect(finding).toMatchObject({
      detector: 'hft',
      accountId: 'acc-1',
      traderId: 'trd-1',
      at: trades.at(-1)!.closedAt,
      message: '60% of 10 trades were held under 15 s (limit 50%)',
      evidence: {
        measured: { trades: 10, shortTrades: 6, shortShareBps: 6_000, maxTradesPerMinute: 1 },
        thresholds: { shortHoldSeconds: 15, maxShortHoldShareBps: 5_000, minTrades: 10, maxTradesPerMinute: 10 },
        peers: [],
      },
    });
    expect(ids(finding)).toEqual(['p0', 'p2', 'p4', 'p6', 'p8', 'p9']);
  });

  it('floors the share: 2 of 3 short is 66.66%', () => {
    const trades = spaced([5, 60, 5]);
    const finding = detect(trades, trades.at(-1)!, { minTrades: 3 });
    expect(finding!.message).toBe('66.66% of 3 trades were held under 15 s (limit 50%)');
    expect(finding!.evidence.measured.shortShareBps).toBe(6_666);
  });

  it('exactly the limit share is not flagged (5 of 10 short)', () => {
    const trades = spaced([5, 60, 5, 60, 5, 60, 5, 60, 60, 5]);
    expect(detect(trades, trades.at(-1)!)).toBeNull();
  });

  it('judges only from minTrades trades: 9 short trades are not enough, 10 are', () => {
    const nine = spaced(Array(9).fill(5));
    expect(detect(nine, nine.at(-1)!)).toBeNull();
    const ten = spaced(Array(10).fill(5));
    expect(detect(ten, ten.at(-1)!)!.evidence.measured).toMatchObject({ trades: 10, shortTrades: 10, shortShareBps: 10_000 });
  });

  it('a hold of exactly shortHoldSeconds is not short', () => {
    const trades = spaced([5, 5, 5, 5, 5, 15, 15, 15, 15, 14.999]);
    expect(detect(trades, trades.at(-1)!)!.evidence.measured.shortTrades).toBe(6);
    const atLimit = spaced([5, 5, 5, 5, 15, 15, 15, 15, 15, 5]);
    expect(detect(atLimit, atLimit.at(-1)!)).toBeNull();
  });

  it('latest must be short: a standing short-hold share does not flag a normal trade', () => {
    const trades = spaced([5, 5, 5, 5, 5, 5, 5, 5, 5, 60]);
    expect(detect(trades, trades.at(-1)!)).toBeNull();
  });
});

describe('hft: trades per minute', () => {
  it('flags 11 trades opened within 50 s, with the burst as evidence', () => {
    const trades = [closedTrade({ positionId: 'early', openedAt: START - 3_600_000 }), ...burst(11, 5)];
    const finding = detect(trades, trades.at(-1)!);
    expect(finding!.message).toBe('11 trades opened within 60 s (limit 10)');
    expect(finding!.evidence.measured).toEqual({ trades: 12, shortTrades: 0, shortShareBps: 0, maxTradesPerMinute: 11 });
    expect(ids(finding)).toEqual(burst(11, 5).map((trade) => trade.positionId));
  });

  it('10 trades in a minute are within the limit', () => {
    const trades = burst(10, 5);
    expect(detect(trades, trades.at(-1)!)).toBeNull();
  });

  it('the span is shorter than 60 s: 11 trades over exactly 60 s are at most 10 in a minute', () => {
    const trades = burst(11, 6);
    expect(detect(trades, trades.at(-1)!)).toBeNull();
    expect(detect(trades, trades.at(-1)!, { maxTradesPerMinute: 9 })!.evidence.measured.maxTradesPerMinute).toBe(10);
  });

  it('the span is shorter than 60 s around latest too: 11 trades over exactly 60 s, latest in the middle', () => {
    const trades = burst(11, 6).map((trade, i) => (i === 5 ? { ...trade, closedAt: START + 7_200_000 } : trade));
    expect(detect(trades, trades[5]!)).toBeNull();
  });

  it('counts by opening time although the window is sorted by close time', () => {
    // Earlier openings are held longer, so the window runs in reverse opening order.
    const trades = Array.from({ length: 11 }, (_, i) => closedTrade({ positionId: `r${i}`, openedAt: START + i * 5_000, closedAt: START + 3_600_000 - i * 1_000 }));
    const latest = trades[0]!;
    expect(windowOf(trades).at(-1)).toBe(latest);
    expect(detect(trades, latest)!.evidence.measured.maxTradesPerMinute).toBe(11);
  });

  it('finds the burst around latest when latest opened in its middle', () => {
    const trades = burst(11, 5);
    const latest = trades[5]!;
    const moved = trades.map((trade) => (trade === latest ? { ...trade, closedAt: START + 7_200_000 } : trade));
    expect(detect(moved, moved[5]!)!.evidence.measured.maxTradesPerMinute).toBe(11);
  });

  it('latest must be in the burst: an earlier burst does not flag a later trade', () => {
    const latest = closedTrade({ positionId: 'later', openedAt: START + 600_000, closedAt: START + 1_200_000 });
    expect(detect([...burst(12, 5), latest], latest)).toBeNull();
  });
});

describe('hft: both tests and the switch', () => {
  it('names both tests when both fire', () => {
    const trades = burst(11, 5, 5);
    const finding = detect(trades, trades.at(-1)!);
    expect(finding!.message).toBe('100% of 11 trades were held under 15 s (limit 50%), and 11 trades opened within 60 s (limit 10)');
    expect(finding!.evidence.trades).toHaveLength(11);
  });

  it('returns null when disabled', () => {
    const trades = burst(11, 5, 5);
    expect(detect(trades, trades.at(-1)!, { enabled: false })).toBeNull();
  });

  it('takes the account and trader from the context', () => {
    const trades = burst(11, 5, 5);
    const context = accountContext({ accountId: 'acc-9', traderId: null });
    expect(hft(windowOf(trades), trades.at(-1)!, policyWith('hft', THRESHOLDS), context)).toMatchObject({ accountId: 'acc-9', traderId: null });
  });
});
