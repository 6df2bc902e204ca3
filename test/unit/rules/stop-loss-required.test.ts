import { describe, expect, it } from 'vitest';
import { programWith } from '../../support/programs.js';
import { effectsOf, trace } from '../../support/trace.js';
import { trader } from '../../support/trading.js';

const OPENED = Date.parse('2026-03-02T08:00:00Z');

describe('stopLossRequired: every opening deal carries a stop-loss', () => {
  it('flags (soft) each opening or adding deal without one, and never a closing deal', () => {
    const t = trader();
    const steps = trace(programWith([{ kind: 'stopLossRequired', severity: 'soft' }]), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1', { stopLoss: 1.09 }),
      t.open('2026-03-02T09:01:00Z', 'p2'),
      t.open('2026-03-02T09:02:00Z', 'p1'),
      t.close('2026-03-02T09:03:00Z', 'p1', 0, { volume: 20_000 }),
    ]);
    expect(steps.map((step) => effectsOf(step.effects, 'violation').map((violation) => violation.evidence.inputs.positionId))).toEqual([[], ['p2'], ['p1'], []]);
  });

  it('hard: fails on the opening without one', () => {
    const t = trader();
    const [opened] = trace(programWith([{ kind: 'stopLossRequired', severity: 'hard' }]), { openedAt: OPENED }, [t.open('2026-03-02T09:00:00Z', 'p1')]);
    expect(opened!.state).toMatchObject({ status: 'failed', endReason: 'stopLossRequired' });
  });
});
