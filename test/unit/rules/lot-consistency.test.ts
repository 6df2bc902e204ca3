import { describe, expect, it } from 'vitest';
import { programWith, type RuleInput } from '../../support/programs.js';
import { effectsOf, trace } from '../../support/trace.js';
import { LOT, trader } from '../../support/trading.js';

const OPENED = Date.parse('2026-03-02T08:00:00Z');

function lotConsistency(severity: 'hard' | 'soft', minTrades = 2): RuleInput {
  // 25% to 200% of the average size of the positions closed before.
  return { kind: 'lotConsistency', severity, minShareBps: 2500, maxShareBps: 20_000, minTrades };
}

/** Closes positions of the given sizes one after another and returns what the last close produced. */
function closeSizes(rule: RuleInput, sizes: number[]) {
  const t = trader();
  const list = sizes.flatMap((volume, index) => {
    const minute = String(index).padStart(2, '0');
    return [t.open(`2026-03-02T10:${minute}:00Z`, `p${index}`, { volume }), t.close(`2026-03-02T10:${minute}:30Z`, `p${index}`, 0, { volume })];
  });
  return trace(programWith([rule]), { openedAt: OPENED }, list).at(-1)!;
}

describe('lotConsistency', () => {
  // Two closed positions of one lot: the average is 10,000, the range 2,500 .. 20,000.
  it.each([
    { volume: 2_499, breach: 'below' },
    { volume: 2_500, breach: null },
    { volume: 20_000, breach: null },
    { volume: 20_001, breach: 'above' },
  ])('a third position of $volume breaches: $breach', ({ volume, breach }) => {
    const last = closeSizes(lotConsistency('hard'), [LOT, LOT, volume]);
    expect(last.state.status).toBe(breach === null ? 'active' : 'failed');
    if (breach !== null) {
      expect(effectsOf(last.effects, 'violation')[0]).toMatchObject({
        message: expect.stringContaining(`is ${breach} the allowed range around the average 10000`),
        evidence: { value: volume, threshold: breach === 'below' ? 2_500 : 20_000 },
      });
    }
  });

  it('judges a position by the largest size it reached, on its close', () => {
    const t = trader();
    const steps = trace(programWith([lotConsistency('hard')]), { openedAt: OPENED }, [
      t.open('2026-03-02T10:00:00Z', 'a'),
      t.close('2026-03-02T10:01:00Z', 'a', 0),
      t.open('2026-03-02T10:02:00Z', 'b'),
      t.close('2026-03-02T10:03:00Z', 'b', 0),
      t.open('2026-03-02T10:04:00Z', 'c', { volume: 15_000 }),
      t.open('2026-03-02T10:05:00Z', 'c', { volume: 5_001 }),
      // Reduced in steps: what is left at the close (10,000) would be within range.
      t.close('2026-03-02T10:06:00Z', 'c', 0, { volume: 10_001 }),
      t.close('2026-03-02T10:07:00Z', 'c', 0, { volume: 10_000 }),
    ]);
    const last = steps.at(-1)!;
    expect(last.state.status).toBe('failed');
    expect(effectsOf(last.effects, 'violation')[0]!.evidence.value).toBe(20_001);
  });

  it.each([
    { minTrades: 2, sizes: [LOT, 50_000], judged: false },
    { minTrades: 1, sizes: [LOT, 50_000], judged: true },
    // With nothing closed before there is no average to compare with.
    { minTrades: 0, sizes: [50_000], judged: false },
  ])('minTrades $minTrades: the close of $sizes judged $judged', ({ minTrades, sizes, judged }) => {
    const last = closeSizes(lotConsistency('soft', minTrades), sizes);
    expect(effectsOf(last.effects, 'violation').map((violation) => violation.action)).toEqual(judged ? ['flag'] : []);
    expect(last.state.status).toBe('active');
  });
});
