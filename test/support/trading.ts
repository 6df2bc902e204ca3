/**
 * Deal shorthands over the events() builder: one lot of EURUSD unless told otherwise, so a test
 * only spells out what it is about.
 */
import type { DealEvent, TradeEvent } from '../../shared/domain/events.js';
import { events, type EventBuilder } from './events.js';

export const LOT = 10_000;

type Time = string | number;
type DealFields = Partial<Omit<DealEvent, 'type' | 'schemaVersion' | 'tenant' | 'accountId' | 'platform' | 'eventId' | 'seq' | 'time'>>;

export interface Trader extends EventBuilder {
  /** Opens (or adds to) a position. */
  open(time: Time, positionId: string, fields?: DealFields): TradeEvent;
  /** Closes a position of one lot, or reduces one when fields.volume is smaller than it. */
  close(time: Time, positionId: string, profit: number, fields?: DealFields): TradeEvent;
}

export function trader(): Trader {
  const make = events();
  return {
    ...make,
    open: (time, positionId, fields = {}) =>
      make.deal(time, { positionId, symbol: 'EURUSD', side: 'buy', volume: LOT, entry: 'in', ...fields }),
    close: (time, positionId, profit, fields = {}) =>
      make.deal(time, { positionId, symbol: 'EURUSD', side: 'sell', volume: LOT, entry: 'out', profit, ...fields }),
  };
}
