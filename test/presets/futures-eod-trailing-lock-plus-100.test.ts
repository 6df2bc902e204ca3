/**
 * futures-eod-trailing-lock-plus-100 against Tradeify's published Growth 50K rules. New York runs on
 * EDT (UTC-4) here, so the 5 PM ET end of day is 21:00Z.
 */
import { describe, expect, it } from 'vitest';
import { events } from '../support/events.js';
import { run } from '../support/replay.js';
import { failedBy, inEveryPhaseWith, noon, openedAt, passed, preset, tradingDays, usd, violations } from './helpers.js';

const program = preset('futures-eod-trailing-lock-plus-100');

describe('futures-eod-trailing-lock-plus-100 (Tradeify Growth 50K)', () => {
  // Tradeify rules as reported by proptradingvibes.com (Tradeify Trading Rules Overview) and the reference
  // notes: the $2,000 drawdown stops trailing once the end-of-day balance exceeds start + $2,000 + $100,
  // i.e. it locks at $50,100. The lock is the same in the evaluation and the sim-funded account.
  // A $3,000 day would pass the evaluation before its close, so the $53,000 row runs on the funded account.
  it.each([
    { phaseId: 'evaluation', endOfDay: 52_000, floor: 50_000 },
    { phaseId: 'evaluation', endOfDay: 52_500, floor: 50_100 },
    { phaseId: 'funded', endOfDay: 52_100, floor: 50_100 },
    { phaseId: 'funded', endOfDay: 53_000, floor: 50_100 },
  ])('Tradeify trailing drawdown (proptradingvibes.com, Tradeify rules): $phaseId, end-of-day balance $endOfDay sets the floor to $floor', ({ phaseId, endOfDay, floor }) => {
    const make = events();
    const { state } = run(program, { openedAt, phaseId }, [
      ...tradingDays(make, '2026-03-09', [usd(endOfDay - 50_000)]),
      make.clock(noon('2026-03-10')),
    ]);
    expect(state.maxLossFloor).toBe(usd(floor));
  });

  // intercom.help/tradeify-test/en/articles/11807978 "Essential Trading Rules Overview": the Growth drawdown
  // "recalculates only at market close based on your final daily balance"; intraday gains do not move it.
  it.each(program.phases.map((phase) => phase.id))('Essential Trading Rules Overview (intercom.help/tradeify-test/.../11807978): %s, an intraday peak of $53,000 closing at $50,500 trails to $48,500', (phaseId) => {
    const make = events();
    const { state } = run(program, { openedAt, phaseId }, [
      make.snapshot('2026-03-09T11:00:00Z', { balance: usd(50_000), equity: usd(53_000) }),
      ...tradingDays(make, '2026-03-09', [usd(500)]),
      make.clock(noon('2026-03-10')),
    ]);
    expect(state.maxLossFloor).toBe(usd(48_500));
  });

  // intercom.help/tradeify-test/en/articles/11807991 "Rules: Daily Loss Limit": $1,250 on 50K; once reached,
  // trading is paused for the day (a soft breach).
  it.each(
    inEveryPhaseWith(program, 'dailyLoss', [
      { equity: 48_750.01, actions: [] },
      { equity: 48_750, actions: ['lockDay'] },
    ]),
  )('Rules: Daily Loss Limit (intercom.help/tradeify-test/.../11807991): $phaseId, equity $equity gives $actions', ({ phaseId, equity, actions }) => {
    const make = events();
    const { state, effects } = run(program, { openedAt, phaseId }, [make.snapshot(noon('2026-03-09'), { balance: usd(50_000), equity: usd(equity) })]);
    expect(violations(effects, 'dailyLoss').map(({ action }) => action)).toEqual(actions);
    expect(state.status).toBe('active');
  });

  // Essential Trading Rules Overview: "If your account balance falls below this limit, the account fails."
  it.each(
    inEveryPhaseWith(program, 'maxLoss', [
      { equity: 48_000, expected: 'none' },
      { equity: 47_999.99, expected: 'maxLoss' },
    ]),
  )('Essential Trading Rules Overview (intercom.help/tradeify-test/.../11807978): $phaseId, equity $equity fails by $expected', ({ phaseId, equity, expected }) => {
    const make = events();
    const { effects } = run(program, { openedAt, phaseId }, [make.snapshot(noon('2026-03-09'), { balance: usd(50_000), equity: usd(equity) })]);
    expect(failedBy(effects)).toBe(expected);
  });

  it('Tradeify Growth 50K target (traderspost.io, proptradingvibes.com): $3,000 of closed profit passes to the sim-funded account', () => {
    const { effects } = run(program, { openedAt }, tradingDays(events(), '2026-03-09', [usd(1_500), usd(1_499.99), usd(0.01)]));
    expect(passed(effects)).toMatchObject({ phaseId: 'evaluation', nextPhaseId: 'funded', time: Date.parse(noon('2026-03-11')) });
  });
});
