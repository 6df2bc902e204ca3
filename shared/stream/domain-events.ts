/**
 * The domain events the evaluator publishes on the firm's EventBridge bus (source `propdesk.evaluator`,
 * detail-type = `type`), one per effect of the reducer. The zod schemas here are the contract's single
 * source; events/schemas/domain/ holds their JSON Schema export.
 *
 * `id` is deterministic: tenant, account, the causing event (its seq, or the clock's time) and the
 * effect's position among that event's effects. A redelivered batch or a re-published outbox yields
 * the same ids, so a consumer deduplicates by `id` (EventBridge itself does not).
 */
import { z } from 'zod';
import type { Effect, EventRef } from '../domain/effects.js';
import { OVERRIDE_ACTIONS } from '../domain/events.js';
import type { AccountState } from '../domain/state.js';

export const DOMAIN_EVENT_SOURCE = 'propdesk.evaluator';

const instant = z.iso.datetime({ offset: true });
const money = z.int().describe('integer minor units of the account currency');

const Cause = z
  .object({ type: z.string(), seq: z.int().nullable(), eventId: z.string().nullable(), time: instant })
  .describe('the trade or clock event whose application produced this');

const Evidence = z.object({
  value: z.number().describe('the measured value that was compared'),
  threshold: z.number().describe('the limit it was compared with'),
  inputs: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
  cause: Cause,
});

const base = {
  id: z.string().describe('deterministic: deduplicate by it'),
  tenant: z.string(),
  accountId: z.string(),
  programId: z.string(),
  programVersion: z.int(),
  phaseId: z.string(),
  time: instant.describe('when it happened, in event time'),
  cause: Cause,
};

const ObjectiveStatus = z.object({ objective: z.string(), met: z.boolean(), value: z.number(), required: z.number() });

export const AccountFailed = z.object({ type: z.literal('AccountFailed'), ...base, rule: z.string() });
export const PhasePassed = z.object({
  type: z.literal('PhasePassed'),
  ...base,
  nextPhaseId: z.string().nullable(),
  objectives: z.array(ObjectiveStatus),
});
export const ViolationRecorded = z.object({
  type: z.literal('ViolationRecorded'),
  ...base,
  rule: z.string(),
  severity: z.enum(['hard', 'soft']),
  action: z.enum(['fail', 'lockDay', 'flag']),
  message: z.string(),
  evidence: Evidence,
});
export const WarningRaised = z.object({
  type: z.literal('WarningRaised'),
  ...base,
  rule: z.string(),
  levelBps: z.int(),
  reason: z.enum(['approachingLimit', 'breachOnEstimatedEquity']),
  evidence: Evidence,
});
export const ObjectiveUpdated = z.object({ type: z.literal('ObjectiveUpdated'), ...base, ...ObjectiveStatus.shape });
export const DayClosed = z.object({
  type: z.literal('DayClosed'),
  ...base,
  day: z.iso.date(),
  startBalance: money,
  startEquity: money,
  endBalance: money,
  endEquity: money,
  closedPnl: money,
  deals: z.int(),
  volume: z.int(),
  tradingDay: z.boolean(),
  profitableDay: z.boolean(),
  dailyFloor: money.nullable(),
  maxLossFloor: money.nullable(),
});
const price = z.number().positive();
export const TradeClosed = z.object({
  type: z.literal('TradeClosed'),
  ...base,
  traderId: z.string().nullable().describe('the account owner; null for an account opened outside the purchase workflow'),
  positionId: z.string(),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  volume: z.int(),
  openedAt: instant,
  closedAt: instant,
  openPrice: price.describe('the price of the deal that opened the position (adds do not change it)'),
  closePrice: price.describe('the price of the deal that closed it'),
  openReferencePrice: price.nullable().describe("the reference feed's price at the opening deal; null when the bridge had none"),
  closeReferencePrice: price.nullable().describe("the reference feed's price at the closing deal; null when the bridge had none"),
  netPnl: money,
  hadStopLoss: z.boolean(),
  excludedFromProfit: z.boolean(),
});

const OverrideFigures = z.object({ status: z.enum(['active', 'passed', 'failed']), balance: money, equity: money });
export const AccountOverridden = z.object({
  type: z.literal('AccountOverridden'),
  ...base,
  overrideId: z.string().describe('the id of the override event and of its audit entry'),
  action: z.enum(OVERRIDE_ACTIONS),
  actor: z.string(),
  reason: z.string(),
  rejection: z.string().nullable().describe('null when applied; otherwise why it changed nothing'),
  before: OverrideFigures,
  after: OverrideFigures,
});

export const DomainEvent = z.discriminatedUnion('type', [
  AccountFailed,
  PhasePassed,
  ViolationRecorded,
  WarningRaised,
  ObjectiveUpdated,
  DayClosed,
  TradeClosed,
  AccountOverridden,
]);
export type DomainEvent = z.infer<typeof DomainEvent>;
export type DomainEventType = DomainEvent['type'];

const iso = (time: number): string => new Date(time).toISOString();

/** The key of the event that caused an effect: its seq, an override's id, or a clock's time (neither carries a seq). */
export function causeKey(cause: EventRef): string {
  if (cause.seq !== null) return `s${cause.seq}`;
  return cause.eventId !== null ? `o${cause.eventId}` : `c${cause.time}`;
}

function causeOf(ref: EventRef): z.infer<typeof Cause> {
  return { type: ref.type, seq: ref.seq, eventId: ref.eventId, time: iso(ref.time) };
}

/**
 * The domain event of one effect, or null for an ignored event. `cause` is the event being applied
 * and `index` the effect's position among that event's effects.
 */
export function domainEventOf(state: AccountState, effect: Effect, cause: EventRef, index: number): DomainEvent | null {
  if (effect.type === 'ignored') return null;
  const common = {
    id: `${state.tenant}:${state.accountId}:${causeKey(cause)}:${index}`,
    tenant: state.tenant,
    accountId: state.accountId,
    programId: state.programId,
    programVersion: state.programVersion,
    phaseId: state.phaseId,
    time: iso(effect.time),
    cause: causeOf(cause),
  };
  switch (effect.type) {
    case 'accountFailed':
      return { type: 'AccountFailed', ...common, rule: effect.rule };
    case 'phasePassed':
      return { type: 'PhasePassed', ...common, phaseId: effect.phaseId, nextPhaseId: effect.nextPhaseId, objectives: [...effect.objectives] };
    case 'violation': {
      const { value, threshold, inputs, event } = effect.evidence;
      return {
        type: 'ViolationRecorded',
        ...common,
        rule: effect.rule,
        severity: effect.severity,
        action: effect.action,
        message: effect.message,
        evidence: { value, threshold, inputs: { ...inputs }, cause: causeOf(event) },
      };
    }
    case 'warning': {
      const { value, threshold, inputs, event } = effect.evidence;
      return {
        type: 'WarningRaised',
        ...common,
        rule: effect.rule,
        levelBps: effect.levelBps,
        reason: effect.reason,
        evidence: { value, threshold, inputs: { ...inputs }, cause: causeOf(event) },
      };
    }
    case 'objective':
      return { type: 'ObjectiveUpdated', ...common, objective: effect.objective, met: effect.met, value: effect.value, required: effect.required };
    case 'dayClosed':
      return { type: 'DayClosed', ...common, ...effect.stats };
    case 'override': {
      const { overrideId, action, actor, reason, rejection, before, after } = effect;
      return { type: 'AccountOverridden', ...common, overrideId, action, actor, reason, rejection, before: { ...before }, after: { ...after } };
    }
    case 'tradeClosed': {
      const { openedAt, closedAt, ...trade } = effect.trade;
      return { type: 'TradeClosed', ...common, traderId: state.traderId, ...trade, openedAt: iso(openedAt), closedAt: iso(closedAt) };
    }
  }
}
