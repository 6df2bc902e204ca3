/**
 * Replay: runs a stream of canonical events through the account reducer and reports what the rule
 * engine decided, when, and on which input. compare() replays the same stream under two programs:
 * the what-if a firm runs before changing a rule. Pure: no file system, no clock.
 */
import { phaseOf, type CompiledPhase } from '../domain/compile.js';
import type {
  AccountFailedEffect,
  DayStatistics,
  Effect,
  ObjectiveEffect,
  ObjectiveStatus,
  PhasePassedEffect,
  ViolationEffect,
  WarningEffect,
} from '../domain/effects.js';
import type { TradeEvent } from '../domain/events.js';
import { NO_NEWS, type NewsIndex } from '../domain/news.js';
import type { Program } from '../domain/program.js';
import { apply, dayStatistics } from '../domain/reducer.js';
import { openAccount, type AccountState, type AccountStatus, type OpenAccount } from '../domain/state.js';

export interface ReplayOptions {
  readonly news?: NewsIndex;
  /** The phase accounts start in; the program's first phase by default. */
  readonly phaseId?: string;
  /** How an account was opened, when known (a stored history says); otherwise at its first event with the program's balance. */
  readonly opening?: (accountId: string) => Pick<OpenAccount, 'openedAt' | 'initialBalance' | 'traderId'> | undefined;
}

export type Verdict = ViolationEffect | WarningEffect | ObjectiveEffect | PhasePassedEffect | AccountFailedEffect;

/** Where in the input something happened: index is 0-based, line is the 1-based JSONL line. */
export interface InputPosition {
  readonly index: number;
  readonly line: number;
}

export interface TimelineEntry extends InputPosition {
  readonly tenant: string;
  readonly accountId: string;
  readonly time: string;
  /** As the reducer emitted it: times inside are epoch milliseconds. */
  readonly effect: Verdict;
}

export interface FloorPoint extends InputPosition {
  readonly time: string;
  readonly dailyFloor: number | null;
  readonly maxLossFloor: number | null;
}

export interface DayReport extends DayStatistics {
  /** False for the day still running when the input ended (or the account ended). */
  readonly closed: boolean;
}

export interface IgnoredCounts {
  duplicate: number;
  terminal: number;
}

export interface AccountReport {
  readonly tenant: string;
  readonly accountId: string;
  readonly phaseId: string;
  readonly status: AccountStatus;
  readonly endReason: string | null;
  readonly openedAt: string;
  readonly endedAt: string | null;
  readonly events: number;
  readonly ignored: IgnoredCounts;
  readonly objectives: ObjectiveStatus[];
  /** Conditions a payout request would be judged on now (e.g. best-day consistency since the last payout). */
  readonly payoutGates: ObjectiveStatus[];
  readonly days: DayReport[];
  readonly floors: FloorPoint[];
  /** The final state exactly as the store would persist it (times in epoch milliseconds). */
  readonly state: AccountState;
}

export interface ProgramRef {
  readonly id: string;
  readonly version: number;
  readonly name: string;
}

export interface ReplayReport {
  readonly program: ProgramRef & { readonly phaseId: string };
  readonly counts: {
    readonly events: number;
    readonly accounts: number;
    readonly ignored: IgnoredCounts;
    readonly byType: Record<string, number>;
  };
  readonly accounts: AccountReport[];
  /** Every verdict in input order, objective changes included. */
  readonly timeline: TimelineEntry[];
}

interface AccountRun {
  state: AccountState;
  events: number;
  ignored: IgnoredCounts;
  closedDays: DayReport[];
  floors: FloorPoint[];
}

const iso = (time: number): string => new Date(time).toISOString();

function isVerdict(effect: Effect): effect is Verdict {
  switch (effect.type) {
    case 'violation':
    case 'warning':
    case 'objective':
    case 'phasePassed':
    case 'accountFailed':
      return true;
    default:
      return false;
  }
}

/** Accounts are identified by tenant and account id; ids may contain any separator. */
const accountKey = (tenant: string, accountId: string): string => JSON.stringify([tenant, accountId]);

export function replay(program: Program, events: readonly TradeEvent[], options: ReplayOptions = {}): ReplayReport {
  const news = options.news ?? NO_NEWS;
  const phaseId = options.phaseId ?? program.phases[0]!.id;
  const runs = new Map<string, AccountRun>();
  const timeline: TimelineEntry[] = [];
  const byType: Record<string, number> = {};
  const ignored: IgnoredCounts = { duplicate: 0, terminal: 0 };

  events.forEach((event, index) => {
    const position = { index, line: index + 1 };
    byType[event.type] = (byType[event.type] ?? 0) + 1;
    const key = accountKey(event.tenant, event.accountId);
    let run = runs.get(key);
    if (run === undefined) {
      const state = openAccount(program, { tenant: event.tenant, accountId: event.accountId, phaseId, openedAt: event.time, ...options.opening?.(event.accountId) });
      run = { state, events: 0, ignored: { duplicate: 0, terminal: 0 }, closedDays: [], floors: [] };
      runs.set(key, run);
    }
    const before = run.state;
    const { state, effects } = apply(before, event, program, news);
    run.state = state;
    run.events += 1;
    for (const effect of effects) {
      if (effect.type === 'ignored') {
        // An account is only ever given its own events, so the reason is duplicate or terminal.
        if (effect.reason !== 'otherAccount') {
          run.ignored[effect.reason] += 1;
          ignored[effect.reason] += 1;
        }
      } else if (effect.type === 'dayClosed') {
        run.closedDays.push({ ...effect.stats, closed: true });
      } else if (isVerdict(effect)) {
        timeline.push({ ...position, tenant: event.tenant, accountId: event.accountId, time: iso(effect.time), effect });
      }
    }
    if (run.floors.length === 0 || state.dailyFloor !== before.dailyFloor || state.maxLossFloor !== before.maxLossFloor) {
      run.floors.push({ ...position, time: iso(state.clock), dailyFloor: state.dailyFloor, maxLossFloor: state.maxLossFloor });
    }
  });

  const accounts = [...runs.values()].map((run) => accountReport(program, run));
  return {
    program: { ...programRef(program), phaseId },
    counts: { events: events.length, accounts: accounts.length, ignored, byType },
    accounts,
    timeline,
  };
}

function programRef(program: Program): ProgramRef {
  return { id: program.id, version: program.version, name: program.name };
}

function accountReport(program: Program, run: AccountRun): AccountReport {
  const { state } = run;
  const phase = phaseOf(program, state.phaseId);
  return {
    tenant: state.tenant,
    accountId: state.accountId,
    phaseId: state.phaseId,
    status: state.status,
    endReason: state.endReason,
    openedAt: iso(state.openedAt),
    endedAt: state.endedAt === null ? null : iso(state.endedAt),
    events: run.events,
    ignored: run.ignored,
    objectives: phase.objectives.map((objective) => objective.status(state)),
    payoutGates: phase.payoutGates.map((gate) => gate.status(state)),
    days: [...run.closedDays, currentDay(phase, state)],
    floors: run.floors,
    state,
  };
}

/** The running firm day, with the figures it would close with now. */
function currentDay(phase: CompiledPhase, s: AccountState): DayReport {
  return { ...dayStatistics(s, phase), closed: false };
}

export interface AccountOutcome {
  readonly status: AccountStatus;
  readonly endReason: string | null;
  readonly failedAt: string | null;
  readonly passedAt: string | null;
}

export interface AccountComparison {
  readonly tenant: string;
  readonly accountId: string;
  readonly a: AccountOutcome;
  readonly b: AccountOutcome;
  /** Status, reason or end time differ. */
  readonly changed: boolean;
}

export interface Comparison {
  readonly a: ProgramRef;
  readonly b: ProgramRef;
  readonly accounts: AccountComparison[];
  /** Verdicts on an input under one program with no counterpart under the other. */
  readonly onlyUnderA: TimelineEntry[];
  readonly onlyUnderB: TimelineEntry[];
  readonly summary: {
    readonly accounts: number;
    readonly changed: number;
    readonly failed: { readonly a: number; readonly b: number };
    readonly passed: { readonly a: number; readonly b: number };
    readonly verdictsOnlyUnderA: number;
    readonly verdictsOnlyUnderB: number;
  };
}

function outcomeOf(account: AccountReport): AccountOutcome {
  return {
    status: account.status,
    endReason: account.endReason,
    failedAt: account.status === 'failed' ? account.endedAt : null,
    passedAt: account.status === 'passed' ? account.endedAt : null,
  };
}

/** The rule (or objective, or phase) a verdict is about; a warning's level is part of it, as two can fire on one input. */
export function subjectOf(effect: Verdict): string {
  switch (effect.type) {
    case 'objective':
      return `${effect.objective}:${effect.met ? 'met' : 'unmet'}`;
    case 'phasePassed':
      return effect.phaseId;
    case 'warning':
      return `${effect.rule}@${effect.levelBps}`;
    case 'violation':
    case 'accountFailed':
      return effect.rule;
  }
}

/** What identifies a verdict across two replays: account, input, type and subject. */
function verdictKey(entry: TimelineEntry): string {
  return JSON.stringify([entry.tenant, entry.accountId, entry.index, entry.effect.type, subjectOf(entry.effect)]);
}

/** Entries of `timeline` with no entry of the same key in `other` (a multiset difference). */
function unmatched(timeline: readonly TimelineEntry[], other: readonly TimelineEntry[]): TimelineEntry[] {
  const available = new Map<string, number>();
  for (const entry of other) {
    const key = verdictKey(entry);
    available.set(key, (available.get(key) ?? 0) + 1);
  }
  return timeline.filter((entry) => {
    const key = verdictKey(entry);
    const left = available.get(key) ?? 0;
    if (left === 0) return true;
    available.set(key, left - 1);
    return false;
  });
}

export function compare(programA: Program, programB: Program, events: readonly TradeEvent[], options: ReplayOptions = {}): Comparison {
  const reportA = replay(programA, events, options);
  const reportB = replay(programB, events, options);
  // Both replays open the same accounts in the same order: they see the same events.
  const accounts = reportA.accounts.map((accountA, i): AccountComparison => {
    const accountB = reportB.accounts[i]!;
    const a = outcomeOf(accountA);
    const b = outcomeOf(accountB);
    const changed = a.status !== b.status || a.endReason !== b.endReason || accountA.endedAt !== accountB.endedAt;
    return { tenant: accountA.tenant, accountId: accountA.accountId, a, b, changed };
  });
  const onlyUnderA = unmatched(reportA.timeline, reportB.timeline);
  const onlyUnderB = unmatched(reportB.timeline, reportA.timeline);
  const count = (status: AccountStatus, side: 'a' | 'b') => accounts.filter((account) => account[side].status === status).length;
  return {
    a: programRef(programA),
    b: programRef(programB),
    accounts,
    onlyUnderA,
    onlyUnderB,
    summary: {
      accounts: accounts.length,
      changed: accounts.filter((account) => account.changed).length,
      failed: { a: count('failed', 'a'), b: count('failed', 'b') },
      passed: { a: count('passed', 'a'), b: count('passed', 'b') },
      verdictsOnlyUnderA: onlyUnderA.length,
      verdictsOnlyUnderB: onlyUnderB.length,
    },
  };
}
