/** How a rule turns a breach or an approaching limit into effects and state changes. */
import type { TradeEvent } from '../events.js';
import type { Effect, EventRef, Evidence } from '../effects.js';
import { reachesShare } from '../money.js';
import type { RuleKind } from '../program.js';
import type { AccountState } from '../state.js';

export interface RuleIdentity {
  readonly kind: RuleKind;
  /** Position of the rule in its phase: its slot in state.ruleMarks. */
  readonly index: number;
  readonly severity: 'hard' | 'soft';
}

/** A rule that can breach: its configuration, its slot in state.ruleMarks, and its severity. */
export abstract class JudgingRule<R extends { readonly kind: RuleKind; readonly severity: 'hard' | 'soft' }> implements RuleIdentity {
  readonly kind: R['kind'];
  readonly severity: 'hard' | 'soft';

  constructor(
    readonly rule: R,
    readonly index: number,
  ) {
    this.kind = rule.kind;
    this.severity = rule.severity;
  }
}

const SOFT_BREACH_MARK = 1;
const ESTIMATED_BREACH_MARK = 2;
const FIRST_WARNING_MARK = 4;

export function refOf(event: TradeEvent): EventRef {
  switch (event.type) {
    case 'clock':
      return { type: event.type, seq: null, eventId: null, time: event.time };
    case 'override':
      return { type: event.type, seq: null, eventId: event.overrideId, time: event.time };
    default:
      return { type: event.type, seq: event.seq, eventId: event.eventId, time: event.time };
  }
}

function marked(s: AccountState, index: number, bit: number): boolean {
  return ((s.ruleMarks[index] ?? 0) & bit) !== 0;
}

function mark(s: AccountState, index: number, bit: number): void {
  const marks = s.ruleMarks.slice();
  marks[index] = (marks[index] ?? 0) | bit;
  s.ruleMarks = marks;
}

export interface BreachOptions {
  /** Judged on equity: on estimated equity it only warns. */
  readonly onEquity: boolean;
  /** A standing condition (a floor, a usage level): a soft breach is reported once per firm day. */
  readonly standing: boolean;
}

/**
 * Records a breach. Hard fails the account at once; a soft daily loss locks trading until the next
 * firm day; any other soft breach flags.
 */
export function breach(
  s: AccountState,
  rule: RuleIdentity,
  time: number,
  message: string,
  evidence: Evidence,
  options: BreachOptions,
  out: Effect[],
): void {
  if (options.onEquity && s.equityEstimated) {
    if (marked(s, rule.index, ESTIMATED_BREACH_MARK)) return;
    mark(s, rule.index, ESTIMATED_BREACH_MARK);
    out.push({ type: 'warning', rule: rule.kind, levelBps: 10_000, reason: 'breachOnEstimatedEquity', time, evidence });
    return;
  }
  if (rule.severity === 'hard') {
    out.push({ type: 'violation', rule: rule.kind, severity: 'hard', action: 'fail', time, message, evidence });
    s.status = 'failed';
    s.endedAt = time;
    s.endReason = rule.kind;
    out.push({ type: 'accountFailed', rule: rule.kind, time, event: evidence.event });
    return;
  }
  if (options.standing) {
    if (marked(s, rule.index, SOFT_BREACH_MARK)) return;
    mark(s, rule.index, SOFT_BREACH_MARK);
  }
  const action = rule.kind === 'dailyLoss' ? 'lockDay' : 'flag';
  if (action === 'lockDay') s.lockedUntil = s.dayEndsAt;
  out.push({ type: 'violation', rule: rule.kind, severity: 'soft', action, time, message, evidence });
}

/** The lowest early-warning level of a rule, or null: checked first so the hot path allocates nothing. */
export function lowestLevel(levels: readonly number[]): number | null {
  return levels.length === 0 ? null : Math.min(...levels);
}

/** True when some early warning may be due: used has reached the lowest level's share of the limit. */
export function warningDue(lowest: number | null, used: number, limit: number): boolean {
  return lowest !== null && used > 0 && limit > 0 && reachesShare(used, limit, lowest);
}

/**
 * Raises each early warning whose share of the limit is reached, once per firm day.
 * Callers check warningDue first; evidence is only built when a warning fires.
 */
export function warnApproaching(
  s: AccountState,
  rule: RuleIdentity,
  levels: readonly number[],
  used: number,
  limit: number,
  time: number,
  evidence: () => Evidence,
  out: Effect[],
): void {
  if (used <= 0 || limit <= 0) return;
  for (let level = 0; level < levels.length; level++) {
    const levelBps = levels[level]!;
    const bit = FIRST_WARNING_MARK << level;
    if (reachesShare(used, limit, levelBps) && !marked(s, rule.index, bit)) {
      mark(s, rule.index, bit);
      out.push({ type: 'warning', rule: rule.kind, levelBps, reason: 'approachingLimit', time, evidence: evidence() });
    }
  }
}

/** touch: reaching the floor breaches; cross: only going below it. Tolerance widens the limit. */
export function belowFloor(value: number, floor: number, breachAt: 'touch' | 'cross', tolerance: number): boolean {
  return breachAt === 'touch' ? value <= floor - tolerance : value < floor - tolerance;
}

/** touch: reaching the limit breaches; cross: only going beyond it. Tolerance widens the limit. */
export function aboveLimit(value: number, limit: number, breachAt: 'touch' | 'cross', tolerance: number): boolean {
  return breachAt === 'touch' ? value >= limit + tolerance : value > limit + tolerance;
}
