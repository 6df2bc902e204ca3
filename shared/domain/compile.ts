/**
 * Turns a phase of a program into its evaluators, once per program object (cached), so that
 * applying an event does no lookups, parsing or allocation for the rules it does not have.
 */
import { calendarFor, type DayCalendar } from './calendar.js';
import type { Phase, Program, Rule, RuleKind, RuleOf } from './program.js';
import { BestDayConsistency } from './rules/consistency.js';
import { DailyLoss } from './rules/daily-loss.js';
import { MaxMarginUsage, MaxOpenPositions, MaxVolume } from './rules/exposure.js';
import { HoldingCutoff } from './rules/holding.js';
import { LotConsistency } from './rules/lot-consistency.js';
import { MaxLoss } from './rules/max-loss.js';
import { NewsWindow } from './rules/news-window.js';
import type { Objective } from './rules/objective.js';
import { Inactivity, MaxPeriod } from './rules/period.js';
import { ProfitTarget } from './rules/profit-target.js';
import { AllowedInstruments, MaxLossPerTrade, StopLossRequired } from './rules/trade-rules.js';
import { MinProfitableDays, MinTradingDays } from './rules/trading-days.js';

export interface CompiledPhase {
  readonly id: string;
  readonly kind: Phase['kind'];
  readonly passCheck: Phase['passCheck'];
  readonly nextPhaseId: string | null;
  readonly calendar: DayCalendar;
  readonly rules: readonly Rule[];
  readonly dailyLoss: DailyLoss | null;
  readonly maxLoss: MaxLoss | null;
  readonly profitTarget: ProfitTarget | null;
  readonly minTradingDays: MinTradingDays | null;
  readonly minProfitableDays: MinProfitableDays | null;
  readonly bestDayConsistency: BestDayConsistency | null;
  readonly maxPeriod: MaxPeriod | null;
  readonly inactivity: Inactivity | null;
  readonly lotConsistency: LotConsistency | null;
  readonly newsWindow: NewsWindow | null;
  readonly weekendHolding: HoldingCutoff | null;
  readonly overnightHolding: HoldingCutoff | null;
  readonly maxVolume: MaxVolume | null;
  readonly maxOpenPositions: MaxOpenPositions | null;
  readonly maxMarginUsage: MaxMarginUsage | null;
  readonly allowedInstruments: AllowedInstruments | null;
  readonly stopLossRequired: StopLossRequired | null;
  readonly maxLossPerTrade: MaxLossPerTrade | null;
  /** What must be met to pass, in a fixed order; bit i of state.objectivesMet is objectives[i]. */
  readonly objectives: readonly Objective[];
  /** What must be met before a payout (the payout workflow asks; the reducer only reports). */
  readonly payoutGates: readonly Objective[];
}

function compile(program: Program, index: number): CompiledPhase {
  const phase = program.phases[index]!;
  const rules = phase.rules;
  const find = <K extends RuleKind>(kind: K): { rule: RuleOf<K>; index: number } | null => {
    const at = rules.findIndex((rule) => rule.kind === kind);
    return at < 0 ? null : { rule: rules[at] as RuleOf<K>, index: at };
  };
  const build = <K extends RuleKind, T>(kind: K, make: (rule: RuleOf<K>, index: number) => T): T | null => {
    const found = find(kind);
    return found === null ? null : make(found.rule, found.index);
  };

  const bestDayConsistency = build('bestDayConsistency', (rule) => new BestDayConsistency(rule));
  const extendsTarget = bestDayConsistency?.rule.action === 'extendTarget' ? bestDayConsistency : null;
  const profitTarget = build('profitTarget', (rule) => new ProfitTarget(rule, extendsTarget));
  const minTradingDays = build('minTradingDays', (rule) => new MinTradingDays(rule));
  const minProfitableDays = build('minProfitableDays', (rule) => new MinProfitableDays(rule));
  const objectives: Objective[] = [];
  for (const objective of [profitTarget, minTradingDays, minProfitableDays]) if (objective !== null) objectives.push(objective);
  if (bestDayConsistency?.rule.action === 'blockPass') objectives.push(bestDayConsistency);

  return {
    id: phase.id,
    kind: phase.kind,
    passCheck: phase.passCheck,
    nextPhaseId: program.phases[index + 1]?.id ?? null,
    calendar: calendarFor(program.dayBoundary),
    rules,
    dailyLoss: build('dailyLoss', (rule, at) => new DailyLoss(rule, at)),
    maxLoss: build('maxLoss', (rule, at) => new MaxLoss(rule, at)),
    profitTarget,
    minTradingDays,
    minProfitableDays,
    bestDayConsistency,
    maxPeriod: build('maxPeriod', (rule, at) => new MaxPeriod(rule, at)),
    inactivity: build('inactivity', (rule, at) => new Inactivity(rule, at)),
    lotConsistency: build('lotConsistency', (rule, at) => new LotConsistency(rule, at)),
    newsWindow: build('newsWindow', (rule, at) => new NewsWindow(rule, at)),
    weekendHolding: build('weekendHolding', (rule, at) => new HoldingCutoff(rule, at)),
    overnightHolding: build('overnightHolding', (rule, at) => new HoldingCutoff(rule, at)),
    maxVolume: build('maxVolume', (rule, at) => new MaxVolume(rule, at)),
    maxOpenPositions: build('maxOpenPositions', (rule, at) => new MaxOpenPositions(rule, at)),
    maxMarginUsage: build('maxMarginUsage', (rule, at) => new MaxMarginUsage(rule, at)),
    allowedInstruments: build('allowedInstruments', (rule, at) => new AllowedInstruments(rule, at)),
    stopLossRequired: build('stopLossRequired', (rule, at) => new StopLossRequired(rule, at)),
    maxLossPerTrade: build('maxLossPerTrade', (rule, at) => new MaxLossPerTrade(rule, at)),
    objectives,
    payoutGates: bestDayConsistency?.rule.action === 'blockPayout' ? [bestDayConsistency] : [],
  };
}

const compiled = new WeakMap<Program, Map<string, CompiledPhase>>();

function phasesOf(program: Program): Map<string, CompiledPhase> {
  let phases = compiled.get(program);
  if (phases === undefined) {
    phases = new Map(program.phases.map((phase, index) => [phase.id, compile(program, index)]));
    compiled.set(program, phases);
  }
  return phases;
}

export function compilePhase(program: Program, index: number): CompiledPhase {
  return phaseOf(program, program.phases[index]!.id);
}

// The last phase looked up: a stream is mostly one program, so most events skip both map lookups.
let lastProgram: Program | null = null;
let lastPhase: CompiledPhase | null = null;

export function phaseOf(program: Program, phaseId: string): CompiledPhase {
  if (program === lastProgram && lastPhase!.id === phaseId) return lastPhase!;
  const phase = phasesOf(program).get(phaseId);
  if (phase === undefined) throw new Error(`program ${program.id} v${program.version} has no phase "${phaseId}"`);
  lastProgram = program;
  lastPhase = phase;
  return phase;
}
