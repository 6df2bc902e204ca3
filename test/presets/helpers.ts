/**
 * Shared pieces of the preset tests: dollars as cents, trading days as closed trades, and readers
 * for the verdicts the reducer produced. Every scenario still runs through openAccount + apply.
 */
import { phaseOf } from '../../shared/domain/compile.js';
import type { AccountFailedEffect, Effect, ObjectiveStatus, PhasePassedEffect, ViolationEffect } from '../../shared/domain/effects.js';
import type { TradeEvent } from '../../shared/domain/events.js';
import type { Program, RuleKind } from '../../shared/domain/program.js';
import type { AccountState } from '../../shared/domain/state.js';
import { getPreset } from '../../shared/presets/index.js';
import { events, type EventBuilder } from '../support/events.js';
import { run } from '../support/replay.js';

const DAY_MS = 86_400_000;

/**
 * Accounts open on Monday 9 March 2026: after the US and before the EU daylight-saving change, so New
 * York and Chicago run on summer time and Prague on winter time. A number, as run() types openedAt.
 */
export const openedAt = Date.parse('2026-03-09T00:00:00Z');

/** Dollars (cents allowed) as integer cents. */
export const usd = (dollars: number): number => Math.round(dollars * 100);

export function preset(id: string): Program {
  const program = getPreset(id);
  if (program === undefined) throw new Error(`no preset "${id}"`);
  return program;
}

/** Noon UTC of the date `offset` days after `date`: inside that date's firm day for every boundary used here. */
export function noon(date: string, offset = 0): string {
  return new Date(Date.parse(`${date}T12:00:00Z`) + offset * DAY_MS).toISOString();
}

/** Each row once for every phase of the program that has a rule of `kind`, with that phase's id. */
export function inEveryPhaseWith<T extends object>(program: Program, kind: RuleKind, rows: readonly T[]): Array<T & { phaseId: string }> {
  return program.phases
    .filter((phase) => phase.rules.some((rule) => rule.kind === kind))
    .flatMap((phase) => rows.map((row) => ({ ...row, phaseId: phase.id })));
}

/** A position opened and fully closed at `time` for a net closed P&L of `pnl` cents. */
export function closedTrade(make: EventBuilder, time: string | number, pnl: number): TradeEvent[] {
  const position = { positionId: `p${make.nextSeq()}`, symbol: 'EURUSD', volume: 10_000 };
  return [
    make.deal(time, { ...position, side: 'buy', entry: 'in' }),
    make.deal(time, { ...position, side: 'sell', entry: 'out', profit: pnl }),
  ];
}

/** One closed trade per firm day, at noon of `firstDate` and the dates after it. */
export function tradingDays(make: EventBuilder, firstDate: string, pnls: readonly number[]): TradeEvent[] {
  return pnls.flatMap((pnl, offset) => closedTrade(make, noon(firstDate, offset), pnl));
}

/** The rule that failed the account, or 'none' while it is still active. */
export function failedBy(effects: readonly Effect[]): RuleKind | 'override' | 'none' {
  return effects.find((effect): effect is AccountFailedEffect => effect.type === 'accountFailed')?.rule ?? 'none';
}

export function violations(effects: readonly Effect[], rule: RuleKind): ViolationEffect[] {
  return effects.filter((effect): effect is ViolationEffect => effect.type === 'violation' && effect.rule === rule);
}

export function passed(effects: readonly Effect[]): PhasePassedEffect | undefined {
  return effects.find((effect): effect is PhasePassedEffect => effect.type === 'phasePassed');
}

export function statusOf(statuses: readonly ObjectiveStatus[], objective: RuleKind): ObjectiveStatus {
  const status = statuses.find((candidate) => candidate.objective === objective);
  if (status === undefined) throw new Error(`no ${objective} objective`);
  return status;
}

/** The phase's pass objectives as the engine sees them now. */
export function objectivesNow(program: Program, state: AccountState): ObjectiveStatus[] {
  return phaseOf(program, state.phaseId).objectives.map((objective) => objective.status(state));
}

/** The best-day rule's status now, for a phase where it gates payouts rather than the pass. */
export function consistencyNow(program: Program, state: AccountState): ObjectiveStatus {
  const rule = phaseOf(program, state.phaseId).bestDayConsistency;
  if (rule === null) throw new Error(`phase ${state.phaseId} has no best-day rule`);
  return rule.status(state);
}

/**
 * A 100K account that lost $4,900 and $4,700 on two days (inside a 5% daily limit) and then shows `equity`
 * on the third: which rule, if any, fails it. Probes a static $90,000 maximum-loss floor without the daily
 * limit getting there first.
 */
export function failureAfterTwoLosingDays(program: Program, phaseId: string, equity: number): RuleKind | 'override' | 'none' {
  const make = events();
  const { effects } = run(program, { openedAt, phaseId }, [
    ...tradingDays(make, '2026-03-09', [usd(-4_900), usd(-4_700)]),
    make.snapshot(noon('2026-03-11'), { balance: usd(90_400), equity: usd(equity) }),
  ]);
  return failedBy(effects);
}
