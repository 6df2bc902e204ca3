import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TradeEvent } from '../../../shared/domain/events.js';
import {
  acceptedResponse,
  decideIngest,
  MAX_BODY_BYTES,
  MAX_EVENTS,
  streamUnavailableResponse,
  type IngestDecision,
  type IngestRequest,
} from '../../../shared/ingest/ingest-request.js';
import type { HttpResponse } from '../../../shared/http/problem.js';
import { signPayload } from '../../../shared/ingest/signature.js';

const sample = (type: string) => JSON.parse(readFileSync(new URL(`../../../events/samples/${type}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
/** Account 5210347 of acme-prop, in seq order: 169, 171, 184, 203, 312. */
const batch = ['order', 'deal', 'snapshot', 'dayClose', 'balance'].map(sample);

const platformSample = (path: string): unknown => JSON.parse(readFileSync(new URL(`../../../events/samples/platforms/${path}`, import.meta.url), 'utf8'));
/** The symbol the cTrader fixtures trade, as a bridge reads it from ProtoOASymbolByIdRes. */
const ctraderSymbols = new Map([['1', { name: 'EURUSD', lotSize: 10_000_000 }]]);

const tenant = 'acme-prop';
const secret = 'propdesk-example-secret-0123456789abcdef';
const oldSecret = 'propdesk-previous-secret-fedcba9876543210';
const timestamp = 1_772_434_815;
const now = timestamp * 1000;
const config = { tenant, secrets: [secret], now, platformContext: { ctraderSymbols } };

interface Options {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly secrets?: string | readonly string[];
  readonly signedAt?: number;
  readonly base64?: boolean;
}

/** A request as API Gateway would deliver it, signed over the body bytes unless told otherwise. */
function request(body: string | Buffer, options: Options = {}): IngestRequest {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return {
    method: options.method ?? 'POST',
    path: options.path ?? '/ingest/events',
    headers: {
      'content-type': 'application/json',
      'propdesk-signature': signPayload(options.secrets ?? secret, bytes, options.signedAt ?? timestamp),
      ...options.headers,
    },
    body: options.base64 ? bytes.toString('base64') : bytes.toString('utf8'),
    isBase64Encoded: options.base64 ?? false,
  };
}

const eventsBody = (events: readonly unknown[]) => JSON.stringify({ events });

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { pointer: string; message: string }[];
}

/** The refusal's response, checked to be a complete RFC 9457 problem of the right status. */
function refusal(decision: IngestDecision, status: number): { response: HttpResponse; problem: Problem } {
  if (decision.ok) return expect.fail(`accepted ${decision.events.length} events, expected ${status}`);
  const { response } = decision;
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  const problem = JSON.parse(response.body) as Problem;
  expect(problem).toMatchObject({ type: expect.stringMatching(/^urn:propdesk:problem:[a-z-]+$/), title: expect.any(String), status, detail: expect.any(String) });
  return { response, problem };
}

function accepted(decision: IngestDecision): TradeEvent[] {
  return decision.ok ? decision.events : expect.fail(`refused: ${decision.response.body}`);
}

describe('decideIngest: accepted requests', () => {
  it('gives back every event parsed into its canonical form, in the order sent', () => {
    expect(accepted(decideIngest(request(eventsBody(batch)), config))).toEqual(batch.map((event) => TradeEvent.parse(event)));
  });

  it('takes a body API Gateway base64-encoded, the signature covering the decoded bytes', () => {
    expect(accepted(decideIngest(request(eventsBody(batch), { base64: true }), config))).toHaveLength(batch.length);
  });

  it('reads header names in any case', () => {
    const signed = request(eventsBody(batch));
    const headers = { 'Content-Type': 'application/json; charset=UTF-8', 'Propdesk-Signature': signed.headers['propdesk-signature'] };
    expect(accepted(decideIngest({ ...signed, headers }, config))).toHaveLength(batch.length);
  });

  it.each(['application/json', 'application/json; charset=utf-8', 'application/json;charset="UTF-8"', 'application/vnd.propdesk+json'])('takes the content type %s', (contentType) => {
    expect(accepted(decideIngest(request(eventsBody(batch), { headers: { 'content-type': contentType } }), config))).toHaveLength(batch.length);
  });

  it('takes events of several accounts interleaved, each account in seq order', () => {
    const other = { ...sample('snapshot'), accountId: '5210348', seq: 1 };
    expect(accepted(decideIngest(request(eventsBody([batch[0], other, batch[1], { ...other, seq: 2 }])), config))).toHaveLength(4);
  });

  it('takes exactly the event limit', () => {
    const events = Array.from({ length: MAX_EVENTS }, (_, index) => ({ ...sample('snapshot'), seq: index + 1 }));
    expect(accepted(decideIngest(request(eventsBody(events)), config))).toHaveLength(MAX_EVENTS);
  });
});

describe('decideIngest: signature (401)', () => {
  const body = eventsBody(batch);

  it.each([
    { case: 'no signature header', headers: { 'propdesk-signature': undefined }, detail: 'Propdesk-Signature header missing or malformed' },
    { case: 'a header without a v1 value', headers: { 'propdesk-signature': `t=${timestamp}` }, detail: 'Propdesk-Signature header missing or malformed' },
  ])('refuses $case', ({ headers, detail }) => {
    const signed = request(body);
    const { response, problem } = refusal(decideIngest({ ...signed, headers: { ...signed.headers, ...headers } }, config), 401);
    expect(problem).toEqual({ type: 'urn:propdesk:problem:unauthorized', title: 'Unauthorized', status: 401, detail });
    expect(response.headers['www-authenticate']).toBe('Propdesk-Signature');
  });

  it('refuses a signature made with another secret as a mismatch', () => {
    expect(refusal(decideIngest(request(body, { secrets: 'not-the-endpoint-secret-0123456789abcdef' }), config), 401).problem.detail).toBe('signature mismatch');
  });

  it('refuses a body changed after signing', () => {
    const signed = request(body);
    const tampered = { ...signed, body: signed.body!.replace('"amount":-412500', '"amount":-1') };
    expect(refusal(decideIngest(tampered, config), 401).problem.detail).toBe('signature mismatch');
  });

  it('refuses a base64 body whose signature covers the base64 text rather than the bytes', () => {
    const encoded = Buffer.from(body, 'utf8').toString('base64');
    const signedOverText = { ...request(encoded), body: encoded, isBase64Encoded: true };
    expect(refusal(decideIngest(signedOverText, config), 401).problem.detail).toBe('signature mismatch');
  });

  it.each([-300, 300])('accepts a timestamp %s s from the receive time', (offset) => {
    expect(accepted(decideIngest(request(body, { signedAt: timestamp + offset }), config))).toHaveLength(batch.length);
  });

  it.each([-301, 301])('refuses a timestamp %s s from the receive time: a replay or a clock far off', (offset) => {
    expect(refusal(decideIngest(request(body, { signedAt: timestamp + offset }), config), 401).problem.detail).toBe('signature timestamp outside tolerance');
  });

  it('accepts the old and the new secret during a rotation, and the old one no more after it', () => {
    const rotating = { ...config, secrets: [secret, oldSecret] };
    expect(accepted(decideIngest(request(body, { secrets: oldSecret }), rotating))).toHaveLength(batch.length);
    expect(accepted(decideIngest(request(body, { secrets: secret }), rotating))).toHaveLength(batch.length);
    expect(accepted(decideIngest(request(body, { secrets: [secret, oldSecret] }), config))).toHaveLength(batch.length);
    expect(refusal(decideIngest(request(body, { secrets: oldSecret }), config), 401).problem.detail).toBe('signature mismatch');
  });

  it('refuses an unsigned request before saying anything about its body', () => {
    const unsigned = { ...request('not json', { headers: { 'content-type': 'text/plain' } }), headers: {} };
    refusal(decideIngest(unsigned, config), 401);
  });
});

describe('decideIngest: route and method (404, 405)', () => {
  it.each(['/ingest', '/ingest/events/extra', '/ingest/mt4', '/ingest/MT5', '/events', '/'])('answers 404 for %s', (path) => {
    expect(refusal(decideIngest(request(eventsBody(batch), { path }), config), 404).problem.type).toBe('urn:propdesk:problem:not-found');
  });

  it.each(['GET', 'PUT', 'DELETE'])('answers 405 with Allow: POST for %s', (method) => {
    const { response } = refusal(decideIngest(request(eventsBody(batch), { method }), config), 405);
    expect(response.headers['allow']).toBe('POST');
  });
});

describe('decideIngest: size (413)', () => {
  it('refuses a body over the limit, before checking its signature', () => {
    const huge = JSON.stringify({ events: batch, padding: 'x'.repeat(MAX_BODY_BYTES) });
    const { problem } = refusal(decideIngest({ ...request(huge), headers: {} }, config), 413);
    expect(problem.detail).toMatch(/The body is \d+ bytes; the limit is 1048576/);
  });

  it('measures the decoded body, not its base64 text', () => {
    const justUnder = Buffer.from(JSON.stringify({ events: batch, padding: '' }), 'utf8');
    const padded = JSON.stringify({ events: batch, padding: 'x'.repeat(MAX_BODY_BYTES - justUnder.length) });
    expect(Buffer.byteLength(padded)).toBe(MAX_BODY_BYTES);
    expect(accepted(decideIngest(request(padded, { base64: true }), config))).toHaveLength(batch.length);
  });

  it(`refuses more than ${MAX_EVENTS} events`, () => {
    const events = Array.from({ length: MAX_EVENTS + 1 }, (_, index) => ({ ...sample('snapshot'), seq: index + 1 }));
    expect(refusal(decideIngest(request(eventsBody(events)), config), 413).problem.detail).toMatch(/holds 501 events; the limit is 500/);
  });
});

describe('decideIngest: content type (415)', () => {
  it.each([undefined, 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=iso-8859-1', 'application/jsonp'])('refuses %s', (contentType) => {
    const signed = request(eventsBody(batch));
    const { response, problem } = refusal(decideIngest({ ...signed, headers: { ...signed.headers, 'content-type': contentType } }, config), 415);
    expect(problem.type).toBe('urn:propdesk:problem:unsupported-media-type');
    expect(response.headers['accept']).toBe('application/json');
  });
});

describe('decideIngest: malformed body (400)', () => {
  it.each([
    { case: 'truncated JSON', body: '{"events": [', detail: /^The body is not valid JSON: / },
    { case: 'an empty body', body: '', detail: /^The body is not valid JSON: / },
    { case: 'bytes that are not UTF-8', body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), detail: /^The body is not UTF-8 text\.$/ },
  ])('refuses $case', ({ body, detail }) => {
    const { problem } = refusal(decideIngest(request(body, { base64: typeof body !== 'string' }), config), 400);
    expect(problem.type).toBe('urn:propdesk:problem:malformed-body');
    expect(problem.detail).toMatch(detail);
  });
});

describe('decideIngest: invalid events (422)', () => {
  it.each([
    { case: 'an array instead of an object', body: JSON.stringify(batch), pointer: '' },
    { case: 'no events field', body: JSON.stringify({ event: batch }), pointer: '/events' },
    { case: 'events that are not a list', body: JSON.stringify({ events: batch[0] }), pointer: '/events' },
    { case: 'no event at all', body: JSON.stringify({ events: [] }), pointer: '/events' },
  ])('refuses $case, naming where', ({ body, pointer }) => {
    const { problem } = refusal(decideIngest(request(body), config), 422);
    expect(problem.type).toBe('urn:propdesk:problem:validation-failed');
    expect(problem.errors).toEqual([{ pointer, message: expect.any(String) }]);
  });

  it("refuses clock and override events: only Propdesk's scheduler closes firm days, only its API overrides", () => {
    const clock = { type: 'clock', schemaVersion: 1, tenant, accountId: 'acc-1', time: '2026-03-02T23:00:00Z' };
    const override = { ...clock, type: 'override', overrideId: 'o-1', actor: 'eve', reason: 'forged', change: { action: 'reinstate' } };
    const { problem } = refusal(decideIngest(request(eventsBody([batch[0], clock, override])), config), 422);
    expect(problem.errors).toEqual([
      { pointer: '/events/1/type', message: 'clock events come from Propdesk only; bridges send trade events' },
      { pointer: '/events/2/type', message: 'override events come from Propdesk only; bridges send trade events' },
    ]);
  });

  it('names every field at fault with its event index, and accepts none of the batch', () => {
    const events = [batch[0], { ...batch[1], volume: 1.5, time: '2026-02-03T11:29:07' }, batch[2], { ...batch[3], type: 'close' }, { ...batch[4], amount: undefined }];
    const { problem } = refusal(decideIngest(request(eventsBody(events)), config), 422);
    expect(problem).toMatchObject({ type: 'urn:propdesk:problem:validation-failed', title: 'Validation failed', detail: 'The events at index 1, 3, 4 failed validation. Nothing was accepted.' });
    expect(problem.errors).toEqual([
      { pointer: '/events/1/time', message: expect.stringMatching(/datetime/) },
      { pointer: '/events/1/volume', message: expect.stringMatching(/expected int/) },
      { pointer: '/events/3/type', message: expect.stringMatching(/discriminator/) },
      { pointer: '/events/4/amount', message: expect.stringMatching(/received undefined/) },
    ]);
  });

  it("refuses an account's events out of seq order, which the reducer would drop", () => {
    const events = [batch[1], batch[0], { ...batch[2], seq: 171 }];
    const { problem } = refusal(decideIngest(request(eventsBody(events)), config), 422);
    expect(problem.errors).toEqual([
      { pointer: '/events/1/seq', message: expect.stringMatching(/^is 169, not above seq 171 of event 0 of the same account/) },
      { pointer: '/events/2/seq', message: expect.stringMatching(/^is 171, not above seq 171 of event 0/) },
    ]);
  });

  it("refuses another tenant's events, naming them", () => {
    const events = [batch[0], { ...batch[1], tenant: 'other-firm' }, batch[2], { ...batch[3], tenant: 'other-firm' }];
    const { problem } = refusal(decideIngest(request(eventsBody(events)), config), 422);
    expect(problem).toEqual({
      type: 'urn:propdesk:problem:wrong-tenant',
      title: 'Wrong tenant',
      status: 422,
      detail: 'The events at index 1, 3 belong to another tenant than acme-prop. Nothing was accepted.',
      errors: [
        { pointer: '/events/1/tenant', message: 'is other-firm, but this endpoint takes tenant acme-prop only' },
        { pointer: '/events/3/tenant', message: 'is other-firm, but this endpoint takes tenant acme-prop only' },
      ],
    });
  });

  it('reports a wrong tenant along with other faults as invalid events', () => {
    const events = [{ ...batch[0], tenant: 'other-firm' }, { ...batch[1], volume: 0 }];
    const { problem } = refusal(decideIngest(request(eventsBody(events)), config), 422);
    expect(problem.type).toBe('urn:propdesk:problem:validation-failed');
    expect(problem.errors?.map((error) => error.pointer)).toEqual(['/events/0/tenant', '/events/1/volume']);
  });
});

describe('decideIngest: platform webhooks', () => {
  it.each([
    { platform: 'mt5', fixture: 'mt5/buy-open' },
    { platform: 'ctrader', fixture: 'ctrader/fill-open' },
  ])('translates the $platform envelope $fixture into its canonical events', ({ platform, fixture }) => {
    const expected = (platformSample(`${fixture}.expected.json`) as unknown[]).map((event) => TradeEvent.parse(event));
    expect(accepted(decideIngest(request(JSON.stringify(platformSample(`${fixture}.json`)), { path: `/ingest/${platform}` }), config))).toEqual(expected);
  });

  it('checks the signature of a platform payload like any other', () => {
    const body = JSON.stringify(platformSample('mt5/buy-open.json'));
    expect(refusal(decideIngest(request(body, { path: '/ingest/mt5', signedAt: timestamp - 301 }), config), 401).problem.detail).toBe('signature timestamp outside tolerance');
  });

  it("names the payload's fields at fault as JSON Pointers into the body", () => {
    const envelope = platformSample('mt5/buy-open.json') as { records: { deal?: Record<string, unknown> }[] };
    envelope.records[0]!.deal!['Volume'] = 1.5;
    const { problem } = refusal(decideIngest(request(JSON.stringify(envelope), { path: '/ingest/mt5' }), config), 422);
    expect(problem).toMatchObject({ type: 'urn:propdesk:problem:validation-failed', detail: 'The mt5 payload failed validation. Nothing was accepted.' });
    expect(problem.errors).toEqual([{ pointer: '/records/0/deal/Volume', message: expect.stringMatching(/expected int/) }]);
  });

  it('names a translation problem where the translator finds it', () => {
    const { problem } = refusal(decideIngest(request(JSON.stringify(platformSample('ctrader/fill-open.json')), { path: '/ingest/ctrader' }), { ...config, platformContext: { ctraderSymbols: new Map() } }), 422);
    expect(problem.errors).toEqual([{ pointer: '/records/0/execution/deal/symbolId', message: 'symbol 1 is not in the symbol catalogue' }]);
  });

  it("refuses another tenant's payload, naming its tenant field", () => {
    const envelope = { ...(platformSample('mt5/buy-open.json') as object), tenant: 'other-firm' };
    const { problem } = refusal(decideIngest(request(JSON.stringify(envelope), { path: '/ingest/mt5' }), config), 422);
    expect(problem).toMatchObject({ type: 'urn:propdesk:problem:wrong-tenant', errors: [{ pointer: '/tenant', message: 'is other-firm, but this endpoint takes tenant acme-prop only' }] });
  });
});

describe('responses after the decision', () => {
  it('answers 202 with the count accepted', () => {
    expect(acceptedResponse(5)).toEqual({ status: 202, headers: { 'content-type': 'application/json' }, body: '{"accepted":5}' });
  });

  it('answers 503 with Retry-After when the stream refuses, saying a resend is safe', () => {
    const response = streamUnavailableResponse();
    expect(response).toMatchObject({ status: 503, headers: { 'content-type': 'application/problem+json', 'retry-after': '5' } });
    expect(JSON.parse(response.body)).toMatchObject({ type: 'urn:propdesk:problem:stream-unavailable', status: 503, detail: expect.stringMatching(/Resend the whole request .* it is safe/) });
  });
});
