import { describe, expect, it } from 'vitest';
import { programWith, type RuleInput } from '../../support/programs.js';
import { run } from '../../support/replay.js';
import { effectsOf } from '../../support/trace.js';
import { trader, type Trader } from '../../support/trading.js';

const OPENED = Date.parse('2026-03-02T08:00:00Z');
// Out of reach, so the phase keeps counting days.
const FAR_TARGET: RuleInput = { kind: 'profitTarget', target: { amount: 10_000_000 }, measure: 'balance' };

describe('minTradingDays: which firm days count', () => {
  // Three Prague days, 2, 3 and 4 March; the clock then closes the third.
  it.each([
    {
      dayCounts: { when: 'anyTrade' },
      days: (t: Trader) => [
        [t.open('2026-03-02T10:00:00Z', 'p1')],
        // Holding a position is not trading.
        [t.snapshot('2026-03-03T10:00:00Z', { balance: 10_000_000, equity: 10_050_000 })],
        [t.close('2026-03-04T10:00:00Z', 'p1', 50_000)],
      ],
      counted: [true, false, true],
    },
    {
      dayCounts: { when: 'minVolume', volume: 10_000 },
      days: (t: Trader) => [
        [t.open('2026-03-02T10:00:00Z', 'p1', { volume: 9_999 })],
        [t.open('2026-03-03T10:00:00Z', 'p2', { volume: 10_000 })],
        // Volume is judged per deal, not summed over the day.
        [t.open('2026-03-04T10:00:00Z', 'p3', { volume: 5_000 }), t.close('2026-03-04T11:00:00Z', 'p3', 0, { volume: 5_000 })],
      ],
      counted: [false, true, false],
    },
    {
      dayCounts: { when: 'minNetPnl', pnl: { amount: 50_000 } },
      days: (t: Trader) => [
        [t.open('2026-03-02T10:00:00Z', 'p1'), t.close('2026-03-02T11:00:00Z', 'p1', 49_999)],
        [t.open('2026-03-03T10:00:00Z', 'p2'), t.close('2026-03-03T11:00:00Z', 'p2', 50_000)],
        // Reached, then lost again before the day closed.
        [t.open('2026-03-04T10:00:00Z', 'p3'), t.close('2026-03-04T11:00:00Z', 'p3', 60_000), t.open('2026-03-04T12:00:00Z', 'p4'), t.close('2026-03-04T13:00:00Z', 'p4', -10_001)],
      ],
      counted: [false, true, false],
    },
    {
      // 0.5% of the initial 100,000.00 is 500.00.
      dayCounts: { when: 'minNetPnl', pnl: { bps: 50, of: 'initial' } },
      days: (t: Trader) => [
        [t.open('2026-03-02T10:00:00Z', 'p1'), t.close('2026-03-02T11:00:00Z', 'p1', 50_000)],
        [t.open('2026-03-03T10:00:00Z', 'p2'), t.close('2026-03-03T11:00:00Z', 'p2', 49_999)],
        [t.open('2026-03-04T10:00:00Z', 'p3'), t.close('2026-03-04T11:00:00Z', 'p3', 50_001)],
      ],
      counted: [true, false, true],
    },
  ] as const)('$dayCounts: days counted $counted', ({ dayCounts, days, counted }) => {
    const t = trader();
    const list = [...days(t).flat(), t.clock('2026-03-05T06:00:00Z')];
    const rule: RuleInput = { kind: 'minTradingDays', days: 2, dayCounts };
    const { state, effects } = run(programWith([FAR_TARGET, rule], { kind: 'evaluation' }), { openedAt: OPENED }, list);
    expect(effectsOf(effects, 'dayClosed').map((closed) => [closed.stats.day, closed.stats.tradingDay])).toEqual([
      ['2026-03-02', counted[0]],
      ['2026-03-03', counted[1]],
      ['2026-03-04', counted[2]],
    ]);
    expect(state.tradingDays).toBe(counted.filter(Boolean).length);
  });

  it('counts the current day as soon as it qualifies', () => {
    const t = trader();
    const rule: RuleInput = { kind: 'minTradingDays', days: 2 };
    const { effects } = run(programWith([FAR_TARGET, rule], { kind: 'evaluation' }), { openedAt: OPENED }, [
      t.open('2026-03-02T10:00:00Z', 'p1'),
      t.close('2026-03-03T10:00:00Z', 'p1', 0),
    ]);
    expect(effectsOf(effects, 'objective').filter((objective) => objective.objective === 'minTradingDays')).toEqual([
      { type: 'objective', objective: 'minTradingDays', met: false, value: 1, required: 2, time: Date.parse('2026-03-02T10:00:00Z') },
      { type: 'objective', objective: 'minTradingDays', met: true, value: 2, required: 2, time: Date.parse('2026-03-03T10:00:00Z') },
    ]);
  });
});
