/**
 * futures-eod-trailing-lock-initial against Topstep's own worked examples (Trading Combine, $50,000).
 * Chicago runs on CDT (UTC-5) here, so the 5:00 PM CT trading-day boundary is 22:00Z.
 */
import { describe, expect, it } from 'vitest';
import type { DayClosedEffect } from '../../shared/domain/effects.js';
import { events } from '../support/events.js';
import { run } from '../support/replay.js';
import { closedTrade, failedBy, inEveryPhaseWith, noon, objectivesNow, openedAt, passed, preset, statusOf, tradingDays, usd, violations } from './helpers.js';

const program = preset('futures-eod-trailing-lock-initial');

describe('futures-eod-trailing-lock-initial (Topstep 50K combine)', () => {
  // help.topstep.com/en/articles/8284204 "What is the Maximum Loss Limit?": +$500 makes it $48,500; losing
  // $500 the next day leaves it there; +$2,500 the day after (balance $52,500) moves it to $50,000, where it stays.
  it.each(program.phases.map((phase) => phase.id))('What is the Maximum Loss Limit? (help.topstep.com/en/articles/8284204): %s, $48,500, kept, then locked at $50,000', (phaseId) => {
    const make = events();
    const { state, effects } = run(program, { openedAt, phaseId }, [
      ...tradingDays(make, '2026-03-09', [usd(500), usd(-500), usd(2_500), usd(1_000)]),
      make.clock(noon('2026-03-13')),
    ]);
    const closedDays = effects.filter((effect): effect is DayClosedEffect => effect.type === 'dayClosed');
    // Each day's stats carry the floor in force during that day: the previous close's.
    expect(closedDays.map(({ stats }) => [stats.endBalance, stats.maxLossFloor])).toEqual([
      [usd(50_500), usd(48_000)],
      [usd(50_000), usd(48_500)],
      [usd(52_500), usd(48_500)],
      [usd(53_500), usd(50_000)],
    ]);
    expect(state.maxLossFloor).toBe(usd(50_000));
  });

  // Same article: "If ... the account balance falls below the minimum account balance ... the rule will be broken".
  it.each(
    inEveryPhaseWith(program, 'maxLoss', [
      { equity: 48_000, expected: 'none' },
      { equity: 47_999.99, expected: 'maxLoss' },
    ]),
  )('What is the Maximum Loss Limit? (help.topstep.com/en/articles/8284204): $phaseId, equity $equity fails by $expected', ({ phaseId, equity, expected }) => {
    const make = events();
    const { effects } = run(program, { openedAt, phaseId }, [make.snapshot(noon('2026-03-09'), { balance: usd(50_000), equity: usd(equity) })]);
    expect(failedBy(effects)).toBe(expected);
  });

  // help.futures.topstep.com Prohibited Conduct: if net P&L hits or exceeds the Daily Loss Limit the account
  // is flattened and blocked until the next trading day (5:00 PM CT); it is not a rule violation. The
  // position opened at 13:00Z is refused (flagged); the one at 5:00 PM CT opens in the next trading day.
  it.each(
    inEveryPhaseWith(program, 'dailyLoss', [
      { equity: 49_000.01, verdicts: [] },
      { equity: 49_000, verdicts: [['lockDay', 'ev-1'], ['flag', 'ev-2']] },
    ]),
  )('Prohibited Conduct (help.futures.topstep.com/.../8808125387923): $phaseId, net P&L down to equity $equity gives $verdicts', ({ phaseId, equity, verdicts }) => {
    const make = events();
    const { state, effects } = run(program, { openedAt, phaseId }, [
      make.snapshot(noon('2026-03-09'), { balance: usd(50_000), equity: usd(equity) }),
      make.deal('2026-03-09T13:00:00Z', { positionId: 'same-day', symbol: 'ES', side: 'buy', volume: 10_000, entry: 'in' }),
      make.deal('2026-03-09T22:00:00Z', { positionId: 'next-day', symbol: 'ES', side: 'buy', volume: 10_000, entry: 'in' }),
    ]);
    expect(violations(effects, 'dailyLoss').map(({ action, evidence }) => [action, evidence.event.eventId])).toEqual(verdicts);
    expect(state.status).toBe('active');
  });

  it('Prohibited Conduct (help.futures.topstep.com/.../8808125387923): the soft breach records the $1,000 limit as evidence', () => {
    const make = events();
    const { effects } = run(program, { openedAt }, [make.snapshot(noon('2026-03-09'), { balance: usd(50_000), equity: usd(49_000) })]);
    expect(violations(effects, 'dailyLoss')).toMatchObject([
      { severity: 'soft', action: 'lockDay', evidence: { value: usd(49_000), threshold: usd(49_000), inputs: { referenceValue: usd(50_000), loss: usd(1_000) } } },
    ]);
  });

  // Same page: the trading day runs 5:00 PM CT to 3:10 PM CT. A second $600 loss at 3:00 PM CT adds to
  // the first one's day and reaches the $1,000 limit; at 5:00 PM CT it opens the next trading day.
  it.each([
    { second: '2026-03-10T20:00:00Z', days: ['2026-03-10'], paused: true },
    { second: '2026-03-10T22:00:00Z', days: ['2026-03-10', '2026-03-11'], paused: false },
  ])('Prohibited Conduct (help.futures.topstep.com/.../8808125387923): trading day from 5:00 PM CT, second loss at $second', ({ second, days, paused }) => {
    const make = events();
    const { effects } = run(program, { openedAt }, [
      ...closedTrade(make, '2026-03-10T14:00:00Z', usd(-600)),
      ...closedTrade(make, second, usd(-600)),
      make.clock(noon('2026-03-12')),
    ]);
    const losingDays = effects
      .filter((effect): effect is DayClosedEffect => effect.type === 'dayClosed' && effect.stats.closedPnl < 0)
      .map(({ stats }) => stats.day);
    expect(losingDays).toEqual(days);
    expect(violations(effects, 'dailyLoss').length > 0).toBe(paused);
  });

  // help.futures.topstep.com/.../4405772379155 "What is the Consistency Target?": $900 best day / $2,800
  // overall = 32%, within the target (here 50%, strict as "equal to or more" keeps the trader trading).
  it('What is the Consistency Target? (help.futures.topstep.com/.../4405772379155): $900 / $2,800 = 32%, then passes at the $3,000 target', () => {
    const make = events();
    const before = run(program, { openedAt }, tradingDays(make, '2026-03-09', [usd(900), usd(700), usd(600), usd(600)]));
    expect(statusOf(objectivesNow(program, before.state), 'bestDayConsistency')).toEqual({
      objective: 'bestDayConsistency',
      met: true,
      value: Math.floor((900 * 10_000) / 2_800),
      required: 5_000,
    });
    expect(before.state.status).toBe('active');

    const { effects } = run(program, { openedAt }, tradingDays(events(), '2026-03-09', [usd(900), usd(700), usd(600), usd(600), usd(200)]));
    expect(statusOf(passed(effects)!.objectives, 'bestDayConsistency')).toMatchObject({ met: true, value: 3_000 });
  });

  it.each([
    { days: [1_500, 1_500], passes: false },
    { days: [1_500, 1_500, 0.01], passes: true },
  ])('What is the Consistency Target? (help.futures.topstep.com/.../4405772379155): a best day of exactly half blocks the pass, days $days', ({ days, passes }) => {
    const { state } = run(program, { openedAt }, tradingDays(events(), '2026-03-09', days.map(usd)));
    expect(state.status).toBe(passes ? 'passed' : 'active');
  });
});
