import { describe, expect, it } from 'vitest';
import { programWith, type RuleInput } from '../../support/programs.js';
import { effectsOf, trace } from '../../support/trace.js';
import { trader } from '../../support/trading.js';

const OPENED = Date.parse('2026-03-02T08:00:00Z');

function marginUsage(fields: { severity?: 'hard' | 'soft'; toleranceMinor?: number; warnAtBps?: number[] } = {}): RuleInput {
  // 30% of equity: 30,000.00 of margin at equity 100,000.00.
  return { kind: 'maxMarginUsage', severity: 'hard', maxShareBps: 3000, ...fields };
}

describe('maxMarginUsage', () => {
  it.each([
    { toleranceMinor: 0, margin: 3_000_000, breaches: false },
    { toleranceMinor: 0, margin: 3_000_001, breaches: true },
    { toleranceMinor: 100, margin: 3_000_100, breaches: false },
    { toleranceMinor: 100, margin: 3_000_101, breaches: true },
  ])('tolerance $toleranceMinor, margin $margin at equity 100,000.00: breaches $breaches', ({ toleranceMinor, margin, breaches }) => {
    const t = trader();
    const [, last] = trace(programWith([marginUsage({ toleranceMinor })]), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1'),
      t.snapshot('2026-03-02T10:00:00Z', { balance: 10_000_000, equity: 10_000_000, margin }),
    ]);
    expect(last!.state.status).toBe(breaches ? 'failed' : 'active');
  });

  it('warns at its level, only warns on estimated equity, and a soft breach flags once per firm day', () => {
    const t = trader();
    const balance = 10_000_000;
    const steps = trace(programWith([marginUsage({ severity: 'soft', warnAtBps: [8000] })]), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1'),
      // 80% of the 30,000.00 allowed.
      t.snapshot('2026-03-02T10:00:00Z', { balance, equity: balance, margin: 2_400_000 }),
      t.snapshot('2026-03-02T10:01:00Z', { balance, equity: balance, margin: 4_000_000, source: 'estimated' }),
      t.snapshot('2026-03-02T10:02:00Z', { balance, equity: balance, margin: 4_000_000 }),
      t.snapshot('2026-03-02T10:03:00Z', { balance, equity: balance, margin: 5_000_000 }),
      t.snapshot('2026-03-03T10:00:00Z', { balance, equity: balance, margin: 4_000_000 }),
    ]);
    expect(steps.map((step) => step.effects.filter((effect) => effect.type !== 'dayClosed').map((effect) => (effect.type === 'warning' ? effect.reason : effect.type)))).toEqual([
      [],
      ['approachingLimit'],
      ['breachOnEstimatedEquity'],
      ['violation'],
      [],
      ['violation'],
    ]);
    expect(effectsOf(steps[3]!.effects, 'violation')[0]).toMatchObject({ action: 'flag', evidence: { value: 4000, threshold: 3000 } });
  });
});
