/**
 * two-step-profitable-days against The5ers' own High Stakes rules ($100,000). Server midnight (UTC+3 in
 * summer) is 5 PM New York: 21:00Z in March 2026, 22:00Z in February.
 */
import { describe, expect, it } from 'vitest';
import type { DayClosedEffect } from '../../shared/domain/effects.js';
import { events } from '../support/events.js';
import { run } from '../support/replay.js';
import { failedBy, failureAfterTwoLosingDays, inEveryPhaseWith, noon, objectivesNow, openedAt, passed, preset, statusOf, tradingDays, usd, violations } from './helpers.js';

const program = preset('two-step-profitable-days');
const page = 'What is the maximum loss and the maximum daily loss in the High Stakes program? (help.the5ers.com)';

/** A day that starts (at server midnight, 21:00Z) with a $100,000 balance and the given equity. */
function dayStartingWith(equity: number) {
  const make = events();
  return {
    make,
    start: [make.snapshot('2026-03-09T20:00:00Z', { balance: usd(100_000), equity: usd(equity) }), make.clock('2026-03-09T21:00:00Z')],
  };
}

describe('two-step-profitable-days (The5ers High Stakes)', () => {
  // help.the5ers.com: "Daily loss is 5% of the starting equity of the day OR the starting balance of the day (the
  // highest between them)".
  it.each(
    inEveryPhaseWith(program, 'dailyLoss', [
      { startEquity: 102_000, floor: 102_000 - 5_100 },
      { startEquity: 100_000, floor: 95_000 },
      { startEquity: 98_000, floor: 95_000 },
    ]),
  )(`${page}: $phaseId, a day starting at equity $startEquity on a 100,000 balance has the floor $floor`, ({ phaseId, startEquity, floor }) => {
    const { start } = dayStartingWith(startEquity);
    const { state } = run(program, { openedAt, phaseId }, start);
    expect(state.dailyFloor).toBe(usd(floor));
  });

  // Same page: "Reaching any of these limits will lead to the termination of the account."
  it.each(
    inEveryPhaseWith(program, 'dailyLoss', [
      { equity: 96_900.01, expected: 'none' },
      { equity: 96_900, expected: 'dailyLoss' },
    ]),
  )(`${page}: $phaseId, after a 102,000 start, equity $equity fails by $expected`, ({ phaseId, equity, expected }) => {
    const { make, start } = dayStartingWith(102_000);
    const { effects } = run(program, { openedAt, phaseId }, [...start, make.snapshot(noon('2026-03-10'), { balance: usd(100_000), equity: usd(equity) })]);
    expect(failedBy(effects)).toBe(expected);
  });

  it(`${page}: the daily breach carries the higher-of reference as evidence`, () => {
    const { make, start } = dayStartingWith(102_000);
    const { effects } = run(program, { openedAt }, [...start, make.snapshot(noon('2026-03-10'), { balance: usd(100_000), equity: usd(96_900) })]);
    expect(violations(effects, 'dailyLoss')[0]!.evidence).toMatchObject({
      value: usd(96_900),
      threshold: usd(96_900),
      inputs: { referenceValue: usd(102_000), loss: usd(5_100), dayStartBalance: usd(100_000), dayStartEquity: usd(102_000) },
    });
  });

  // Same page: "The maximum loss is 10% of the initial balance", reached at $90,000. Losing days stay inside the
  // daily limit (5% of $95,100 is $4,755) until the daily floor is below $90,000.
  it.each(
    inEveryPhaseWith(program, 'maxLoss', [
      { equity: 90_000.01, expected: 'none' },
      { equity: 90_000, expected: 'maxLoss' },
    ]),
  )(`${page}: $phaseId, equity $equity against the 90,000 maximum loss fails by $expected`, ({ phaseId, equity, expected }) => {
    expect(failureAfterTwoLosingDays(program, phaseId, equity)).toBe(expected);
  });

  it.each([
    { opened: '2026-02-09T00:00:00Z', closesAt: '2026-02-09T22:00:00Z' },
    { opened: '2026-03-09T00:00:00Z', closesAt: '2026-03-09T21:00:00Z' },
  ])(`${page}: "5PM EST or 00:00 UTC+3", the day opened $opened closes at $closesAt`, ({ opened, closesAt }) => {
    const { effects } = run(program, { openedAt: Date.parse(opened) }, [events().clock(Date.parse(opened) + 86_400_000)]);
    const [first] = effects.filter((effect): effect is DayClosedEffect => effect.type === 'dayClosed');
    expect(first?.time).toBe(Date.parse(closesAt));
  });

  // propfirmnetwork.com/?p=4412234 and propfirmlabs.com/firms/The5ers (third-party): 8% / 5% targets and 3
  // profitable days per phase, a profitable day closing at least 0.5% of the initial balance ($500).
  it.each([
    { phaseId: 'phase-1', days: [500, 500, 7_000], next: 'phase-2' },
    { phaseId: 'phase-2', days: [500, 500, 4_000], next: 'funded' },
  ])('High Stakes objectives (propfirmnetwork.com, propfirmlabs.com): $phaseId passes on days $days', ({ phaseId, days, next }) => {
    const { effects } = run(program, { openedAt, phaseId }, tradingDays(events(), '2026-03-09', days.map(usd)));
    expect(passed(effects)).toMatchObject({ phaseId, nextPhaseId: next, time: Date.parse(noon('2026-03-11')) });
    expect(statusOf(passed(effects)!.objectives, 'minProfitableDays')).toMatchObject({ met: true, value: 3 });
  });

  it('High Stakes objectives (propfirmnetwork.com, propfirmlabs.com): a $499.99 day is not profitable, so 8% waits', () => {
    const { state } = run(program, { openedAt }, tradingDays(events(), '2026-03-09', [499.99, 500, 7_000.01].map(usd)));
    expect(state.status).toBe('active');
    expect(objectivesNow(program, state)).toEqual([
      { objective: 'profitTarget', met: true, value: usd(8_000), required: usd(8_000) },
      { objective: 'minProfitableDays', met: false, value: 2, required: 3 },
    ]);
  });
});
