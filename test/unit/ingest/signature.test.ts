import { describe, expect, it } from 'vitest';
import { signPayload, verifySignature } from '../../../shared/ingest/signature.js';

const secret = 'propdesk-example-secret-0123456789abcdef';
const oldSecret = 'propdesk-previous-secret-fedcba9876543210';
const body = '{"events":[{"type":"balance","schemaVersion":1,"tenant":"acme-prop","accountId":"5210347","platform":"mt5","eventId":"mt5-5210347-000312","seq":312,"time":"2026-03-02T09:00:14+02:00","operationId":"1187904412","kind":"payout","amount":-412500}]}';
/** 2026-03-02T07:00:15Z */
const timestamp = 1_772_434_815;
const now = timestamp * 1000;

describe('signPayload', () => {
  it('signs "<t>.<body>" with HMAC-SHA256, as openssl computes it (the worked example of events/README.md)', () => {
    // printf '%s.%s' 1772434815 "$BODY" | openssl dgst -sha256 -hmac 'propdesk-example-secret-0123456789abcdef'
    expect(signPayload(secret, body, timestamp)).toBe('t=1772434815,v1=4d2b7ded113e5d8bda7daf6f46caed4e00f3780d623c03f397aad2de5eae3cea');
  });

  it('signs bytes and their UTF-8 text alike', () => {
    expect(signPayload(secret, Buffer.from(body, 'utf8'), timestamp)).toBe(signPayload(secret, body, timestamp));
  });

  it('gives one v1 value per secret, for rotation', () => {
    expect(signPayload([secret, oldSecret], body, timestamp)).toMatch(/^t=1772434815,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
  });

  it.each([1.5, -1, Number.NaN])('refuses the timestamp %s: it must be whole unix seconds', (bad) => {
    expect(() => signPayload(secret, body, bad)).toThrow(RangeError);
  });
});

describe('verifySignature', () => {
  const header = signPayload(secret, body, timestamp);
  const verify = (overrides: Partial<Parameters<typeof verifySignature>[0]>) => verifySignature({ header, body, secrets: [secret], now, ...overrides });

  it('accepts a signature of the body with a secret it holds', () => {
    expect(verify({})).toEqual({ ok: true });
  });

  it.each([
    { case: 'no header', header: undefined },
    { case: 'an empty header', header: '' },
    { case: 'no timestamp', header: header.replace(/^t=\d+,/, '') },
    { case: 'no v1 value', header: `t=${timestamp}` },
    { case: 'a timestamp that is not unix seconds', header: header.replace(`t=${timestamp}`, 't=2026-03-02T07:00:15Z') },
    { case: 'two timestamps', header: `t=${timestamp},${header}` },
    { case: 'a v1 value that is not 64 hex digits', header: `t=${timestamp},v1=abc` },
  ])('says "missing" for $case', ({ header: value }) => {
    expect(verify({ header: value })).toEqual({ ok: false, reason: 'missing' });
  });

  it('says "mismatch" for another secret', () => {
    expect(verify({ secrets: ['someone-else-s-secret-0123456789abcdef'] })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('says "mismatch" when no secret is configured', () => {
    expect(verify({ secrets: [] })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it.each([
    { case: 'one character changed', tampered: body.replace('-412500', '-412501') },
    { case: 'a space added', tampered: body.replace('{"events"', '{ "events"') },
    { case: 'a byte appended', tampered: `${body}\n` },
  ])('says "mismatch" for a body with $case', ({ tampered }) => {
    expect(verify({ body: tampered })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('says "mismatch" when the timestamp is moved but the signature kept: the timestamp is signed', () => {
    expect(verify({ header: header.replace(`t=${timestamp}`, `t=${timestamp + 60}`), now: now + 60_000 })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it.each([-300, 300, 0, -299.999])('accepts a timestamp %s seconds from the receive time (tolerance 300 s, inclusive)', (offset) => {
    expect(verify({ now: now - offset * 1000 })).toEqual({ ok: true });
  });

  it.each([-301, 301, 300.001, -86_400])('refuses a timestamp %s seconds from the receive time as "expired"', (offset) => {
    expect(verify({ now: now - offset * 1000 })).toEqual({ ok: false, reason: 'expired' });
  });

  it('takes another tolerance', () => {
    expect(verify({ now: now + 61_000, toleranceSeconds: 60 })).toEqual({ ok: false, reason: 'expired' });
    expect(verify({ now: now + 60_000, toleranceSeconds: 60 })).toEqual({ ok: true });
  });

  it('judges the signature before the timestamp, so a forger never hears about the clock', () => {
    expect(verify({ secrets: [oldSecret], now: now + 3_600_000 })).toEqual({ ok: false, reason: 'mismatch' });
  });

  describe('rotation', () => {
    it('accepts a request signed with the old secret while both are configured', () => {
      expect(verify({ header: signPayload(oldSecret, body, timestamp), secrets: [secret, oldSecret] })).toEqual({ ok: true });
    });

    it('accepts a request signed with both secrets by an endpoint that knows either one', () => {
      const both = signPayload([secret, oldSecret], body, timestamp);
      expect(verify({ header: both, secrets: [secret] })).toEqual({ ok: true });
      expect(verify({ header: both, secrets: [oldSecret] })).toEqual({ ok: true });
    });

    it('refuses the old secret once it is retired', () => {
      expect(verify({ header: signPayload(oldSecret, body, timestamp), secrets: [secret] })).toEqual({ ok: false, reason: 'mismatch' });
    });
  });

  it('skips values of schemes it does not know and tolerates spaces', () => {
    const v1 = header.split(',v1=')[1]!;
    expect(verify({ header: `t=${timestamp}, v0=deadbeef, v2=${'0'.repeat(64)}, v1=${v1}` })).toEqual({ ok: true });
  });

  it('verifies binary bodies byte for byte', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0x00, 0x7d]);
    expect(verify({ header: signPayload(secret, bytes, timestamp), body: bytes })).toEqual({ ok: true });
    expect(verify({ header: signPayload(secret, bytes, timestamp), body: Buffer.from([0x7b, 0xfe, 0x00, 0x7d]) })).toEqual({ ok: false, reason: 'mismatch' });
  });
});
