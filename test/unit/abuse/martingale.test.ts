import { describe, expect, it } from 'vitest';
import { martingale } from '../../../shared/abuse/detectors/martingale.js';
import type { AbuseTrade } from '../../../shared/abuse/findings.js';
import { accountContext, at, closedTrade, policyWith, windowOf } from '../../support/abuse.js';

const START = at('2026-03-02T09:00:00Z');
const LOT = 10_000;
/** The thresholds these cases are built around, pinned so a change of defaults does not move them. */
const THRESHOLDS = { multiplierBps: 15_000, withinSeconds: 3_600, minEscalations: 3 };

interface Step {
  volume: number;
  netPnl: number;
  /** Seconds from the previous trade's close to this one's opening; 60 unless told. */
  waitSeconds?: number;
}

/** Trades one after another, each held ten minutes; the last is latest. */
function sequence(steps: readonly Step[]): AbuseTrade[] {
  let openedAt = START;
  return steps.map((step, i) => {
    if (i > 0) openedAt += 600_000 + (step.waitSeconds ?? 60) * 1_000;
    return closedTrade({ positionId: `p${i}`, volume: step.volume, netPnl: step.netPnl, openedAt, closedAt: openedAt + 600_000 });
  });
}

const loss = (volume: number, waitSeconds?: number): Step => ({ volume, netPnl: -5_000, waitSeconds });
const win = (volume: number, waitSeconds?: number): Step => ({ volume, netPnl: 5_000, waitSeconds });

function detect(trades: readonly AbuseTrade[], latest = trades.at(-1)!, change: Parameters<typeof policyWith<'martingale'>>[1] = {}) {
  return martingale(windowOf(trades), latest, policyWith('martingale', { ...THRESHOLDS, ...change }), accountContext());
}

const ids = (finding: ReturnType<typeof martingale>) => finding!.evidence.trades.map((trade) => trade.positionId);

describe('martingale', () => {
  it('flags three doublings after losses ending at latest, with the chain as evidence', () => {
    const trades = sequence([win(LOT), loss(LOT), loss(2 * LOT), loss(4 * LOT), win(8 * LOT)]);
    const finding = detect(trades);
    expect(finding).toMatchObject({
      detector: 'martingale',
      accountId: 'acc-1',
      traderId: 'trd-1',
      at: trades.at(-1)!.closedAt,
      message: 'Volume escalated after 3 consecutive losses, from 1 lot to 8 lots (8x; limit 3 escalations of 1.5x within 3600 s)',
      evidence: {
        measured: { escalations: 3, firstVolume: LOT, lastVolume: 8 * LOT, multipleBps: 80_000 },
        thresholds: { multiplierBps: 15_000, withinSeconds: 3_600, minEscalations: 3 },
        peers: [],
      },
    });
    expect(ids(finding)).toEqual(['p1', 'p2', 'p3', 'p4']);
  });

  it('exactly the multiplier counts: 1.5x three times', () => {
    const finding = detect(sequence([loss(10_000), loss(15_000), loss(22_500), loss(33_750)]));
    expect(finding!.evidence.measured).toEqual({ escalations: 3, firstVolume: 10_000, lastVolume: 33_750, multipleBps: 33_750 });
    expect(finding!.message).toContain('from 1 lot to 3.375 lots (3.375x;');
  });

  it('just under the multiplier does not: 1.4999x at the last step', () => {
    expect(detect(sequence([loss(10_000), loss(15_000), loss(22_500), loss(33_749)]))).toBeNull();
  });

  it('a loss followed by a same-size trade is no escalation', () => {
    expect(detect(sequence([loss(LOT), loss(2 * LOT), loss(4 * LOT), loss(4 * LOT)]))).toBeNull();
  });

  it('escalation after a win (anti-martingale) is not counted', () => {
    expect(detect(sequence([win(LOT), win(2 * LOT), win(4 * LOT), win(8 * LOT)]))).toBeNull();
    expect(detect(sequence([loss(LOT), loss(2 * LOT), win(4 * LOT), loss(8 * LOT)]))).toBeNull();
  });

  it('the bigger trade must open within withinSeconds of the loss closing', () => {
    expect(detect(sequence([loss(LOT), loss(2 * LOT), loss(4 * LOT), loss(8 * LOT, 3_600)]))).not.toBeNull();
    expect(detect(sequence([loss(LOT), loss(2 * LOT), loss(4 * LOT), loss(8 * LOT, 3_601)]))).toBeNull();
  });

  it('the bigger trade must open after the loss closed, not while it was open', () => {
    expect(detect(sequence([loss(LOT), loss(2 * LOT), loss(4 * LOT), loss(8 * LOT, -1)]))).toBeNull();
    expect(detect(sequence([loss(LOT), loss(2 * LOT), loss(4 * LOT), loss(8 * LOT, 0)]))).not.toBeNull();
  });

  it('a chain one short of minEscalations is not flagged', () => {
    const trades = sequence([win(LOT), loss(LOT), loss(2 * LOT), loss(4 * LOT)]);
    expect(detect(trades)).toBeNull();
    expect(detect(trades, undefined, { minEscalations: 2 })!.evidence.measured.escalations).toBe(2);
  });

  it('latest must end the chain: an earlier chain does not flag a later normal trade', () => {
    const trades = sequence([loss(LOT), loss(2 * LOT), loss(4 * LOT), loss(8 * LOT), loss(LOT)]);
    expect(detect(trades)).toBeNull();
    expect(detect(trades, trades[3]!)).not.toBeNull();
  });

  it('escalations are between consecutive openings: a trade opened in between breaks the chain', () => {
    const trades = sequence([loss(LOT), loss(2 * LOT), loss(4 * LOT), loss(8 * LOT)]);
    const between = closedTrade({ positionId: 'x', volume: LOT, netPnl: 1_000, openedAt: trades[3]!.openedAt - 10_000, closedAt: trades[3]!.openedAt - 5_000 });
    expect(detect([...trades, between], trades[3]!)).toBeNull();
  });

  it('orders by opening time: a trade opened after latest and closed before it does not break the chain', () => {
    const trades = sequence([loss(LOT), loss(2 * LOT), loss(4 * LOT), loss(8 * LOT)]);
    const inside = closedTrade({ positionId: 'inside', openedAt: trades[3]!.openedAt + 60_000, closedAt: trades[3]!.closedAt - 60_000 });
    expect(windowOf([...trades, inside]).map((trade) => trade.positionId)).toEqual(['p0', 'p1', 'p2', 'inside', 'p3']);
    expect(ids(detect([...trades, inside], trades[3]!))).toEqual(['p0', 'p1', 'p2', 'p3']);
  });

  it('returns null when disabled', () => {
    expect(detect(sequence([loss(LOT), loss(2 * LOT), loss(4 * LOT), loss(8 * LOT)]), undefined, { enabled: false })).toBeNull();
  });
});
