import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeRecord, type StreamRecord } from '../../../shared/stream/decode-record.js';

const deal = JSON.parse(readFileSync(new URL('../../../events/samples/deal.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const sequenceNumber = '49590338271490256608559692538361571095921575989136588898';
const record = (data: string, partitionKey = String(deal['accountId'])): StreamRecord => ({
  recordId: `shardId-000000000000:${sequenceNumber}`,
  sequenceNumber,
  partitionKey,
  arrivedAt: Date.parse('2026-03-02T09:00:00Z'),
  data,
});
const tenant = String(deal['tenant']);

describe('decodeRecord', () => {
  it('decodes a bridge deal into the canonical event, times in epoch milliseconds', () => {
    const decoded = decodeRecord(record(base64(JSON.stringify(deal))), tenant);
    expect(decoded).toMatchObject({ ok: true, event: { type: 'deal', accountId: deal['accountId'], time: Date.parse(String(deal['time'])) } });
  });

  it.each([
    { case: 'not base64', data: 'not base64!', reason: 'data is not base64' },
    { case: 'not UTF-8', data: Buffer.from([0xff, 0xfe, 0x00]).toString('base64'), reason: 'data is not UTF-8 text' },
    { case: 'not JSON', data: base64('{"type": "deal",'), reason: /^not valid JSON/ },
    { case: 'a bad field', data: base64(JSON.stringify({ ...deal, volume: 1.5 })), reason: /^volume: / },
    { case: 'an unknown type', data: base64(JSON.stringify({ ...deal, type: 'trade' })), reason: /^type: / },
    { case: 'several bad fields', data: base64(JSON.stringify({ ...deal, volume: -1, profit: 'x' })), reason: /\(and 1 more\)$/ },
  ])('quarantines $case with its reason and the payload to replay', ({ data, reason }) => {
    const decoded = decodeRecord(record(data), tenant);
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.quarantined.reason).toMatch(reason);
    expect(decoded.quarantined.sequenceNumber).toBe(record(data).sequenceNumber);
    expect(decoded.quarantined.payload.length).toBeGreaterThan(0);
  });

  it('quarantines an event whose partition key is not its account id, which would break its ordering', () => {
    const decoded = decodeRecord(record(base64(JSON.stringify(deal)), 'another-account'), tenant);
    expect(decoded).toMatchObject({ ok: false, quarantined: { reason: `accountId: is ${deal['accountId']} but the partition key is another-account` } });
  });

  it("quarantines another tenant's event", () => {
    const decoded = decodeRecord(record(base64(JSON.stringify(deal))), 'other-firm');
    expect(decoded).toMatchObject({ ok: false, quarantined: { problems: [{ path: 'tenant' }] } });
  });
});
