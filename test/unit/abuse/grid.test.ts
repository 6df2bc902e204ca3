import { describe, expect, it } from 'vitest';
import { grid } from '../../../shared/abuse/detectors/grid.js';
import type { AbuseTrade } from '../../../shared/abuse/findings.js';
import { accountContext, at, closedTrade, policyWith, windowOf } from '../../support/abuse.js';

const START = at('2026-03-02T09:00:00Z');
const HOUR = 3_600_000;
/** The thresholds these cases are built around, pinned so a change of defaults does not move them. */
const THRESHOLDS = { minEntries: 5, maxSpacingDeviationBps: 1_500, windowSeconds: 86_400 };

/** Entries at these prices opened ten minutes apart and all closed six hours later, in opening order; the last is latest. */
function ladder(prices: readonly number[], overrides: (i: number) => Partial<AbuseTrade> = () => ({})): AbuseTrade[] {
  return prices.map((openPrice, i) =>
    closedTrade({ positionId: `p${i}`, openPrice, openedAt: START + i * 600_000, closedAt: START + 6 * HOUR + i * 1_000, ...overrides(i) }),
  );
}

function detect(trades: readonly AbuseTrade[], latest = trades.at(-1)!, change: Parameters<typeof policyWith<'grid'>>[1] = {}) {
  return grid(windowOf(trades), latest, policyWith('grid', { ...THRESHOLDS, ...change }), accountContext());
}

const ids = (finding: ReturnType<typeof grid>) => finding!.evidence.trades.map((trade) => trade.positionId);
const REGULAR = [1.1, 1.099, 1.098, 1.097, 1.096];

describe('grid', () => {
  it('flags five buys spaced 10 pips apart, open together', () => {
    const trades = ladder(REGULAR);
    const finding = detect(trades);
    expect(finding).toMatchObject({
      detector: 'grid',
      accountId: 'acc-1',
      traderId: 'trd-1',
      at: trades.at(-1)!.closedAt,
      message: '5 buy entries on EURUSD were open together at prices spaced 0.001 apart (deviation up to 0 bps of the spacing, limit 1500 bps)',
      evidence: {
        measured: { entries: 5, priceLevels: 5, meanSpacing: 0.001, maxDeviationBps: 0, symbol: 'EURUSD', side: 'buy' },
        thresholds: { minEntries: 5, maxSpacingDeviationBps: 1_500, windowSeconds: 86_400 },
        peers: [],
      },
    });
    expect(ids(finding)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
  });

  it('a perfectly regular ladder passes even a zero deviation limit (float noise is not deviation)', () => {
    expect(detect(ladder([1.2345, 1.2357, 1.2369, 1.2381, 1.2393]), undefined, { maxSpacingDeviationBps: 0 })).not.toBeNull();
    expect(detect(ladder([64_000.1, 64_100.2, 64_200.3, 64_300.4, 64_400.5], () => ({ symbol: 'BTCUSD' })), undefined, { maxSpacingDeviationBps: 0 })).not.toBeNull();
  });

  it('measures the largest gap deviation from the mean: 10% flags at a 10% limit, not at 9.99%', () => {
    // Gaps 0.0011, 0.0009, 0.001, 0.001: mean 0.001, largest deviation 0.0001.
    const trades = ladder([1.1, 1.1011, 1.102, 1.103, 1.104]);
    expect(detect(trades, undefined, { maxSpacingDeviationBps: 1_000 })!.evidence.measured).toMatchObject({ meanSpacing: 0.001, maxDeviationBps: 1_000 });
    expect(detect(trades, undefined, { maxSpacingDeviationBps: 999 })).toBeNull();
  });

  it('irregular spacing (one gap twice the others) is no grid', () => {
    expect(detect(ladder([1.1, 1.099, 1.098, 1.096, 1.095]))).toBeNull();
  });

  it('4 entries are not enough when minEntries is 5', () => {
    const trades = ladder(REGULAR.slice(0, 4));
    expect(detect(trades)).toBeNull();
    expect(detect(trades, undefined, { minEntries: 4 })!.evidence.measured.entries).toBe(4);
  });

  it('entries not open together are no grid (each closed before the next opened)', () => {
    expect(detect(ladder(REGULAR, (i) => ({ closedAt: START + i * 600_000 + 300_000 })))).toBeNull();
  });

  it('opposite sides mixed are no grid', () => {
    expect(detect(ladder(REGULAR, (i) => ({ side: i % 2 === 0 ? 'buy' : 'sell' })))).toBeNull();
  });

  it('other symbols do not count', () => {
    expect(detect(ladder(REGULAR, (i) => ({ symbol: i === 2 ? 'GBPUSD' : 'EURUSD' })))).toBeNull();
  });

  it('the entries opened within windowSeconds of each other', () => {
    // Entries opened over 40 minutes.
    expect(detect(ladder(REGULAR), undefined, { windowSeconds: 2_400 })).not.toBeNull();
    expect(detect(ladder(REGULAR), undefined, { windowSeconds: 2_399 })).toBeNull();
  });

  it('every entry opened within windowSeconds of every other, not only of latest', () => {
    // latest opened 20 minutes in, in the middle of a 40-minute ladder: with a 20-minute window at most three entries qualify together.
    const trades = ladder(REGULAR, (i) => (i === 2 ? { closedAt: START + 8 * HOUR } : {}));
    expect(detect(trades, trades[2]!, { windowSeconds: 1_200, minEntries: 3 })!.evidence.measured.entries).toBe(3);
    expect(detect(trades, trades[2]!, { windowSeconds: 1_200 })).toBeNull();
  });

  it('needs minEntries distinct prices: five entries on four levels are no grid, six on five levels are', () => {
    expect(detect(ladder([1.1, 1.099, 1.099, 1.098, 1.097]))).toBeNull();
    const finding = detect(ladder([1.1, 1.099, 1.099, 1.098, 1.097, 1.096]));
    expect(finding!.evidence.measured).toMatchObject({ entries: 6, priceLevels: 5, maxDeviationBps: 0 });
  });

  it('latest may be any member: the first entry, closed last, completes the grid', () => {
    const trades = ladder(REGULAR, (i) => (i === 0 ? { closedAt: START + 8 * HOUR } : {}));
    expect(ids(detect(trades, trades[0]!))).toEqual(['p1', 'p2', 'p3', 'p4', 'p0']);
  });

  it('takes the largest set open together with latest', () => {
    // p5 opens after p0..p2 closed: at its opening only p3, p4 and p5 are open, at p4's opening all but p5.
    const trades = ladder([...REGULAR, 1.095], (i) => (i < 3 ? { closedAt: START + 45 * 60_000 + i * 1_000 } : {}));
    const latest = trades[4]!;
    expect(ids(detect(trades, latest))).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(detect(trades, trades[5]!)).toBeNull();
  });

  it('latest must take part: an earlier grid does not flag a later trade on the same symbol and side', () => {
    const later = closedTrade({ positionId: 'later', openPrice: 1.095, openedAt: START + 7 * HOUR, closedAt: START + 8 * HOUR });
    expect(detect([...ladder(REGULAR), later], later)).toBeNull();
  });

  it('returns null when disabled', () => {
    expect(detect(ladder(REGULAR), undefined, { enabled: false })).toBeNull();
  });
});
