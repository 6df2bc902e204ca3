import { describe, expect, it } from 'vitest';
import { programWith } from '../../support/programs.js';
import { effectsOf, trace } from '../../support/trace.js';
import { trader } from '../../support/trading.js';

const OPENED = Date.parse('2026-03-02T08:00:00Z');

describe('maxVolume: total open volume, judged on opening deals', () => {
  it.each([
    { severity: 'hard', action: 'fail', status: 'failed' },
    { severity: 'soft', action: 'flag', status: 'active' },
  ] as const)('$severity: 2 lots open is the limit, one more 1/10,000 lot $action', ({ severity, action, status }) => {
    const t = trader();
    const steps = trace(programWith([{ kind: 'maxVolume', severity, maxVolume: 20_000, warnAtBps: [8000] }]), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1', { volume: 10_000 }),
      t.open('2026-03-02T09:01:00Z', 'p1', { volume: 6_000 }),
      t.open('2026-03-02T09:02:00Z', 'p2', { volume: 4_000 }),
      // Closing lowers the total; only opening deals are judged.
      t.close('2026-03-02T09:03:00Z', 'p2', 0, { volume: 4_000 }),
      t.open('2026-03-02T09:04:00Z', 'p3', { volume: 4_001 }),
    ]);
    expect(steps.map((step) => step.state.openVolume)).toEqual([10_000, 16_000, 20_000, 16_000, 20_001]);
    const verdicts = (step: (typeof steps)[number]) => step.effects.filter((effect) => effect.type !== 'tradeClosed').map((effect) => effect.type);
    expect(steps.map(verdicts)).toEqual([
      [],
      ['warning'],
      [],
      [],
      ['violation', ...(severity === 'hard' ? ['accountFailed'] : [])],
    ]);
    expect(effectsOf(steps[4]!.effects, 'violation')[0]).toMatchObject({ action, evidence: { value: 20_001, threshold: 20_000 } });
    expect(steps[4]!.state.status).toBe(status);
  });

  it('takes no money tolerance: a volume limit is exact', () => {
    expect(() => programWith([{ kind: 'maxVolume', severity: 'soft', maxVolume: 20_000, toleranceMinor: 100 } as never])).toThrow(/toleranceMinor/);
  });
});
