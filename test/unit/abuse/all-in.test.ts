import { describe, expect, it } from 'vitest';
import { allIn } from '../../../shared/abuse/detectors/all-in.js';
import type { AbuseTrade } from '../../../shared/abuse/findings.js';
import { accountContext, at, closedTrade, policyWith, windowOf } from '../../support/abuse.js';

const START = at('2026-03-02T09:00:00Z');
const LOT = 10_000;
const BALANCE = 10_000_000;
/** The thresholds these cases are built around, pinned so a change of defaults does not move them. */
const THRESHOLDS = { minResultBps: 300, minVolumeMultipleBps: 50_000, minPriorTrades: 3 };
/** 3% of the initial balance, minResultBps. */
const THREE_PERCENT = 300_000;

/** Trades of these volumes an hour apart, each held a minute. */
function trades(volumes: readonly number[], prefix = 'p'): AbuseTrade[] {
  return volumes.map((volume, i) => closedTrade({ positionId: `${prefix}${i}`, volume, openedAt: START + i * 3_600_000 }));
}

function bet(volume: number, netPnl: number, hour = 10): AbuseTrade {
  return closedTrade({ positionId: 'bet', volume, netPnl, openedAt: START + hour * 3_600_000 });
}

function detect(window: readonly AbuseTrade[], latest: AbuseTrade, change: Parameters<typeof policyWith<'allIn'>>[1] = {}) {
  return allIn(windowOf(window), latest, policyWith('allIn', { ...THRESHOLDS, ...change }), accountContext({ initialBalance: BALANCE }));
}

describe('allIn', () => {
  it('flags a losing trade at exactly 5x the median volume and 3% of the balance', () => {
    const latest = bet(5 * LOT, -THREE_PERCENT);
    const finding = detect([...trades([LOT, LOT, LOT]), latest], latest);
    expect(finding).toEqual({
      detector: 'allIn',
      accountId: 'acc-1',
      traderId: 'trd-1',
      at: latest.closedAt,
      message: 'A trade of 5 lots, 5x the median of 1 lot, lost 3% of the initial balance (limits 5x and 3%)',
      evidence: {
        measured: { volume: 5 * LOT, medianVolume: LOT, volumeMultipleBps: 50_000, resultBps: 300, netPnl: -THREE_PERCENT },
        thresholds: { minResultBps: 300, minVolumeMultipleBps: 50_000, minPriorTrades: 3 },
        trades: [expect.objectContaining({ positionId: 'bet', volume: 5 * LOT, netPnl: -THREE_PERCENT })],
        peers: [],
      },
    });
  });

  it('a winning trade counts too, with floored figures', () => {
    const latest = bet(123_456, 456_789);
    const finding = detect([...trades([LOT, 2 * LOT, LOT]), latest], latest);
    expect(finding!.message).toBe('A trade of 12.3456 lots, 12.3456x the median of 1 lot, won 4.56% of the initial balance (limits 5x and 3%)');
    expect(finding!.evidence.measured).toMatchObject({ volumeMultipleBps: 123_456, resultBps: 456 });
  });

  it('one unit below either threshold is not flagged', () => {
    const priors = trades([LOT, LOT, LOT]);
    const smaller = bet(5 * LOT - 1, -THREE_PERCENT);
    expect(detect([...priors, smaller], smaller)).toBeNull();
    const cheaper = bet(5 * LOT, -(THREE_PERCENT - 1));
    expect(detect([...priors, cheaper], cheaper)).toBeNull();
  });

  it('big volume with a small result is not flagged', () => {
    const latest = bet(20 * LOT, 10_000);
    expect(detect([...trades([LOT, LOT, LOT]), latest], latest)).toBeNull();
  });

  it('a big result with normal volume is not flagged', () => {
    const latest = bet(LOT, -1_000_000);
    expect(detect([...trades([LOT, LOT, LOT]), latest], latest)).toBeNull();
  });

  it('needs minPriorTrades other trades for a median', () => {
    const latest = bet(10 * LOT, -THREE_PERCENT);
    expect(detect([...trades([LOT, LOT]), latest], latest)).toBeNull();
    expect(detect([...trades([LOT, LOT]), latest], latest, { minPriorTrades: 2 })).not.toBeNull();
  });

  it('only trades closed no later than latest are prior', () => {
    // latest closes between the second and third trade.
    const latest = bet(10 * LOT, -THREE_PERCENT, 1.5);
    expect(detect([...trades([LOT, LOT, LOT]), latest], latest)).toBeNull();
    expect(detect([...trades([LOT, LOT, LOT]), latest], latest, { minPriorTrades: 2 })!.evidence.measured.medianVolume).toBe(LOT);
  });

  it('takes the lower middle volume for an even count', () => {
    // The lower middle is 2 lots (5x); the upper, 3 lots, would make it 3.33x.
    const latest = bet(10 * LOT, -THREE_PERCENT);
    const finding = detect([...trades([4 * LOT, LOT, 3 * LOT, 2 * LOT]), latest], latest);
    expect(finding!.evidence.measured).toMatchObject({ medianVolume: 2 * LOT, volumeMultipleBps: 50_000 });
  });

  it('latest must be the outsized trade: an earlier all-in does not flag a normal trade', () => {
    const earlier = bet(10 * LOT, -THREE_PERCENT, 5);
    const latest = closedTrade({ positionId: 'normal', volume: LOT, netPnl: -THREE_PERCENT, openedAt: START + 10 * 3_600_000 });
    expect(detect([...trades([LOT, LOT, LOT]), earlier, latest], latest)).toBeNull();
  });

  it('returns null when disabled', () => {
    const latest = bet(10 * LOT, -THREE_PERCENT);
    expect(detect([...trades([LOT, LOT, LOT]), latest], latest, { enabled: false })).toBeNull();
  });
});
