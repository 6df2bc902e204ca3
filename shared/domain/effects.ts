/** What applying one event produced. Every verdict carries its evidence. */
import type { OverrideAction } from './events.js';
import type { RuleKind } from './program.js';
import type { AccountStatus } from './state.js';

export interface EventRef {
  readonly type: string;
  readonly seq: number | null;
  readonly eventId: string | null;
  readonly time: number;
}

export interface Evidence {
  /** The measured value (equity, share, volume, ...) that was compared. */
  readonly value: number;
  /** The limit it was compared with. */
  readonly threshold: number;
  /** The inputs the threshold and value were derived from. */
  readonly inputs: Readonly<Record<string, number | string | boolean | null>>;
  /** The event whose application produced the verdict. */
  readonly event: EventRef;
}

export type BreachAction = 'fail' | 'lockDay' | 'flag';

export interface ViolationEffect {
  readonly type: 'violation';
  readonly rule: RuleKind;
  readonly severity: 'hard' | 'soft';
  readonly action: BreachAction;
  readonly time: number;
  readonly message: string;
  readonly evidence: Evidence;
}

export interface WarningEffect {
  readonly type: 'warning';
  readonly rule: RuleKind;
  /** Share of the limit used, in bps, that triggered it; 10,000 for a breach seen on estimated equity. */
  readonly levelBps: number;
  readonly reason: 'approachingLimit' | 'breachOnEstimatedEquity';
  readonly time: number;
  readonly evidence: Evidence;
}

export interface ObjectiveStatus {
  readonly objective: RuleKind;
  readonly met: boolean;
  readonly value: number;
  readonly required: number;
}

export interface ObjectiveEffect extends ObjectiveStatus {
  readonly type: 'objective';
  readonly time: number;
}

export interface PhasePassedEffect {
  readonly type: 'phasePassed';
  readonly phaseId: string;
  readonly nextPhaseId: string | null;
  readonly time: number;
  readonly objectives: readonly ObjectiveStatus[];
  readonly event: EventRef;
}

export interface AccountFailedEffect {
  readonly type: 'accountFailed';
  /** The rule that failed it, or 'override' when staff did. */
  readonly rule: RuleKind | 'override';
  readonly time: number;
  readonly event: EventRef;
}

export interface DayStatistics {
  readonly day: string;
  readonly startBalance: number;
  readonly startEquity: number;
  readonly endBalance: number;
  readonly endEquity: number;
  readonly closedPnl: number;
  readonly deals: number;
  readonly volume: number;
  readonly tradingDay: boolean;
  readonly profitableDay: boolean;
  readonly dailyFloor: number | null;
  readonly maxLossFloor: number | null;
}

export interface DayClosedEffect {
  readonly type: 'dayClosed';
  readonly time: number;
  readonly stats: DayStatistics;
}

export interface ClosedTrade {
  readonly positionId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  /** The largest size the position reached, 1/10,000 lot. */
  readonly volume: number;
  readonly openedAt: number;
  readonly closedAt: number;
  /** The first entry deal's price (adds do not move it) and the price of the deal that closed the position. */
  readonly openPrice: number;
  readonly closePrice: number;
  /** The reference feed's price at those two deals, where the bridge sent one. */
  readonly openReferencePrice: number | null;
  readonly closeReferencePrice: number | null;
  /** Net P&L in minor units, fees included. */
  readonly netPnl: number;
  readonly hadStopLoss: boolean;
  readonly excludedFromProfit: boolean;
}

export interface TradeClosedEffect {
  readonly type: 'tradeClosed';
  readonly time: number;
  readonly trade: ClosedTrade;
}

/** The figures an override is judged on and changes. */
export interface OverrideFigures {
  readonly status: AccountStatus;
  readonly balance: number;
  readonly equity: number;
}

/** A staff override, applied or, with the reason, rejected (it changed nothing but the time). */
export interface OverrideEffect {
  readonly type: 'override';
  readonly overrideId: string;
  readonly action: OverrideAction;
  readonly actor: string;
  readonly reason: string;
  readonly time: number;
  readonly rejection: string | null;
  readonly before: OverrideFigures;
  readonly after: OverrideFigures;
}

export interface IgnoredEffect {
  readonly type: 'ignored';
  readonly reason: 'duplicate' | 'terminal' | 'otherAccount';
  readonly event: EventRef;
}

export type Effect =
  | ViolationEffect
  | WarningEffect
  | ObjectiveEffect
  | PhasePassedEffect
  | AccountFailedEffect
  | DayClosedEffect
  | TradeClosedEffect
  | OverrideEffect
  | IgnoredEffect;
