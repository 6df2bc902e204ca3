/** weekendHolding and overnightHolding share one evaluator: a position open at the cutoff instant breaches. */
import { describe, expect, it } from 'vitest';
import { programWith, type RuleInput } from '../../support/programs.js';
import { effectsOf, trace } from '../../support/trace.js';
import { trader } from '../../support/trading.js';

const HOUR = 3_600_000;

function weekend(severity: 'hard' | 'soft'): RuleInput {
  return { kind: 'weekendHolding', severity, cutoff: { weekday: 'fri', time: '22:00', timeZone: 'Europe/Prague' } };
}
const OVERNIGHT: RuleInput = { kind: 'overnightHolding', severity: 'hard', cutoff: { time: '16:59', timeZone: 'America/New_York' } };

// Each cutoff instant in UTC, on either side of a DST switch: Friday 22:00 Prague is 21:00Z in CET and
// 20:00Z in CEST; 16:59 New York is 21:59Z in EST and 20:59Z in EDT.
const CUTOFFS = [
  { rule: weekend('hard'), week: 'CET, before the 29 March switch', cutoff: '2026-03-27T21:00:00Z' },
  { rule: weekend('hard'), week: 'CEST, after it', cutoff: '2026-04-03T20:00:00Z' },
  { rule: OVERNIGHT, week: 'EST, before the 8 March switch', cutoff: '2026-03-06T21:59:00Z' },
  { rule: OVERNIGHT, week: 'EDT, after it', cutoff: '2026-03-09T20:59:00Z' },
];
const TIMINGS = [
  { timing: 'closed a millisecond before it', openAt: -4 * HOUR, closeAt: -1, held: false },
  { timing: 'closed at it', openAt: -4 * HOUR, closeAt: 0, held: true },
  { timing: 'opened at it', openAt: 0, closeAt: HOUR, held: false },
];
const CASES = CUTOFFS.flatMap((cutoff) => TIMINGS.map((timing) => ({ ...cutoff, ...timing, kind: cutoff.rule.kind })));

describe('holding cutoffs', () => {
  it.each(CASES)('$kind, $week cutoff $cutoff: a position $timing is held: $held', ({ rule, cutoff, openAt, closeAt, held }) => {
    const at = Date.parse(cutoff);
    const t = trader();
    const steps = trace(programWith([rule]), { openedAt: at - 12 * HOUR }, [t.open(at + openAt, 'p1'), t.close(at + closeAt, 'p1', 0), t.clock(at + 2 * HOUR)]);
    const violations = effectsOf(steps.flatMap((step) => step.effects), 'violation');
    if (!held) {
      expect(violations).toEqual([]);
      return;
    }
    expect(violations).toEqual([
      expect.objectContaining({ rule: rule.kind, action: 'fail', time: at, evidence: expect.objectContaining({ value: 1, inputs: expect.objectContaining({ cutoff: new Date(at).toISOString(), positions: 'p1' }) }) }),
    ]);
    expect(steps.at(-1)!.state).toMatchObject({ status: 'failed', endedAt: at });
  });

  it('soft: flags every cutoff the position is held through, and keeps the account', () => {
    const t = trader();
    const steps = trace(programWith([weekend('soft')]), { openedAt: Date.parse('2026-03-23T08:00:00Z') }, [
      t.open('2026-03-27T12:00:00Z', 'p1'),
      t.close('2026-04-06T08:00:00Z', 'p1', 0),
    ]);
    expect(effectsOf(steps[1]!.effects, 'violation').map(({ action, time }) => [action, new Date(time).toISOString()])).toEqual([
      ['flag', '2026-03-27T21:00:00.000Z'],
      ['flag', '2026-04-03T20:00:00.000Z'],
    ]);
    expect(steps[1]!.state.status).toBe('active');
  });
});
