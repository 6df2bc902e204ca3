import { describe, expect, it } from 'vitest';
import { programWith } from '../../support/programs.js';
import { effectsOf, trace } from '../../support/trace.js';
import { trader, type Trader } from '../../support/trading.js';

const OPENED = Date.parse('2026-03-02T08:00:00Z');

describe('inactivity: two whole firm days without a deal', () => {
  // The day of the last deal (or the first day) is not idle; the two after it are. Prague days end at 23:00Z.
  it.each([
    { lastActivity: 'the opening day, no deal', deals: (_: Trader) => [], failsAt: '2026-03-04T23:00:00Z', lastTradeDay: '2026-03-02' },
    { lastActivity: 'a deal on 3 March', deals: (t: Trader) => [t.open('2026-03-03T22:59:59Z', 'p1')], failsAt: '2026-03-05T23:00:00Z', lastTradeDay: '2026-03-03' },
  ])('after $lastActivity, fails at $failsAt and not a millisecond before', ({ deals, failsAt, lastTradeDay }) => {
    const t = trader();
    const boundary = Date.parse(failsAt);
    const steps = trace(programWith([{ kind: 'inactivity', severity: 'hard', days: 2 }]), { openedAt: OPENED }, [
      ...deals(t),
      t.clock(boundary - 1),
      t.clock(boundary),
    ]);
    expect(steps.at(-2)!.state.status).toBe('active');
    expect(steps.at(-1)!.state).toMatchObject({ status: 'failed', endedAt: boundary, endReason: 'inactivity' });
    expect(effectsOf(steps.at(-1)!.effects, 'violation')[0]!.evidence).toMatchObject({ value: 2, threshold: 2, inputs: { lastTradeDay } });
  });

  it('soft: flags at every further idle rollover and keeps the account', () => {
    const t = trader();
    const steps = trace(programWith([{ kind: 'inactivity', severity: 'soft', days: 2 }]), { openedAt: OPENED }, [t.clock('2026-03-06T06:00:00Z')]);
    const violations = effectsOf(steps[0]!.effects, 'violation');
    expect(violations.map(({ action, time, evidence }) => [action, time, evidence.value])).toEqual([
      ['flag', Date.parse('2026-03-04T23:00:00Z'), 2],
      ['flag', Date.parse('2026-03-05T23:00:00Z'), 3],
    ]);
    expect(steps[0]!.state.status).toBe('active');
  });
});
