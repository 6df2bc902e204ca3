import { describe, expect, it } from 'vitest';
import { programWith } from '../../support/programs.js';
import { effectsOf, trace } from '../../support/trace.js';
import { trader } from '../../support/trading.js';

const OPENED = Date.parse('2026-03-02T08:00:00Z');

describe('maxLossPerTrade: net loss of a position, fees included, judged on its close', () => {
  it.each([
    { limit: { amount: 100_000 }, breachAt: 'touch', loss: 99_999, breaches: false },
    { limit: { amount: 100_000 }, breachAt: 'touch', loss: 100_000, breaches: true },
    { limit: { amount: 100_000 }, breachAt: 'cross', loss: 100_000, breaches: false },
    { limit: { amount: 100_000 }, breachAt: 'cross', loss: 100_001, breaches: true },
    // 1% of the initial 100,000.00.
    { limit: { bps: 100, of: 'initial' }, breachAt: 'touch', loss: 100_000, breaches: true },
    { limit: { bps: 100, of: 'initial' }, breachAt: 'cross', loss: 100_000, breaches: false },
  ] as const)('limit $limit, $breachAt: a loss of $loss breaches $breaches', ({ limit, breachAt, loss, breaches }) => {
    const t = trader();
    // The loss is spread over the opening commission, a partial close, and the final close with its swap.
    const steps = trace(programWith([{ kind: 'maxLossPerTrade', severity: 'hard', limit: { ...limit }, breachAt }]), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1', { volume: 20_000, commission: -1_000 }),
      t.close('2026-03-02T10:00:00Z', 'p1', -50_000, { volume: 10_000 }),
      t.close('2026-03-02T11:00:00Z', 'p1', -(loss - 52_000), { volume: 10_000, swap: -1_000 }),
    ]);
    expect(steps.map((step) => step.state.status)).toEqual(['active', 'active', breaches ? 'failed' : 'active']);
    if (breaches) expect(effectsOf(steps[2]!.effects, 'violation')[0]!.evidence).toMatchObject({ value: loss, threshold: 100_000 });
  });
});
