import { describe, expect, it } from 'vitest';
import { parseProgram, type Program, type Rule } from '../../shared/domain/program.js';
import { compare, replay } from '../../shared/replay/replay.js';
import { events } from '../support/events.js';
import { demoAccounts, demoEvents, demoProgram } from './demo.js';

/** The demo program with its first phase's rule of one kind changed. */
function variant(kind: Rule['kind'], change: Record<string, unknown>): Program {
  const data = structuredClone(demoProgram);
  const rules = data.phases[0]!.rules as Rule[];
  const at = rules.findIndex((rule) => rule.kind === kind);
  rules[at] = { ...rules[at]!, ...change } as Rule;
  return parseProgram(data);
}

describe('compare', () => {
  it('finds nothing to change between a program and an identical copy', () => {
    const result = compare(demoProgram, parseProgram(structuredClone(demoProgram)), demoEvents);
    expect(result.summary).toMatchObject({ changed: 0, verdictsOnlyUnderA: 0, verdictsOnlyUnderB: 0 });
    expect(result.accounts.map((account) => account.accountId)).toEqual(Object.values(demoAccounts));
  });

  it('shows the accounts a looser daily loss would save, with the verdicts only the stricter rule gives', () => {
    const looser = variant('dailyLoss', { limit: { bps: 600, of: 'initial' } });
    const result = compare(demoProgram, looser, demoEvents);
    const [underA, underB] = [replay(demoProgram, demoEvents), replay(looser, demoEvents)];

    const saved = result.accounts.find((account) => account.accountId === demoAccounts.failsDailyLoss)!;
    const before = underA.accounts.find((account) => account.accountId === demoAccounts.failsDailyLoss)!;
    expect(saved).toMatchObject({ changed: true, a: { status: 'failed', endReason: 'dailyLoss', failedAt: before.endedAt, passedAt: null }, b: { status: 'active', failedAt: null } });
    const failure = underA.timeline.find((entry) => entry.accountId === demoAccounts.failsDailyLoss && entry.effect.type === 'accountFailed')!;
    expect(result.onlyUnderA).toContainEqual(failure);
    expect(result.onlyUnderB.some((entry) => entry.effect.type === 'accountFailed')).toBe(false);

    // Every account's outcome under each program is the one its own replay reports.
    result.accounts.forEach((account, i) => {
      expect([account.a.status, account.a.endReason]).toEqual([underA.accounts[i]!.status, underA.accounts[i]!.endReason]);
      expect([account.b.status, account.b.endReason]).toEqual([underB.accounts[i]!.status, underB.accounts[i]!.endReason]);
    });
    expect(result.summary).toMatchObject({
      accounts: 4,
      changed: result.accounts.filter((account) => account.changed).length,
      failed: { a: 2, b: 1 },
      verdictsOnlyUnderA: result.onlyUnderA.length,
      verdictsOnlyUnderB: result.onlyUnderB.length,
    });
  });

  it('matches verdicts by account, input, type and rule, so a dropped warning level is all that differs', () => {
    const fewerWarnings = variant('dailyLoss', { warnAtBps: [8000] });
    const result = compare(demoProgram, fewerWarnings, demoEvents);
    expect(result.summary.changed).toBe(0);
    expect(result.onlyUnderB).toEqual([]);
    expect(result.onlyUnderA.length).toBeGreaterThan(0);
    for (const entry of result.onlyUnderA) expect(entry.effect).toMatchObject({ type: 'warning', rule: 'dailyLoss', levelBps: 9000 });
  });

  it('tells apart two warning levels raised by one input', () => {
    const make = events();
    const bothLevels = [make.snapshot('2026-03-02T09:00:00Z', { balance: 10_000_000, equity: 9_550_000 })];
    const result = compare(demoProgram, variant('dailyLoss', { warnAtBps: [9000] }), bothLevels);
    expect(result.onlyUnderA.map((entry) => entry.effect)).toEqual([expect.objectContaining({ type: 'warning', levelBps: 8000 })]);
    expect(result.onlyUnderB).toEqual([]);
  });

  it('reports an earlier failure under a stricter maximum loss', () => {
    const make = events();
    // A loss of 3% or less a day: within the daily limit, down 8.5% and then 10.5% overall.
    const stream = [
      make.snapshot('2026-03-02T09:00:00Z', { equity: 9_700_000 }),
      make.snapshot('2026-03-03T09:00:00Z', { equity: 9_400_000 }),
      make.snapshot('2026-03-04T09:00:00Z', { equity: 9_150_000 }),
      make.snapshot('2026-03-05T09:00:00Z', { equity: 8_950_000 }),
    ];
    const stricter = variant('maxLoss', { limit: { bps: 800, of: 'initial' } });
    const [account] = compare(demoProgram, stricter, stream).accounts;
    expect(account).toMatchObject({
      changed: true,
      a: { status: 'failed', endReason: 'maxLoss', failedAt: '2026-03-05T09:00:00.000Z' },
      b: { status: 'failed', endReason: 'maxLoss', failedAt: '2026-03-04T09:00:00.000Z' },
    });
  });
});
