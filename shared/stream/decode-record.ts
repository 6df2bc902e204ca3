/**
 * A Kinesis record from a trading-platform bridge, decoded into a canonical event or into the reasons
 * it must be quarantined. Nothing invalid reaches the reducer, and an invalid record never blocks the
 * stream: the evaluator quarantines it and goes on.
 */
import { TradeEvent } from '../domain/events.js';
import { parseWith, type Problem } from '../parsing.js';
import { decodeFast } from './fast-decode.js';

export interface StreamRecord {
  /** Unique on the stream: the shard and the sequence number (Lambda's eventID). */
  readonly recordId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** When Kinesis received it (epoch ms). */
  readonly arrivedAt: number;
  /** The record's data as Lambda delivers it: base64. */
  readonly data: string;
}

export interface Quarantined {
  readonly recordId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly arrivedAt: number;
  /** One line for an operator; `problems` has every field at fault. */
  readonly reason: string;
  readonly problems: readonly Problem[];
  /** The payload as text (base64 when it is not text), so an operator can correct and replay it. */
  readonly payload: string;
}

export type DecodedRecord = { readonly ok: true; readonly event: TradeEvent } | { readonly ok: false; readonly quarantined: Quarantined };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A quarantine entry for `record`, its reason the first problem. */
export function quarantined(record: StreamRecord, payload: string, problems: Problem[]): Quarantined {
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  const reason = `${first.path === '' ? '' : `${first.path}: `}${first.message}${more}`;
  const { recordId, sequenceNumber, partitionKey, arrivedAt } = record;
  return { recordId, sequenceNumber, partitionKey, arrivedAt, reason, problems, payload };
}

function quarantine(record: StreamRecord, payload: string, problems: Problem[]): DecodedRecord {
  return { ok: false, quarantined: quarantined(record, payload, problems) };
}

/**
 * Decodes one record of `tenant`'s trade stream, whose partition key must be the event's account id:
 * by the fast path when it can tell (fast-decode.ts), which gives the same event, else by zod.
 */
export function decodeRecord(record: StreamRecord, tenant: string): DecodedRecord {
  const event = decodeFast(record, tenant);
  return event !== null ? { ok: true, event } : decodeWithZod(record, tenant);
}

/** The contract's own decoding, with the reasons of a refusal: what decodeFast must agree with. */
export function decodeWithZod(record: StreamRecord, tenant: string): DecodedRecord {
  if (!BASE64.test(record.data)) return quarantine(record, record.data, [{ line: null, path: '', message: 'data is not base64' }]);
  let text: string;
  try {
    text = utf8.decode(Buffer.from(record.data, 'base64'));
  } catch {
    return quarantine(record, record.data, [{ line: null, path: '', message: 'data is not UTF-8 text' }]);
  }
  const parsed = parseWith(TradeEvent, text, null);
  if (!parsed.ok) return quarantine(record, text, parsed.problems);
  const event = parsed.value;
  const misrouted: Problem[] = [];
  if (event.tenant !== tenant) misrouted.push({ line: null, path: 'tenant', message: `belongs to tenant ${event.tenant}, not to this stream's ${tenant}` });
  // Kinesis keeps order only within a partition key: an account's events must all share its key.
  if (event.accountId !== record.partitionKey) {
    misrouted.push({ line: null, path: 'accountId', message: `is ${event.accountId} but the partition key is ${record.partitionKey}` });
  }
  return misrouted.length > 0 ? quarantine(record, text, misrouted) : { ok: true, event };
}
