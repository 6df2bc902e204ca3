/**
 * two-step-static against FTMO's own worked examples (FTMO 2-Step). Prague runs on CET (UTC+1) in
 * the weeks used here, so Prague midnight is 23:00Z.
 */
import { describe, expect, it } from 'vitest';
import { events } from '../support/events.js';
import { run } from '../support/replay.js';
import { closedTrade, failedBy, inEveryPhaseWith, noon, openedAt, preset, tradingDays, usd, violations } from './helpers.js';

const program = preset('two-step-static');

describe('two-step-static (FTMO 2-Step)', () => {
  // academy.ftmo.com/lesson/maximum-daily-loss: on a $200,000 account the daily loss is $10,000 below
  // the balance at Prague midnight, so closed P&L moves the room left for the day.
  it.each([
    { closed: 4_000, room: 14_000 },
    { closed: -8_000, room: 2_000 },
  ])('Maximum Daily Loss lesson (academy.ftmo.com): USD 200,000 account, $closed closed today leaves $room of room', ({ closed, room }) => {
    const make = events();
    const { state } = run(program, { openedAt, initialBalance: usd(200_000) }, closedTrade(make, noon('2026-03-09'), usd(closed)));
    expect(state.dailyFloor).toBe(usd(190_000));
    expect(state.equity - state.dailyFloor!).toBe(usd(room));
  });

  it.each(program.phases.map((phase) => phase.id))('Maximum Daily Loss lesson (academy.ftmo.com): %s, a $13,000 floating loss is inside the day after +$4,000, but breaches at the midnight reset', (phaseId) => {
    const make = events();
    const { state, effects } = run(program, { openedAt, phaseId, initialBalance: usd(200_000) }, [
      ...closedTrade(make, noon('2026-03-09'), usd(4_000)),
      make.snapshot('2026-03-09T22:59:00Z', { balance: usd(204_000), equity: usd(191_000) }),
      make.clock('2026-03-09T23:00:00Z'),
    ]);
    const [breach] = violations(effects, 'dailyLoss');
    expect(breach).toMatchObject({
      action: 'fail',
      time: Date.parse('2026-03-09T23:00:00Z'),
      evidence: { value: usd(191_000), threshold: usd(194_000), inputs: { referenceValue: usd(204_000), loss: usd(10_000) } },
    });
    expect(state.status).toBe('failed');
  });

  // academy.ftmo.com/?p=47: "even if your balance would be $92,000, but you had a floating loss of
  // $2,001, the limit would be exceeded". Two losing days bring the balance to $92,000 within the daily limit.
  it.each(
    inEveryPhaseWith(program, 'maxLoss', [
      { floating: 2_000, expected: 'none' },
      { floating: 2_001, expected: 'maxLoss' },
    ]),
  )('Maximum Loss lesson (academy.ftmo.com/?p=47): $phaseId, balance USD 92,000 with a $floating floating loss fails by $expected', ({ phaseId, floating, expected }) => {
    const make = events();
    const { effects } = run(program, { openedAt, phaseId }, [
      ...tradingDays(make, '2026-03-09', [usd(-4_000), usd(-4_000)]),
      make.snapshot(noon('2026-03-11'), { balance: usd(92_000), equity: usd(92_000 - floating) }),
    ]);
    expect(failedBy(effects)).toBe(expected);
  });

  // FTMO trading update 5 Mar 2026 (ftmo.oanda.com/blog/trading-updates/trading-update-5-mar-2026): from
  // 8 Mar the MetaTrader server (GMT+3) runs two hours ahead of Prague, but the daily loss still resets at
  // Prague midnight. 22:30Z on 10 March is 01:30 on the server and 23:30 in Prague: still 10 March.
  it.each(
    inEveryPhaseWith(program, 'dailyLoss', [
      { time: '2026-03-10T22:30:00Z', loss: 1_000.01, expected: 'dailyLoss' },
      { time: '2026-03-10T22:30:00Z', loss: 1_000, expected: 'none' },
      { time: '2026-03-10T23:30:00Z', loss: 1_000.01, expected: 'none' },
    ]),
  )('FTMO trading update 5 Mar 2026: $phaseId, a $loss loss closed at $time after -4,000 that day fails by $expected', ({ phaseId, time, loss, expected }) => {
    // The 10 March floor is $95,000 (cross: reaching it is allowed); from Prague midnight it is $96,000 - $5,000.
    const make = events();
    const { effects } = run(program, { openedAt, phaseId }, [
      ...closedTrade(make, noon('2026-03-10'), usd(-4_000)),
      ...closedTrade(make, time, usd(-loss)),
    ]);
    expect(failedBy(effects)).toBe(expected);
  });
});
