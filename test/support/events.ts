/**
 * Builders for canonical events in tests. Every event goes through the same zod schema a bridge's
 * event does, and seq increases by one per event built.
 */
import { TradeEvent, type OverrideChange, type TradeEventInput } from '../../shared/domain/events.js';

type Time = string | number;
const iso = (time: Time): string => (typeof time === 'number' ? new Date(time).toISOString() : time);

type Fields<T extends TradeEventInput['type']> = Omit<
  Extract<TradeEventInput, { type: T }>,
  'type' | 'schemaVersion' | 'tenant' | 'accountId' | 'platform' | 'eventId' | 'seq' | 'time'
>;

export interface EventBuilder {
  snapshot(time: Time, fields: Partial<Fields<'snapshot'>> & { equity: number }): TradeEvent;
  deal(time: Time, fields: Omit<Fields<'deal'>, 'dealId' | 'profit' | 'commission' | 'swap' | 'price'> & Partial<Fields<'deal'>>): TradeEvent;
  balance(time: Time, fields: Omit<Fields<'balance'>, 'operationId'> & Partial<Fields<'balance'>>): TradeEvent;
  dayClose(time: Time, fields: Fields<'dayClose'>): TradeEvent;
  clock(time: Time): TradeEvent;
  /** A staff override by `actor` risk-1 (ids ov-1, ov-2, ... unless given). */
  override(time: Time, change: OverrideChange, fields?: { overrideId?: string; reason?: string; actor?: string }): TradeEvent;
  /** The seq the next event will get. */
  nextSeq(): number;
}

export function events(account: { tenant?: string; accountId?: string; startSeq?: number } = {}): EventBuilder {
  const tenant = account.tenant ?? 'demo';
  const accountId = account.accountId ?? 'acc-1';
  let seq = account.startSeq ?? 1;
  let overrides = 0;
  const envelope = (time: Time) => {
    const current = seq++;
    return { schemaVersion: 1 as const, tenant, accountId, platform: 'mt5' as const, eventId: `ev-${current}`, seq: current, time: iso(time) };
  };
  return {
    snapshot: (time, fields) => {
      return TradeEvent.parse({
        type: 'snapshot',
        ...envelope(time),
        balance: fields.balance ?? fields.equity,
        margin: 0,
        floatingPnl: fields.equity - (fields.balance ?? fields.equity),
        source: 'broker',
        ...fields,
      });
    },
    deal: (time, fields) => {
      const envelopeFields = envelope(time);
      return TradeEvent.parse({
        type: 'deal',
        ...envelopeFields,
        dealId: `deal-${envelopeFields.seq}`,
        price: 1.1,
        profit: 0,
        commission: 0,
        swap: 0,
        ...fields,
      });
    },
    balance: (time, fields) => {
      const envelopeFields = envelope(time);
      return TradeEvent.parse({ type: 'balance', ...envelopeFields, operationId: `op-${envelopeFields.seq}`, ...fields });
    },
    dayClose: (time, fields) => TradeEvent.parse({ type: 'dayClose', ...envelope(time), ...fields }),
    clock: (time) => TradeEvent.parse({ type: 'clock', schemaVersion: 1, tenant, accountId, time: iso(time) }),
    override: (time, change, fields = {}) =>
      TradeEvent.parse({
        type: 'override',
        schemaVersion: 1,
        tenant,
        accountId,
        overrideId: fields.overrideId ?? `ov-${++overrides}`,
        time: iso(time),
        actor: fields.actor ?? 'risk-1',
        reason: fields.reason ?? 'desk decision',
        change,
      }),
    nextSeq: () => seq,
  };
}
