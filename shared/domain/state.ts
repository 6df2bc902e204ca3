/**
 * The state of one trading account in one phase of its program. A flat, JSON-safe record: it is what
 * the store persists, and serializing and restoring it between any two events changes no verdict.
 */
import { compilePhase } from './compile.js';
import type { Program } from './program.js';

/**
 * Declared, and built everywhere, in this order, so that every position shares one hidden class: the
 * fields each deal reads (the id it looks up, the volume it sums) first, those read only when the
 * position closes last.
 */
export interface OpenPosition {
  readonly positionId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly volume: number;
  /** Largest volume the position reached: its size for lot consistency. */
  readonly peakVolume: number;
  readonly openedAt: number;
  readonly hasStopLoss: boolean;
  /** Net realised P&L of its deals so far, fees included. */
  readonly netPnl: number;
  /** Opened or closed inside a news window whose consequence is profit exclusion. */
  readonly newsExcluded: boolean;
  /**
   * The first entry deal's price; adds do not change it. Not an average: the abuse detectors compare
   * the entry with the reference feed at that moment, and an average price matches no moment.
   * Absent in states saved before it existed (a closed trade then takes the closing deal's price).
   */
  readonly openPrice: number;
  /** The first entry deal's referencePrice: null when the bridge had none. Absent, like openPrice, in older states. */
  readonly openReferencePrice: number | null;
}

export type AccountStatus = 'active' | 'passed' | 'failed';

/**
 * The fields a quiet tick reads and writes come first: V8 lays an object's fields out in this order,
 * and at 20,000 accounts the reducer is bound by memory, so they should share as few cache lines as can be.
 */
export interface AccountState {
  readonly schema: 1;
  readonly tenant: string;
  readonly accountId: string;
  /** Who trades it; the API shows a trader their own accounts only. Null for an account nobody owns yet. */
  readonly traderId: string | null;
  readonly programId: string;
  readonly programVersion: number;
  readonly phaseId: string;
  status: AccountStatus;
  /** Highest bridge seq applied; -1 before the first. */
  lastSeq: number;
  /** Event time of the latest applied event; the account's clock never runs backwards. */
  clock: number;
  /** The latest firm-day close or holding cutoff settled: no event is judged before it. */
  settledAt: number;
  /** When the current firm day ends, and the next holding cutoffs (0 when the phase has none). */
  dayEndsAt: number;
  weekendCutoffAt: number;
  overnightCutoffAt: number;

  balance: number;
  equity: number;
  margin: number;
  /** Equity the broker did not report: an estimated snapshot may warn, never fail. */
  equityEstimated: boolean;
  /**
   * A deal moved positions since the broker's last equity, which is now a guess: it is not judged and
   * not counted in the day's statistics until the broker reports again. The guess starts from an
   * equity the evaluator may not have saved, so judging it would make verdicts depend on batching.
   */
  equityAwaitsBroker: boolean;
  readonly initialBalance: number;
  highWater: number;
  maxLossFloor: number | null;
  /** A payout locked the floor: it no longer trails. */
  maxLossFrozen: boolean;
  dailyFloor: number | null;
  /** The current firm day's references, taken at its start. */
  dayStartBalance: number;
  dayStartEquity: number;
  dayPeakEquity: number;
  /** Per rule of the phase: bit 0 = soft breach reported today, bit n = warning level n raised today. */
  ruleMarks: number[];

  /** The current firm day (days since 1970-01-01 of its label date) and its running statistics. */
  day: number;
  dayClosedPnl: number;
  dayDeals: number;
  dayVolume: number;
  /** The current day already counts as a trading day under the minTradingDays rule. */
  dayQualifies: boolean;
  /** Soft daily-loss lock: no new positions until this instant; 0 when unlocked. */
  lockedUntil: number;
  positions: OpenPosition[];
  openVolume: number;

  /** Completed firm days that counted. The current day is added while it qualifies. */
  tradingDays: number;
  profitableDays: number;
  lastTradeDay: number;
  /** Best-day consistency window: closed P&L total, best completed day, and today's share of it. */
  windowPnl: number;
  windowBestDayPnl: number;
  windowDayPnl: number;
  /** Profit that news rules exclude from the target. */
  excludedProfit: number;
  closedTrades: number;
  closedVolume: number;
  payouts: number;
  /** Bit per objective rule: met at the last check. */
  objectivesMet: number;

  readonly openedAt: number;
  readonly startDay: number;
  endedAt: number | null;
  /** The rule that failed the account, 'objectivesMet', or 'override'. */
  endReason: string | null;
  /** Firm days staff added to the phase's maximum period. */
  periodExtensionDays: number;
  /** The ids of the latest overrides applied (at most RECENT_OVERRIDES), so a redelivered one applies once. */
  recentOverrides: readonly string[];
}

/** Redelivery replays minutes of the stream; no account sees this many overrides in that time. */
export const RECENT_OVERRIDES = 16;
const NO_OVERRIDES: readonly string[] = Object.freeze([]);

export interface OpenAccount {
  tenant: string;
  accountId: string;
  /** @default null */
  traderId?: string | null;
  phaseId?: string;
  /** When the account starts trading in this phase (epoch ms). */
  openedAt: number;
  /** Overrides the program's initial balance, for a scaled account. */
  initialBalance?: number;
}

/** The state of a freshly provisioned account at the start of a phase. */
export function openAccount(program: Program, open: OpenAccount): AccountState {
  const phaseIndex = open.phaseId === undefined ? 0 : program.phases.findIndex((phase) => phase.id === open.phaseId);
  if (phaseIndex < 0) throw new Error(`program ${program.id} v${program.version} has no phase "${open.phaseId}"`);
  const phase = compilePhase(program, phaseIndex);
  const balance = open.initialBalance ?? program.initialBalance;
  const firmDay = phase.calendar.dayAt(open.openedAt);
  const state: AccountState = {
    schema: 1,
    tenant: open.tenant,
    accountId: open.accountId,
    traderId: open.traderId ?? null,
    programId: program.id,
    programVersion: program.version,
    phaseId: phase.id,
    status: 'active',
    lastSeq: -1,
    clock: open.openedAt,
    settledAt: open.openedAt,
    dayEndsAt: firmDay.endsAt,
    weekendCutoffAt: phase.weekendHolding?.cutoffs.next(open.openedAt) ?? 0,
    overnightCutoffAt: phase.overnightHolding?.cutoffs.next(open.openedAt) ?? 0,
    balance,
    equity: balance,
    margin: 0,
    equityEstimated: false,
    equityAwaitsBroker: false,
    initialBalance: balance,
    highWater: balance,
    maxLossFloor: null,
    maxLossFrozen: false,
    dailyFloor: null,
    dayStartBalance: balance,
    dayStartEquity: balance,
    dayPeakEquity: balance,
    ruleMarks: phase.rules.map(() => 0),
    day: firmDay.day,
    dayClosedPnl: 0,
    dayDeals: 0,
    dayVolume: 0,
    dayQualifies: false,
    lockedUntil: 0,
    positions: [],
    openVolume: 0,
    tradingDays: 0,
    profitableDays: 0,
    lastTradeDay: firmDay.day,
    windowPnl: 0,
    windowBestDayPnl: 0,
    windowDayPnl: 0,
    excludedProfit: 0,
    closedTrades: 0,
    closedVolume: 0,
    payouts: 0,
    objectivesMet: 0,
    openedAt: open.openedAt,
    startDay: firmDay.day,
    endedAt: null,
    endReason: null,
    periodExtensionDays: 0,
    recentOverrides: NO_OVERRIDES,
  };
  state.dailyFloor = phase.dailyLoss?.floorAtDayStart(state) ?? null;
  state.maxLossFloor = phase.maxLoss?.initialFloor(state) ?? null;
  return state;
}

/**
 * A copy of the state for the reducer to change. Written out field by field: on Node 20 an object
 * spread of this size costs about 30 times more, and this runs once per event.
 */
export function cloneState(s: AccountState): AccountState {
  return {
    schema: s.schema,
    tenant: s.tenant,
    accountId: s.accountId,
    // States saved before accounts had owners carry none.
    traderId: s.traderId ?? null,
    programId: s.programId,
    programVersion: s.programVersion,
    phaseId: s.phaseId,
    status: s.status,
    lastSeq: s.lastSeq,
    clock: s.clock,
    settledAt: s.settledAt,
    dayEndsAt: s.dayEndsAt,
    weekendCutoffAt: s.weekendCutoffAt,
    overnightCutoffAt: s.overnightCutoffAt,
    balance: s.balance,
    equity: s.equity,
    margin: s.margin,
    equityEstimated: s.equityEstimated,
    equityAwaitsBroker: s.equityAwaitsBroker,
    initialBalance: s.initialBalance,
    highWater: s.highWater,
    maxLossFloor: s.maxLossFloor,
    maxLossFrozen: s.maxLossFrozen,
    dailyFloor: s.dailyFloor,
    dayStartBalance: s.dayStartBalance,
    dayStartEquity: s.dayStartEquity,
    dayPeakEquity: s.dayPeakEquity,
    ruleMarks: s.ruleMarks,
    day: s.day,
    dayClosedPnl: s.dayClosedPnl,
    dayDeals: s.dayDeals,
    dayVolume: s.dayVolume,
    dayQualifies: s.dayQualifies,
    lockedUntil: s.lockedUntil,
    positions: s.positions,
    openVolume: s.openVolume,
    tradingDays: s.tradingDays,
    profitableDays: s.profitableDays,
    lastTradeDay: s.lastTradeDay,
    windowPnl: s.windowPnl,
    windowBestDayPnl: s.windowBestDayPnl,
    windowDayPnl: s.windowDayPnl,
    excludedProfit: s.excludedProfit,
    closedTrades: s.closedTrades,
    closedVolume: s.closedVolume,
    payouts: s.payouts,
    objectivesMet: s.objectivesMet,
    openedAt: s.openedAt,
    startDay: s.startDay,
    endedAt: s.endedAt,
    endReason: s.endReason,
    // States saved before overrides existed carry neither.
    periodExtensionDays: s.periodExtensionDays ?? 0,
    recentOverrides: s.recentOverrides ?? NO_OVERRIDES,
  };
}
