/**
 * consistency-gated-pass against Take Profit Trader's own Test example (50K, $3,000 target) and its
 * drawdown as reported by third parties.
 */
import { describe, expect, it } from 'vitest';
import { events } from '../support/events.js';
import { run } from '../support/replay.js';
import { failedBy, inEveryPhaseWith, noon, objectivesNow, openedAt, passed, preset, statusOf, tradingDays, usd } from './helpers.js';

const program = preset('consistency-gated-pass');
// takeprofittrader.crunch.help/en/test-rules/rule-6-be-consistent: "One trading day you make $2,000. The rest of
// the days you make a combined $1,100": $2,000 / $3,100 = 65%, above the 50% that must not be reached.
const publishedDays = [2_000, 300, 300, 300, 200].map(usd);

describe('consistency-gated-pass (Take Profit Trader Test 50K)', () => {
  it('Rule 6: Be Consistent (takeprofittrader.crunch.help): $2,000 / $3,100 = 65% holds the pass although the target is met', () => {
    const { state } = run(program, { openedAt }, tradingDays(events(), '2026-03-09', publishedDays));
    expect(state.status).toBe('active');
    expect(objectivesNow(program, state)).toEqual([
      { objective: 'profitTarget', met: true, value: usd(3_100), required: usd(3_000) },
      { objective: 'minTradingDays', met: true, value: 5, required: 5 },
      { objective: 'bestDayConsistency', met: false, value: Math.floor((2_000 * 10_000) / 3_100), required: 5_000 },
    ]);
  });

  // TPT says "you would need to make another $901 ... $2,000/$4,001 = under 50%", whole dollars. The rule is
  // strict (less than 50%), so $4,000.00 (exactly 50%) is not enough; our rounding rule asks for the smallest
  // whole cent that satisfies it, $4,000.01, i.e. $900.01 more; TPT's $901 is that amount rounded up to a dollar.
  it.each([
    { more: 900, passes: false },
    { more: 900.01, passes: true },
    { more: 901, passes: true },
  ])('Rule 6: Be Consistent (takeprofittrader.crunch.help): $more more on a sixth day passes: $passes', ({ more, passes }) => {
    const { state } = run(program, { openedAt }, tradingDays(events(), '2026-03-09', [...publishedDays, usd(more)]));
    expect(state.status).toBe(passes ? 'passed' : 'active');
  });

  it('Rule 6: Be Consistent (takeprofittrader.crunch.help): at $4,000.01 the best day is just under half', () => {
    const { effects } = run(program, { openedAt }, tradingDays(events(), '2026-03-09', [...publishedDays, usd(900.01)]));
    expect(statusOf(passed(effects)!.objectives, 'bestDayConsistency')).toEqual({
      objective: 'bestDayConsistency',
      met: true,
      value: Math.floor((usd(2_000) * 10_000) / usd(4_000.01)),
      required: 5_000,
    });
  });

  // Same page, current version: "a MINIMUM 5 trading days ... any trading day in which you have executed at least one trade".
  it('Rule 6: Be Consistent (takeprofittrader.crunch.help): target and consistency met in 4 days wait for a fifth trading day', () => {
    const fourDays = run(program, { openedAt }, tradingDays(events(), '2026-03-09', [1_000, 1_000, 500, 600].map(usd)));
    expect(fourDays.state.status).toBe('active');
    expect(statusOf(objectivesNow(program, fourDays.state), 'minTradingDays')).toMatchObject({ met: false, value: 4 });

    const { effects } = run(program, { openedAt }, tradingDays(events(), '2026-03-09', [1_000, 1_000, 500, 600, 100].map(usd)));
    expect(passed(effects)).toMatchObject({ phaseId: 'test', nextPhaseId: 'pro', time: Date.parse(noon('2026-03-13')) });
  });

  // fundedprogramfinder.com / proptradingvibes.com (third-party): $2,000 drawdown trailing the end-of-day balance
  // in the Test and the intraday balance in PRO, locking at the $50,000 starting balance.
  it.each([
    { phaseId: 'test', endOfDay: 51_000, floor: 49_000 },
    { phaseId: 'test', endOfDay: 53_000, floor: 50_000 },
    { phaseId: 'pro', endOfDay: 51_000, floor: 49_000 },
    { phaseId: 'pro', endOfDay: 53_000, floor: 50_000 },
  ])('TPT drawdown (fundedprogramfinder.com, proptradingvibes.com): $phaseId balance $endOfDay at the close sets $floor', ({ phaseId, endOfDay, floor }) => {
    const make = events();
    const { state } = run(program, { openedAt, phaseId }, [
      ...tradingDays(make, '2026-03-09', [usd(endOfDay - 50_000)]),
      make.clock(noon('2026-03-10')),
    ]);
    expect(state.maxLossFloor).toBe(usd(floor));
  });

  it.each([
    { phaseId: 'test', floor: 48_000 },
    { phaseId: 'pro', floor: 49_500 },
  ])('TPT drawdown (proptradingvibes.com PRO guide): an unrealized 51,500 peak in $phaseId sets the floor to $floor at once', ({ phaseId, floor }) => {
    const make = events();
    const { state } = run(program, { openedAt, phaseId }, [make.snapshot(noon('2026-03-09'), { balance: usd(50_000), equity: usd(51_500) })]);
    expect(state.maxLossFloor).toBe(usd(floor));
  });

  it.each(
    inEveryPhaseWith(program, 'maxLoss', [
      { equity: 48_000, expected: 'none' },
      { equity: 47_999.99, expected: 'maxLoss' },
    ]),
  )('TPT drawdown (fundedprogramfinder.com): $phaseId, equity $equity against the 48,000 floor fails by $expected', ({ phaseId, equity, expected }) => {
    const make = events();
    const { effects } = run(program, { openedAt, phaseId }, [make.snapshot(noon('2026-03-09'), { balance: usd(50_000), equity: usd(equity) })]);
    expect(failedBy(effects)).toBe(expected);
  });
});
