/**
 * soft-daily-pause against The5ers' published Hyper Growth rules ($10,000 account). Server midnight is
 * GMT+3 (21:00Z) while US daylight saving is on and GMT+2 (22:00Z) otherwise.
 */
import { describe, expect, it } from 'vitest';
import type { DayClosedEffect } from '../../shared/domain/effects.js';
import { events } from '../support/events.js';
import { run } from '../support/replay.js';
import { closedTrade, failedBy, inEveryPhaseWith, noon, openedAt, passed, preset, usd, violations } from './helpers.js';

const program = preset('soft-daily-pause');
const position = (positionId: string) => ({ positionId, symbol: 'EURUSD', side: 'buy' as const, volume: 10_000, entry: 'in' as const });

describe('soft-daily-pause (The5ers Hyper Growth)', () => {
  // The5ers drawdown FAQ (copy at indico.ph.tum.de/event/7018): "$10,000 ... maximum drawdown of 6% is $600 then
  // the account will be closed below the equity level of $9,400 ... goes up to $10,300, the maximum drawdown is now $900".
  it('The5ers drawdown FAQ (Hyper-Growth example): the $9,400 stop-out stays put, so $10,300 leaves $900 of room', () => {
    const { state } = run(program, { openedAt }, closedTrade(events(), noon('2026-03-09'), usd(300)));
    expect(state.maxLossFloor).toBe(usd(9_400));
    expect(state.balance - state.maxLossFloor!).toBe(usd(900));
  });

  it.each(
    inEveryPhaseWith(program, 'maxLoss', [
      { equity: 9_400, expected: 'none' },
      { equity: 9_399.99, expected: 'maxLoss' },
    ]),
  )('The5ers drawdown FAQ (Hyper-Growth example): "closed below the equity level of 9,400", $phaseId, equity $equity fails by $expected', ({ phaseId, equity, expected }) => {
    const make = events();
    const { effects } = run(program, { openedAt, phaseId }, [make.snapshot(noon('2026-03-09'), { balance: usd(10_000), equity: usd(equity) })]);
    expect(failedBy(effects)).toBe(expected);
  });

  // pipback.pilr.dev/firms/the-5ers: "Daily pause level set at 3% of the account balance taken at 00:00 GMT+3";
  // after a day closed at $10,300 the level is $10,300 - $309 = $9,991. Hitting it pauses the day.
  it.each(
    inEveryPhaseWith(program, 'dailyLoss', [
      { equity: 9_991.01, actions: [] },
      { equity: 9_991, actions: ['lockDay'] },
    ]),
  )('The5ers daily pause (pipback.pilr.dev/firms/the-5ers): $phaseId, equity $equity after a 10,300 close gives $actions', ({ phaseId, equity, actions }) => {
    const make = events();
    const { state, effects } = run(program, { openedAt, phaseId }, [
      ...closedTrade(make, noon('2026-03-09'), usd(300)),
      make.snapshot(noon('2026-03-10'), { balance: usd(10_300), equity: usd(equity) }),
    ]);
    expect(state.dailyFloor).toBe(usd(9_991));
    expect(violations(effects, 'dailyLoss').map(({ action }) => action)).toEqual(actions);
    expect(state.status).toBe('active');
  });

  // Same source: the level is 3% of the balance; a floating loss at server midnight does not lower it.
  it.each(program.phases.map((phase) => phase.id))('The5ers daily pause (pipback.pilr.dev/firms/the-5ers): %s, a floating loss at midnight leaves the level at 9,700', (phaseId) => {
    const make = events();
    const { state } = run(program, { openedAt, phaseId }, [
      make.snapshot('2026-03-09T20:00:00Z', { balance: usd(10_000), equity: usd(9_800) }),
      make.clock('2026-03-09T21:00:00Z'),
    ]);
    expect(state.dailyFloor).toBe(usd(9_700));
  });

  // fundedwiki.com/the5ers/daily-loss-pause: "hit it and the account is disabled only for the rest of that day,
  // then resumes at 00:00 MT5 server time". 00:00 GMT+3 on 10 March is 21:00Z on 9 March.
  it('The5ers daily pause (fundedwiki.com/the5ers/daily-loss-pause): a new position is flagged until server midnight, then allowed', () => {
    const make = events();
    const { state, effects } = run(program, { openedAt }, [
      make.snapshot(noon('2026-03-09'), { balance: usd(10_000), equity: usd(9_700) }),
      make.deal('2026-03-09T20:59:00Z', position('paused')),
      make.snapshot('2026-03-09T20:59:30Z', { balance: usd(10_000), equity: usd(10_000) }),
      make.deal('2026-03-09T21:00:00Z', position('resumed')),
    ]);
    expect(violations(effects, 'dailyLoss').map(({ action, evidence }) => [action, evidence.event.eventId])).toEqual([
      ['lockDay', 'ev-1'],
      ['flag', 'ev-2'],
    ]);
    expect(state).toMatchObject({ status: 'active', lockedUntil: 0 });
  });

  // pipback.pilr.dev/firms/the-5ers: the pause level is taken at 00:00 GMT+3 (summer server time); in winter the
  // server runs GMT+2, so its midnight moves from 21:00Z to 22:00Z.
  it.each([
    { opened: '2026-02-09T00:00:00Z', closesAt: '2026-02-09T22:00:00Z' },
    { opened: '2026-03-09T00:00:00Z', closesAt: '2026-03-09T21:00:00Z' },
  ])('The5ers daily pause (pipback.pilr.dev/firms/the-5ers): the day opened $opened closes at server midnight $closesAt', ({ opened, closesAt }) => {
    const make = events();
    const { effects } = run(program, { openedAt: Date.parse(opened) }, [make.clock(Date.parse(opened) + 86_400_000)]);
    const [first] = effects.filter((effect): effect is DayClosedEffect => effect.type === 'dayClosed');
    expect(first).toMatchObject({ time: Date.parse(closesAt), stats: { day: opened.slice(0, 10) } });
  });

  it('The5ers Hyper Growth scaling (pipback.pilr.dev/firms/the-5ers): the 10% target ($1,000) completes the level', () => {
    const { effects } = run(program, { openedAt }, closedTrade(events(), noon('2026-03-09'), usd(1_000)));
    expect(passed(effects)).toMatchObject({ phaseId: 'level-1', nextPhaseId: 'funded' });
  });
});
