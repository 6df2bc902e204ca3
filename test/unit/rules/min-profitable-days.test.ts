import { describe, expect, it } from 'vitest';
import { programWith, type RuleInput } from '../../support/programs.js';
import { run } from '../../support/replay.js';
import { effectsOf } from '../../support/trace.js';
import { trader } from '../../support/trading.js';

const OPENED = Date.parse('2026-03-02T08:00:00Z');
const FAR_TARGET: RuleInput = { kind: 'profitTarget', target: { amount: 10_000_000 }, measure: 'balance' };

describe('minProfitableDays', () => {
  // 0.5% of the initial 100,000.00 is 500.00 of closed net P&L in a firm day.
  it.each([{ minNetPnl: { bps: 50, of: 'initial' } }, { minNetPnl: { amount: 50_000 } }] as const)(
    'counts a day whose closed net P&L reaches $minNetPnl, and is met when the count is',
    ({ minNetPnl }) => {
      const t = trader();
      const rule: RuleInput = { kind: 'minProfitableDays', days: 2, minNetPnl: { ...minNetPnl } };
      const { state, effects } = run(programWith([FAR_TARGET, rule], { kind: 'evaluation' }), { openedAt: OPENED }, [
        t.open('2026-03-02T10:00:00Z', 'p1'),
        t.close('2026-03-02T11:00:00Z', 'p1', 50_000),
        t.open('2026-03-03T10:00:00Z', 'p2'),
        // Fees count: 500.10 gross less 0.20 of commission is 499.90.
        t.close('2026-03-03T11:00:00Z', 'p2', 50_010, { commission: -20 }),
        t.open('2026-03-04T10:00:00Z', 'p3'),
        t.close('2026-03-04T11:00:00Z', 'p3', -30_000),
        t.open('2026-03-04T12:00:00Z', 'p4'),
        t.close('2026-03-04T13:00:00Z', 'p4', 80_000),
        t.clock('2026-03-05T06:00:00Z'),
      ]);
      expect(effectsOf(effects, 'dayClosed').map((closed) => closed.stats.profitableDay)).toEqual([true, false, true]);
      expect(state.profitableDays).toBe(2);
      // Objectives are reported when they flip: here once, by the close that makes the second day.
      const flips = effectsOf(effects, 'objective').filter((objective) => objective.objective === 'minProfitableDays');
      expect(flips.map(({ met, value, time }) => ({ met, value, time }))).toEqual([{ met: true, value: 2, time: Date.parse('2026-03-04T13:00:00Z') }]);
    },
  );
});
