import { describe, expect, it } from 'vitest';
import { programWith, type RuleInput } from '../../support/programs.js';
import { effectsOf, firstPass, trace } from '../../support/trace.js';
import { trader, type Trader } from '../../support/trading.js';
import type { TradeEvent } from '../../../shared/domain/events.js';

const OPENED = Date.parse('2026-03-02T08:00:00Z');
const TARGET: RuleInput = { kind: 'profitTarget', target: { amount: 1_000_000 }, measure: 'balance' };

type ConsistencyInput = Extract<RuleInput, { kind: 'bestDayConsistency' }>;

function consistency(fields: Partial<ConsistencyInput>): RuleInput {
  return { kind: 'bestDayConsistency', maxShareBps: 5000, comparison: 'inclusive', window: 'sinceStart', action: 'blockPass', ...fields };
}

/** One round trip per entry, on Prague days 2, 3, 4 ... March: the day's closed P&L. */
function days(t: Trader, dailyPnl: number[]): TradeEvent[] {
  return dailyPnl.flatMap((pnl, index) => {
    const date = `2026-03-${String(2 + index).padStart(2, '0')}`;
    return [t.open(`${date}T10:00:00Z`, `p${index}`), t.close(`${date}T11:00:00Z`, `p${index}`, pnl)];
  });
}

function passing(rules: RuleInput[], list: (t: Trader) => TradeEvent[]) {
  const t = trader();
  return firstPass(trace(programWith(rules, { kind: 'evaluation' }), { openedAt: OPENED }, list(t)));
}

describe('bestDayConsistency', () => {
  // Days +6,000.00, +6,000.00, +0.01: after two days the best day is exactly 50% of the total.
  it.each([
    { comparison: 'inclusive', passesOnDay: 2, share: 5000 },
    // 600,000 / 1,200,001 is 4,999.99 bps, floored for the report.
    { comparison: 'strict', passesOnDay: 3, share: 4999 },
  ] as const)('$comparison at exactly the share: passes on day $passesOnDay', ({ comparison, passesOnDay, share }) => {
    const { at, passed } = passing([TARGET, consistency({ comparison })], (t) => days(t, [600_000, 600_000, 1]));
    expect(at).toBe(2 * passesOnDay - 1);
    expect(passed!.objectives).toContainEqual({ objective: 'bestDayConsistency', met: true, value: share, required: 5000 });
  });

  // Day 1 makes 15,000.00, all of it paid out; then two days of 6,000.00 each.
  it.each([
    { window: 'sinceStart', passes: false },
    { window: 'sinceLastPayout', passes: true },
  ] as const)('window $window: passes $passes', ({ window, passes }) => {
    const { passed } = passing([TARGET, consistency({ window })], (t) => [
      ...days(t, [1_500_000]),
      t.balance('2026-03-02T12:00:00Z', { kind: 'payout', amount: -1_500_000 }),
      t.open('2026-03-03T10:00:00Z', 'a'),
      t.close('2026-03-03T11:00:00Z', 'a', 600_000),
      t.open('2026-03-04T10:00:00Z', 'b'),
      t.close('2026-03-04T11:00:00Z', 'b', 600_000),
    ]);
    expect(passed !== null).toBe(passes);
  });

  // 40%, the E8 example: a best day of 15,000.00 needs a total of 37,500.00.
  it.each([
    {
      action: 'blockPass',
      passesAtEvent: 7,
      objectives: [
        { objective: 'profitTarget', met: true, value: 3_750_000, required: 1_000_000 },
        { objective: 'bestDayConsistency', met: true, value: 4000, required: 4000 },
      ],
    },
    { action: 'extendTarget', passesAtEvent: 7, objectives: [{ objective: 'profitTarget', met: true, value: 3_750_000, required: 3_750_000 }] },
    { action: 'blockPayout', passesAtEvent: 1, objectives: [{ objective: 'profitTarget', met: true, value: 1_500_000, required: 1_000_000 }] },
  ] as const)('action $action passes at event $passesAtEvent', ({ action, passesAtEvent, objectives }) => {
    const { at, passed } = passing([TARGET, consistency({ maxShareBps: 4000, action })], (t) => [
      ...days(t, [1_500_000, 1_500_000, 749_999]),
      t.open('2026-03-04T12:00:00Z', 'last'),
      t.close('2026-03-04T13:00:00Z', 'last', 1),
    ]);
    expect(at).toBe(passesAtEvent);
    expect(passed!.objectives).toEqual(objectives);
  });

  it.each([
    { comparison: 'inclusive', required: 3_750_000 },
    // 1,500,000 / 3,750,001 is just under 40%.
    { comparison: 'strict', required: 3_750_001 },
  ] as const)('extendTarget, $comparison: the target becomes the smallest consistent total, $required', ({ comparison, required }) => {
    // Two days of 15,000.00, a third one cent short of the required total, then that cent.
    const thirdDay = required - 3_000_000;
    const { at, passed } = passing([TARGET, consistency({ maxShareBps: 4000, action: 'extendTarget', comparison })], (t) => [
      ...days(t, [1_500_000, 1_500_000, thirdDay - 1]),
      t.open('2026-03-04T12:00:00Z', 'last'),
      t.close('2026-03-04T13:00:00Z', 'last', 1),
    ]);
    expect(at).toBe(7);
    expect(passed!.objectives).toEqual([{ objective: 'profitTarget', met: true, value: required, required }]);
  });

  it('is never met while the window total is zero or negative', () => {
    const t = trader();
    // 100% allowed and inclusive: only the total decides. Everything happens on one day.
    const pnl = [0, -100, 100, 200];
    const list = pnl.flatMap((profit, index) => [t.open(`2026-03-02T1${index}:00:00Z`, `p${index}`), t.close(`2026-03-02T1${index}:30:00Z`, `p${index}`, profit)]);
    const far: RuleInput = { kind: 'profitTarget', target: { amount: 10_000_000 }, measure: 'balance' };
    const steps = trace(programWith([far, consistency({ maxShareBps: 10_000 })], { kind: 'evaluation' }), { openedAt: OPENED }, list);
    const reports = steps.flatMap((step, index) => effectsOf(step.effects, 'objective').filter((objective) => objective.objective === 'bestDayConsistency').map((objective) => ({ index, objective })));
    expect(reports).toEqual([{ index: 7, objective: expect.objectContaining({ met: true, value: 10_000 }) }]);
  });
});
