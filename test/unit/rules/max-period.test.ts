import { describe, expect, it } from 'vitest';
import { programWith, type RuleInput } from '../../support/programs.js';
import { effectsOf, trace } from '../../support/trace.js';
import { trader } from '../../support/trading.js';

// Opened on Prague-day 2 March: three firm days are 2, 3 and 4 March, the last ending 2026-03-04T23:00Z.
const OPENED = Date.parse('2026-03-02T20:00:00Z');
const LAST_DAY_ENDS = Date.parse('2026-03-04T23:00:00Z');
const TARGET: RuleInput = { kind: 'profitTarget', target: { amount: 1_000_000 }, measure: 'balance' };

describe('maxPeriod', () => {
  it.each([
    { severity: 'hard', status: 'failed', action: 'fail' },
    { severity: 'soft', status: 'active', action: 'flag' },
  ] as const)('$severity: acts ($action) at the rollover that ends the last firm day, not a millisecond before', ({ severity, status, action }) => {
    const t = trader();
    const steps = trace(programWith([TARGET, { kind: 'maxPeriod', severity, days: 3 }], { kind: 'evaluation' }), { openedAt: OPENED }, [
      t.clock(LAST_DAY_ENDS - 1),
      t.clock(LAST_DAY_ENDS + 3_600_000),
    ]);
    expect(steps[0]!.effects).toEqual([expect.objectContaining({ type: 'dayClosed' }), expect.objectContaining({ type: 'dayClosed' })]);
    const [violation] = effectsOf(steps[1]!.effects, 'violation');
    expect(violation).toMatchObject({ rule: 'maxPeriod', action, time: LAST_DAY_ENDS, evidence: { value: 3, threshold: 3, inputs: { firstDay: '2026-03-02', lastDay: '2026-03-04' } } });
    expect(steps[1]!.state.status).toBe(status);
  });

  it('lets a pass at that same rollover win', () => {
    const t = trader();
    const program = programWith([TARGET, { kind: 'maxPeriod', severity: 'hard', days: 3 }], { kind: 'evaluation', passCheck: 'atRollover' });
    const steps = trace(program, { openedAt: OPENED }, [
      t.open('2026-03-04T10:00:00Z', 'p1'),
      t.close('2026-03-04T11:00:00Z', 'p1', 1_000_000),
      t.clock(LAST_DAY_ENDS),
    ]);
    expect(steps[2]!.state).toMatchObject({ status: 'passed', endedAt: LAST_DAY_ENDS });
    expect(effectsOf(steps[2]!.effects, 'violation')).toEqual([]);
  });
});
