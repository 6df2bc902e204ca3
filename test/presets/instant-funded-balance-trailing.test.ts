/**
 * instant-funded-balance-trailing against FXIFY's own Instant Funding Lite examples. FXIFY's drawdown
 * examples use a $1,000 account, opened here as a scaled account of the $100,000 preset.
 */
import { describe, expect, it } from 'vitest';
import { events } from '../support/events.js';
import { run } from '../support/replay.js';
import { closedTrade, consistencyNow, failedBy, noon, openedAt, preset, tradingDays, usd } from './helpers.js';

const program = preset('instant-funded-balance-trailing');
const thousand = { openedAt, initialBalance: usd(1_000) };

describe('instant-funded-balance-trailing (FXIFY Instant Funding Lite)', () => {
  // fxify.com/faqs/all-faqs/instant-funding-lite-how-does-the-max-trailing-drawdown-work-how-does-the-payout-affect-it:
  // 4% of $1,000 = $40 below the highest balance: $960, $980 at a $1,020 balance, locked at $1,000 from $1,040.
  it.each([
    { closed: 0, floor: 960 },
    { closed: 20, floor: 980 },
    { closed: 40, floor: 1_000 },
    { closed: 100, floor: 1_000 },
  ])('[Instant Funding Lite] max trailing drawdown FAQ (fxify.com): closed profit $closed sets the floor to $floor', ({ closed, floor }) => {
    const { state } = run(program, thousand, closedTrade(events(), noon('2026-03-09'), usd(closed)));
    expect(state.maxLossFloor).toBe(usd(floor));
  });

  it('[Instant Funding Lite] max trailing drawdown FAQ (fxify.com): the high-water mark is the balance, so floating profit does not trail', () => {
    const make = events();
    const { state } = run(program, thousand, [make.snapshot(noon('2026-03-09'), { balance: usd(1_000), equity: usd(1_030) })]);
    expect(state.maxLossFloor).toBe(usd(960));
  });

  // Same FAQ: "MAX drawdown will also Lock at the initial balance if a payout gets processed", whichever comes first.
  it('[Instant Funding Lite] max trailing drawdown FAQ (fxify.com): a payout locks the floor at $1,000 before 4% profit', () => {
    const make = events();
    const { state } = run(program, thousand, [
      ...closedTrade(make, '2026-03-09T11:00:00Z', usd(20)),
      make.balance(noon('2026-03-09'), { kind: 'payout', amount: usd(-10) }),
      ...closedTrade(make, '2026-03-09T13:00:00Z', usd(100)),
    ]);
    expect(state.maxLossFloor).toBe(usd(1_000));
    expect(state.balance).toBe(usd(1_110));
  });

  // Same FAQ: withdrawing the whole $100 profit leaves a $1,000 balance on a $1,000 floor; the spread of the
  // next trade takes equity below it. "The equity must not go below" it: reaching it is allowed.
  it.each([
    { equity: 1_000, expected: 'none' },
    { equity: 999.99, expected: 'maxLoss' },
  ])('[Instant Funding Lite] max trailing drawdown FAQ (fxify.com): after withdrawing all profit, equity $equity fails by $expected', ({ equity, expected }) => {
    const make = events();
    const { effects } = run(program, thousand, [
      ...closedTrade(make, '2026-03-09T11:00:00Z', usd(100)),
      make.balance(noon('2026-03-09'), { kind: 'payout', amount: usd(-100) }),
      make.snapshot('2026-03-09T13:00:00Z', { balance: usd(1_000), equity: usd(equity) }),
    ]);
    expect(failedBy(effects)).toBe(expected);
  });

  // fxify.fxpig.com/faqs/all-faqs/how-do-you-calculate-the-daily-loss-limit: with a prior end-of-day balance of
  // $100,000, the 3% limit is breached "should your equity the next day fall to $97,000".
  it.each([
    { equity: 97_000.01, expected: 'none' },
    { equity: 97_000, expected: 'dailyLoss' },
  ])('How do you calculate the Daily Loss Limit? (fxify.fxpig.com): equity $equity the next day fails by $expected', ({ equity, expected }) => {
    const make = events();
    const { effects } = run(program, { openedAt }, [
      make.clock(noon('2026-03-10')),
      make.snapshot('2026-03-10T13:00:00Z', { balance: usd(100_000), equity: usd(equity) }),
    ]);
    expect(failedBy(effects)).toBe(expected);
  });

  // Same FAQ: the limit comes from the end-of-day balance, so $1,000 floating at 5 PM EST leaves it at $97,000.
  it('How do you calculate the Daily Loss Limit? (fxify.fxpig.com): floating profit at 5 PM EST does not raise the limit', () => {
    const make = events();
    const { state } = run(program, { openedAt }, [
      make.snapshot('2026-03-09T20:00:00Z', { balance: usd(100_000), equity: usd(101_000) }),
      make.clock('2026-03-09T21:00:00Z'),
    ]);
    expect(state.dailyFloor).toBe(usd(97_000));
  });

  // fxify.com/faqs/all-faqs "[Instant Funding Lite] How does the 20% Consistency Rule work?": a $100 day needs
  // $500 in total (100 / 20%); with a $300 best day, $1,500 (days 100, 300, 200, 250, 50, 100, 300, 200).
  it.each([
    { days: [100], met: false },
    { days: [100, 100, 100, 100, 100], met: true },
    { days: [100, 300], met: false },
    { days: [100, 300, 200, 250, 50, 100, 300, 200], met: true },
    { days: [100, 300, 200, 250, 50, 100, 300, 199.99], met: false },
  ])('[Instant Funding Lite] 20% Consistency Rule (fxify.com): daily profits $days meet it: $met', ({ days, met }) => {
    const { state } = run(program, { openedAt }, tradingDays(events(), '2026-03-09', days.map(usd)));
    expect(consistencyNow(program, state)).toMatchObject({ met, required: 2_000 });
  });

  // Same FAQ: "if NO trade is placed for 60 calendar days in a row; this is an inactivity breach".
  it.each([
    { idleDays: 59, expected: 'none' },
    { idleDays: 60, expected: 'inactivity' },
  ])('[Instant Funding Lite] 20% Consistency Rule FAQ, inactivity (fxify.com): $idleDays whole days without a trade fail by $expected', ({ idleDays, expected }) => {
    const make = events();
    // The day of the last trade closes at 5 PM New York; noon UTC the day after `idleDays` more days have closed.
    const { effects } = run(program, { openedAt }, [...closedTrade(make, noon('2026-03-09'), usd(10)), make.clock(noon('2026-03-09', idleDays + 1))]);
    expect(failedBy(effects)).toBe(expected);
  });
});
