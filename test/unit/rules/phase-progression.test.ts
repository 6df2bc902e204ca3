import { describe, expect, it } from 'vitest';
import { parseProgram, type Program } from '../../../shared/domain/program.js';
import { INITIAL_BALANCE, PRAGUE_MIDNIGHT, programWith, type RuleInput } from '../../support/programs.js';
import { effectsOf, trace } from '../../support/trace.js';
import { trader } from '../../support/trading.js';

const OPENED = Date.parse('2026-03-02T08:00:00Z');
const DAY_TWO_ENDS = Date.parse('2026-03-03T23:00:00Z');
const TARGET: RuleInput = { kind: 'profitTarget', target: { amount: 1_000_000 }, measure: 'balance' };
const TWO_DAYS: RuleInput = { kind: 'minTradingDays', days: 2 };

function challenge(passCheck: 'onTradeClose' | 'atRollover'): Program {
  return parseProgram({
    id: 'progression',
    version: 1,
    name: 'Progression',
    currency: 'USD',
    initialBalance: INITIAL_BALANCE,
    dayBoundary: PRAGUE_MIDNIGHT,
    phases: [
      { id: 'phase-1', name: 'Challenge', kind: 'evaluation', passCheck, rules: [TARGET, TWO_DAYS] },
      { id: 'phase-2', name: 'Verification', kind: 'evaluation', passCheck, rules: [TARGET, TWO_DAYS] },
      { id: 'funded', name: 'Funded', kind: 'funded', passCheck, rules: [TARGET, TWO_DAYS] },
    ],
  });
}

/** Day 1 meets the target; day 2 opens a position (the second trading day) and closes it flat. */
function twoDays() {
  const t = trader();
  return [
    t.open('2026-03-02T09:00:00Z', 'p1'),
    t.close('2026-03-02T10:00:00Z', 'p1', 1_000_000),
    t.open('2026-03-03T09:00:00Z', 'p2'),
    t.close('2026-03-03T10:00:00Z', 'p2', 0),
    t.clock('2026-03-04T06:00:00Z'),
  ];
}

describe('phase progression', () => {
  it('onTradeClose: passes on the closing deal once every objective is met, not on the opening deal that met the last one', () => {
    const steps = trace(challenge('onTradeClose'), { openedAt: OPENED }, twoDays());
    expect(effectsOf(steps[2]!.effects, 'objective')).toEqual([expect.objectContaining({ objective: 'minTradingDays', met: true })]);
    expect(steps.map((step) => step.state.status)).toEqual(['active', 'active', 'active', 'passed', 'passed']);
    expect(effectsOf(steps[3]!.effects, 'phasePassed')[0]).toMatchObject({
      phaseId: 'phase-1',
      nextPhaseId: 'phase-2',
      time: Date.parse('2026-03-03T10:00:00Z'),
      event: { type: 'deal', seq: 4 },
      objectives: [
        { objective: 'profitTarget', met: true, value: 1_000_000, required: 1_000_000 },
        { objective: 'minTradingDays', met: true, value: 2, required: 2 },
      ],
    });
  });

  it('atRollover: passes at the boundary instant after the objectives are met, not on the closing deal', () => {
    const steps = trace(challenge('atRollover'), { openedAt: OPENED }, twoDays());
    expect(steps.map((step) => step.state.status)).toEqual(['active', 'active', 'active', 'active', 'passed']);
    expect(effectsOf(steps[4]!.effects, 'phasePassed')[0]).toMatchObject({ phaseId: 'phase-1', time: DAY_TWO_ENDS, event: { type: 'clock' } });
    expect(steps[4]!.state).toMatchObject({ endedAt: DAY_TWO_ENDS, endReason: 'objectivesMet' });
  });

  it.each([
    { program: challenge('onTradeClose'), phaseId: 'phase-2', nextPhaseId: 'funded' },
    { program: programWith([TARGET, TWO_DAYS], { kind: 'evaluation' }), phaseId: 'phase-1', nextPhaseId: null },
  ])('passing $phaseId names the next phase: $nextPhaseId', ({ program, phaseId, nextPhaseId }) => {
    const steps = trace(program, { openedAt: OPENED, phaseId }, twoDays());
    expect(effectsOf(steps[3]!.effects, 'phasePassed')[0]).toMatchObject({ phaseId, nextPhaseId });
  });

  it.each(['onTradeClose', 'atRollover'] as const)('a funded phase never passes, even with its objectives met (%s)', (passCheck) => {
    const steps = trace(challenge(passCheck), { openedAt: OPENED, phaseId: 'funded' }, twoDays());
    expect(steps.flatMap((step) => effectsOf(step.effects, 'phasePassed'))).toEqual([]);
    expect(steps.at(-1)!.state.status).toBe('active');
  });
});
