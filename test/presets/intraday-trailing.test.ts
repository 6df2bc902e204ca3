/**
 * intraday-trailing against Apex Trader Funding's legacy 50K rules as published by third parties
 * (Apex's own pages were not read; see the preset's basedOn).
 */
import { describe, expect, it } from 'vitest';
import { events } from '../support/events.js';
import { run } from '../support/replay.js';
import { closedTrade, consistencyNow, failedBy, inEveryPhaseWith, noon, openedAt, preset, tradingDays, usd } from './helpers.js';

const program = preset('intraday-trailing');

describe('intraday-trailing (Apex legacy 50K)', () => {
  // bestpropfirmcode.com "Understanding the trailing drawdown in Apex Trader Funding": $2,500 sets $47,500;
  // +$1,000 "(unrealized or closed, balance now $51,000)" moves it to $48,500; falling to $49,500 leaves it there.
  it.each(['unrealized', 'closed'])('Understanding the trailing drawdown (bestpropfirmcode.com): a %s +1,000 trails to 48,500', (how) => {
    const make = events();
    const peak =
      how === 'closed'
        ? closedTrade(make, '2026-03-09T11:00:00Z', usd(1_000))
        : [make.snapshot('2026-03-09T11:00:00Z', { balance: usd(50_000), equity: usd(51_000) })];
    const { state } = run(program, { openedAt }, [...peak, make.snapshot(noon('2026-03-09'), { balance: usd(50_000), equity: usd(49_500) })]);
    expect(state.maxLossFloor).toBe(usd(48_500));
    expect(state.status).toBe('active');
  });

  // Same article: in the evaluation the trailing drawdown never stops; in the funded (PA) account it stops
  // at the initial balance + $100, $50,100, reached at a $52,600 peak (Apex's PA "safety net").
  it.each([
    { phaseId: 'evaluation', peak: 60_000, floor: 57_500 },
    { phaseId: 'pa', peak: 52_000, floor: 49_500 },
    { phaseId: 'pa', peak: 52_600, floor: 50_100 },
    { phaseId: 'pa', peak: 60_000, floor: 50_100 },
  ])('Understanding the trailing drawdown (bestpropfirmcode.com): $phaseId equity peak $peak sets $floor', ({ phaseId, peak, floor }) => {
    const make = events();
    const { state } = run(program, { openedAt, phaseId }, [make.snapshot(noon('2026-03-09'), { balance: usd(50_000), equity: usd(peak) })]);
    expect(state.maxLossFloor).toBe(usd(floor));
  });

  // tradingfunder.com (via the reference notes): the account fails when equity is "equal to or less" than the threshold.
  it.each(
    inEveryPhaseWith(program, 'maxLoss', [
      { equity: 47_500.01, expected: 'none' },
      { equity: 47_500, expected: 'maxLoss' },
    ]),
  )('Apex trailing threshold, "equal to or less" (tradingfunder.com): $phaseId, equity $equity fails by $expected', ({ phaseId, equity, expected }) => {
    const make = events();
    const { effects } = run(program, { openedAt, phaseId }, [make.snapshot(noon('2026-03-09'), { balance: usd(50_000), equity: usd(equity) })]);
    expect(failedBy(effects)).toBe(expected);
  });

  // fundedmath.com 30% rule and quantvps.com/blog/apex-pa-account-rules: a PA payout needs the best day at
  // most 30% of the profit; best day / 0.30 = required total, so a $1,500 day needs $5,000.
  it.each([
    { days: [1_500, 1_200, 1_200, 1_099.99], met: false },
    { days: [1_500, 1_200, 1_200, 1_100], met: true },
  ])('30% consistency rule (fundedmath.com, quantvps.com): PA days $days meet it: $met', ({ days, met }) => {
    const { state } = run(program, { openedAt, phaseId: 'pa' }, tradingDays(events(), '2026-03-09', days.map(usd)));
    expect(consistencyNow(program, state)).toMatchObject({ met, required: 3_000 });
  });

  it('30% consistency rule (quantvps.com/blog/apex-pa-account-rules): only profit since the last approved payout counts', () => {
    const make = events();
    const { state } = run(program, { openedAt, phaseId: 'pa' }, [
      ...tradingDays(make, '2026-03-09', [usd(1_500), usd(1_200), usd(1_200), usd(1_100)]),
      make.balance(noon('2026-03-13'), { kind: 'payout', amount: usd(-2_000) }),
      ...tradingDays(make, '2026-03-14', [usd(500)]),
    ]);
    // Counting from the start it would be $1,500 / $5,500; since the payout it is $500 / $500.
    expect(consistencyNow(program, state)).toMatchObject({ met: false, value: 10_000 });
  });
});
