/**
 * Every trade event an account applied, kept so that a program change can be tried on real histories:
 * the HTTP API's dry-run replays an account's events under another program version. The evaluator
 * appends, before each save of an account, the events it applied since the previous save (a chunk).
 *
 * A chunk is written before the save and is not part of it, so a retried batch may write its events
 * again, before the same save (replacing the chunk) or inside a later chunk (overlapping). Reading joins
 * the chunks and drops the repeats the way the reducer does (joinChunks below), so a replay sees each
 * event once.
 */
import { isBridgeEvent, TradeEvent } from '../domain/events.js';

/** How the account was opened when its history began: what a replay opens it with. */
export interface HistoryOpening {
  readonly phaseId: string;
  /** Epoch milliseconds. */
  readonly openedAt: number;
  /** Integer minor units. */
  readonly initialBalance: number;
  readonly traderId: string | null;
}

export interface HistoryChunk {
  /** The account revision whose save this chunk precedes: chunks are kept in that order. */
  readonly revision: number;
  readonly opening: HistoryOpening;
  /**
   * The events as the trade stream carried them, in stream order, at least one: each record's data
   * (base64 of its JSON). Kept as received, so the evaluator's hot path neither holds parsed events
   * between saves nor serializes them again; a reader validates them as the stream decoder does.
   */
  readonly records: readonly string[];
  /** Event time (epoch ms) after which the store may forget the chunk. */
  readonly keepUntil: number;
}

/** A chunk with the account it belongs to: what the evaluator appends, a batch's worth at once. */
export interface AccountChunk extends HistoryChunk {
  readonly accountId: string;
}

/** A chunk as read back: its events parsed. */
export interface ReadChunk {
  readonly opening: HistoryOpening;
  readonly events: readonly TradeEvent[];
}

export interface AccountEventHistory {
  /** The opening of the account's first chunk. */
  readonly opening: HistoryOpening;
  /** In stream order, each once. */
  readonly events: readonly TradeEvent[];
  /** How many stored chunks the history was joined from. */
  readonly chunks: number;
}

export interface AccountHistory {
  /** Stores the chunks; a chunk of an account's same revision (a retried save) replaces the earlier one. */
  append(chunks: readonly AccountChunk[]): Promise<void>;
  /**
   * Every event in stream order, each once (chunks may overlap after a retried batch), or null if none
   * is stored. Throws a HistoryTooLongError (a RangeError) if the stored events exceed `maxEvents`.
   */
  read(accountId: string, maxEvents: number): Promise<AccountEventHistory | null>;
}

/** A history longer than the reader accepts: the caller answers with a limit, not an out-of-memory crash. */
export class HistoryTooLongError extends RangeError {
  constructor(accountId: string, maxEvents: number) {
    super(`the event history of account ${accountId} holds more than ${maxEvents} events`);
    this.name = 'HistoryTooLongError';
  }
}

/** The event's seq, if it has one: clock and override events carry none. */
const seqOf = (event: TradeEvent): number | undefined => (isBridgeEvent(event) ? event.seq : undefined);

/** One stored event's JSON as a canonical event; a history holds only events the evaluator decoded. */
export const eventOfJson = (json: string): TradeEvent => TradeEvent.parse(JSON.parse(json));

/**
 * The history stored as `chunks`, given in revision order. An event with a
 * seq is a repeat if its seq is not above the highest seq kept, as the reducer treats it; an event
 * without one is a repeat if the same event (same JSON) was kept. Null when there is no chunk.
 */
export function joinChunks(chunks: readonly ReadChunk[]): AccountEventHistory | null {
  const [first] = chunks;
  if (first === undefined) return null;
  const events: TradeEvent[] = [];
  let highestSeq = -Infinity;
  const keptWithoutSeq = new Set<string>();
  for (const chunk of chunks) {
    for (const event of chunk.events) {
      const seq = seqOf(event);
      if (seq === undefined) {
        const json = JSON.stringify(event);
        if (keptWithoutSeq.has(json)) continue;
        keptWithoutSeq.add(json);
      } else {
        if (seq <= highestSeq) continue;
        highestSeq = seq;
      }
      events.push(event);
    }
  }
  return { opening: first.opening, events, chunks: chunks.length };
}
