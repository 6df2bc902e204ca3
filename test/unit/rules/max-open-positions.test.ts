import { describe, expect, it } from 'vitest';
import { programWith } from '../../support/programs.js';
import { effectsOf, trace } from '../../support/trace.js';
import { trader } from '../../support/trading.js';

const OPENED = Date.parse('2026-03-02T08:00:00Z');

describe('maxOpenPositions', () => {
  it('allows the limit, counts positions not deals, and flags each opening beyond it (soft)', () => {
    const t = trader();
    const steps = trace(programWith([{ kind: 'maxOpenPositions', severity: 'soft', max: 2 }]), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1'),
      t.open('2026-03-02T09:01:00Z', 'p2'),
      t.open('2026-03-02T09:02:00Z', 'p1'),
      t.open('2026-03-02T09:03:00Z', 'p3'),
      t.open('2026-03-02T09:04:00Z', 'p4'),
    ]);
    expect(steps.map((step) => effectsOf(step.effects, 'violation').map((violation) => violation.evidence.value))).toEqual([[], [], [], [3], [4]]);
    expect(steps.at(-1)!.state.status).toBe('active');
  });

  it('hard: the opening beyond the limit fails the account', () => {
    const t = trader();
    const steps = trace(programWith([{ kind: 'maxOpenPositions', severity: 'hard', max: 1 }]), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1'),
      t.close('2026-03-02T09:01:00Z', 'p1', 0),
      t.open('2026-03-02T09:02:00Z', 'p2'),
      t.open('2026-03-02T09:03:00Z', 'p3'),
    ]);
    expect(steps.map((step) => step.state.status)).toEqual(['active', 'active', 'active', 'failed']);
  });
});
