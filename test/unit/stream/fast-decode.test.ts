/**
 * The fast decoder on the cases worth naming: it decodes what bridges write exactly as the zod path
 * does, and leaves everything else to the zod path, which keeps its reasons. The property test
 * (test/property/fast-decode.test.ts) covers the same ground at random.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeRecord, decodeWithZod, type StreamRecord } from '../../../shared/stream/decode-record.js';
import { decodeFast } from '../../../shared/stream/fast-decode.js';

const sample = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`../../../events/samples/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
const snapshot = sample('snapshot');
const deal = sample('deal');
const clock = sample('clock');
const tenant = String(deal['tenant']);
const accountId = String(deal['accountId']);

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const record = (data: string, partitionKey = accountId): StreamRecord => ({ recordId: 'shardId-000000000000:1', sequenceNumber: '1', partitionKey, arrivedAt: 0, data });
const recordOf = (text: string): StreamRecord => record(base64(text));

/** Decodes `text` both ways: the fast path must agree with zod to the field order, or leave it to zod. */
function decodedBothWays(text: string) {
  const fast = decodeFast(recordOf(text), tenant);
  const zod = decodeWithZod(recordOf(text), tenant);
  if (fast !== null) {
    expect(zod.ok && fast).toStrictEqual(zod.ok && zod.event);
    expect(Object.keys(fast)).toEqual(zod.ok ? Object.keys(zod.event) : []);
  }
  expect(decodeRecord(recordOf(text), tenant)).toStrictEqual(zod);
  return { fast, zod };
}

describe('decodeFast', () => {
  it.each([
    ['a snapshot', snapshot],
    ['a deal', deal],
    ['a clock', clock],
  ])('decodes %s as zod does, fields in the schema order, whatever their order on the wire', (_, event) => {
    for (const text of [JSON.stringify(event), JSON.stringify(event, null, 2), JSON.stringify(Object.fromEntries(Object.entries(event).reverse()))]) {
      const { fast, zod } = decodedBothWays(text);
      expect(fast).not.toBeNull();
      expect(zod.ok).toBe(true);
    }
  });

  it("fills a deal's defaults as zod does, and keeps an explicit null stop-loss and reference price", () => {
    const { reason: _reason, stopLoss: _stopLoss, referencePrice: _referencePrice, ...bare } = deal;
    expect(decodedBothWays(JSON.stringify(bare)).fast).toMatchObject({ reason: 'client', stopLoss: null, referencePrice: null });
    expect(decodedBothWays(JSON.stringify({ ...deal, stopLoss: null })).fast).toMatchObject({ stopLoss: null, referencePrice: 1.08473 });
    expect(decodedBothWays(JSON.stringify({ ...deal, referencePrice: null })).fast).toMatchObject({ stopLoss: 1.08175, referencePrice: null });
  });

  it('reads numbers to the same double as JSON.parse, -0 included, and leaves those zod refuses to zod', () => {
    const negativeZero = decodedBothWays(JSON.stringify(snapshot).replace('"margin":216950', '"margin":-0')).fast;
    expect(negativeZero?.type === 'snapshot' && Object.is(negativeZero.margin, -0)).toBe(true);
    expect(decodedBothWays(JSON.stringify(snapshot).replace('"seq":184', '"seq":1.84e2')).fast).toMatchObject({ seq: 184 });
    expect(decodedBothWays(JSON.stringify(deal).replace('"price":1.08475', '"price":1.0847500000000001')).fast).toMatchObject({ price: 1.0847500000000001 });
    expect(decodedBothWays(JSON.stringify(deal).replace('"price":1.08475', '"price":108475e-5')).fast).toMatchObject({ price: 1.08475 });
    for (const [field, value] of [
      ['"price":1.08475', '"price":1e400'],
      ['"stopLoss":1.08175', '"stopLoss":1e400'],
      ['"referencePrice":1.08473', '"referencePrice":0'],
      ['"referencePrice":1.08473', '"referencePrice":-1'],
      ['"referencePrice":1.08473', '"referencePrice":"1.08473"'],
      ['"referencePrice":1.08473', '"referencePrice":1e400'],
      ['"volume":20000', '"volume":0'],
      ['"volume":20000', '"volume":2.5'],
      ['"swap":0', '"swap":9007199254740993'],
      ['"seq":171', '"seq":-1'],
      ['"profit":0', '"profit":01'],
    ] as const) {
      const { fast, zod } = decodedBothWays(JSON.stringify(deal).replace(field, value));
      expect(fast, value).toBeNull();
      expect(zod.ok, value).toBe(false);
    }
  });

  it('reads instants as Date.parse does: offsets, fractions of any length, leap days', () => {
    const at = (time: string) => decodedBothWays(JSON.stringify({ ...clock, time }));
    for (const time of ['2026-02-03T23:00:00+01:00', '2026-02-03T23:00:00.1Z', '2026-02-03T23:00:00.12-00:30', '2026-02-03T23:00:00.0009000000Z', '2024-02-29T00:00:00Z', '0000-01-01T00:00:00Z']) {
      expect(at(time).fast, time).toMatchObject({ time: Date.parse(time) });
    }
    for (const time of ['2023-02-29T00:00:00Z', '2026-02-03T24:00:00Z', '2026-02-03t23:00:00Z', '2026-02-03T23:00:00z', '2026-02-03T23:00Z', '2026-02-03T23:00:00+0100', '2026-02-03T23:00:00']) {
      expect(at(time).fast, time).toBeNull();
      expect(at(time).zod.ok, time).toBe(false);
    }
  });

  it('strips unknown fields as zod does, and leaves escapes and nested values to JSON.parse', () => {
    expect(decodedBothWays(JSON.stringify({ ...snapshot, bridge: 'v2', latencyMs: 3, retried: false })).fast).not.toBeNull();
    for (const text of [
      JSON.stringify({ ...snapshot, bridge: { version: 2 } }),
      JSON.stringify(snapshot).replace('"source"', '"\\u0073ource"'),
      JSON.stringify(deal).replace('"EURUSD"', '"EUR\\/USD"'),
      `\ufeff${JSON.stringify(snapshot)}`,
    ]) {
      const { fast, zod } = decodedBothWays(text);
      expect(fast).toBeNull();
      expect(zod.ok).toBe(true);
    }
  });

  it('keeps the last of a field written twice, as JSON.parse does', () => {
    const text = JSON.stringify(snapshot).replace('"seq":184', '"seq":183,"seq":184');
    expect(decodedBothWays(text).fast).toMatchObject({ seq: 184 });
  });

  it("leaves base64 that Node reads but the contract refuses to zod's reason", () => {
    // '~' and '?' encode to '+' and '/', which the URL alphabet writes as '-' and '_'. A length that
    // is not a multiple of 3 pads the base64, so that dropping the padding damages it.
    const symbol = ['~~~???', '~~~????'].find((candidate) => JSON.stringify({ ...deal, symbol: candidate }).length % 3 !== 0)!;
    const data = base64(JSON.stringify({ ...deal, symbol }));
    expect(data).toMatch(/\+/);
    expect(data).toMatch(/\//);
    expect(data).toMatch(/=$/);
    for (const damaged of [data.replace(/\+/g, '-').replace(/\//g, '_'), data.replace(/A/g, '\u0141'), ` ${data}`, data.replace(/=+$/, ''), `${data.slice(0, 8)}\n${data.slice(8)}`]) {
      expect(decodeFast(record(damaged), tenant)).toBeNull();
      expect(decodeRecord(record(damaged), tenant)).toMatchObject({ ok: false, quarantined: { reason: 'data is not base64' } });
    }
    expect(decodeFast(record(data), tenant)).not.toBeNull();
  });

  it("leaves another tenant's or another account's record to zod, which names the misrouting", () => {
    expect(decodeFast(recordOf(JSON.stringify(deal)), 'other-firm')).toBeNull();
    expect(decodeFast(record(base64(JSON.stringify(deal)), 'other-account'), tenant)).toBeNull();
    expect(decodeRecord(record(base64(JSON.stringify(deal)), 'other-account'), tenant)).toMatchObject({ ok: false, quarantined: { problems: [{ path: 'accountId' }] } });
  });

  it('holds the tenant and the account to the id rule even when they match the stream', () => {
    for (const id of ['', 'x'.repeat(129), 'has space']) {
      const text = JSON.stringify({ ...clock, tenant: id, accountId: id });
      expect(decodeFast(record(base64(text), id), id)).toBeNull();
      expect(decodeRecord(record(base64(text), id), id).ok).toBe(false);
    }
    const longest = 'x'.repeat(128);
    expect(decodeFast(record(base64(JSON.stringify({ ...clock, tenant: longest, accountId: longest })), longest), longest)).not.toBeNull();
  });

  it('leaves the other event types to zod', () => {
    for (const name of ['balance', 'order', 'dayClose']) {
      const { fast, zod } = decodedBothWays(JSON.stringify(sample(name)));
      expect(fast).toBeNull();
      expect(zod.ok).toBe(true);
    }
  });
});
