import { describe, expect, it } from 'vitest';
import { gapTrading } from '../../../shared/abuse/detectors/gap-trading.js';
import type { AbuseTrade } from '../../../shared/abuse/findings.js';
import { accountContext, at, closedTrade, policyWith, windowOf } from '../../support/abuse.js';

const HOUR = 3_600_000;
// An FX weekend without a DST change: Friday 17:00 EST to Sunday 17:00 EST.
const CLOSE = at('2026-02-27T22:00:00Z');
const REOPEN = at('2026-03-01T22:00:00Z');

/** A gold buy from 2,000 to 2,006 (30 bps), opened half an hour before the close, closed half an hour after the reopen. */
const gapTrade = (overrides: Partial<AbuseTrade> = {}): AbuseTrade =>
  closedTrade({
    positionId: 'g1',
    symbol: 'XAUUSD',
    openedAt: CLOSE - HOUR / 2,
    closedAt: REOPEN + HOUR / 2,
    openPrice: 2_000,
    closePrice: 2_006,
    netPnl: 3_000,
    ...overrides,
  });

function judge(trades: AbuseTrade[], latest: AbuseTrade, policy = policyWith('gapTrading', {})) {
  return gapTrading(windowOf([...trades, latest]), latest, policy, accountContext());
}

describe('gapTrading', () => {
  it('flags a winning position carried across the weekend closure', () => {
    const latest = gapTrade();
    const finding = judge([closedTrade({ positionId: 'r1', openedAt: at('2026-02-25T09:00:00Z') })], latest);
    expect(finding).not.toBeNull();
    expect(finding!.detector).toBe('gapTrading');
    expect(finding!.accountId).toBe('acc-1');
    expect(finding!.traderId).toBe('trd-1');
    expect(finding!.at).toBe(latest.closedAt);
    expect(finding!.message).toBe(
      'g1 on XAUUSD was opened before the market closed at 2026-02-27T22:00:00.000Z, closed after it reopened at 2026-03-01T22:00:00.000Z ' +
        'and gained 30 bps on the gap; gap trades in the window: 1, earning 3000 minor units.',
    );
    expect(finding!.evidence.measured).toEqual({
      gapTrades: 1,
      moveBps: 30,
      marketClosedAt: '2026-02-27T22:00:00.000Z',
      reopenedAt: '2026-03-01T22:00:00.000Z',
      gapProfit: 3_000,
    });
    expect(finding!.evidence.thresholds).toEqual({
      timeZone: 'America/New_York',
      openedWithinSeconds: 3_600,
      closedWithinSeconds: 3_600,
      minMoveBps: 20,
      minTrades: 1,
    });
    expect(finding!.evidence.trades.map((trade) => trade.positionId)).toEqual(['g1']);
    expect(finding!.evidence.peers).toEqual([]);
  });

  it.each([
    { case: 'opened exactly 1 h before the close', trade: { openedAt: CLOSE - HOUR }, flagged: true },
    { case: 'opened at the close itself', trade: { openedAt: CLOSE }, flagged: true },
    { case: 'opened 2 h before the close', trade: { openedAt: CLOSE - 2 * HOUR }, flagged: false },
    { case: 'closed exactly 1 h after the reopen', trade: { closedAt: REOPEN + HOUR }, flagged: true },
    { case: 'closed at the reopen itself', trade: { closedAt: REOPEN }, flagged: true },
    { case: 'closed 3 h after the reopen', trade: { closedAt: REOPEN + 3 * HOUR }, flagged: false },
    { case: 'closed before the close', trade: { closedAt: CLOSE - 1 }, flagged: false },
    { case: 'moved exactly 0.2%', trade: { closePrice: 2_004 }, flagged: true },
    { case: 'moved 0.19%', trade: { closePrice: 2_003.8 }, flagged: false },
    { case: 'lost on fees despite the move', trade: { netPnl: -100 }, flagged: false },
    { case: 'sold into a falling gap', trade: { side: 'sell', closePrice: 1_994 }, flagged: true },
    { case: 'sold into a rising gap', trade: { side: 'sell', netPnl: 100 }, flagged: false },
    { case: 'traded inside the week', trade: { openedAt: at('2026-03-03T14:00:00Z'), closedAt: at('2026-03-04T14:00:00Z') }, flagged: false },
  ] as const)('a trade $case is flagged: $flagged', ({ trade, flagged }) => {
    expect(judge([], gapTrade(trade)) !== null).toBe(flagged);
  });

  it.each([
    // Spring forward: Friday 17:00 EST is 22:00Z, Sunday 17:00 EDT is 21:00Z.
    { opened: '2026-03-06T21:30:00Z', closed: '2026-03-08T21:59:00Z', close: '2026-03-06T22:00:00.000Z', reopen: '2026-03-08T21:00:00.000Z', flagged: true },
    { opened: '2026-03-06T21:30:00Z', closed: '2026-03-08T20:59:00Z', close: null, reopen: null, flagged: false },
    // Fall back: Friday 17:00 EDT is 21:00Z, Sunday 17:00 EST is 22:00Z.
    { opened: '2026-10-30T20:30:00Z', closed: '2026-11-01T22:59:00Z', close: '2026-10-30T21:00:00.000Z', reopen: '2026-11-01T22:00:00.000Z', flagged: true },
    { opened: '2026-10-30T20:30:00Z', closed: '2026-11-01T21:30:00Z', close: null, reopen: null, flagged: false },
  ])('a New York weekend across a DST change: opened $opened, closed $closed, flagged: $flagged', ({ opened, closed, close, reopen, flagged }) => {
    const finding = judge([], gapTrade({ openedAt: at(opened), closedAt: at(closed) }));
    expect(finding !== null).toBe(flagged);
    if (flagged) expect(finding!.evidence.measured).toMatchObject({ marketClosedAt: close, reopenedAt: reopen });
  });

  it('reads closures in the policy zone, and checks every break', () => {
    // A Wednesday 22:00 to 23:00 London maintenance break next to the weekend (GMT in February).
    const policy = policyWith('gapTrading', {
      timeZone: 'Europe/London',
      breaks: [
        { from: { day: 'fri', time: '22:00' }, to: { day: 'sun', time: '22:00' } },
        { from: { day: 'wed', time: '22:00' }, to: { day: 'wed', time: '23:00' } },
      ],
    });
    const overBreak = gapTrade({ openedAt: at('2026-02-25T21:45:00Z'), closedAt: at('2026-02-25T23:15:00Z') });
    expect(judge([], overBreak, policy)?.evidence.measured).toMatchObject({
      marketClosedAt: '2026-02-25T22:00:00.000Z',
      reopenedAt: '2026-02-25T23:00:00.000Z',
    });
    expect(judge([], overBreak)).toBeNull();
  });

  it('needs minTrades gap trades in the window and sums their profit', () => {
    const previous = gapTrade({ positionId: 'g0', openedAt: CLOSE - 7 * 24 * HOUR - HOUR / 2, closedAt: REOPEN - 7 * 24 * HOUR + HOUR / 2, netPnl: 1_500 });
    const ordinary = closedTrade({ positionId: 'r1', openedAt: at('2026-02-25T09:00:00Z') });
    const policy = policyWith('gapTrading', { minTrades: 2 });
    expect(judge([ordinary], gapTrade(), policy)).toBeNull();
    const finding = judge([previous, ordinary], gapTrade(), policy);
    expect(finding?.evidence.measured).toMatchObject({ gapTrades: 2, gapProfit: 4_500, marketClosedAt: '2026-02-27T22:00:00.000Z' });
    expect(finding?.evidence.trades.map((trade) => trade.positionId)).toEqual(['g0', 'g1']);
  });

  it('does not flag when the latest trade is not a gap trade', () => {
    const ordinary = closedTrade({ positionId: 'r2', openedAt: at('2026-03-03T09:00:00Z') });
    expect(judge([gapTrade()], ordinary)).toBeNull();
  });

  it('returns null when disabled', () => {
    expect(judge([], gapTrade(), policyWith('gapTrading', { enabled: false }))).toBeNull();
  });
});
