import { describe, expect, it } from 'vitest';
import { compileEventPattern, EventPatternError, matchesEventPattern } from '../../../local/event-pattern.js';

/** An EventBridge event in the shape the bus delivers, with the detail under test. */
const eventWith = (detail: Record<string, unknown>, envelope: Record<string, unknown> = {}) => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'AccountFailed',
  source: 'propdesk.evaluator',
  account: '111111111111',
  time: '2026-03-02T17:00:00Z',
  region: 'eu-central-1',
  resources: ['arn:aws:kinesis:eu-central-1:111111111111:stream/trades'],
  detail,
  ...envelope,
});

const detailMatches = (field: Record<string, unknown>, detail: Record<string, unknown>) =>
  matchesEventPattern({ detail: field }, eventWith(detail));

describe('exact values', () => {
  it('matches any listed string, and all fields together', () => {
    const pattern = { source: ['propdesk.evaluator'], 'detail-type': ['AccountFailed', 'PhasePassed'] };
    expect(matchesEventPattern(pattern, eventWith({}))).toBe(true);
    expect(matchesEventPattern(pattern, eventWith({}, { 'detail-type': 'PhasePassed' }))).toBe(true);
    expect(matchesEventPattern(pattern, eventWith({}, { 'detail-type': 'WarningRaised' }))).toBe(false);
    expect(matchesEventPattern(pattern, eventWith({}, { source: 'propdesk.ingest' }))).toBe(false);
  });

  it('is case-sensitive and needs the whole string', () => {
    expect(detailMatches({ rule: ['dailyLoss'] }, { rule: 'DailyLoss' })).toBe(false);
    expect(detailMatches({ rule: ['dailyLoss'] }, { rule: 'dailyLossSoft' })).toBe(false);
  });

  it('compares numbers numerically, but never a number with its string', () => {
    expect(detailMatches({ phase: [2] }, { phase: 2.0 })).toBe(true);
    expect(detailMatches({ limit: [301.8] }, { limit: 3.018e2 })).toBe(true);
    expect(detailMatches({ phase: [2] }, { phase: '2' })).toBe(false);
    expect(detailMatches({ phase: ['2'] }, { phase: 2 })).toBe(false);
  });

  it('matches booleans and null by type; null and the empty string are different values', () => {
    expect(detailMatches({ hard: [true] }, { hard: true })).toBe(true);
    expect(detailMatches({ hard: [true] }, { hard: 'true' })).toBe(false);
    expect(detailMatches({ note: [null] }, { note: null })).toBe(true);
    expect(detailMatches({ note: [null] }, { note: '' })).toBe(false);
    expect(detailMatches({ note: [''] }, { note: '' })).toBe(true);
    expect(detailMatches({ note: [''] }, { note: null })).toBe(false);
  });

  it('needs the field to be present', () => {
    expect(detailMatches({ rule: ['dailyLoss'] }, {})).toBe(false);
  });
});

describe('nested objects and arrays', () => {
  it('follows nested objects', () => {
    const pattern = { detail: { evidence: { rule: ['maxLoss'] } } };
    expect(matchesEventPattern(pattern, eventWith({ evidence: { rule: 'maxLoss', measured: 1 } }))).toBe(true);
    expect(matchesEventPattern(pattern, eventWith({ evidence: { rule: 'dailyLoss' } }))).toBe(false);
    expect(matchesEventPattern(pattern, eventWith({ evidence: 'maxLoss' }))).toBe(false);
    expect(matchesEventPattern(pattern, eventWith({}))).toBe(false);
  });

  it('matches an array in the event when any element matches', () => {
    expect(matchesEventPattern({ resources: [{ suffix: '/trades' }] }, eventWith({}))).toBe(true);
    expect(detailMatches({ tags: ['vip'] }, { tags: ['new', 'vip'] })).toBe(true);
    expect(detailMatches({ tags: ['vip'] }, { tags: [['new'], ['vip']] })).toBe(true);
    expect(detailMatches({ tags: ['vip'] }, { tags: ['new', 'VIP'] })).toBe(false);
    expect(detailMatches({ tags: ['vip'] }, { tags: [] })).toBe(false);
  });

  it('matches objects in an event array one element at a time', () => {
    const positions = [
      { symbol: 'EURUSD', side: 'buy' },
      { symbol: 'XAUUSD', side: 'sell' },
    ];
    expect(detailMatches({ positions: { symbol: ['XAUUSD'], side: ['sell'] } }, { positions })).toBe(true);
    // Each field matches some element, but no single element matches both.
    expect(detailMatches({ positions: { symbol: ['XAUUSD'], side: ['buy'] } }, { positions })).toBe(false);
  });
});

describe('prefix and suffix', () => {
  it('prefix matches the start of a string only', () => {
    expect(matchesEventPattern({ time: [{ prefix: '2026-03-02' }] }, eventWith({}))).toBe(true);
    expect(matchesEventPattern({ time: [{ prefix: '2026-03-03' }] }, eventWith({}))).toBe(false);
    expect(detailMatches({ accountId: [{ prefix: 'acc-' }] }, { accountId: 'xacc-1' })).toBe(false);
    expect(detailMatches({ code: [{ prefix: '12' }] }, { code: 123 })).toBe(false);
  });

  it('suffix matches the end of a string only', () => {
    expect(detailMatches({ file: [{ suffix: '.csv' }] }, { file: 'payouts.csv' })).toBe(true);
    expect(detailMatches({ file: [{ suffix: '.csv' }] }, { file: 'payouts.csv.bak' })).toBe(false);
    expect(detailMatches({ file: [{ suffix: '.csv' }] }, { file: 'payouts.CSV' })).toBe(false);
  });

  it('prefix and suffix can ignore case', () => {
    expect(detailMatches({ platform: [{ prefix: { 'equals-ignore-case': 'mt' } }] }, { platform: 'MT5' })).toBe(true);
    expect(detailMatches({ platform: [{ prefix: { 'equals-ignore-case': 'mt' } }] }, { platform: 'cTrader' })).toBe(false);
    expect(detailMatches({ file: [{ suffix: { 'equals-ignore-case': '.csv' } }] }, { file: 'PAYOUTS.CSV' })).toBe(true);
    expect(detailMatches({ file: [{ suffix: { 'equals-ignore-case': '.csv' } }] }, { file: 'payouts.tsv' })).toBe(false);
  });
});

describe('anything-but', () => {
  it('excludes one value or a list of strings', () => {
    expect(detailMatches({ status: [{ 'anything-but': 'active' }] }, { status: 'failed' })).toBe(true);
    expect(detailMatches({ status: [{ 'anything-but': 'active' }] }, { status: 'active' })).toBe(false);
    expect(detailMatches({ status: [{ 'anything-but': ['active', 'passed'] }] }, { status: 'failed' })).toBe(true);
    expect(detailMatches({ status: [{ 'anything-but': ['active', 'passed'] }] }, { status: 'passed' })).toBe(false);
  });

  it('excludes numbers', () => {
    expect(detailMatches({ phase: [{ 'anything-but': [1, 2] }] }, { phase: 3 })).toBe(true);
    expect(detailMatches({ phase: [{ 'anything-but': [1, 2] }] }, { phase: 2.0 })).toBe(false);
  });

  it('excludes a prefix, a suffix, a value in any case, or a wildcard', () => {
    expect(detailMatches({ region: [{ 'anything-but': { prefix: 'us-' } }] }, { region: 'eu-central-1' })).toBe(true);
    expect(detailMatches({ region: [{ 'anything-but': { prefix: 'us-' } }] }, { region: 'us-east-1' })).toBe(false);
    expect(detailMatches({ file: [{ 'anything-but': { suffix: '.png' } }] }, { file: 'a.csv' })).toBe(true);
    expect(detailMatches({ file: [{ 'anything-but': { suffix: '.png' } }] }, { file: 'a.png' })).toBe(false);
    expect(detailMatches({ state: [{ 'anything-but': { 'equals-ignore-case': 'active' } }] }, { state: 'failed' })).toBe(true);
    expect(detailMatches({ state: [{ 'anything-but': { 'equals-ignore-case': 'active' } }] }, { state: 'ACTIVE' })).toBe(false);
    expect(detailMatches({ state: [{ 'anything-but': { 'equals-ignore-case': ['active', 'passed'] } }] }, { state: 'Passed' })).toBe(false);
    expect(detailMatches({ path: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, { path: '/src/app.ts' })).toBe(true);
    expect(detailMatches({ path: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, { path: '/src/lib/app.ts' })).toBe(false);
  });

  it('does not match a missing field', () => {
    expect(detailMatches({ status: [{ 'anything-but': 'active' }] }, {})).toBe(false);
  });

  it('matches an array when some element is not excluded', () => {
    expect(detailMatches({ tags: [{ 'anything-but': 'vip' }] }, { tags: ['vip', 'new'] })).toBe(true);
    expect(detailMatches({ tags: [{ 'anything-but': 'vip' }] }, { tags: ['vip'] })).toBe(false);
  });
});

describe('exists', () => {
  it('true needs a value at the leaf (null counts, an object does not)', () => {
    expect(detailMatches({ payoutId: [{ exists: true }] }, { payoutId: 'p-1' })).toBe(true);
    expect(detailMatches({ payoutId: [{ exists: true }] }, { payoutId: null })).toBe(true);
    expect(detailMatches({ payoutId: [{ exists: true }] }, {})).toBe(false);
    expect(detailMatches({ payoutId: [{ exists: true }] }, { payoutId: { id: 'p-1' } })).toBe(false);
  });

  it('false matches a missing field, an object and an empty array, never a value', () => {
    expect(detailMatches({ payoutId: [{ exists: false }] }, {})).toBe(true);
    expect(detailMatches({ payoutId: [{ exists: false }] }, { payoutId: { id: 'p-1' } })).toBe(true);
    expect(detailMatches({ payoutId: [{ exists: false }] }, { payoutId: [] })).toBe(true);
    expect(detailMatches({ payoutId: [{ exists: false }] }, { payoutId: '' })).toBe(false);
    expect(detailMatches({ payoutId: [{ exists: false }] }, { payoutId: null })).toBe(false);
  });

  it('false holds below a missing parent object', () => {
    expect(matchesEventPattern({ detail: { payout: { id: [{ exists: false }] } } }, eventWith({}))).toBe(true);
  });
});

describe('numeric', () => {
  it('compares with each operator', () => {
    expect(detailMatches({ bps: [{ numeric: ['=', 500] }] }, { bps: 500 })).toBe(true);
    expect(detailMatches({ bps: [{ numeric: ['=', 500] }] }, { bps: 500.5 })).toBe(false);
    expect(detailMatches({ bps: [{ numeric: ['<', 500] }] }, { bps: 499 })).toBe(true);
    expect(detailMatches({ bps: [{ numeric: ['<', 500] }] }, { bps: 500 })).toBe(false);
    expect(detailMatches({ bps: [{ numeric: ['<=', 500] }] }, { bps: 500 })).toBe(true);
    expect(detailMatches({ bps: [{ numeric: ['<=', 500] }] }, { bps: 501 })).toBe(false);
    expect(detailMatches({ bps: [{ numeric: ['>', 500] }] }, { bps: 501 })).toBe(true);
    expect(detailMatches({ bps: [{ numeric: ['>', 500] }] }, { bps: 500 })).toBe(false);
    expect(detailMatches({ bps: [{ numeric: ['>=', 500] }] }, { bps: 500 })).toBe(true);
    expect(detailMatches({ bps: [{ numeric: ['>=', 500] }] }, { bps: 499.999 })).toBe(false);
  });

  it('matches a range at both bounds as written', () => {
    const range = { bps: [{ numeric: ['>', 0, '<=', 500] }] };
    expect(detailMatches(range, { bps: 0.001 })).toBe(true);
    expect(detailMatches(range, { bps: 500 })).toBe(true);
    expect(detailMatches(range, { bps: 0 })).toBe(false);
    expect(detailMatches(range, { bps: 500.001 })).toBe(false);
  });

  it('matches JSON numbers only', () => {
    expect(detailMatches({ bps: [{ numeric: ['>', 0] }] }, { bps: '5' })).toBe(false);
    expect(detailMatches({ bps: [{ numeric: ['>', 0] }] }, {})).toBe(false);
  });
});

describe('equals-ignore-case', () => {
  it('matches a string in any case, and nothing else', () => {
    expect(detailMatches({ platform: [{ 'equals-ignore-case': 'mt5' }] }, { platform: 'MT5' })).toBe(true);
    expect(detailMatches({ platform: [{ 'equals-ignore-case': 'mt5' }] }, { platform: 'MT4' })).toBe(false);
    expect(detailMatches({ platform: [{ 'equals-ignore-case': 'mt5' }] }, { platform: 'MT5 ' })).toBe(false);
  });
});

describe('wildcard', () => {
  it('lets * stand for any run of characters, the empty one included', () => {
    const pattern = { arn: [{ wildcard: 'arn:aws:kinesis:*:stream/*' }] };
    expect(detailMatches(pattern, { arn: 'arn:aws:kinesis:eu-central-1:111111111111:stream/trades' })).toBe(true);
    expect(detailMatches(pattern, { arn: 'arn:aws:kinesis::stream/' })).toBe(true);
    expect(detailMatches(pattern, { arn: 'arn:aws:sqs:eu-central-1:111111111111:queue' })).toBe(false);
  });

  it('is anchored at both ends and treats regex characters literally', () => {
    expect(detailMatches({ name: [{ wildcard: 'a.c' }] }, { name: 'abc' })).toBe(false);
    expect(detailMatches({ name: [{ wildcard: 'a.c' }] }, { name: 'a.c' })).toBe(true);
    expect(detailMatches({ name: [{ wildcard: 'a*' }] }, { name: 'ba' })).toBe(false);
  });

  it('reads \\* as a literal asterisk', () => {
    expect(detailMatches({ name: [{ wildcard: 'a\\*b' }] }, { name: 'a*b' })).toBe(true);
    expect(detailMatches({ name: [{ wildcard: 'a\\*b' }] }, { name: 'axb' })).toBe(false);
  });
});

describe('$or', () => {
  it('matches when any alternative matches, alongside the other fields', () => {
    const pattern = {
      source: ['propdesk.evaluator'],
      $or: [{ 'detail-type': ['AccountFailed'] }, { detail: { severity: ['hard'] } }],
    };
    expect(matchesEventPattern(pattern, eventWith({}))).toBe(true);
    expect(matchesEventPattern(pattern, eventWith({ severity: 'hard' }, { 'detail-type': 'ViolationRecorded' }))).toBe(true);
    expect(matchesEventPattern(pattern, eventWith({ severity: 'soft' }, { 'detail-type': 'ViolationRecorded' }))).toBe(false);
    expect(matchesEventPattern(pattern, eventWith({}, { source: 'other' }))).toBe(false);
  });

  it('works inside nested objects', () => {
    const pattern = { detail: { $or: [{ rule: ['maxLoss'] }, { bps: [{ numeric: ['>=', 1000] }] }] } };
    expect(matchesEventPattern(pattern, eventWith({ rule: 'dailyLoss', bps: 1200 }))).toBe(true);
    expect(matchesEventPattern(pattern, eventWith({ rule: 'dailyLoss', bps: 900 }))).toBe(false);
  });
});

describe('patterns the matcher refuses', () => {
  const refuses = (pattern: unknown, message: RegExp) => {
    expect(() => compileEventPattern(pattern)).toThrow(EventPatternError);
    expect(() => compileEventPattern(pattern)).toThrow(message);
  };

  it('throws for operators it does not implement, naming the path', () => {
    refuses({ detail: { ip: [{ cidr: '10.0.0.0/24' }] } }, /detail\.ip\.cidr: operator "cidr" is not supported/);
    refuses({ detail: { name: [{ contains: 'x' }] } }, /operator "contains" is not supported/);
    refuses({ detail: { name: [{ 'anything-but': { numeric: ['>', 1] } }] } }, /anything-but does not support "numeric"/);
  });

  it('throws for malformed patterns instead of matching nothing', () => {
    refuses([], /a pattern must be a JSON object/);
    refuses({}, /at least one field/);
    refuses({ source: 'propdesk.evaluator' }, /expected an array of values or a nested object/);
    refuses({ source: [] }, /must not be empty/);
    refuses({ detail: { n: [{ prefix: 'a', suffix: 'b' }] } }, /exactly one operator/);
    refuses({ detail: { n: [{ exists: 'yes' }] } }, /exists takes true or false/);
    refuses({ detail: { n: [{ numeric: ['>', '1'] }] } }, /numeric takes/);
    refuses({ detail: { n: [{ numeric: ['>', 1, '>', 2] }] } }, /numeric takes/);
    refuses({ detail: { n: [{ numeric: ['=', 1, '<', 2] }] } }, /numeric takes/);
    refuses({ detail: { n: [{ wildcard: 'a**b' }] } }, /consecutive \*/);
    refuses({ detail: { n: [{ wildcard: 'a\\b' }] } }, /backslash may only escape/);
    refuses({ detail: { n: [{ 'anything-but': ['a', 1] }] } }, /only strings or only numbers/);
    refuses({ $or: [{ source: ['a'] }] }, /\$or must be an array of at least two/);
  });

  it('compiles once and matches many events', () => {
    const compiled = compileEventPattern({ 'detail-type': ['AccountFailed'] });
    expect(compiled.matches(eventWith({}))).toBe(true);
    expect(compiled.matches(eventWith({}, { 'detail-type': 'PhasePassed' }))).toBe(false);
    expect(compiled.matches('not an event')).toBe(false);
  });

  it('reads only the event own fields', () => {
    expect(matchesEventPattern({ constructor: [{ exists: true }] }, eventWith({}))).toBe(false);
  });
});
