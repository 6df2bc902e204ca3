/**
 * MetaTrader 5 payloads, as a Manager API bridge forwards them, translated into canonical trade events.
 *
 * Field names and codes follow the MetaTrader 5 SDK reference (support.metaquotes.net/en/docs/mt5/api):
 * IMTDeal and its enumerations (imtdeal_enum: EnDealAction, EnDealEntry, EnDealReason), IMTDeal::Volume
 * (1/10,000 lot), IMTDeal::TimeMsc, IMTDeal::Fee (signed, like Commission), IMTAccount::Equity
 * (Balance + Credit + Floating) and IMTAccount::Floating (Profit + Storage of open positions).
 *
 * Money rule: MT5 amounts are doubles in the account currency. Each becomes integer cents by rounding
 * to the nearest cent, halves away from zero, on the shortest decimal text that reads back as the same
 * double (`String(amount)`), so 1.005 is 1.01 and not the 1.00 its binary value would give. Amounts
 * beyond ±10^13 are refused. The account currency is assumed to have 2 decimals (USD, EUR, GBP...):
 * a currency with other minor units (JPY) would need its own scale, which no adapter has yet.
 *
 * Times: MT5 stamps deals with the trade server's clock, not UTC, so the envelope says the server's
 * UTC offset and events carry that offset (`2026-02-03T11:29:07.412+02:00`).
 *
 * Refused, each with a Problem naming the field (a bridge must not send them, or an operator books them):
 * - actions other than buy, sell, balance, correction and stop-out compensation: credit and bonus live
 *   outside the balance; charges, periodic commissions, interest, dividends and taxes change the balance
 *   but are neither trading nor cash flow, and a balance event would hide them from the loss rules;
 *   cancelled deals would undo a deal, which no canonical event does;
 * - deal reasons with no canonical counterpart (dealer, rollover, gateway, settlement, split...);
 * - a deal or account of another login than the envelope's.
 * Entry out_by (close by an opposite position) is an `out`: MT5 writes one such deal per position closed.
 * MT5 deals never map to reason `pendingOrder`: IMTDeal does not say whether a pending order was filled.
 */
import { z } from 'zod';
import { BalanceEvent, type TradeEventInput } from '../domain/events.js';
import type { Parsed, Problem } from '../parsing.js';

/** Largest amount, in account currency, whose cents stay exact. */
const MAX_AMOUNT = 1e13;
/** 9999-12-31T23:59:59.999: later times have no four-digit ISO year. */
const MAX_TIME_MSC = 253_402_300_799_999;

/** Integer cents of an MT5 amount, rounded half away from zero; null beyond ±10^13. */
export function centsOfAmount(amount: number): number | null {
  if (!Number.isFinite(amount) || Math.abs(amount) > MAX_AMOUNT) return null;
  // Below 10^-6 JavaScript writes an exponent; such an amount is 0 cents anyway.
  if (Math.abs(amount) < 1e-6) return 0;
  const [whole = '0', fraction = ''] = Math.abs(amount).toString().split('.');
  const digits = fraction.padEnd(3, '0');
  const magnitude = Number(whole) * 100 + Number(digits.slice(0, 2)) + (digits[2]! >= '5' ? 1 : 0);
  return magnitude === 0 ? 0 : Math.sign(amount) * magnitude;
}

/** A ticket or login: UINT64 in MT5, so decimal text is accepted beside a safe integer. */
const ticket = z
  .union([z.int().nonnegative(), z.string().regex(/^\d{1,20}$/, 'expected a decimal ticket')])
  .transform((value) => BigInt(value).toString());
const serverTimeMsc = z.int().nonnegative().max(MAX_TIME_MSC).describe('milliseconds since 1970 on the trade server clock');

/** The IMTDeal fields the translation reads; a bridge may send the others. */
const Mt5Deal = z.object({
  Deal: ticket,
  Login: ticket,
  Action: z.int().nonnegative(),
  Entry: z.int().nonnegative(),
  Reason: z.int().nonnegative(),
  TimeMsc: serverTimeMsc,
  Symbol: z.string(),
  Price: z.number(),
  Volume: z.int().nonnegative().describe('1/10,000 lot'),
  Profit: z.number(),
  Commission: z.number(),
  Storage: z.number(),
  Fee: z.number().default(0).describe('absent before MT5 had per-deal fees'),
  PositionID: ticket,
  PriceSL: z.number().nonnegative().describe('0 when the deal has no stop loss'),
});

/** The IMTAccount fields the translation reads. */
const Mt5Account = z.object({
  Login: ticket,
  Balance: z.number(),
  Credit: z.number(),
  Equity: z.number(),
  Margin: z.number(),
});

const seq = BalanceEvent.shape.seq;

export const Mt5Envelope = z.object({
  tenant: BalanceEvent.shape.tenant,
  accountId: BalanceEvent.shape.accountId.describe("Propdesk's account id for the login"),
  login: ticket,
  serverUtcOffsetMinutes: z.int().min(-720).max(840).describe("the trade server clock's offset from UTC when the records happened"),
  records: z
    .array(
      z.discriminatedUnion('kind', [
        z.object({
          kind: z.literal('deal'),
          seq,
          deal: Mt5Deal,
          payout: z.literal(true).optional().describe('the bridge knows this withdrawal is a profit payout; MT5 does not'),
        }),
        z.object({
          kind: z.literal('account'),
          seq,
          timeMsc: serverTimeMsc.describe('when the bridge read the account, on the trade server clock'),
          account: Mt5Account,
        }),
      ]),
    )
    .min(1),
});
export type Mt5Envelope = z.output<typeof Mt5Envelope>;
type Mt5Record = Mt5Envelope['records'][number];
type Mt5Deal = z.output<typeof Mt5Deal>;

/** IMTDeal::EnDealAction, by value. */
const ACTIONS = [
  'DEAL_BUY', 'DEAL_SELL', 'DEAL_BALANCE', 'DEAL_CREDIT', 'DEAL_CHARGE', 'DEAL_CORRECTION', 'DEAL_BONUS',
  'DEAL_COMMISSION', 'DEAL_COMMISSION_DAILY', 'DEAL_COMMISSION_MONTHLY', 'DEAL_AGENT_DAILY', 'DEAL_AGENT_MONTHLY',
  'DEAL_INTERESTRATE', 'DEAL_BUY_CANCELED', 'DEAL_SELL_CANCELED', 'DEAL_DIVIDEND', 'DEAL_DIVIDEND_FRANKED',
  'DEAL_TAX', 'DEAL_AGENT', 'DEAL_SO_COMPENSATION', 'DEAL_SO_COMPENSATION_CREDIT',
] as const;
const BUY = 0;
const SELL = 1;
const BALANCE = 2;
const CORRECTION = 5;
const SO_COMPENSATION = 19;

/** IMTDeal::EnDealEntry, by value: in, out, in/out (a reverse) and out by (an out of each position). */
const ENTRIES = ['in', 'out', 'reverse', 'out'] as const;

/** IMTDeal::EnDealReason, by value, with the canonical reason where there is one. */
const REASONS: readonly (readonly [name: string, reason: DealReason | null])[] = [
  ['DEAL_REASON_CLIENT', 'client'],
  ['DEAL_REASON_EXPERT', 'expert'],
  ['DEAL_REASON_DEALER', null],
  ['DEAL_REASON_SL', 'stopLoss'],
  ['DEAL_REASON_TP', 'takeProfit'],
  ['DEAL_REASON_SO', 'stopOut'],
  ['DEAL_REASON_ROLLOVER', null],
  ['DEAL_REASON_EXTERNAL_CLIENT', 'client'],
  ['DEAL_REASON_VMARGIN', null],
  ['DEAL_REASON_GATEWAY', null],
  ['DEAL_REASON_SIGNAL', 'expert'],
  ['DEAL_REASON_SETTLEMENT', null],
  ['DEAL_REASON_TRANSFER', null],
  ['DEAL_REASON_SYNC', null],
  ['DEAL_REASON_EXTERNAL_SERVICE', null],
  ['DEAL_REASON_MIGRATION', null],
  ['DEAL_REASON_MOBILE', 'client'],
  ['DEAL_REASON_WEB', 'client'],
  ['DEAL_REASON_SPLIT', null],
  ['DEAL_REASON_CORPORATE_ACTION', null],
];
type DealReason = 'client' | 'expert' | 'stopLoss' | 'takeProfit' | 'stopOut';

const problem = (path: string, message: string): Problem => ({ line: null, path, message });
const twoDigits = (value: number): string => String(value).padStart(2, '0');

/** The server's wall-clock time with its offset, so the instant is exact and the server day stays visible. */
function serverTime(timeMsc: number, offsetMinutes: number): string {
  const wallClock = new Date(timeMsc).toISOString().slice(0, -1);
  const minutes = Math.abs(offsetMinutes);
  return `${wallClock}${offsetMinutes < 0 ? '-' : '+'}${twoDigits(Math.trunc(minutes / 60))}:${twoDigits(minutes % 60)}`;
}

/** Why an action is refused, for the operator who reads the Problem. */
function refusedAction(action: number): string {
  const name = ACTIONS[action];
  if (name === undefined) return `Action ${action} is not an MT5 deal action`;
  if (name === 'DEAL_CREDIT' || name === 'DEAL_BONUS' || name === 'DEAL_SO_COMPENSATION_CREDIT') {
    return `Action ${action} (${name}) moves credit, which MT5 keeps outside the balance; Propdesk accounts have no credit`;
  }
  if (name === 'DEAL_BUY_CANCELED' || name === 'DEAL_SELL_CANCELED') {
    return `Action ${action} (${name}) cancels an earlier deal, which no Propdesk event can undo`;
  }
  return `Action ${action} (${name}) is neither trading nor a cash flow: as a balance event it would be hidden from the loss rules`;
}

class Translator {
  readonly problems: Problem[] = [];

  constructor(private readonly envelope: Mt5Envelope) {}

  record(record: Mt5Record, at: string): TradeEventInput | null {
    const login = record.kind === 'deal' ? record.deal.Login : record.account.Login;
    if (login !== this.envelope.login) {
      this.problems.push(problem(`${at}.${record.kind}.Login`, `is ${login} but the envelope is for login ${this.envelope.login}`));
      return null;
    }
    if (record.kind === 'account') return this.snapshot(record, at);
    const action = record.deal.Action;
    if (record.payout && action !== BALANCE) {
      this.problems.push(problem(`${at}.payout`, 'only a balance withdrawal (Action 2) can be a payout'));
      return null;
    }
    if (action === BUY || action === SELL) return this.deal(record.seq, record.deal, `${at}.deal`);
    if (action === BALANCE || action === CORRECTION || action === SO_COMPENSATION) return this.balance(record, at);
    this.problems.push(problem(`${at}.deal.Action`, refusedAction(action)));
    return null;
  }

  private common(seq: number, timeMsc: number) {
    const { tenant, accountId, serverUtcOffsetMinutes } = this.envelope;
    const eventId = `mt5-${accountId}-${String(seq).padStart(6, '0')}`;
    return { schemaVersion: 1, tenant, accountId, platform: 'mt5', eventId, seq, time: serverTime(timeMsc, serverUtcOffsetMinutes) } as const;
  }

  private cents(amount: number, path: string): number {
    const cents = centsOfAmount(amount);
    if (cents !== null) return cents;
    this.problems.push(problem(path, `${amount} is beyond ±10^13, the largest amount Propdesk converts to cents`));
    return 0;
  }

  private deal(seq: number, deal: Mt5Deal, at: string): TradeEventInput | null {
    const entry = ENTRIES[deal.Entry];
    if (entry === undefined) {
      this.problems.push(problem(`${at}.Entry`, `${deal.Entry} is not an MT5 deal entry (0 in, 1 out, 2 in/out, 3 out by)`));
    }
    const [reasonName, reason] = REASONS[deal.Reason] ?? ['an unknown reason', null];
    if (reason === null) {
      this.problems.push(problem(`${at}.Reason`, `${deal.Reason} (${reasonName}) has no Propdesk reason: only client, expert, stop loss, take profit and stop out do`));
    }
    const profit = this.cents(deal.Profit, `${at}.Profit`);
    // Fee is a second commission (IMTConCommission::COMM_FEE); the canonical deal has one field for both.
    const commission = this.cents(deal.Commission, `${at}.Commission`) + this.cents(deal.Fee, `${at}.Fee`);
    const swap = this.cents(deal.Storage, `${at}.Storage`);
    if (entry === undefined || reason === null) return null;
    return {
      type: 'deal',
      ...this.common(seq, deal.TimeMsc),
      dealId: deal.Deal,
      positionId: deal.PositionID,
      symbol: deal.Symbol,
      side: deal.Action === BUY ? 'buy' : 'sell',
      volume: deal.Volume,
      price: deal.Price,
      entry,
      profit,
      commission,
      swap,
      reason,
      stopLoss: deal.PriceSL === 0 ? null : deal.PriceSL,
    };
  }

  private balance(record: Extract<Mt5Record, { kind: 'deal' }>, at: string): TradeEventInput {
    const { deal } = record;
    const amount = this.cents(deal.Profit, `${at}.deal.Profit`);
    let kind: 'deposit' | 'withdrawal' | 'payout' | 'correction' = 'correction';
    if (deal.Action === BALANCE) kind = amount < 0 ? (record.payout ? 'payout' : 'withdrawal') : 'deposit';
    if (record.payout && kind !== 'payout') this.problems.push(problem(`${at}.payout`, 'a payout takes money out: its Profit must be negative'));
    return { type: 'balance', ...this.common(record.seq, deal.TimeMsc), operationId: deal.Deal, kind, amount };
  }

  private snapshot(record: Extract<Mt5Record, { kind: 'account' }>, at: string): TradeEventInput {
    const { account } = record;
    const balance = this.cents(account.Balance, `${at}.account.Balance`);
    // MT5 equity counts credit; canonical equity is balance plus floating profit and loss.
    const equity = this.cents(account.Equity, `${at}.account.Equity`) - this.cents(account.Credit, `${at}.account.Credit`);
    return {
      type: 'snapshot',
      ...this.common(record.seq, record.timeMsc),
      balance,
      equity,
      margin: this.cents(account.Margin, `${at}.account.Margin`),
      floatingPnl: equity - balance,
      source: 'broker',
    };
  }
}

/** One slot per record: its event, or null. Problems name the record's fields. */
export function translateMt5(envelope: Mt5Envelope): Parsed<(TradeEventInput | null)[]> {
  const translator = new Translator(envelope);
  const events = envelope.records.map((record, index) => translator.record(record, `records[${index}]`));
  return translator.problems.length === 0 ? { ok: true, value: events } : { ok: false, problems: translator.problems };
}
