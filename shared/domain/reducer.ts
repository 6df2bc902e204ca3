/**
 * The account reducer: apply(state, event, program) returns the next state and what happened.
 * Pure and deterministic: time comes only from events, nothing is read from a clock, and the input
 * state is never modified. Terminal states stay terminal; a duplicate or stale event changes nothing.
 * applyInPlace is the same transition on a caller-owned working copy, for the stream's hot path.
 *
 * Order of work for one event: firm days and holding cutoffs the event's time has passed are settled
 * first, in time order; then the event is booked and the rules judge it, maximum loss before daily loss.
 */
import { dayLabel } from './calendar.js';
import { phaseOf, type CompiledPhase } from './compile.js';
import type { BalanceEvent, DealEvent, OverrideEvent, SnapshotEvent, TradeEvent } from './events.js';
import type { ClosedTrade, DayStatistics, Effect, IgnoredEffect, ObjectiveEffect, ObjectiveStatus, OverrideFigures } from './effects.js';
import { NO_NEWS, type NewsIndex } from './news.js';
import type { Program } from './program.js';
import { refOf } from './rules/verdicts.js';
import { cloneState, openAccount, RECENT_OVERRIDES, type AccountState, type OpenPosition } from './state.js';

export interface Applied {
  readonly state: AccountState;
  readonly effects: readonly Effect[];
}

/** Most events produce no effect: they share one empty list instead of allocating their own. */
const NO_EFFECTS: readonly Effect[] = Object.freeze([]);
const collected: Effect[] = [];

function ignored(event: TradeEvent, reason: IgnoredEffect['reason']): IgnoredEffect {
  return { type: 'ignored', reason, event: refOf(event) };
}

/** Why the event changes nothing, or null when it applies. */
function ignoreReason(state: AccountState, event: TradeEvent, program: Program): IgnoredEffect['reason'] | null {
  if (event.accountId !== state.accountId || event.tenant !== state.tenant) return 'otherAccount';
  // Staff may act on an ended account (reinstate, reset): an override is judged whatever the status.
  if (event.type === 'override') return state.recentOverrides.includes(event.overrideId) ? 'duplicate' : checkedProgram(state, program);
  if (state.status !== 'active') return 'terminal';
  if (event.type === 'clock' ? event.time <= state.clock : event.seq <= state.lastSeq) return 'duplicate';
  return checkedProgram(state, program);
}

function checkedProgram(state: AccountState, program: Program): null {
  if (program.id !== state.programId || program.version !== state.programVersion) {
    throw new Error(`account ${state.accountId} runs ${state.programId} v${state.programVersion}, not ${program.id} v${program.version}`);
  }
  return null;
}

/** Pure: returns the next state (the same object when the event is ignored) and the effects. */
export function apply(state: AccountState, event: TradeEvent, program: Program, news: NewsIndex = NO_NEWS): Applied {
  const reason = ignoreReason(state, event, program);
  if (reason !== null) return { state, effects: [ignored(event, reason)] };
  const next = cloneState(state);
  collected.length = 0;
  step(next, event, program, news, collected);
  return { state: next, effects: collected.length === 0 ? NO_EFFECTS : collected.splice(0) };
}

/**
 * The same transition on a state the caller owns and may change: the stream evaluator's working copy
 * of a batch. Effects are appended to `out`. Arrays inside the state are copied on write, so a state
 * shared with anyone else is never changed through them.
 */
export function applyInPlace(draft: AccountState, event: TradeEvent, program: Program, news: NewsIndex, out: Effect[]): void {
  const reason = ignoreReason(draft, event, program);
  if (reason !== null) out.push(ignored(event, reason));
  else step(draft, event, program, news, out);
}

function step(s: AccountState, event: TradeEvent, program: Program, news: NewsIndex, effects: Effect[]): void {
  const phase = phaseOf(program, s.phaseId);
  // A late event is judged at its own time, but never before a day close or cutoff already settled
  // (events/README.md). Not at the account clock: that may be a tick the evaluator did not save.
  const time = event.time > s.settledAt ? event.time : s.settledAt;
  if (time > s.clock) s.clock = time;
  if (event.type === 'override') {
    applyOverride(s, program, phase, event, time, effects);
    return;
  }
  if (event.type !== 'clock') s.lastSeq = event.seq;

  settle(s, phase, event, time, effects);
  if (s.status !== 'active') return;

  switch (event.type) {
    case 'snapshot':
      applySnapshot(s, phase, event, time, effects);
      break;
    case 'deal':
      applyDeal(s, phase, event, time, news, effects);
      break;
    case 'balance':
      applyBalanceOperation(s, phase, event.kind, event.amount, event, time, effects);
      break;
    case 'dayClose':
      // The platform's own end-of-day record is a broker observation of balance and equity.
      s.balance = event.balance;
      s.equity = event.equity;
      s.equityEstimated = false;
      s.equityAwaitsBroker = false;
      afterEquityChange(s, phase, event, time, effects);
      break;
    case 'order':
    case 'clock':
      break;
  }
}

/** Settles the firm-day closes and holding cutoffs `time` has passed, if any. */
function settle(s: AccountState, phase: CompiledPhase, event: TradeEvent, time: number, out: Effect[]): void {
  if (
    time >= s.dayEndsAt ||
    (phase.weekendHolding !== null && time >= s.weekendCutoffAt) ||
    (phase.overnightHolding !== null && time >= s.overnightCutoffAt)
  ) {
    advanceTime(s, phase, event, time, out);
  }
}

/** Settles every firm-day close and holding cutoff at or before `time`, earliest first. */
function advanceTime(s: AccountState, phase: CompiledPhase, event: TradeEvent, time: number, out: Effect[]): void {
  while (s.status === 'active') {
    const weekend = phase.weekendHolding !== null ? s.weekendCutoffAt : Number.POSITIVE_INFINITY;
    const overnight = phase.overnightHolding !== null ? s.overnightCutoffAt : Number.POSITIVE_INFINITY;
    const cutoff = Math.min(weekend, overnight);
    if (s.dayEndsAt <= time && s.dayEndsAt <= cutoff) {
      s.settledAt = s.dayEndsAt;
      rollover(s, phase, event, out);
    } else if (cutoff <= time) {
      s.settledAt = cutoff;
      const holding = cutoff === weekend ? phase.weekendHolding! : phase.overnightHolding!;
      holding.atCutoff(s, cutoff, event, out);
      const next = holding.cutoffs.next(cutoff);
      if (holding.kind === 'weekendHolding') s.weekendCutoffAt = next;
      else s.overnightCutoffAt = next;
    } else {
      return;
    }
  }
}

/**
 * The current firm day's figures, as it would close now. A day counts as a trading day or a profitable
 * day under the phase's rules, or with any deal and a positive closed P&L when the phase has none.
 */
export function dayStatistics(s: AccountState, phase: CompiledPhase): DayStatistics {
  return {
    day: dayLabel(s.day),
    startBalance: s.dayStartBalance,
    startEquity: s.dayStartEquity,
    endBalance: s.balance,
    endEquity: s.equity,
    closedPnl: s.dayClosedPnl,
    deals: s.dayDeals,
    volume: s.dayVolume,
    tradingDay: phase.minTradingDays !== null ? phase.minTradingDays.qualifies(s) : s.dayDeals > 0,
    profitableDay: phase.minProfitableDays !== null ? phase.minProfitableDays.profitableToday(s) : s.dayClosedPnl > 0,
    dailyFloor: s.dailyFloor,
    maxLossFloor: s.maxLossFloor,
  };
}

/** Closes the current firm day and opens the next at the boundary instant. */
function rollover(s: AccountState, phase: CompiledPhase, event: TradeEvent, out: Effect[]): void {
  const at = s.dayEndsAt;
  const closingDay = s.day;
  const stats = dayStatistics(s, phase);
  out.push({ type: 'dayClosed', time: at, stats });
  phase.maxLoss?.closeDay(s);
  if (stats.tradingDay && phase.minTradingDays !== null) s.tradingDays += 1;
  if (stats.profitableDay && phase.minProfitableDays !== null) s.profitableDays += 1;
  if (s.windowDayPnl > s.windowBestDayPnl) s.windowBestDayPnl = s.windowDayPnl;

  s.day = closingDay + 1;
  s.dayEndsAt = phase.calendar.dayStart(closingDay + 2);
  s.dayStartBalance = s.balance;
  s.dayStartEquity = s.equity;
  s.dayPeakEquity = s.equity;
  s.dayClosedPnl = 0;
  s.dayDeals = 0;
  s.dayVolume = 0;
  s.dayQualifies = false;
  s.windowDayPnl = 0;
  s.lockedUntil = 0;
  if (s.ruleMarks.some((marks) => marks !== 0)) s.ruleMarks = s.ruleMarks.map(() => 0);

  if (phase.passCheck === 'atRollover' && settleObjectives(s, phase, at, out)) {
    pass(s, phase, at, event, out);
    return;
  }
  phase.maxPeriod?.closeDay(s, closingDay, event, at, out);
  if (s.status !== 'active') return;
  phase.inactivity?.closeDay(s, closingDay, event, at, out);
  if (s.status !== 'active') return;
  if (phase.dailyLoss !== null) s.dailyFloor = phase.dailyLoss.floorAtDayStart(s);
  // The new floors are judged at once against the equity of positions still open.
  afterEquityChange(s, phase, event, at, out);
}

/** Floors follow the new balance and equity; equity is judged against them unless it is a deal's guess. */
function afterEquityChange(s: AccountState, phase: CompiledPhase, event: TradeEvent, time: number, out: Effect[]): void {
  if (s.equityAwaitsBroker) {
    phase.maxLoss?.trail(s);
    phase.dailyLoss?.trail(s);
    return;
  }
  if (!s.equityEstimated && s.equity > s.dayPeakEquity) s.dayPeakEquity = s.equity;
  if (phase.maxLoss !== null) {
    phase.maxLoss.trail(s);
    phase.maxLoss.judge(s, event, time, out);
    if (s.status !== 'active') return;
  }
  if (phase.dailyLoss !== null) {
    phase.dailyLoss.trail(s);
    phase.dailyLoss.judge(s, event, time, out);
  }
}

function applySnapshot(s: AccountState, phase: CompiledPhase, snapshot: SnapshotEvent, time: number, out: Effect[]): void {
  s.balance = snapshot.balance;
  s.equity = snapshot.equity;
  s.margin = snapshot.margin;
  s.equityEstimated = snapshot.source === 'estimated';
  s.equityAwaitsBroker = false;
  afterEquityChange(s, phase, snapshot, time, out);
  if (s.status === 'active') phase.maxMarginUsage?.onSnapshot(s, snapshot, time, out);
}

/**
 * Cash flows are not trading: the day's references move with them so a payout is not a daily loss.
 * A payout also applies the maximum-loss payout rule and may restart the consistency window.
 */
function applyBalanceOperation(s: AccountState, phase: CompiledPhase, kind: BalanceEvent['kind'], amount: number, operation: TradeEvent, time: number, out: Effect[]): void {
  s.balance += amount;
  s.equity += amount;
  s.dayStartBalance += amount;
  s.dayStartEquity += amount;
  s.dayPeakEquity += amount;
  if (phase.dailyLoss !== null) s.dailyFloor = phase.dailyLoss.floorAtDayStart(s);
  if (kind === 'payout') {
    s.payouts += 1;
    phase.maxLoss?.afterPayout(s);
    if (phase.bestDayConsistency?.rule.window === 'sinceLastPayout') {
      s.windowPnl = 0;
      s.windowBestDayPnl = 0;
      s.windowDayPnl = 0;
    }
  }
  afterEquityChange(s, phase, operation, time, out);
  if (s.status === 'active') settleObjectives(s, phase, time, out);
}

function newPosition(deal: DealEvent, side: 'buy' | 'sell', volume: number, time: number, netPnl: number): OpenPosition {
  return {
    positionId: deal.positionId,
    symbol: deal.symbol,
    side,
    volume,
    peakVolume: volume,
    openedAt: time,
    hasStopLoss: deal.stopLoss !== null,
    netPnl,
    newsExcluded: false,
    openPrice: deal.price,
    openReferencePrice: deal.referencePrice,
  };
}

/** The position after a deal changed its size; positions are never modified in place. */
function resized(position: OpenPosition, volume: number, netPnl: number, hasStopLoss: boolean): OpenPosition {
  return {
    positionId: position.positionId,
    symbol: position.symbol,
    side: position.side,
    volume,
    peakVolume: Math.max(position.peakVolume, volume),
    openedAt: position.openedAt,
    hasStopLoss,
    netPnl,
    newsExcluded: position.newsExcluded,
    openPrice: position.openPrice,
    openReferencePrice: position.openReferencePrice,
  };
}

/** `position` carries the net P&L of all its deals, the closing one included; `deal` is the one that closed it. */
function closedTradeOf(position: OpenPosition, deal: DealEvent, time: number, excluded: boolean): ClosedTrade {
  return {
    positionId: position.positionId,
    symbol: position.symbol,
    side: position.side,
    volume: position.peakVolume,
    openedAt: position.openedAt,
    closedAt: time,
    // A position saved before entry prices were kept has none: the closing deal's price stands in, and no reference.
    openPrice: position.openPrice ?? deal.price,
    closePrice: deal.price,
    openReferencePrice: position.openReferencePrice ?? null,
    closeReferencePrice: deal.referencePrice,
    netPnl: position.netPnl,
    hadStopLoss: position.hasStopLoss,
    excludedFromProfit: excluded,
  };
}

function applyDeal(s: AccountState, phase: CompiledPhase, deal: DealEvent, time: number, news: NewsIndex, out: Effect[]): void {
  const net = deal.profit + deal.commission + deal.swap;
  s.balance += net;
  s.dayClosedPnl += net;
  s.windowDayPnl += net;
  s.windowPnl += net;
  s.dayDeals += 1;
  s.dayVolume += deal.volume;
  s.lastTradeDay = s.day;

  // Book the deal against its position (copy on write: the input state keeps its positions).
  const positions = s.positions.slice();
  let at = -1;
  for (let i = 0; i < positions.length; i++) {
    if (positions[i]!.positionId === deal.positionId) {
      at = i;
      break;
    }
  }
  const existing = at >= 0 ? positions[at]! : null;
  let opened: OpenPosition | null = null;
  let closing: OpenPosition | null = null;
  let closedFully = false;
  if (existing === null) {
    // An out for a position opened before tracking began books its P&L only.
    if (deal.entry !== 'out') {
      opened = newPosition(deal, deal.side, deal.volume, time, net);
      positions.push(opened);
    }
  } else if (deal.entry === 'in') {
    const volume = existing.volume + deal.volume;
    opened = resized(existing, volume, existing.netPnl + net, existing.hasStopLoss || deal.stopLoss !== null);
    positions[at] = opened;
  } else if (deal.entry === 'out' && deal.volume < existing.volume) {
    positions[at] = resized(existing, existing.volume - deal.volume, existing.netPnl + net, existing.hasStopLoss);
    closing = existing;
  } else {
    positions.splice(at, 1);
    closing = resized(existing, existing.volume, existing.netPnl + net, existing.hasStopLoss);
    closedFully = true;
    const reversed = deal.volume - existing.volume;
    if (deal.entry === 'reverse' && reversed > 0) {
      opened = newPosition(deal, deal.side, reversed, time, 0);
      positions.push(opened);
    }
  }
  s.positions = positions;
  let openVolume = 0;
  for (let i = 0; i < positions.length; i++) openVolume += positions[i]!.volume;
  s.openVolume = openVolume;
  // Flat means equity is the balance, exactly. Otherwise fees move equity and the rest is unknown
  // until the broker's next snapshot.
  if (positions.length === 0) {
    s.equity = s.balance;
    s.equityEstimated = false;
    s.equityAwaitsBroker = false;
  } else {
    s.equity += deal.commission + deal.swap;
    s.equityEstimated = true;
    s.equityAwaitsBroker = true;
  }

  if (opened !== null && !judgeOpening(s, phase, deal, opened, time, news, out)) return;
  if (closing !== null && !judgeClosing(s, phase, deal, closing, closedFully, time, news, out)) return;
  // The deal that meets the objective is reported once, by settleObjectives below.
  if (phase.minTradingDays?.onDeal(s, deal) && !phase.minTradingDays.met(s)) {
    out.push(objectiveEffect(phase.minTradingDays.status(s), time));
  }
  afterEquityChange(s, phase, deal, time, out);
  if (s.status !== 'active') return;
  const allMet = settleObjectives(s, phase, time, out);
  if (allMet && closedFully && phase.passCheck === 'onTradeClose') pass(s, phase, time, deal, out);
}

/** Rules on a deal that opens or adds to a position. Returns false once the account has failed. */
function judgeOpening(
  s: AccountState,
  phase: CompiledPhase,
  deal: DealEvent,
  opened: OpenPosition,
  time: number,
  news: NewsIndex,
  out: Effect[],
): boolean {
  phase.dailyLoss?.checkOpen(s, deal, time, out);
  phase.allowedInstruments?.onOpen(s, deal, time, out);
  if (s.status !== 'active') return false;
  phase.stopLossRequired?.onOpen(s, deal, time, out);
  if (s.status !== 'active') return false;
  if (phase.newsWindow?.onDeal(s, deal, true, null, time, news, out)) markNewsExcluded(s, opened.positionId);
  if (s.status !== 'active') return false;
  phase.maxVolume?.onOpen(s, deal, time, out);
  if (s.status !== 'active') return false;
  phase.maxOpenPositions?.onOpen(s, deal, time, out);
  return s.status === 'active';
}

function markNewsExcluded(s: AccountState, positionId: string): void {
  s.positions = s.positions.map((position) => (position.positionId === positionId ? { ...position, newsExcluded: true } : position));
}

/** Rules on a deal that reduces or closes a position (with its P&L to date). Returns false once the account has failed. */
function judgeClosing(
  s: AccountState,
  phase: CompiledPhase,
  deal: DealEvent,
  position: OpenPosition,
  closedFully: boolean,
  time: number,
  news: NewsIndex,
  out: Effect[],
): boolean {
  const excludedNow = phase.newsWindow?.onDeal(s, deal, false, position, time, news, out) ?? false;
  if (s.status !== 'active') return false;
  if (!closedFully) {
    if (excludedNow) markNewsExcluded(s, position.positionId);
    return true;
  }
  const excluded = excludedNow || position.newsExcluded;
  if (excluded && position.netPnl > 0) s.excludedProfit += position.netPnl;
  const trade = closedTradeOf(position, deal, time, excluded);
  out.push({ type: 'tradeClosed', time, trade });
  phase.maxLossPerTrade?.onTradeClosed(s, trade, deal, time, out);
  if (s.status !== 'active') return false;
  phase.lotConsistency?.onTradeClosed(s, trade, deal, time, out);
  if (s.status !== 'active') return false;
  s.closedTrades += 1;
  s.closedVolume += trade.volume;
  return true;
}

function objectiveEffect(status: ObjectiveStatus, time: number): ObjectiveEffect {
  return { type: 'objective', objective: status.objective, met: status.met, value: status.value, required: status.required, time };
}

/** Reports objectives whose status flipped; returns whether every objective is met and the phase can pass. */
function settleObjectives(s: AccountState, phase: CompiledPhase, time: number, out: Effect[]): boolean {
  const objectives = phase.objectives;
  if (objectives.length === 0) return false;
  let mask = 0;
  for (let i = 0; i < objectives.length; i++) if (objectives[i]!.met(s)) mask |= 1 << i;
  if (mask !== s.objectivesMet) {
    for (let i = 0; i < objectives.length; i++) {
      if (((mask ^ s.objectivesMet) & (1 << i)) !== 0) out.push(objectiveEffect(objectives[i]!.status(s), time));
    }
    s.objectivesMet = mask;
  }
  // A funded phase reports its objectives but never passes.
  return phase.kind === 'evaluation' && mask === (1 << objectives.length) - 1;
}

function pass(s: AccountState, phase: CompiledPhase, time: number, event: TradeEvent, out: Effect[]): void {
  s.status = 'passed';
  s.endedAt = time;
  s.endReason = 'objectivesMet';
  out.push({
    type: 'phasePassed',
    phaseId: phase.id,
    nextPhaseId: phase.nextPhaseId,
    time,
    objectives: phase.objectives.map((objective) => objective.status(s)),
    event: refOf(event),
  });
}

const figuresOf = (s: AccountState): OverrideFigures => ({ status: s.status, balance: s.balance, equity: s.equity });

/**
 * A staff override. It is judged on the status staff saw: reinstate needs a failed account, reset takes
 * any, the others an active one. Time passes first, as for any event, on an account that is active.
 * A rejected override changes nothing else, and is reported with its reason.
 */
function applyOverride(s: AccountState, program: Program, phase: CompiledPhase, event: OverrideEvent, time: number, out: Effect[]): void {
  const before = figuresOf(s);
  const { change } = event;
  s.recentOverrides = [...s.recentOverrides.slice(1 - RECENT_OVERRIDES), event.overrideId];
  let rejection: string | null = null;
  if (change.action === 'reset') {
    restartPhase(s, program, time);
  } else if (change.action === 'reinstate') {
    if (s.status === 'failed') {
      s.status = 'active';
      s.endedAt = null;
      s.endReason = null;
      settle(s, phase, event, time, out);
    } else {
      rejection = `the account is ${s.status}, not failed`;
    }
  } else {
    if (s.status === 'active') settle(s, phase, event, time, out);
    if (s.status !== 'active') rejection = `the account is ${s.status}`;
    else if (change.action === 'fail') {
      s.status = 'failed';
      s.endedAt = time;
      s.endReason = 'override';
      out.push({ type: 'accountFailed', rule: 'override', time, event: refOf(event) });
    } else if (change.action === 'extendPeriod') {
      if (phase.maxPeriod === null) rejection = `phase ${phase.id} has no maximum period`;
      else s.periodExtensionDays += change.days;
    } else {
      applyBalanceOperation(s, phase, 'correction', change.amount, event, time, out);
    }
  }
  out.push({
    type: 'override',
    overrideId: event.overrideId,
    action: change.action,
    actor: event.actor,
    reason: event.reason,
    time,
    rejection,
    before,
    after: figuresOf(s),
  });
}

/** The phase starts again at `time` from the account's initial balance; only what dedupes the stream is kept. */
function restartPhase(s: AccountState, program: Program, time: number): void {
  const { lastSeq, recentOverrides } = s;
  Object.assign(s, openAccount(program, { tenant: s.tenant, accountId: s.accountId, traderId: s.traderId, phaseId: s.phaseId, openedAt: time, initialBalance: s.initialBalance }));
  s.lastSeq = lastSeq;
  s.recentOverrides = recentOverrides;
}
