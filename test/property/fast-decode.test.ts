/**
 * decodeFast against the contract. On any record, valid or not, decodeRecord (the fast path, and zod
 * where it refuses) must give exactly what the zod path alone gives: the same event with its fields
 * in the same order, or the same quarantine with the same reasons. Records are written as JSON text,
 * so that what JSON.parse and zod settle and a byte scanner could get wrong is all reachable: number
 * spellings, escapes, whitespace, duplicate and unknown fields, field order, instants at the edges of
 * the calendar, and base64 that Node decodes but the contract refuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../shared/domain/events.js';
import { decodeRecord, decodeWithZod, type StreamRecord } from '../../shared/stream/decode-record.js';
import { decodeFast } from '../../shared/stream/fast-decode.js';

const TENANT = 'firm-1';

/** A JSON member as text: the key and the value exactly as they will be written. */
interface Member {
  readonly key: string;
  readonly value: string;
}

interface WireRecord {
  readonly members: readonly Member[];
  readonly partitionKey: string;
}

const json = (value: unknown): string => JSON.stringify(value);
const member = (key: string, value: fc.Arbitrary<string>): fc.Arbitrary<Member> => value.map((text) => ({ key: json(key), value: text }));
const digit = fc.constantFrom(...'0123456789');
const pad = (value: number, width: number): string => String(value).padStart(width, '0');

// Values as a careful bridge writes them.
const ID_CHARACTERS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:@/-'];
const cleanId = fc.string({ unit: fc.constantFrom(...ID_CHARACTERS), minLength: 1, maxLength: 24 });
const cleanSymbol = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7f }).filter((code) => code !== 0x22 && code !== 0x5c).map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 32 });
const cleanInteger = fc.oneof(fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }), fc.maxSafeInteger()).map(String);
const cleanNatural = fc.oneof(fc.nat(), fc.maxSafeNat()).map(String);
const cleanPositive = fc.integer({ min: 1, max: 2_000_000_000 }).map(String);
const cleanPrice = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 99_999 }), fc.string({ unit: digit, minLength: 1, maxLength: 8 })).map(([whole, fraction]) => `${whole}.${fraction}`),
  fc.double({ min: 1e-9, max: 1e9, noNaN: true }).map(json),
  cleanPositive,
);
const choice = (options: readonly string[]): fc.Arbitrary<string> => fc.constantFrom(...options).map(json);
/** What a price field refuses: not positive, or not a number. */
const notAPrice = fc.constantFrom('0', '-0', '-1', '"x"', '"1.1"', 'true', '""');

/** An instant the contract accepts, or not quite: every field at or past its bounds, any fraction, any offset. */
const instant = fc
  .record({
    year: fc.oneof(fc.integer({ min: 1970, max: 2100 }), fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 1600, 1900, 2000, 2024, 2100)),
    month: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max: 12 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 13) }),
    day: fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 1, max: 28 }) }, { weight: 3, arbitrary: fc.integer({ min: 29, max: 31 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 32) }),
    hour: fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 0, max: 23 }) }, { weight: 1, arbitrary: fc.constant(24) }),
    minute: fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 0, max: 59 }) }, { weight: 1, arbitrary: fc.constant(60) }),
    second: fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 0, max: 59 }) }, { weight: 1, arbitrary: fc.constant(60) }),
    fraction: fc.option(fc.string({ unit: digit, minLength: 1, maxLength: 12 }), { nil: undefined }),
    zone: fc.oneof(
      fc.constant('Z'),
      fc.tuple(fc.constantFrom('+', '-'), fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 0, max: 23 }) }, { weight: 1, arbitrary: fc.constant(24) }), fc.integer({ min: 0, max: 60 })).map(
        ([sign, hours, minutes]) => `${sign}${pad(hours, 2)}:${pad(minutes, 2)}`,
      ),
    ),
  })
  .map(({ year, month, day, hour, minute, second, fraction, zone }) => `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction === undefined ? '' : `.${fraction}`}${zone}`);
const cleanInstant = instant.map(json);

// Values that test the edges: other spellings of numbers, wrong types, strings that need escapes.
const oddNumber = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('-0', '-0.0', '0.0', '1.0', '1e0', '1E2', '1e+2', '10e-1', '0.1e1', '1.5', '-1', '1e22', '1e23', '1e-22', '1e-23', '1e400', '-1e400') },
  { weight: 2, arbitrary: fc.constantFrom('9007199254740991', '9007199254740992', '-9007199254740991', '-9007199254740992', '123456789012345', '1234567890123456', '0.000000000000000000001') },
  { weight: 2, arbitrary: fc.constantFrom('01', '-01', '+1', '.5', '1.', '-', '1e', '1e+', '0x10', 'NaN', 'Infinity', '1_000', '1 2', '--1') },
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(json),
  fc.tuple(fc.integer({ min: -999_999, max: 999_999 }), fc.string({ unit: digit, maxLength: 20 }), fc.integer({ min: -40, max: 40 })).map(
    ([whole, fraction, exponent]) => `${whole}${fraction === '' ? '' : `.${fraction}`}e${exponent}`,
  ),
);
const oddString = fc.oneof(
  fc.string().map(json),
  fc.constantFrom('""', '"a b"', '"ünïcode"', '"\\u0041BC"', '"a\\/b"', '"a\\"b"', '"\\x"', '"\\u12"', '"tab\there"', `"${'a'.repeat(129)}"`, `"${'A'.repeat(33)}"`),
);
const oddInstant = fc.oneof(
  instant.map((text) => json(text.replace('T', 't'))),
  instant.map((text) => json(text.replace('Z', 'z'))),
  instant.map((text) => json(text.replace('T', ' '))),
  instant.map((text) => json(text.replace(/:(\d\d)(Z|[+-].*)$/, '$2'))),
  instant.map((text) => json(text.replace(/([+-]\d\d):(\d\d)$/, '$1$2'))),
  instant.map((text) => json(`${text}x`)),
  instant.map((text) => json(text.slice(1))),
  instant.map((text) => json(text.replace('-', '/'))),
  fc.constantFrom('1772442000000', '"2026-03-02"', '"2026-03-02T10:00:00"', '"2026-03-02T10:00Z"', '"2026-03-02T10:00:00.Z"', '"\\u0032026-03-02T10:00:00Z"'),
);
const anyJson = fc.oneof(
  { weight: 3, arbitrary: oddNumber },
  { weight: 3, arbitrary: oddString },
  { weight: 2, arbitrary: fc.constantFrom('true', 'false', 'null', 'tru', 'nul', 'True', 'undefined') },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map(json) },
  { weight: 1, arbitrary: fc.constantFrom('{', '{"a":}', '{"a" 1}', '{}}', '[1,]', '[', '{"a":"}"}', '[{"b":[]}]') },
);

/** A field's value: mostly as a careful bridge writes it, sometimes anything else. */
const valueOf = (clean: fc.Arbitrary<string>, odd: fc.Arbitrary<string> = anyJson): fc.Arbitrary<string> =>
  fc.oneof({ weight: 48, arbitrary: clean }, { weight: 1, arbitrary: odd }, { weight: 1, arbitrary: anyJson });

interface Odds {
  /** Whether fields may hold values other than clean ones. */
  readonly odd: boolean;
}

function envelope(accountId: string, { odd }: Odds): fc.Arbitrary<Member>[] {
  const value = (clean: fc.Arbitrary<string>, other?: fc.Arbitrary<string>) => (odd ? valueOf(clean, other) : clean);
  return [
    member('schemaVersion', value(fc.constant('1'), oddNumber)),
    member('tenant', value(fc.constant(json(TENANT)), cleanId.map(json))),
    member('accountId', value(fc.constant(json(accountId)), cleanId.map(json))),
    member('platform', value(choice(PLATFORMS), fc.constantFrom('"MT5"', '"mt5 "', '""'))),
    member('eventId', value(cleanId.map(json), oddString)),
    member('seq', value(cleanNatural, oddNumber)),
    member('time', value(cleanInstant, oddInstant)),
  ];
}

function snapshotMembers(accountId: string, odds: Odds): fc.Arbitrary<Member[]> {
  const value = (clean: fc.Arbitrary<string>, other?: fc.Arbitrary<string>) => (odds.odd ? valueOf(clean, other) : clean);
  return fc.tuple(
    member('type', fc.constant('"snapshot"')),
    ...envelope(accountId, odds),
    member('balance', value(cleanInteger, oddNumber)),
    member('equity', value(cleanInteger, oddNumber)),
    member('margin', value(cleanNatural, oddNumber)),
    member('floatingPnl', value(cleanInteger, oddNumber)),
    member('source', value(choice(['broker', 'estimated']), fc.constantFrom('"Broker"', '"guess"'))),
  );
}

function dealMembers(accountId: string, odds: Odds): fc.Arbitrary<Member[]> {
  const value = (clean: fc.Arbitrary<string>, other?: fc.Arbitrary<string>) => (odds.odd ? valueOf(clean, other) : clean);
  const optional = (field: fc.Arbitrary<Member>) => fc.option(field, { nil: undefined });
  return fc
    .tuple(
      member('type', fc.constant('"deal"')),
      ...envelope(accountId, odds),
      member('dealId', value(cleanId.map(json), oddString)),
      member('positionId', value(cleanId.map(json), oddString)),
      member('symbol', value(cleanSymbol.map(json), oddString)),
      member('side', value(choice(['buy', 'sell']), fc.constantFrom('"BUY"', '"hold"'))),
      member('volume', value(cleanPositive, oddNumber)),
      member('price', value(cleanPrice, oddNumber)),
      member('entry', value(choice(['in', 'out', 'reverse']), fc.constantFrom('"IN"', '"inout"'))),
      member('profit', value(cleanInteger, oddNumber)),
      member('commission', value(cleanInteger, oddNumber)),
      member('swap', value(cleanInteger, oddNumber)),
      optional(member('reason', value(choice(['client', 'expert', 'pendingOrder', 'stopLoss', 'takeProfit', 'stopOut']), fc.constantFrom('"Client"', 'null')))),
      optional(member('stopLoss', value(fc.oneof(cleanPrice, fc.constant('null')), oddNumber))),
      optional(member('referencePrice', value(fc.oneof(cleanPrice, fc.constant('null')), fc.oneof(oddNumber, notAPrice)))),
    )
    .map((members) => members.filter((field): field is Member => field !== undefined));
}

function clockMembers(accountId: string, odds: Odds): fc.Arbitrary<Member[]> {
  const value = (clean: fc.Arbitrary<string>, other?: fc.Arbitrary<string>) => (odds.odd ? valueOf(clean, other) : clean);
  return fc.tuple(
    member('type', fc.constant('"clock"')),
    member('schemaVersion', value(fc.constant('1'), oddNumber)),
    member('tenant', value(fc.constant(json(TENANT)), cleanId.map(json))),
    member('accountId', value(fc.constant(json(accountId)), cleanId.map(json))),
    member('time', value(cleanInstant, oddInstant)),
  );
}

function wireRecord(odds: Odds): fc.Arbitrary<WireRecord> {
  return cleanId.chain((accountId) =>
    fc.record({
      members: fc.oneof({ weight: 6, arbitrary: snapshotMembers(accountId, odds) }, { weight: 3, arbitrary: dealMembers(accountId, odds) }, { weight: 1, arbitrary: clockMembers(accountId, odds) }),
      partitionKey: odds.odd ? fc.oneof({ weight: 20, arbitrary: fc.constant(accountId) }, { weight: 1, arbitrary: cleanId }) : fc.constant(accountId),
    }),
  );
}

type Mutation = (members: readonly Member[]) => fc.Arbitrary<Member[]>;

const unknownKey = fc.oneof(
  fc.constantFrom('extra', 'note', '__proto__', 'constructor', 'Type', 'seq ', '', 'ty', 'typo', 'dealId', 'source', 'price', 'stopLoss', 'referencePrice', 'reason', 'platform', 'seq', 'time'),
  fc.string({ maxLength: 12 }),
);
/** A key written with an escape that JSON.parse reads as the same name. */
const escapedKey = (key: string): string => `"\\u${key.charCodeAt(1).toString(16).padStart(4, '0')}${key.slice(2)}`;

const MUTATIONS: readonly Mutation[] = [
  (members) => fc.nat({ max: members.length - 1 }).map((at) => members.filter((_, index) => index !== at)),
  (members) => fc.tuple(fc.nat({ max: members.length - 1 }), anyJson).map(([at, value]) => [...members, { key: members[at]!.key, value }]),
  (members) => fc.tuple(fc.nat({ max: members.length - 1 }), fc.boolean()).map(([at, later]) => (later ? [...members, members[at]!] : [members[at]!, ...members])),
  (members) => fc.tuple(fc.nat({ max: members.length }), unknownKey, anyJson).map(([at, key, value]) => [...members.slice(0, at), { key: json(key), value }, ...members.slice(at)]),
  (members) => fc.nat({ max: members.length - 1 }).map((at) => members.map((field, index) => (index === at ? { ...field, key: escapedKey(field.key) } : field))),
  (members) => fc.tuple(fc.nat({ max: members.length - 1 }), anyJson).map(([at, value]) => members.map((field, index) => (index === at ? { ...field, value } : field))),
  (members) => fc.shuffledSubarray([...members], { minLength: members.length, maxLength: members.length }),
];

function mutated(record: WireRecord): fc.Arbitrary<WireRecord> {
  return fc
    .array(fc.constantFrom(...MUTATIONS), { maxLength: 2 })
    .chain((mutations) =>
      mutations.reduce<fc.Arbitrary<Member[]>>((members, mutation) => members.chain((current) => (current.length === 0 ? fc.constant(current) : mutation(current))), fc.constant([...record.members])),
    )
    .map((members) => ({ ...record, members }));
}

/** JSON whitespace between tokens, or none. */
const spacing = fc.option(fc.array(fc.constantFrom('', ' ', '\n', '\t', '\r\n', '  '), { minLength: 64, maxLength: 64 }), { nil: undefined });

function textOf(members: readonly Member[], gaps: readonly string[] | undefined): string {
  let next = 0;
  const gap = (): string => (gaps === undefined ? '' : gaps[next++ % gaps.length]!);
  return `${gap()}{${members.map(({ key, value }) => `${gap()}${key}${gap()}:${gap()}${value}${gap()}`).join(',')}}${gap()}`;
}

/** Now and then, damage to the text: cut short, or a character where it does not belong (some JSON whitespace is not). */
const textDamage = fc.oneof(
  { weight: 12, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.oneof(fc.constant(null), fc.constantFrom('\u0000', '\u0001', '\u000b', '\f', '\u00a0', '\u00e9', '\u{1F600}', '\ufeff', '"', '\\', ',', '}', 'x', ' ')),
    ),
  },
);

function damaged(text: string, damage: readonly [number, string | null] | undefined): string {
  if (damage === undefined) return text;
  const [where, character] = damage;
  const at = Math.floor(where * text.length);
  return character === null ? text.slice(0, at) : `${text.slice(0, at)}${character}${text.slice(at)}`;
}

/** Now and then, a change to the base64 that Node's decoder may read past but the contract refuses, or accepts. */
const base64Damage = fc.oneof(
  { weight: 8, arbitrary: fc.constant(undefined) },
  // Node reads the URL alphabet too: the same bytes, and text the contract refuses.
  fc.constant((data: string) => data.replace(/\+/g, '-').replace(/\//g, '_')),
  fc.oneof(
    fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom('-', '_', ' ', '\n', '=', '*', '.', '\u00e9', '\u0141', '\u0100', '\u{1F600}', '\u0000')).map(
      ([where, character]) =>
        (data: string): string => {
          const at = Math.floor(where * data.length);
          return `${data.slice(0, at)}${character}${data.slice(at + 1)}`;
        },
    ),
    fc.constantFrom(
      (data: string) => data.replace(/=+$/, ''),
      (data: string) => `${data}=`,
      (data: string) => `${data}====`,
      (data: string) => data.replace(/A/g, '\u0141'),
      (data: string) => ` ${data}`,
      (data: string) => data.slice(0, -1),
    ),
  ),
);

function streamRecord(data: string, partitionKey: string): StreamRecord {
  return { recordId: 'shardId-000000000000:1', sequenceNumber: '1', partitionKey, arrivedAt: 0, data };
}

const anyRecord = fc
  .tuple(
    wireRecord({ odd: true }).chain((record) => fc.oneof({ weight: 2, arbitrary: fc.constant(record) }, { weight: 1, arbitrary: mutated(record) })),
    spacing,
    textDamage,
    base64Damage,
  )
  .map(([record, gaps, damage, base64]) => {
    const data = Buffer.from(damaged(textOf(record.members, gaps), damage), 'utf8').toString('base64');
    return streamRecord(base64 === undefined ? data : base64(data), record.partitionKey);
  });

const cleanRecord = fc.tuple(wireRecord({ odd: false }), spacing).map(([record, gaps]) => streamRecord(Buffer.from(textOf(record.members, gaps), 'utf8').toString('base64'), record.partitionKey));

describe('the fast decoder and the zod path agree', () => {
  it('on any record, valid or not: the same event, fields in the same order, or the same quarantine', () => {
    let fast = 0;
    let valid = 0;
    fc.assert(
      fc.property(anyRecord, (record) => {
        const expected = decodeWithZod(record, TENANT);
        const decoded = decodeRecord(record, TENANT);
        expect(decoded).toStrictEqual(expected);
        if (decoded.ok && expected.ok) expect(Object.keys(decoded.event)).toEqual(Object.keys(expected.event));
        if (expected.ok) valid++;
        if (decodeFast(record, TENANT) !== null) fast++;
      }),
      { numRuns: 20_000 },
    );
    // The property is not vacuous: many records are valid, and the fast path decodes most of them.
    expect(valid).toBeGreaterThan(4_000);
    expect(fast).toBeGreaterThan(valid / 2);
  });

  it('decodes every record a careful bridge writes itself, as zod does', () => {
    fc.assert(
      fc.property(cleanRecord, (record) => {
        const expected = decodeWithZod(record, TENANT);
        const event = decodeFast(record, TENANT);
        if (!expected.ok) {
          // Only instants the calendar refuses make a clean record invalid: then the fast path refuses too.
          expect(event).toBeNull();
          return;
        }
        expect(event).toStrictEqual(expected.event);
        expect(Object.keys(event!)).toEqual(Object.keys(expected.event));
      }),
      { numRuns: 5_000 },
    );
  });
});
