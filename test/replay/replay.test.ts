import { describe, expect, it } from 'vitest';
import { dayNumber } from '../../shared/domain/calendar.js';
import { isBridgeEvent } from '../../shared/domain/events.js';
import { percentOf } from '../../shared/domain/money.js';
import { NewsIndex } from '../../shared/domain/news.js';
import { getPreset } from '../../shared/presets/index.js';
import { replay, type AccountReport, type ReplayReport } from '../../shared/replay/replay.js';
import { events } from '../support/events.js';
import { demoAccounts, demoEvents, demoProgram } from './demo.js';

const program = demoProgram;
const report = replay(program, demoEvents);

function account(of: ReplayReport, accountId: string): AccountReport {
  return of.accounts.find((each) => each.accountId === accountId)!;
}

function verdictsOf(of: ReplayReport, accountId: string) {
  return of.timeline.filter((entry) => entry.accountId === accountId).map((entry) => entry.effect);
}

describe('replay of the demo stream', () => {
  it('passes, fails and warns each account as its story says', () => {
    const passes = account(report, demoAccounts.passes);
    expect([passes.status, passes.endReason]).toEqual(['passed', 'objectivesMet']);
    expect(passes.objectives.every((objective) => objective.met)).toBe(true);
    expect(verdictsOf(report, demoAccounts.passes).map((effect) => effect.type)).not.toContain('violation');

    for (const [accountId, rule] of [
      [demoAccounts.failsDailyLoss, 'dailyLoss'],
      [demoAccounts.failsMaxLoss, 'maxLoss'],
    ] as const) {
      const failed = account(report, accountId);
      expect([failed.status, failed.endReason]).toEqual(['failed', rule]);
      const verdicts = verdictsOf(report, accountId).filter((effect) => effect.type !== 'objective');
      // Both early warnings come before the violation that fails the account, and nothing after it.
      const levels = verdicts.flatMap((effect) => (effect.type === 'warning' && effect.rule === rule ? [effect.levelBps] : []));
      expect(new Set(levels)).toEqual(new Set([8000, 9000]));
      expect(verdicts.slice(-2).map((effect) => effect.type)).toEqual(['violation', 'accountFailed']);
      expect(failed.ignored.terminal).toBeGreaterThan(0);
    }

    const warned = account(report, demoAccounts.warnedSurvives);
    expect(warned.status).toBe('active');
    const verdicts = verdictsOf(report, demoAccounts.warnedSurvives);
    expect(verdicts.filter((effect) => effect.type === 'violation')).toEqual([]);
    expect(new Set(verdicts.flatMap((effect) => (effect.type === 'warning' ? [effect.levelBps] : [])))).toEqual(new Set([8000, 9000]));
    expect(warned.ignored.duplicate).toBe(1);
  });

  it('counts every input by type, and the duplicate and post-end events it ignored', () => {
    const total = Object.values(report.counts.byType).reduce((sum, count) => sum + count, 0);
    expect(total).toBe(demoEvents.length);
    expect(report.counts.events).toBe(demoEvents.length);
    expect(report.counts.byType.clock).toBe(1);
    expect(report.counts.ignored.duplicate).toBe(1);
    expect(report.counts.ignored.terminal).toBe(report.accounts.reduce((sum, each) => sum + each.ignored.terminal, 0));
    expect(report.accounts.reduce((sum, each) => sum + each.events, 0)).toBe(demoEvents.length);
  });

  it('points every verdict at the input that produced it', () => {
    expect(report.timeline.length).toBeGreaterThan(0);
    for (const entry of report.timeline) {
      const event = demoEvents[entry.index]!;
      expect([entry.line, entry.tenant, entry.accountId]).toEqual([entry.index + 1, event.tenant, event.accountId]);
      if ('event' in entry.effect && isBridgeEvent(event)) expect(entry.effect.event.seq).toBe(event.seq);
      expect(Date.parse(entry.time)).toBe(entry.effect.time);
    }
  });

  it('reports consecutive firm days whose closed P&L adds up to the balance, the last one still open', () => {
    for (const each of report.accounts) {
      const labels = each.days.map((day) => dayNumber(day.day));
      expect(labels.slice(1).map((day, i) => day - labels[i]!)).toEqual(labels.slice(1).map(() => 1));
      expect(each.days.map((day) => day.closed)).toEqual([...each.days.slice(1).map(() => true), false]);
      expect(each.days.reduce((sum, day) => sum + day.closedPnl, 0)).toBe(each.state.balance - each.state.initialBalance);
      const tradingDays = each.days.filter((day) => day.tradingDay).length;
      expect(each.objectives.find((objective) => objective.objective === 'minTradingDays')!.value).toBe(tradingDays);
    }
  });

  it('lets the scheduler clock close a day nobody traded into', () => {
    const withoutClock = replay(
      program,
      demoEvents.filter((event) => event.type !== 'clock'),
    );
    const closedDays = (of: ReplayReport) => account(of, demoAccounts.warnedSurvives).days.filter((day) => day.closed).length;
    expect(closedDays(report)).toBe(closedDays(withoutClock) + 1);
  });

  it('records the floors where they change, starting at the opening event', () => {
    for (const each of report.accounts) {
      const first = demoEvents.findIndex((event) => event.accountId === each.accountId);
      expect(each.floors[0]!.index).toBe(first);
      each.floors.slice(1).forEach((point, i) => {
        const previous = each.floors[i]!;
        expect(point.index).toBeGreaterThan(previous.index);
        expect([point.dailyFloor, point.maxLossFloor]).not.toEqual([previous.dailyFloor, previous.maxLossFloor]);
      });
      expect(each.floors.at(-1)).toMatchObject({ dailyFloor: each.state.dailyFloor, maxLossFloor: each.state.maxLossFloor });
      // The preset's maximum loss is static: only the daily floor moves.
      expect(new Set(each.floors.map((point) => point.maxLossFloor))).toEqual(new Set([program.initialBalance - percentOf(program.initialBalance, 1000)]));
    }
  });

  it('is JSON data, deterministic, and leaves its input alone', () => {
    const input = structuredClone(demoEvents);
    const again = replay(program, input);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(again).toEqual(report);
    expect(input).toEqual(demoEvents);
  });
});

describe('replay of small streams', () => {
  const at = (time: string) => `2026-03-02T${time}Z`;

  it('opens each account of each tenant at its first event, in the order they appear', () => {
    const first = events({ accountId: 'acc-1' });
    const sameIdOtherFirm = events({ tenant: 'other-firm', accountId: 'acc-1' });
    const result = replay(program, [
      first.snapshot(at('09:00:00'), { equity: 10_000_000 }),
      sameIdOtherFirm.snapshot(at('09:30:00'), { equity: 10_000_000 }),
      first.snapshot(at('10:00:00'), { equity: 10_050_000 }),
    ]);
    expect(result.accounts.map((each) => [each.tenant, each.accountId, each.openedAt, each.events])).toEqual([
      ['demo', 'acc-1', '2026-03-02T09:00:00.000Z', 2],
      ['other-firm', 'acc-1', '2026-03-02T09:30:00.000Z', 1],
    ]);
    expect(result.accounts.map((each) => each.phaseId)).toEqual([program.phases[0]!.id, program.phases[0]!.id]);
  });

  it('ignores a redelivered event without a second verdict', () => {
    const make = events();
    // 90% of the 5% daily loss used: both warning levels at once.
    const drawdown = make.snapshot(at('09:00:00'), { balance: 10_000_000, equity: 9_550_000 });
    const result = replay(program, [drawdown, drawdown]);
    expect(result.counts.ignored).toEqual({ duplicate: 1, terminal: 0 });
    expect(result.timeline.map((entry) => [entry.index, entry.effect.type])).toEqual([
      [0, 'warning'],
      [0, 'warning'],
    ]);
  });

  it('judges a late event at the account clock', () => {
    const make = events();
    const result = replay(program, [
      make.snapshot(at('10:00:00'), { equity: 10_000_000 }),
      make.snapshot(at('09:00:00'), { balance: 10_000_000, equity: 9_400_000 }),
    ]);
    const failure = result.timeline.find((entry) => entry.effect.type === 'accountFailed')!;
    expect([failure.index, failure.line, failure.time]).toEqual([1, 2, '2026-03-02T10:00:00.000Z']);
  });

  it('starts accounts in the phase given', () => {
    const make = events();
    const phase = program.phases[1]!;
    const result = replay(program, [make.snapshot(at('09:00:00'), { equity: 10_000_000 })], { phaseId: phase.id });
    const target = phase.rules.find((rule) => rule.kind === 'profitTarget')!;
    expect(result.program.phaseId).toBe(phase.id);
    expect(result.accounts[0]!.phaseId).toBe(phase.id);
    expect(result.accounts[0]!.objectives[0]).toMatchObject({ objective: 'profitTarget', required: percentOf(program.initialBalance, (target.target as { bps: number }).bps) });
  });

  it('judges news windows only against the calendar it is given', () => {
    const make = () => events();
    const stream = (builder = make()) => [
      builder.snapshot(at('13:00:00'), { equity: 10_000_000 }),
      builder.deal(at('13:29:30'), { positionId: 'p1', symbol: 'EURUSD', side: 'buy', volume: 10_000, entry: 'in' }),
    ];
    const news = NewsIndex.parse({ events: [{ id: 'cpi', title: 'US CPI', time: at('13:30:00'), symbols: ['EURUSD'] }] });
    const rules = (result: ReplayReport) => result.timeline.flatMap((entry) => (entry.effect.type === 'violation' ? [entry.effect.rule] : []));
    expect(rules(replay(program, stream(), { phaseId: 'funded', news }))).toEqual(['newsWindow']);
    expect(rules(replay(program, stream(), { phaseId: 'funded' }))).toEqual([]);
  });

  it('reports the running day of an account that never rolled over', () => {
    const make = events();
    const result = replay(program, [make.snapshot(at('09:00:00'), { balance: 10_000_000, equity: 9_900_000 })]);
    expect(result.accounts[0]!.days).toEqual([
      expect.objectContaining({ day: '2026-03-02', closed: false, startBalance: 10_000_000, endEquity: 9_900_000 }),
    ]);
  });
});

describe('replay of a funded account whose consistency rule gates payouts', () => {
  // intraday-trailing's funded phase: best day at most 30% of the profit since the last payout.
  const funded = getPreset('intraday-trailing')!;
  const trade = (builder: ReturnType<typeof events>, day: string, id: string, profit: number) => [
    builder.deal(`${day}T14:00:00Z`, { positionId: id, symbol: 'ES', side: 'buy', volume: 10_000, entry: 'in' }),
    builder.deal(`${day}T15:00:00Z`, { positionId: id, symbol: 'ES', side: 'sell', volume: 10_000, entry: 'out', profit }),
  ];

  it('reports the gate with the share it would be judged on, and no objectives to pass', () => {
    const make = events();
    const report = replay(funded, [...trade(make, '2026-03-02', 'p1', 100_000), ...trade(make, '2026-03-03', 'p2', 50_000)], { phaseId: 'pa' });
    const [only] = report.accounts;
    expect(only!.objectives).toEqual([]);
    expect(only!.payoutGates).toEqual([{ objective: 'bestDayConsistency', met: false, value: Math.floor((100_000 * 10_000) / 150_000), required: 3_000 }]);
  });

  it('restarts the window at a payout', () => {
    const make = events();
    const report = replay(
      funded,
      [...trade(make, '2026-03-02', 'p1', 100_000), make.balance('2026-03-02T20:00:00Z', { kind: 'payout', amount: -100_000 }), ...trade(make, '2026-03-03', 'p2', 50_000)],
      { phaseId: 'pa' },
    );
    expect(report.accounts[0]!.payoutGates[0]).toMatchObject({ met: false, value: 10_000 });
  });
});
