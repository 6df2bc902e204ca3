/**
 * cTrader Open API execution events (ProtoOAExecutionEvent, payloadType 2126) as JSON, translated into
 * canonical trade events.
 *
 * Field names, types and enum values follow Spotware's OpenApiModelMessages.proto and
 * OpenApiMessages.proto (github.com/spotware/openapi-proto-messages; rendered at help.ctrader.com/open-api/messages
 * and connect.spotware.com/docs/open_api_2/protobuf_messages_reference_v2): ProtoOAExecutionEvent, ProtoOADeal,
 * ProtoOAClosePositionDetail, ProtoOADepositWithdraw, ProtoOAPosition, ProtoOAOrder, ProtoOATradeData,
 * ProtoOAExecutionType, ProtoOAChangeBalanceType; the JSON encoding is help.ctrader.com/open-api/sending-receiving-json.
 * Both JSON forms are accepted: cTrader's own (enums as numbers, int64 as numbers) and ProtoJSON (enums
 * as names, int64 as decimal text).
 *
 * Money rule: amounts are int64 scaled by 10^moneyDigits (absent: 2, the API's original cents). With
 * moneyDigits 2 they are cents exactly; otherwise they are rounded to the nearest cent, halves away from
 * zero, in exact integer arithmetic. The account currency is assumed to have 2 decimals (USD, EUR, GBP...).
 *
 * Volumes are in cents of units; a symbol's lot size (from the catalogue the caller passes) turns them
 * into 1/10,000 lot. A volume that is not a whole 1/10,000 lot is refused rather than rounded.
 *
 * What each execution type becomes:
 * - ORDER_FILLED, ORDER_PARTIAL_FILL: a `deal`. cTrader realises a position's commission, swap and
 *   conversion fee when it closes (ProtoOAClosePositionDetail, round turn), so an opening deal books none:
 *   its own `commission` is unrealised and would otherwise count twice.
 * - DEPOSIT_WITHDRAW: a `balance` event for deposits, withdrawals, transfers and negative-balance
 *   protection (a correction); fees, swaps, dividends, rebates and copy-trading flows are refused,
 *   because as a balance event they would be hidden from the loss rules.
 * - ORDER_CANCELLED, ORDER_EXPIRED (both `cancelled`), ORDER_REJECTED: an `order` event for a limit,
 *   stop or stop-limit order; market orders have no requested price and protective stop-loss/take-profit
 *   orders come and go with their position, so they give no event.
 * - ORDER_ACCEPTED, ORDER_REPLACED, ORDER_CANCEL_REJECTED, SWAP (swap accrues on the position until it
 *   closes): no event. Their seq is then a gap, which the contract allows.
 * - BONUS_DEPOSIT_WITHDRAW: refused, bonuses are not balance and Propdesk accounts have none.
 */
import { z } from 'zod';
import { BalanceEvent, type TradeEventInput } from '../domain/events.js';
import type { Parsed, Problem } from '../parsing.js';

/** A symbol as the caller knows it from ProtoOASymbolsListRes and ProtoOASymbolByIdRes. */
export interface CtraderSymbol {
  readonly name: string;
  /** ProtoOASymbol.lotSize: units per lot, in cents of units (100,000 EUR is 10,000,000). */
  readonly lotSize: number;
}
/** Symbols by symbolId (decimal text): ids differ between cTrader servers. */
export type CtraderSymbolCatalogue = ReadonlyMap<string, CtraderSymbol>;

/** 9999-12-31T23:59:59.999: later times have no four-digit ISO year. */
const MAX_UNIX_MS = 253_402_300_799_999n;
const CENTS_DIGITS = 2;

/** value / 10^moneyDigits in cents, rounded half away from zero; null when beyond a safe integer. */
export function centsOfScaled(value: bigint, moneyDigits: number): number | null {
  let cents: bigint;
  if (moneyDigits <= CENTS_DIGITS) {
    cents = value * 10n ** BigInt(CENTS_DIGITS - moneyDigits);
  } else {
    const divisor = 10n ** BigInt(moneyDigits - CENTS_DIGITS);
    const quotient = value / divisor;
    const remainder = value % divisor;
    const awayFromZero = 2n * (remainder < 0n ? -remainder : remainder) >= divisor;
    cents = awayFromZero ? quotient + (value < 0n ? -1n : 1n) : quotient;
  }
  const number = Number(cents);
  return Number.isSafeInteger(number) ? number : null;
}

const int64 = z.union([z.int(), z.string().regex(/^-?\d{1,19}$/, 'expected an int64 as decimal text')]).transform((value) => BigInt(value));
const protoId = int64.pipe(z.bigint().nonnegative()).transform(String);
const unixMs = int64.pipe(z.bigint().nonnegative().max(MAX_UNIX_MS)).transform(Number);
const moneyDigits = z.int().min(0).max(18).default(CENTS_DIGITS);

/** A proto enum, by name or by number; the output is the name. */
function protoEnum<Name extends string>(numbers: Readonly<Record<Name, number>>, refusal = 'not a known value') {
  const names = Object.keys(numbers) as Name[];
  const byNumber = new Map(names.map((name) => [numbers[name], name]));
  return z.union([z.string(), z.int()]).transform((value, context) => {
    const name = typeof value === 'number' ? byNumber.get(value) : names.find((known) => known === value);
    if (name !== undefined) return name;
    context.issues.push({ code: 'custom', input: value, message: `${value} is ${refusal}; expected ${names.join(', ')} or their numbers` });
    return z.NEVER;
  });
}

const EXECUTION_TYPES = {
  ORDER_ACCEPTED: 2,
  ORDER_FILLED: 3,
  ORDER_REPLACED: 4,
  ORDER_CANCELLED: 5,
  ORDER_EXPIRED: 6,
  ORDER_REJECTED: 7,
  ORDER_CANCEL_REJECTED: 8,
  SWAP: 9,
  DEPOSIT_WITHDRAW: 10,
  ORDER_PARTIAL_FILL: 11,
  BONUS_DEPOSIT_WITHDRAW: 12,
} as const;
const tradeSide = protoEnum({ BUY: 1, SELL: 2 });
const orderType = protoEnum({ MARKET: 1, LIMIT: 2, STOP: 3, STOP_LOSS_TAKE_PROFIT: 4, MARKET_RANGE: 5, STOP_LIMIT: 6 });
const dealStatus = protoEnum({ FILLED: 2, PARTIALLY_FILLED: 3, REJECTED: 4, INTERNALLY_REJECTED: 5, ERROR: 6, MISSED: 7 });
/** The ProtoOAChangeBalanceType values that are cash flows, with their kind. */
const CASH_FLOWS = {
  BALANCE_DEPOSIT: 0,
  BALANCE_WITHDRAW: 1,
  BALANCE_DEPOSIT_TRANSFER: 36,
  BALANCE_WITHDRAW_TRANSFER: 37,
  BALANCE_DEPOSIT_NEGATIVE_BALANCE_PROTECTION: 39,
} as const;
const CASH_FLOW_KINDS: Readonly<Record<keyof typeof CASH_FLOWS, 'deposit' | 'withdrawal' | 'correction'>> = {
  BALANCE_DEPOSIT: 'deposit',
  BALANCE_WITHDRAW: 'withdrawal',
  BALANCE_DEPOSIT_TRANSFER: 'deposit',
  BALANCE_WITHDRAW_TRANSFER: 'withdrawal',
  BALANCE_DEPOSIT_NEGATIVE_BALANCE_PROTECTION: 'correction',
};

// Only the fields the translation reads are declared; the others pass through unread.
const TradeData = z.object({ symbolId: protoId, volume: int64, tradeSide, openTimestamp: unixMs.optional() });
const Position = z.object({ positionId: protoId, stopLoss: z.number().optional() });
const Order = z.object({
  orderId: protoId,
  tradeData: TradeData,
  orderType,
  positionId: protoId.optional(),
  limitPrice: z.number().optional(),
  stopPrice: z.number().optional(),
  stopLoss: z.number().optional(),
  takeProfit: z.number().optional(),
  isStopOut: z.boolean().optional(),
  utcLastUpdateTimestamp: unixMs.optional(),
});
const ClosePositionDetail = z.object({
  grossProfit: int64,
  swap: int64,
  commission: int64,
  pnlConversionFee: int64.default(0n),
  closedVolume: int64.optional(),
  moneyDigits,
});
const Deal = z.object({
  dealId: protoId,
  positionId: protoId,
  filledVolume: int64,
  symbolId: protoId,
  executionTimestamp: unixMs,
  executionPrice: z.number().optional(),
  tradeSide,
  dealStatus,
  closePositionDetail: ClosePositionDetail.optional(),
});
const DepositWithdraw = z.object({
  operationType: protoEnum(CASH_FLOWS, 'not a cash flow Propdesk books (fees, swaps, dividends, rebates and copy-trading flows are not)'),
  balanceHistoryId: protoId,
  delta: int64,
  changeBalanceTimestamp: unixMs,
  moneyDigits,
});
const ExecutionEvent = z.object({
  payloadType: z.literal(2126).optional(),
  ctidTraderAccountId: protoId,
  executionType: protoEnum(EXECUTION_TYPES),
  position: Position.optional(),
  order: Order.optional(),
  deal: Deal.optional(),
  depositWithdraw: DepositWithdraw.optional(),
});

export const CtraderEnvelope = z.object({
  tenant: BalanceEvent.shape.tenant,
  accountId: BalanceEvent.shape.accountId.describe("Propdesk's account id for the cTrader account"),
  ctidTraderAccountId: protoId,
  records: z
    .array(
      z.object({
        seq: BalanceEvent.shape.seq,
        execution: ExecutionEvent.describe('the payload of a ProtoOAExecutionEvent'),
        payout: z.literal(true).optional().describe('the bridge knows this withdrawal is a profit payout; cTrader does not'),
      }),
    )
    .min(1),
});
export type CtraderEnvelope = z.output<typeof CtraderEnvelope>;
type CtraderRecord = CtraderEnvelope['records'][number];
type Execution = z.output<typeof ExecutionEvent>;
type Order = z.output<typeof Order>;
type ClosePositionDetail = z.output<typeof ClosePositionDetail>;
type DealReason = 'client' | 'pendingOrder' | 'stopLoss' | 'takeProfit' | 'stopOut';

/** Orders that wait for a price, with their canonical type. */
const PENDING_ORDER_TYPES: Partial<Record<Order['orderType'], 'limit' | 'stop' | 'stopLimit'>> = { LIMIT: 'limit', STOP: 'stop', STOP_LIMIT: 'stopLimit' };

const problem = (path: string, message: string): Problem => ({ line: null, path, message });
const iso = (unixMs: number): string => new Date(unixMs).toISOString();
const side = (name: 'BUY' | 'SELL') => (name === 'BUY' ? 'buy' : 'sell');

/**
 * What executed a fill. cTrader does not say which level of a protective order triggered, so the one
 * nearer the execution price is taken, and a stop loss when the order names neither.
 */
function reasonOf(order: Order, price: number): DealReason {
  if (order.isStopOut) return 'stopOut';
  if (order.orderType === 'STOP_LOSS_TAKE_PROFIT') {
    const { stopLoss, takeProfit } = order;
    const nearerTakeProfit = takeProfit !== undefined && (stopLoss === undefined || Math.abs(price - takeProfit) < Math.abs(price - stopLoss));
    return nearerTakeProfit ? 'takeProfit' : 'stopLoss';
  }
  return PENDING_ORDER_TYPES[order.orderType] === undefined ? 'client' : 'pendingOrder';
}

class Translator {
  readonly problems: Problem[] = [];

  constructor(
    private readonly envelope: CtraderEnvelope,
    private readonly symbols: CtraderSymbolCatalogue,
  ) {}

  record(record: CtraderRecord, at: string): TradeEventInput | null {
    const { execution } = record;
    if (execution.ctidTraderAccountId !== this.envelope.ctidTraderAccountId) {
      const message = `is ${execution.ctidTraderAccountId} but the envelope is for ${this.envelope.ctidTraderAccountId}`;
      this.problems.push(problem(`${at}.execution.ctidTraderAccountId`, message));
      return null;
    }
    if (record.payout && execution.executionType !== 'DEPOSIT_WITHDRAW') {
      this.problems.push(problem(`${at}.payout`, 'only a DEPOSIT_WITHDRAW withdrawal can be a payout'));
      return null;
    }
    switch (execution.executionType) {
      case 'ORDER_FILLED':
      case 'ORDER_PARTIAL_FILL':
        return this.deal(record.seq, execution, `${at}.execution`);
      case 'DEPOSIT_WITHDRAW':
        return this.cashFlow(record, `${at}.execution`);
      case 'ORDER_CANCELLED':
      case 'ORDER_EXPIRED':
      case 'ORDER_REJECTED':
        return this.orderOutcome(record.seq, execution, `${at}.execution`);
      case 'BONUS_DEPOSIT_WITHDRAW':
        this.problems.push(problem(`${at}.execution.executionType`, 'a bonus is not balance, and Propdesk accounts have no bonus'));
        return null;
      case 'ORDER_ACCEPTED':
      case 'ORDER_REPLACED':
      case 'ORDER_CANCEL_REJECTED':
      case 'SWAP':
        return null;
    }
  }

  private common(seq: number, unixMs: number) {
    const { tenant, accountId } = this.envelope;
    const eventId = `ctrader-${accountId}-${String(seq).padStart(6, '0')}`;
    return { schemaVersion: 1, tenant, accountId, platform: 'ctrader', eventId, seq, time: iso(unixMs) } as const;
  }

  private required<T>(value: T | undefined, path: string, why: string): value is T {
    if (value === undefined) this.problems.push(problem(path, `is missing: ${why}`));
    return value !== undefined;
  }

  private cents(value: bigint, digits: number, path: string): number {
    const cents = centsOfScaled(value, digits);
    if (cents !== null) return cents;
    this.problems.push(problem(path, `${value} / 10^${digits} is beyond what Propdesk holds in cents`));
    return 0;
  }

  /** The symbol's name and the volume in 1/10,000 lot, or null with a Problem. */
  private instrument(symbolId: string, volume: bigint, at: { symbolId: string; volume: string }): { symbol: string; volume: number } | null {
    const symbol = this.symbols.get(symbolId);
    if (symbol === undefined) {
      this.problems.push(problem(at.symbolId, `symbol ${symbolId} is not in the symbol catalogue`));
      return null;
    }
    if (!Number.isSafeInteger(symbol.lotSize) || symbol.lotSize <= 0) {
      this.problems.push(problem(at.symbolId, `the catalogue's lot size of ${symbol.name} is ${symbol.lotSize}, not a positive integer`));
      return null;
    }
    const tenThousandths = volume * 10_000n;
    const lotSize = BigInt(symbol.lotSize);
    if (tenThousandths % lotSize !== 0n) {
      this.problems.push(problem(at.volume, `${volume} is not a whole 1/10,000 lot of ${symbol.name} (lot size ${lotSize})`));
      return null;
    }
    return { symbol: symbol.name, volume: Number(tenThousandths / lotSize) };
  }

  private deal(seq: number, execution: Execution, at: string): TradeEventInput | null {
    const { deal, order, position } = execution;
    const why = 'a fill carries the deal and the order it filled';
    if (!this.required(deal, `${at}.deal`, why) || !this.required(order, `${at}.order`, why)) return null;
    if (deal.dealStatus !== 'FILLED' && deal.dealStatus !== 'PARTIALLY_FILLED') {
      this.problems.push(problem(`${at}.deal.dealStatus`, `is ${deal.dealStatus}: a fill's deal is FILLED or PARTIALLY_FILLED`));
      return null;
    }
    if (!this.required(deal.executionPrice, `${at}.deal.executionPrice`, 'a fill has a price')) return null;
    if (position !== undefined && position.positionId !== deal.positionId) {
      this.problems.push(problem(`${at}.position.positionId`, `is ${position.positionId} but the deal is of position ${deal.positionId}`));
      return null;
    }
    const close = deal.closePositionDetail;
    const closedVolume = close?.closedVolume ?? deal.filledVolume;
    if (closedVolume > deal.filledVolume) {
      this.problems.push(problem(`${at}.deal.closePositionDetail.closedVolume`, `${closedVolume} is more than the deal's filled volume ${deal.filledVolume}`));
      return null;
    }
    const traded = this.instrument(deal.symbolId, deal.filledVolume, { symbolId: `${at}.deal.symbolId`, volume: `${at}.deal.filledVolume` });
    const realised = close === undefined ? { profit: 0, commission: 0, swap: 0 } : this.realised(close, `${at}.deal.closePositionDetail`);
    if (traded === null) return null;
    return {
      type: 'deal',
      ...this.common(seq, deal.executionTimestamp),
      dealId: deal.dealId,
      positionId: deal.positionId,
      symbol: traded.symbol,
      side: side(deal.tradeSide),
      volume: traded.volume,
      price: deal.executionPrice,
      // A closing deal that fills more than it closes opens the rest the other way (netting accounts).
      entry: close === undefined ? 'in' : closedVolume < deal.filledVolume ? 'reverse' : 'out',
      ...realised,
      reason: reasonOf(order, deal.executionPrice),
      stopLoss: position?.stopLoss ?? null,
    };
  }

  /** What the close moved the balance by, in cents. */
  private realised(close: ClosePositionDetail, at: string): { profit: number; commission: number; swap: number } {
    return {
      profit: this.cents(close.grossProfit, close.moneyDigits, `${at}.grossProfit`),
      // The conversion fee is charged like commission, and the canonical deal has no field of its own for it.
      commission: this.cents(close.commission + close.pnlConversionFee, close.moneyDigits, `${at}.commission`),
      swap: this.cents(close.swap, close.moneyDigits, `${at}.swap`),
    };
  }

  private cashFlow(record: CtraderRecord, at: string): TradeEventInput | null {
    const operation = record.execution.depositWithdraw;
    if (!this.required(operation, `${at}.depositWithdraw`, 'a DEPOSIT_WITHDRAW execution carries the operation')) return null;
    const flow = CASH_FLOW_KINDS[operation.operationType];
    if (record.payout && flow !== 'withdrawal') {
      this.problems.push(problem(`${at}.depositWithdraw.operationType`, `is ${operation.operationType}, but only a withdrawal can be a payout`));
      return null;
    }
    // The proto does not sign delta; the operation type says which way the money went.
    const magnitude = this.cents(operation.delta < 0n ? -operation.delta : operation.delta, operation.moneyDigits, `${at}.depositWithdraw.delta`);
    return {
      type: 'balance',
      ...this.common(record.seq, operation.changeBalanceTimestamp),
      operationId: operation.balanceHistoryId,
      kind: record.payout ? 'payout' : flow,
      amount: flow === 'withdrawal' ? -magnitude : magnitude,
    };
  }

  private orderOutcome(seq: number, execution: Execution, at: string): TradeEventInput | null {
    const { order } = execution;
    if (!this.required(order, `${at}.order`, `a ${execution.executionType} execution carries the order`)) return null;
    const orderType = PENDING_ORDER_TYPES[order.orderType];
    if (orderType === undefined) return null;
    const { tradeData } = order;
    const priceField = orderType === 'limit' ? 'limitPrice' : 'stopPrice';
    const requestedPrice = order[priceField];
    const requestedAt = tradeData.openTimestamp;
    const decidedAt = order.utcLastUpdateTimestamp;
    const status = execution.executionType === 'ORDER_REJECTED' ? 'rejected' : 'cancelled';
    this.required(requestedPrice, `${at}.order.${priceField}`, `a ${order.orderType} order has one`);
    this.required(requestedAt, `${at}.order.tradeData.openTimestamp`, 'it is when the order was placed');
    this.required(decidedAt, `${at}.order.utcLastUpdateTimestamp`, `it is when the order was ${status}`);
    const ordered = this.instrument(tradeData.symbolId, tradeData.volume, { symbolId: `${at}.order.tradeData.symbolId`, volume: `${at}.order.tradeData.volume` });
    if (requestedPrice === undefined || requestedAt === undefined || decidedAt === undefined || ordered === null) return null;
    return {
      type: 'order',
      ...this.common(seq, decidedAt),
      orderId: order.orderId,
      positionId: order.positionId ?? null,
      symbol: ordered.symbol,
      side: side(tradeData.tradeSide),
      volume: ordered.volume,
      orderType,
      status,
      requestedPrice,
      requestedAt: iso(requestedAt),
    };
  }
}

/** One slot per record: its event, or null when the execution gives none. Problems name the record's fields. */
export function translateCtrader(envelope: CtraderEnvelope, symbols: CtraderSymbolCatalogue): Parsed<(TradeEventInput | null)[]> {
  const translator = new Translator(envelope, symbols);
  const events = envelope.records.map((record, index) => translator.record(record, `records[${index}]`));
  return translator.problems.length === 0 ? { ok: true, value: events } : { ok: false, problems: translator.problems };
}
