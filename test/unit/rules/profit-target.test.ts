import { describe, expect, it } from 'vitest';
import { NewsIndex } from '../../../shared/domain/news.js';
import { programWith, type RuleInput } from '../../support/programs.js';
import { effectsOf, firstPass, trace } from '../../support/trace.js';
import { trader } from '../../support/trading.js';

const OPENED = Date.parse('2026-03-02T08:00:00Z');

type ProfitTargetInput = Extract<RuleInput, { kind: 'profitTarget' }>;

function profitTarget(fields: Partial<ProfitTargetInput> = {}): RuleInput {
  return { kind: 'profitTarget', target: { bps: 1000, of: 'initial' }, measure: 'balance', ...fields };
}

describe('profitTarget', () => {
  it.each([
    { target: { bps: 1000, of: 'initial' }, profit: 999_999, passes: false },
    { target: { bps: 1000, of: 'initial' }, profit: 1_000_000, passes: true },
    { target: { amount: 750_000 }, profit: 749_999, passes: false },
    { target: { amount: 750_000 }, profit: 750_000, passes: true },
  ] as const)('target $target is met at exactly its amount: closed profit $profit passes $passes', ({ target, profit, passes }) => {
    const t = trader();
    const steps = trace(programWith([profitTarget({ target: { ...target } })], { kind: 'evaluation' }), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1'),
      t.close('2026-03-02T10:00:00Z', 'p1', profit),
    ]);
    expect(firstPass(steps).at).toBe(passes ? 1 : -1);
  });

  // p1 closes +10,000.00 while p2, still open, floats at -2,000.00 (the broker's last equity 108,000.00).
  // p2 then closes at break-even, after the broker reported it back at zero.
  it.each([
    { measure: 'balance', requireFlat: false, passesOn: 'p1 close' },
    { measure: 'balance', requireFlat: true, passesOn: 'p2 close' },
    { measure: 'equity', requireFlat: false, passesOn: 'p2 close' },
    { measure: 'equity', requireFlat: true, passesOn: 'p2 close' },
  ] as const)('measured on $measure, requireFlat $requireFlat: passes on the $passesOn', ({ measure, requireFlat, passesOn }) => {
    const t = trader();
    const steps = trace(programWith([profitTarget({ measure, requireFlat })], { kind: 'evaluation' }), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1'),
      t.open('2026-03-02T09:01:00Z', 'p2'),
      t.snapshot('2026-03-02T10:00:00Z', { balance: 10_000_000, equity: 10_800_000 }),
      t.close('2026-03-02T10:01:00Z', 'p1', 1_000_000),
      t.snapshot('2026-03-02T11:00:00Z', { balance: 11_000_000, equity: 11_000_000 }),
      t.close('2026-03-02T11:01:00Z', 'p2', 0),
    ]);
    expect(firstPass(steps).at).toBe(passesOn === 'p1 close' ? 3 : 5);
  });

  // p1 closes +5,500.00 while p2 is open: the broker's last equity, 111,000.00, is now only an estimate.
  it('an equity target is not met on estimated equity, only once the broker or a flat book confirms it', () => {
    const t = trader();
    const steps = trace(programWith([profitTarget({ measure: 'equity' })], { kind: 'evaluation' }), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1'),
      t.open('2026-03-02T09:01:00Z', 'p2'),
      t.snapshot('2026-03-02T10:00:00Z', { balance: 10_000_000, equity: 11_100_000 }),
      t.close('2026-03-02T10:01:00Z', 'p1', 550_000),
      t.close('2026-03-02T10:02:00Z', 'p2', 550_000),
    ]);
    expect(steps[3]!.state).toMatchObject({ equity: 11_100_000, equityEstimated: true, status: 'active' });
    expect(firstPass(steps).at).toBe(4);
  });

  it('does not count profit a news rule excluded', () => {
    const news = NewsIndex.parse({ events: [{ id: 'cpi', title: 'US CPI', time: '2026-03-02T13:30:00Z', symbols: ['EURUSD'] }] });
    const newsRule: RuleInput = { kind: 'newsWindow', severity: 'hard', beforeSeconds: 120, afterSeconds: 120, restrict: ['open'], consequence: 'excludeProfit' };
    const program = programWith([profitTarget(), newsRule], { kind: 'evaluation' });
    // 3,000.00 made on a position opened in the window does not count: 10,000.00 more is needed.
    const outcome = (profit: number) => {
      const t = trader();
      return trace(program, { openedAt: OPENED }, [
        t.open('2026-03-02T13:29:00Z', 'news'),
        t.close('2026-03-02T15:00:00Z', 'news', 300_000),
        t.open('2026-03-02T16:00:00Z', 'p1'),
        t.close('2026-03-02T17:00:00Z', 'p1', profit),
      ], news).at(-1)!;
    };
    expect(outcome(999_999).state.status).toBe('active');
    const passing = outcome(1_000_000);
    expect(effectsOf(passing.effects, 'phasePassed')[0]!.objectives).toEqual([
      { objective: 'profitTarget', met: true, value: 1_000_000, required: 1_000_000 },
    ]);
    expect(passing.state).toMatchObject({ status: 'passed', balance: 11_300_000, excludedProfit: 300_000 });
  });
});
