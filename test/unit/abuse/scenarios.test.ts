import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../bench/abuse-evaluation.js';
import { generateScenario } from '../../../bench/abuse-scenarios.js';
import { DETECTORS } from '../../../shared/abuse/policy.js';

describe('the detectors on a labelled population (2,000 accounts: normal traders, near-misses, every kind of abuser)', async () => {
  const scenario = generateScenario(2_000, 11);
  const run = await runScenario(scenario);

  it.each(DETECTORS.map((detector) => ({ detector })))('$detector: precision and recall at least 0.95', ({ detector }) => {
    const score = run.detectors.find((entry) => entry.detector === detector)!;
    expect(score.labelled).toBeGreaterThanOrEqual(15);
    expect({ detector, precision: score.precision, falsePositives: score.falsePositivesByProfile }).toEqual({
      detector,
      precision: expect.toSatisfy((value: number) => value >= 0.95),
      falsePositives: expect.anything(),
    });
    expect(score.recall).toBeGreaterThanOrEqual(0.95);
  });

  it('flags no near-miss account (legitimate styles close to a pattern)', () => {
    const nearMisses = new Set(['scalper', 'pyramider', 'sizesUpAfterWins', 'newsLoser', 'weekendHolder', 'fastButFair', 'twinAccounts']);
    const wronglyFlagged = run.detectors.flatMap((score) => Object.keys(score.falsePositivesByProfile).filter((profile) => nearMisses.has(profile)).map((profile) => `${score.detector}: ${profile}`));
    expect(wronglyFlagged).toEqual([]);
  });

  it('is the same population for the same seed', () => {
    const again = generateScenario(2_000, 11);
    expect(again.trades.length).toBe(scenario.trades.length);
    expect(again.trades.at(-1)).toEqual(scenario.trades.at(-1));
  });
});
