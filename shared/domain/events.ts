/**
 * Canonical trade events: the contract between trading-platform bridges and Propdesk.
 * The schemas here are the single source; events/ holds their JSON Schema export and samples.
 * On the wire times are ISO 8601 strings with an offset; once parsed they are epoch milliseconds.
 */
import { z } from 'zod';

const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:@/-]+$/, 'letters, digits and . _ : @ / - only');
const money = z.int().describe('integer minor units of the account currency (cents for USD)');
const nonNegativeMoney = money.nonnegative();
const volume = z.int().positive().describe('integer 1/10,000 of a lot (MetaTrader 5 convention): 1.5 lots = 15000');
const price = z.number().positive().finite();
const instant = z.iso
  .datetime({ offset: true })
  .transform((text) => Date.parse(text))
  .describe('ISO 8601 date-time with Z or an offset');

export const PLATFORMS = ['mt4', 'mt5', 'ctrader', 'dxtrade', 'matchtrader', 'tradelocker', 'tradovate', 'rithmic', 'other'] as const;

/** Fields every bridge event carries. seq is the per-account ordering key, strictly increasing. */
const envelope = {
  schemaVersion: z.literal(1),
  tenant: id.describe('the firm (tenant) id'),
  accountId: id.describe('the trading account id, unique within the tenant'),
  platform: z.enum(PLATFORMS),
  eventId: id.describe('the producer event id, unique per account'),
  seq: z.int().nonnegative().describe('per-account ordering key assigned by the bridge; strictly increasing'),
  time: instant.describe('when it happened on the trading platform'),
};

export const SnapshotEvent = z.object({
  type: z.literal('snapshot'),
  ...envelope,
  balance: money,
  equity: money,
  margin: nonNegativeMoney,
  floatingPnl: money,
  source: z.enum(['broker', 'estimated']).describe('broker-reported, or estimated by the bridge from prices'),
});

export const DealEvent = z.object({
  type: z.literal('deal'),
  ...envelope,
  dealId: id,
  positionId: id,
  symbol: z.string().min(1).max(32),
  side: z.enum(['buy', 'sell']),
  volume,
  price,
  entry: z.enum(['in', 'out', 'reverse']).describe('opens or adds, reduces or closes, or closes and opens the opposite side'),
  profit: money.describe('gross realised profit of this deal'),
  commission: money.describe('signed: a charge is negative'),
  swap: money.describe('signed: a charge is negative'),
  reason: z
    .enum(['client', 'expert', 'pendingOrder', 'stopLoss', 'takeProfit', 'stopOut'])
    .default('client')
    .describe('what executed the deal; pendingOrder is a pending order being filled'),
  stopLoss: price.nullable().default(null).describe('stop-loss price attached to the position after this deal'),
  referencePrice: price
    .nullable()
    .default(null)
    .describe("the reference feed's price when the deal executed, where the bridge has one: evidence for latency-arbitrage review"),
});

export const BalanceEvent = z.object({
  type: z.literal('balance'),
  ...envelope,
  operationId: id,
  kind: z.enum(['deposit', 'withdrawal', 'payout', 'correction']),
  amount: money.describe('signed change to the balance: a payout or withdrawal is negative'),
});

export const OrderEvent = z.object({
  type: z.literal('order'),
  ...envelope,
  orderId: id,
  positionId: id.nullable().default(null),
  symbol: z.string().min(1).max(32),
  side: z.enum(['buy', 'sell']),
  volume,
  orderType: z.enum(['market', 'limit', 'stop', 'stopLimit']),
  status: z.enum(['filled', 'partiallyFilled', 'rejected', 'cancelled']),
  requestedPrice: price,
  filledPrice: price.nullable().default(null),
  requestedAt: instant,
  filledAt: instant.nullable().default(null),
});

export const DayCloseEvent = z.object({
  type: z.literal('dayClose'),
  ...envelope,
  tradingDay: z.iso.date().describe('the platform day that closed, YYYY-MM-DD'),
  balance: money,
  equity: money,
});

/** Emitted by Propdesk's scheduler so days close without traffic. Idempotent by time, so it has no seq. */
export const ClockEvent = z.object({
  type: z.literal('clock'),
  schemaVersion: z.literal(1),
  tenant: id,
  accountId: id,
  time: instant,
});

export const OVERRIDE_ACTIONS = ['reinstate', 'fail', 'reset', 'extendPeriod', 'adjustBalance'] as const;
export type OverrideAction = (typeof OVERRIDE_ACTIONS)[number];

/** What staff change on an account: each action with the figures it needs. */
export const OverrideChange = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('reinstate') }).describe('a failed account trades again in its phase, from its current figures'),
  z.strictObject({ action: z.literal('fail') }).describe('ends an active account as failed'),
  z.strictObject({ action: z.literal('reset') }).describe('restarts the phase from its initial balance, as a freshly opened account'),
  z
    .strictObject({ action: z.literal('extendPeriod'), days: z.int().min(1).max(366).describe('firm days added to the phase time limit') })
    .describe('adds firm days to the maximum period'),
  z
    .strictObject({ action: z.literal('adjustBalance'), amount: money.refine((amount) => amount !== 0, 'must not be zero').describe('signed correction in minor units') })
    .describe('a balance correction: balance, equity and the day references move by the amount'),
]);
export type OverrideChange = z.output<typeof OverrideChange>;

/**
 * A staff decision on one account, written to the trade stream by the API so the evaluator applies it
 * in order with the account's trading (a direct write would race a warm evaluator's copy of the state).
 * It has no seq: the state remembers recent override ids instead, so a redelivered one applies once.
 */
export const OverrideEvent = z.object({
  type: z.literal('override'),
  schemaVersion: z.literal(1),
  tenant: id,
  accountId: id,
  overrideId: id.describe('unique per decision; the audit entry has the same id'),
  time: instant.describe('when staff decided it'),
  actor: z.string().min(1).max(256).describe('the subject of the staff member who decided it'),
  reason: z.string().trim().min(1).max(1000).describe('why: mandatory, shown in the audit log'),
  change: OverrideChange,
});

export const TradeEvent = z.discriminatedUnion('type', [
  SnapshotEvent,
  DealEvent,
  BalanceEvent,
  OrderEvent,
  DayCloseEvent,
  ClockEvent,
  OverrideEvent,
]);

export type SnapshotEvent = z.output<typeof SnapshotEvent>;
export type DealEvent = z.output<typeof DealEvent>;
export type BalanceEvent = z.output<typeof BalanceEvent>;
export type OrderEvent = z.output<typeof OrderEvent>;
export type DayCloseEvent = z.output<typeof DayCloseEvent>;
export type ClockEvent = z.output<typeof ClockEvent>;
export type OverrideEvent = z.output<typeof OverrideEvent>;
export type TradeEvent = z.output<typeof TradeEvent>;
export type TradeEventInput = z.input<typeof TradeEvent>;
/** What trading-platform bridges send: every event but Propdesk's own clock and override events. */
export type BridgeEvent = Exclude<TradeEvent, ClockEvent | OverrideEvent>;

export const isBridgeEvent = (event: TradeEvent): event is BridgeEvent => event.type !== 'clock' && event.type !== 'override';

const WIRE_TIMES = ['time', 'requestedAt', 'filledAt'] as const;

/** The event as a bridge sends it (times as ISO 8601): parsing the result gives the same event back. */
export function toWire(event: TradeEvent): Record<string, unknown> {
  const wire: Record<string, unknown> = { ...event };
  for (const field of WIRE_TIMES) {
    const value = wire[field];
    if (typeof value === 'number') wire[field] = new Date(value).toISOString();
  }
  return wire;
}
