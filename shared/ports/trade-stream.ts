/**
 * The trade stream that bridges and the ingest endpoint write to. put() resolves once every event is
 * stored, each account's events in the order given; it throws when some could not be stored, and
 * the caller retries the whole request (a repeat is harmless: the reducer ignores a seq it applied).
 */
import type { TradeEvent } from '../domain/events.js';

export interface TradeStream {
  put(events: readonly TradeEvent[]): Promise<void>;
}
