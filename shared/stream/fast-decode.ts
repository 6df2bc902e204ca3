/**
 * decodeRecord's fast path, for the records that make up nearly all of a trade stream: snapshots,
 * deals and clock events of the stream's tenant, keyed by their account, as bridges write them
 * (base64 of ASCII JSON without escapes in the fields it reads).
 *
 * It decodes the base64 into a scratch buffer and reads the JSON bytes straight into the event: no
 * text, no parsed object, no zod. TextDecoder, JSON.parse and zod cost several times more, and make
 * most of the garbage the evaluator would otherwise collect.
 *
 * It never judges a record. It returns exactly the event the zod path (decodeWithZod: base64 check,
 * UTF-8, JSON.parse, TradeEvent, tenant and partition key) returns, or null whenever it cannot tell:
 * another event type, a string with an escape, an unknown field holding an object or an array, a
 * record of another tenant or account, anything invalid. The zod path then decides and gives the
 * reasons: zod stays the contract. test/property/fast-decode.test.ts holds the two paths to the same
 * result on valid and invalid records alike.
 */
import type { z } from 'zod';
import { ClockEvent, DealEvent, SnapshotEvent, type TradeEvent } from '../domain/events.js';
import type { StreamRecord } from './decode-record.js';

/**
 * The fields of the three shapes, each a bit of the mask of fields seen. A field has the same schema
 * in every shape that has it; in a shape without it, it is an unknown field, which zod strips, so it
 * only has to be valid JSON there, and refusing it is always safe.
 */
const FIELD_NAMES = [
  'type',
  'schemaVersion',
  'tenant',
  'accountId',
  'platform',
  'eventId',
  'seq',
  'time',
  'balance',
  'equity',
  'margin',
  'floatingPnl',
  'source',
  'dealId',
  'positionId',
  'symbol',
  'side',
  'volume',
  'price',
  'entry',
  'profit',
  'commission',
  'swap',
  'reason',
  'stopLoss',
  'referencePrice',
] as const;
const TYPE = 0;
const SCHEMA_VERSION = 1;
const TENANT = 2;
const ACCOUNT_ID = 3;
const PLATFORM = 4;
const EVENT_ID = 5;
const SEQ = 6;
const TIME = 7;
const BALANCE = 8;
const EQUITY = 9;
const MARGIN = 10;
const FLOATING_PNL = 11;
const SOURCE = 12;
const DEAL_ID = 13;
const POSITION_ID = 14;
const SYMBOL = 15;
const SIDE = 16;
const VOLUME = 17;
const PRICE = 18;
const ENTRY = 19;
const PROFIT = 20;
const COMMISSION = 21;
const SWAP = 22;
const REASON = 23;
const STOP_LOSS = 24;
const REFERENCE_PRICE = 25;
const UNKNOWN_FIELD = -1;
const REFUSED = -2;

/** The fields a shape requires: those whose schema refuses a missing value (no default, not optional). */
function requiredMask(schema: { readonly shape: Readonly<Record<string, z.ZodType>> }): number {
  let mask = 0;
  for (const [name, field] of Object.entries(schema.shape)) {
    const index = (FIELD_NAMES as readonly string[]).indexOf(name);
    // A field added to the contract must be taught to the fast path, or it would accept events without it.
    if (index < 0) throw new Error(`the fast decoder does not know the field ${name} of the trade events`);
    if (!field.safeParse(undefined).success) mask |= 1 << index;
  }
  return mask;
}

// Event types, choices and defaults come from the schemas, so they cannot drift from the contract.
const SNAPSHOT_REQUIRED = requiredMask(SnapshotEvent);
const DEAL_REQUIRED = requiredMask(DealEvent);
const CLOCK_REQUIRED = requiredMask(ClockEvent);
const EVENT_TYPES = [SnapshotEvent.shape.type.value, DealEvent.shape.type.value, ClockEvent.shape.type.value] as const;
const PLATFORMS = SnapshotEvent.shape.platform.options;
const SOURCES = SnapshotEvent.shape.source.options;
const SIDES = DealEvent.shape.side.options;
const ENTRIES = DealEvent.shape.entry.options;
const REASONS = DealEvent.shape.reason.unwrap().options;
const DEFAULT_REASON = DealEvent.shape.reason.parse(undefined);
const DEFAULT_STOP_LOSS = DealEvent.shape.stopLoss.parse(undefined);
const DEFAULT_REFERENCE_PRICE = DealEvent.shape.referencePrice.parse(undefined);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;

/** The id rule of the contract (events.ts): 1 to 128 letters, digits and . _ : @ / - */
const MAX_ID_LENGTH = 128;
const MAX_SYMBOL_LENGTH = 32;
const ID_BYTE = byteTable((byte) => /[A-Za-z0-9._:@/-]/.test(String.fromCharCode(byte)));
/**
 * Bytes a JSON string holds as themselves, ASCII only: a record of ASCII bytes is valid UTF-8 and
 * reads the same as text, so the fast path never decodes UTF-8.
 */
const PLAIN_STRING_BYTE = byteTable((byte) => byte >= 0x20 && byte < 0x80 && byte !== QUOTE && byte !== BACKSLASH);
/** JSON's single-character escapes, after the backslash. */
const SHORT_ESCAPE = byteTable((byte) => '"\\/bfnrt'.includes(String.fromCharCode(byte)));
const HEX_DIGIT = byteTable((byte) => /[0-9A-Fa-f]/.test(String.fromCharCode(byte)));

function byteTable(holds: (byte: number) => boolean): Uint8Array {
  return Uint8Array.from({ length: 256 }, (_, byte) => (holds(byte) ? 1 : 0));
}

/**
 * Field names by their first and third bytes, which tell them apart: a name is then checked against
 * one candidate only. Built at load, where a collision would fail loudly.
 */
const FIELD_BY_PREFIX = new Int8Array(1024).fill(UNKNOWN_FIELD);
const prefixKey = (first: number, third: number): number => ((first & 31) << 5) | (third & 31);
FIELD_NAMES.forEach((name, field) => {
  const key = prefixKey(name.charCodeAt(0), name.charCodeAt(2));
  if (FIELD_BY_PREFIX[key] !== UNKNOWN_FIELD) throw new Error(`fields ${FIELD_NAMES[FIELD_BY_PREFIX[key]!]} and ${name} share a prefix key`);
  FIELD_BY_PREFIX[key] = field;
});

/** The powers of ten a double holds exactly. */
const MAX_EXACT_POWER = 22;
const POWERS_OF_TEN = Array.from({ length: MAX_EXACT_POWER + 1 }, (_, i) => Number(`1e${i}`));

const MS_PER_DAY = 86_400_000;
const MILLISECONDS_PER_FRACTION_DIGIT = [100, 10, 1];

/**
 * Decoded bytes live here, one record at a time, followed by a zero byte. No JSON token holds a zero,
 * so every loop and every check stops or fails there without testing for the end, and no byte left
 * past it by an earlier record is ever read as part of this one.
 */
const SCRATCH_BYTES = 1 << 16;
const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
const MAX_BASE64_LENGTH = Math.floor((SCRATCH_BYTES - 1) / 3) * 4;

/** The event of `record` exactly as the zod path decodes it, or null when the zod path must decide. */
export function decodeFast(record: StreamRecord, tenant: string): TradeEvent | null {
  const data = record.data;
  if (data.length > MAX_BASE64_LENGTH) return null;
  const length = scratch.write(data, 0, 'base64');
  if (!isBase64(data, length)) return null;
  scratch[length] = 0;
  return scanner.scan(length, tenant, record.partitionKey);
}

/**
 * Whether `data`, which Node decoded to `length` bytes, is base64 as decodeRecord's pattern has it,
 * told without a pass over the text in JavaScript (which costs as much as the rest of the decoding).
 * Node's decoder reads `-` and `_` as digits (of the URL alphabet) and a character past U+00FF by its
 * low byte; it skips or stops at anything else that is not a base64 digit, which then yields fewer
 * bytes than the length and padding of the text promise. So ASCII text without `-` and `_` that
 * decodes to all the bytes it promises is valid. The property and unit tests hold Node to this.
 */
function isBase64(data: string, length: number): boolean {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return (
    data.length % 4 === 0 &&
    length === (data.length / 4) * 3 - padding &&
    Buffer.byteLength(data, 'utf8') === data.length &&
    !data.includes('-') &&
    !data.includes('_')
  );
}

type EventType = (typeof EVENT_TYPES)[number];
type Platform = (typeof PLATFORMS)[number];
type Source = (typeof SOURCES)[number];
type Side = (typeof SIDES)[number];
type Entry = (typeof ENTRIES)[number];
type Reason = (typeof REASONS)[number];

/** Reads one JSON object of the scratch buffer, field by field, then builds the event from the fields. */
class EventScanner {
  private readonly bytes = new Uint8Array(scratch.buffer, scratch.byteOffset, SCRATCH_BYTES);
  private position = 0;
  /**
   * Bits of the fields read so far: every other value below is left from an earlier record. The
   * initial values only fix each field's representation for V8 (a small integer, a double, a string):
   * a field that changed it would deoptimize every method of the scanner.
   */
  private seen = 0;
  private type: EventType = EVENT_TYPES[0];
  private platform: Platform = PLATFORMS[0]!;
  private eventId = '';
  private seq = 0;
  private time = Number.NaN;
  private balance = 0;
  private equity = 0;
  private margin = 0;
  private floatingPnl = 0;
  private source: Source = SOURCES[0]!;
  private dealId = '';
  private positionId = '';
  private symbol = '';
  private side: Side = SIDES[0]!;
  private volume = 0;
  private price = Number.NaN;
  private entry: Entry = ENTRIES[0]!;
  private profit = 0;
  private commission = 0;
  private swap = 0;
  private reason: Reason = REASONS[0]!;
  private stopLoss = Number.NaN;
  private stopLossIsNull = false;
  private referencePrice = Number.NaN;
  private referencePriceIsNull = false;

  scan(length: number, tenant: string, partitionKey: string): TradeEvent | null {
    this.position = 0;
    this.seen = 0;
    if (this.skipWhitespace() !== OPEN_BRACE) return null;
    this.position++;
    let next = this.skipWhitespace();
    if (next === CLOSE_BRACE) return null;
    for (;;) {
      if (next !== QUOTE) return null;
      const field = this.readFieldName();
      if (field === REFUSED || this.skipWhitespace() !== COLON) return null;
      this.position++;
      this.skipWhitespace();
      if (field === UNKNOWN_FIELD) {
        if (!this.skipPrimitive()) return null;
      } else {
        // A field written twice is read twice, the last value kept, as JSON.parse keeps it.
        this.seen |= 1 << field;
        if (!this.readField(field, tenant, partitionKey)) return null;
      }
      next = this.skipWhitespace();
      if (next === CLOSE_BRACE) break;
      if (next !== COMMA) return null;
      this.position++;
      next = this.skipWhitespace();
    }
    this.position++;
    this.skipWhitespace();
    return this.position === length ? this.build(tenant, partitionKey) : null;
  }

  /** The event, its fields in the schema's order as zod builds its output; null when a required field is missing. */
  private build(tenant: string, accountId: string): TradeEvent | null {
    const seen = this.seen;
    // Every shape requires its type, so a type left from an earlier record fails the check of its fields.
    switch (this.type) {
      case 'snapshot':
        if ((seen & SNAPSHOT_REQUIRED) !== SNAPSHOT_REQUIRED) return null;
        return {
          type: 'snapshot',
          schemaVersion: 1,
          tenant,
          accountId,
          platform: this.platform,
          eventId: this.eventId,
          seq: this.seq,
          time: this.time,
          balance: this.balance,
          equity: this.equity,
          margin: this.margin,
          floatingPnl: this.floatingPnl,
          source: this.source,
        };
      case 'deal':
        if ((seen & DEAL_REQUIRED) !== DEAL_REQUIRED) return null;
        return {
          type: 'deal',
          schemaVersion: 1,
          tenant,
          accountId,
          platform: this.platform,
          eventId: this.eventId,
          seq: this.seq,
          time: this.time,
          dealId: this.dealId,
          positionId: this.positionId,
          symbol: this.symbol,
          side: this.side,
          volume: this.volume,
          price: this.price,
          entry: this.entry,
          profit: this.profit,
          commission: this.commission,
          swap: this.swap,
          reason: (seen & (1 << REASON)) !== 0 ? this.reason : DEFAULT_REASON,
          stopLoss: (seen & (1 << STOP_LOSS)) === 0 ? DEFAULT_STOP_LOSS : this.stopLossIsNull ? null : this.stopLoss,
          referencePrice: (seen & (1 << REFERENCE_PRICE)) === 0 ? DEFAULT_REFERENCE_PRICE : this.referencePriceIsNull ? null : this.referencePrice,
        };
      case 'clock':
        if ((seen & CLOCK_REQUIRED) !== CLOCK_REQUIRED) return null;
        return { type: 'clock', schemaVersion: 1, tenant, accountId, time: this.time };
      default:
        return null;
    }
  }

  /** Reads the value of `field` as its schema requires, kept only when valid; false when it is not or the scanner cannot tell. */
  private readField(field: number, tenant: string, partitionKey: string): boolean {
    switch (field) {
      case TYPE: {
        const type = this.readChoice(EVENT_TYPES);
        if (type !== null) this.type = type;
        return type !== null;
      }
      case SCHEMA_VERSION:
        return this.readNumber() === 1;
      case TENANT:
        return this.readIdEqualTo(tenant);
      case ACCOUNT_ID:
        return this.readIdEqualTo(partitionKey);
      case PLATFORM: {
        const platform = this.readChoice(PLATFORMS);
        if (platform !== null) this.platform = platform;
        return platform !== null;
      }
      case SOURCE: {
        const source = this.readChoice(SOURCES);
        if (source !== null) this.source = source;
        return source !== null;
      }
      case SIDE: {
        const side = this.readChoice(SIDES);
        if (side !== null) this.side = side;
        return side !== null;
      }
      case ENTRY: {
        const entry = this.readChoice(ENTRIES);
        if (entry !== null) this.entry = entry;
        return entry !== null;
      }
      case REASON: {
        const reason = this.readChoice(REASONS);
        if (reason !== null) this.reason = reason;
        return reason !== null;
      }
      case EVENT_ID: {
        const eventId = this.readText(ID_BYTE, MAX_ID_LENGTH);
        if (eventId !== null) this.eventId = eventId;
        return eventId !== null;
      }
      case DEAL_ID: {
        const dealId = this.readText(ID_BYTE, MAX_ID_LENGTH);
        if (dealId !== null) this.dealId = dealId;
        return dealId !== null;
      }
      case POSITION_ID: {
        const positionId = this.readText(ID_BYTE, MAX_ID_LENGTH);
        if (positionId !== null) this.positionId = positionId;
        return positionId !== null;
      }
      case SYMBOL: {
        const symbol = this.readText(PLAIN_STRING_BYTE, MAX_SYMBOL_LENGTH);
        if (symbol !== null) this.symbol = symbol;
        return symbol !== null;
      }
      case TIME: {
        const time = this.readInstant();
        if (!Number.isNaN(time)) this.time = time;
        return !Number.isNaN(time);
      }
      case STOP_LOSS:
        this.stopLossIsNull = this.readLiteral('null');
        return this.stopLossIsNull || this.readNumberInto(field);
      case REFERENCE_PRICE:
        this.referencePriceIsNull = this.readLiteral('null');
        return this.referencePriceIsNull || this.readNumberInto(field);
      default:
        return this.readNumberInto(field);
    }
  }

  /**
   * A number field: z.int() is a safe integer however JSON writes it, a price a positive finite number.
   * NaN (not a JSON number) fails every test. A value is kept only when it passes, so that no field of
   * the scanner ever holds one of another representation.
   */
  private readNumberInto(field: number): boolean {
    const value = this.readNumber();
    const integer = Number.isSafeInteger(value);
    switch (field) {
      case SEQ:
        if (integer && value >= 0) this.seq = value;
        return integer && value >= 0;
      case MARGIN:
        if (integer && value >= 0) this.margin = value;
        return integer && value >= 0;
      case VOLUME:
        if (integer && value > 0) this.volume = value;
        return integer && value > 0;
      case BALANCE:
        if (integer) this.balance = value;
        return integer;
      case EQUITY:
        if (integer) this.equity = value;
        return integer;
      case FLOATING_PNL:
        if (integer) this.floatingPnl = value;
        return integer;
      case PROFIT:
        if (integer) this.profit = value;
        return integer;
      case COMMISSION:
        if (integer) this.commission = value;
        return integer;
      case SWAP:
        if (integer) this.swap = value;
        return integer;
      case PRICE:
        if (value > 0 && Number.isFinite(value)) this.price = value;
        return value > 0 && Number.isFinite(value);
      case STOP_LOSS:
        if (value > 0 && Number.isFinite(value)) this.stopLoss = value;
        return value > 0 && Number.isFinite(value);
      case REFERENCE_PRICE:
        if (value > 0 && Number.isFinite(value)) this.referencePrice = value;
        return value > 0 && Number.isFinite(value);
      default:
        return false;
    }
  }

  /** After the opening quote of a field name: the field, UNKNOWN_FIELD, or REFUSED for a name with an escape. */
  private readFieldName(): number {
    const bytes = this.bytes;
    const start = this.position + 1;
    const candidate = FIELD_BY_PREFIX[prefixKey(bytes[start]!, bytes[start + 2]!)]!;
    if (candidate !== UNKNOWN_FIELD) {
      const name = FIELD_NAMES[candidate]!;
      if (bytes[start + name.length] === QUOTE && this.bytesEqual(start, name)) {
        this.position = start + name.length + 1;
        return candidate;
      }
    }
    let end = start;
    while (PLAIN_STRING_BYTE[bytes[end]!] === 1) end++;
    if (bytes[end] !== QUOTE) return REFUSED;
    this.position = end + 1;
    return UNKNOWN_FIELD;
  }

  private bytesEqual(at: number, text: string): boolean {
    const bytes = this.bytes;
    for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
    return true;
  }

  /** A string that is one of `choices` (zod's enum or literal), or null. */
  private readChoice<Choice extends string>(choices: readonly Choice[]): Choice | null {
    const bytes = this.bytes;
    if (bytes[this.position] !== QUOTE) return null;
    const start = this.position + 1;
    for (const choice of choices) {
      if (bytes[start + choice.length] === QUOTE && this.bytesEqual(start, choice)) {
        this.position = start + choice.length + 1;
        return choice;
      }
    }
    return null;
  }

  /** An id that is `expected`: the tenant or the account the record must belong to. */
  private readIdEqualTo(expected: string): boolean {
    const bytes = this.bytes;
    if (bytes[this.position] !== QUOTE || expected.length === 0 || expected.length > MAX_ID_LENGTH) return false;
    const start = this.position + 1;
    for (let i = 0; i < expected.length; i++) {
      const byte = bytes[start + i]!;
      if (ID_BYTE[byte] !== 1 || byte !== expected.charCodeAt(i)) return false;
    }
    if (bytes[start + expected.length] !== QUOTE) return false;
    this.position = start + expected.length + 1;
    return true;
  }

  /** A string of 1 to `maxLength` bytes of `allowed`, or null. */
  private readText(allowed: Uint8Array, maxLength: number): string | null {
    const bytes = this.bytes;
    if (bytes[this.position] !== QUOTE) return null;
    const start = this.position + 1;
    let end = start;
    while (allowed[bytes[end]!] === 1) end++;
    if (bytes[end] !== QUOTE || end === start || end - start > maxLength) return null;
    this.position = end + 1;
    return scratch.toString('latin1', start, end);
  }

  /**
   * A JSON number, the double JSON.parse gives, or NaN when the text is not a JSON number. Its digits
   * as an integer are exact up to 2^53, and so are the powers of ten up to 1e22, so one multiplication
   * or division rounds as JSON.parse does (Clinger's fast path); other numbers go through Number(), the
   * conversion JSON.parse itself makes.
   */
  private readNumber(): number {
    const bytes = this.bytes;
    const start = this.position;
    let at = start;
    const negative = bytes[at] === MINUS;
    if (negative) at++;
    let mantissa = 0;
    let exponent = 0;
    let digit = bytes[at]! - ZERO;
    if (digit === 0) {
      digit = bytes[++at]! - ZERO;
    } else if (digit > 0 && digit <= 9) {
      do {
        mantissa = mantissa * 10 + digit;
        digit = bytes[++at]! - ZERO;
      } while (digit >= 0 && digit <= 9);
    } else {
      return Number.NaN;
    }
    if (digit === DOT - ZERO) {
      digit = bytes[++at]! - ZERO;
      if (!(digit >= 0 && digit <= 9)) return Number.NaN;
      do {
        mantissa = mantissa * 10 + digit;
        exponent--;
        digit = bytes[++at]! - ZERO;
      } while (digit >= 0 && digit <= 9);
    }
    if (digit === 0x45 - ZERO || digit === 0x65 - ZERO) {
      let sign = bytes[++at]!;
      const exponentNegative = sign === MINUS;
      if (sign === MINUS || sign === PLUS) sign = bytes[++at]!;
      digit = sign - ZERO;
      if (!(digit >= 0 && digit <= 9)) return Number.NaN;
      let written = 0;
      do {
        written = written * 10 + digit;
        digit = bytes[++at]! - ZERO;
      } while (digit >= 0 && digit <= 9);
      exponent += exponentNegative ? -written : written;
    }
    this.position = at;
    // A mantissa past 2^53 only grew past it: every partial sum below it was exact.
    if (mantissa > Number.MAX_SAFE_INTEGER || exponent > MAX_EXACT_POWER || exponent < -MAX_EXACT_POWER) return Number(scratch.toString('latin1', start, at));
    // Integers as they are: the interpreter keeps them small integers, as JSON.parse does, not doubles.
    const magnitude = exponent === 0 ? mantissa : exponent > 0 ? mantissa * POWERS_OF_TEN[exponent]! : mantissa / POWERS_OF_TEN[-exponent]!;
    return negative ? -magnitude : magnitude;
  }

  /**
   * z.iso.datetime({ offset: true }) then Date.parse, in epoch milliseconds, or NaN when the text is not
   * such an instant: YYYY-MM-DDTHH:MM:SS, a fraction of any length, Z or ±HH:MM; real calendar dates only.
   */
  private readInstant(): number {
    const bytes = this.bytes;
    let at = this.position;
    if (bytes[at] !== QUOTE) return Number.NaN;
    const year = this.digits(at + 1, 4);
    const month = this.digits(at + 6, 2);
    const day = this.digits(at + 9, 2);
    const hour = this.digits(at + 12, 2);
    const minute = this.digits(at + 15, 2);
    const second = this.digits(at + 18, 2);
    if (
      bytes[at + 5] !== MINUS ||
      bytes[at + 8] !== MINUS ||
      bytes[at + 11] !== 0x54 ||
      bytes[at + 14] !== COLON ||
      bytes[at + 17] !== COLON ||
      year < 0 ||
      month < 1 ||
      month > 12 ||
      day < 1 ||
      day > daysInMonth(year, month) ||
      hour < 0 ||
      hour > 23 ||
      minute < 0 ||
      minute > 59 ||
      second < 0 ||
      second > 59
    ) {
      return Number.NaN;
    }
    at += 20;
    let milliseconds = 0;
    let fractionDigits = 0;
    if (bytes[at] === DOT) {
      let digit = bytes[++at]! - ZERO;
      if (!(digit >= 0 && digit <= 9)) return Number.NaN;
      do {
        if (fractionDigits < MILLISECONDS_PER_FRACTION_DIGIT.length) milliseconds += digit * MILLISECONDS_PER_FRACTION_DIGIT[fractionDigits]!;
        fractionDigits++;
        digit = bytes[++at]! - ZERO;
      } while (digit >= 0 && digit <= 9);
    }
    let offsetMinutes = 0;
    const zone = bytes[at];
    if (zone === 0x5a) {
      at++;
    } else if (zone === PLUS || zone === MINUS) {
      const offsetHour = this.digits(at + 1, 2);
      const offsetMinute = this.digits(at + 4, 2);
      if (bytes[at + 3] !== COLON || offsetHour < 0 || offsetHour > 23 || offsetMinute < 0 || offsetMinute > 59) return Number.NaN;
      offsetMinutes = (zone === PLUS ? 1 : -1) * (offsetHour * 60 + offsetMinute);
      at += 6;
    } else {
      return Number.NaN;
    }
    if (bytes[at] !== QUOTE) return Number.NaN;
    const start = this.position + 1;
    this.position = at + 1;
    // V8 reads finer fractions its own way (nine digits at most, scaled): leave them to Date.parse itself.
    if (fractionDigits > MILLISECONDS_PER_FRACTION_DIGIT.length) return Date.parse(scratch.toString('latin1', start, at));
    return daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + milliseconds;
  }

  /** The decimal number of `count` digits at `at`, or -1. */
  private digits(at: number, count: number): number {
    const bytes = this.bytes;
    let value = 0;
    for (let i = 0; i < count; i++) {
      const digit = bytes[at + i]! - ZERO;
      if (!(digit >= 0 && digit <= 9)) return -1;
      value = value * 10 + digit;
    }
    return value;
  }

  /** The value of a field zod strips: it only has to be valid JSON. Objects and arrays are left to JSON.parse. */
  private skipPrimitive(): boolean {
    switch (this.bytes[this.position]) {
      case QUOTE:
        return this.skipString();
      case 0x74:
        return this.readLiteral('true');
      case 0x66:
        return this.readLiteral('false');
      case 0x6e:
        return this.readLiteral('null');
      default:
        return !Number.isNaN(this.readNumber());
    }
  }

  private skipString(): boolean {
    const bytes = this.bytes;
    let at = this.position + 1;
    for (;;) {
      const byte = bytes[at]!;
      if (PLAIN_STRING_BYTE[byte] === 1) {
        at++;
      } else if (byte === BACKSLASH) {
        const escaped = bytes[at + 1]!;
        if (SHORT_ESCAPE[escaped] === 1) at += 2;
        else if (escaped === 0x75 && HEX_DIGIT[bytes[at + 2]!] === 1 && HEX_DIGIT[bytes[at + 3]!] === 1 && HEX_DIGIT[bytes[at + 4]!] === 1 && HEX_DIGIT[bytes[at + 5]!] === 1) at += 6;
        else return false;
      } else if (byte === QUOTE) {
        this.position = at + 1;
        return true;
      } else {
        return false;
      }
    }
  }

  private readLiteral(literal: string): boolean {
    if (!this.bytesEqual(this.position, literal)) return false;
    this.position += literal.length;
    return true;
  }

  /** Skips JSON whitespace; returns the byte after it. */
  private skipWhitespace(): number {
    const bytes = this.bytes;
    let at = this.position;
    let byte = bytes[at]!;
    while (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) byte = bytes[++at]!;
    this.position = at;
    return byte;
  }
}

const scanner = new EventScanner();

/** The calendar of the contract's date pattern: Gregorian, 29 February in leap years only. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
