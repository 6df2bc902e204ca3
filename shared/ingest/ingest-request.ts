/**
 * The ingest endpoint's decision, without HTTP server or AWS: a request (route, headers, raw body)
 * becomes either the canonical events to put on the trade stream or the response that refuses it.
 * The whole request is checked before anything is written, so a request is accepted whole or not at
 * all. Refusals are RFC 9457 problem details naming every field at fault.
 */
import { z } from 'zod';
import { isBridgeEvent, TradeEvent } from '../domain/events.js';
import { PLATFORM_IDS, translatePlatform, type PlatformId, type TranslateContext } from '../platforms/index.js';
import { type FieldError, fieldErrors, headerOf, type HttpResponse, isJsonContentType, PROBLEM, pointerOf, problem, type ProblemDetails } from '../http/problem.js';
import { SIGNATURE_HEADER, verifySignature, type SignatureRefusal } from './signature.js';

/** A request as the HTTP layer hands it over; API Gateway's payload v2 maps onto it field by field. */
export interface IngestRequest {
  readonly method: string;
  /** The path without any API stage prefix, such as `/ingest/events`. */
  readonly path: string;
  /** Header names in any case (API Gateway lowercases them, other servers may not). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string | undefined;
  /** API Gateway base64-encodes bodies it does not take for text; the signature covers the decoded bytes. */
  readonly isBase64Encoded: boolean;
}

export interface IngestConfig {
  /** The firm this endpoint belongs to: every event must carry it. */
  readonly tenant: string;
  /** Every signing secret currently accepted (two while one is being rotated). */
  readonly secrets: readonly string[];
  /** The receive time, epoch milliseconds. */
  readonly now: number;
  /** What the platform translations cannot read from a payload (the tenant's cTrader symbols). */
  readonly platformContext: TranslateContext;
}

export type IngestDecision = { readonly ok: true; readonly events: TradeEvent[] } | { readonly ok: false; readonly response: HttpResponse };

/** Canonical events: `{ "events": [ <TradeEvent wire JSON>, ... ] }`. */
const EVENTS_PATH = '/ingest/events';
/** A platform's webhook envelope, translated by shared/platforms: `/ingest/mt5`, `/ingest/ctrader`. */
const PLATFORM_PATH_PREFIX = '/ingest/';
/** 1 MiB: a full batch of 500 events is about 200 KB, so this only stops abuse. */
export const MAX_BODY_BYTES = 1024 * 1024;
export const MAX_EVENTS = 500;
/** Seconds a sender should wait before resending after the stream refused a write. */
const RETRY_AFTER_SECONDS = 5;

const utf8 = new TextDecoder('utf-8', { fatal: true });

const EventsBody = z.object({ events: z.array(z.unknown()).min(1, 'must hold at least one event') });

const SIGNATURE_DETAIL: Record<SignatureRefusal, string> = {
  missing: `${SIGNATURE_HEADER} header missing or malformed`,
  expired: 'signature timestamp outside tolerance',
  mismatch: 'signature mismatch',
};

const refuse = (details: ProblemDetails, headers?: Record<string, string>): IngestDecision => ({ ok: false, response: problem(details, headers) });

export function acceptedResponse(count: number): HttpResponse {
  return { status: 202, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accepted: count }) };
}

/** The stream kept refusing after the adapter's retries. Some events may be stored; resending all of them is still safe. */
export function streamUnavailableResponse(): HttpResponse {
  return problem(
    {
      type: `${PROBLEM}stream-unavailable`,
      title: 'Trade stream unavailable',
      status: 503,
      detail: `The events could not all be stored. Resend the whole request after ${RETRY_AFTER_SECONDS} seconds: it is safe, events already stored are ignored by their seq.`,
    },
    { 'retry-after': String(RETRY_AFTER_SECONDS) },
  );
}

interface BatchCheck {
  readonly events: TradeEvent[];
  readonly errors: FieldError[];
  /** Indexes of the events at fault, in order. */
  readonly faulty: number[];
  /** Whether the only fault is a tenant other than the endpoint's: the bridge is probably pointed at the wrong firm. */
  readonly wrongTenantOnly: boolean;
}

/**
 * Validates each event on its own so every one at fault is named, then checks what the schema cannot
 * see: the tenant, and that each account's events are in seq order (the reducer would silently drop
 * one that comes after a higher seq).
 */
function checkBatch(raw: readonly unknown[], tenant: string): BatchCheck {
  const events: TradeEvent[] = [];
  const errors: FieldError[] = [];
  const faulty = new Set<number>();
  let wrongTenantOnly = true;
  const fault = (index: number, path: readonly PropertyKey[], message: string) => {
    errors.push({ pointer: pointerOf(['events', index, ...path]), message });
    faulty.add(index);
  };
  const highestSeq = new Map<string, { seq: number; index: number }>();
  raw.forEach((value, index) => {
    const parsed = TradeEvent.safeParse(value);
    if (!parsed.success) {
      // TradeEvent is a discriminated union: zod reports the matching option's issues with their own paths.
      for (const issue of parsed.error.issues) fault(index, issue.path, issue.message);
      wrongTenantOnly = false;
      return;
    }
    const event = parsed.data;
    events.push(event);
    if (event.tenant !== tenant) fault(index, ['tenant'], `is ${event.tenant}, but this endpoint takes tenant ${tenant} only`);
    if (!isBridgeEvent(event)) {
      // Only Propdesk's scheduler closes firm days and only its API overrides: from outside, either would be forged.
      fault(index, ['type'], `${event.type} events come from Propdesk only; bridges send trade events`);
      wrongTenantOnly = false;
      return;
    }
    // Compared with the account's highest seq so far, as the reducer compares with the last it applied.
    const highest = highestSeq.get(event.accountId);
    if (highest === undefined || event.seq > highest.seq) {
      highestSeq.set(event.accountId, { seq: event.seq, index });
      return;
    }
    fault(index, ['seq'], `is ${event.seq}, not above seq ${highest.seq} of event ${highest.index} of the same account: each account's events must be in increasing seq order`);
    wrongTenantOnly = false;
  });
  return { events, errors, faulty: [...faulty].sort((a, b) => a - b), wrongTenantOnly };
}

type Route = { readonly kind: 'events' } | { readonly kind: 'platform'; readonly platform: PlatformId };

function routeOf(path: string): Route | null {
  if (path === EVENTS_PATH) return { kind: 'events' };
  const platform = PLATFORM_IDS.find((id) => path === `${PLATFORM_PATH_PREFIX}${id}`);
  return platform === undefined ? null : { kind: 'platform', platform };
}

const tooManyEvents = (count: number): IngestDecision =>
  refuse({
    type: `${PROBLEM}payload-too-large`,
    title: 'Payload too large',
    status: 413,
    detail: `The request holds ${count} events; the limit is ${MAX_EVENTS}. Split them over several requests, each account's events in seq order.`,
  });

function decideEvents(json: unknown, tenant: string): IngestDecision {
  const body = EventsBody.safeParse(json);
  if (!body.success) {
    return refuse({ type: `${PROBLEM}validation-failed`, title: 'Validation failed', status: 422, detail: 'The body must be an object { "events": [ ... ] }. Nothing was accepted.', errors: fieldErrors(body.error) });
  }
  if (body.data.events.length > MAX_EVENTS) return tooManyEvents(body.data.events.length);
  const batch = checkBatch(body.data.events, tenant);
  if (batch.errors.length === 0) return { ok: true, events: batch.events };
  const at = `The events at index ${batch.faulty.join(', ')}`;
  const { errors } = batch;
  return refuse(
    batch.wrongTenantOnly
      ? { type: `${PROBLEM}wrong-tenant`, title: 'Wrong tenant', status: 422, detail: `${at} belong to another tenant than ${tenant}. Nothing was accepted.`, errors }
      : { type: `${PROBLEM}validation-failed`, title: 'Validation failed', status: 422, detail: `${at} failed validation. Nothing was accepted.`, errors },
  );
}

/** `records[3].deal.Volume` as the JSON Pointer `/records/3/deal/Volume`. */
function pointerOfPath(path: string): string {
  return pointerOf([...path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)].map(([, index, key]) => (index === undefined ? key! : Number(index))));
}

function decidePlatform(platform: PlatformId, json: unknown, config: IngestConfig): IngestDecision {
  const translated = translatePlatform(platform, json, config.platformContext);
  if (!translated.ok) {
    const errors = translated.problems.map((problem) => ({ pointer: pointerOfPath(problem.path), message: problem.message }));
    return refuse({ type: `${PROBLEM}validation-failed`, title: 'Validation failed', status: 422, detail: `The ${platform} payload failed validation. Nothing was accepted.`, errors });
  }
  if (translated.events.length > MAX_EVENTS) return tooManyEvents(translated.events.length);
  // Every platform envelope names its tenant at the top and each event takes it from there.
  const stranger = translated.events.find((event) => event.tenant !== config.tenant);
  if (stranger !== undefined) {
    return refuse({
      type: `${PROBLEM}wrong-tenant`,
      title: 'Wrong tenant',
      status: 422,
      detail: `The payload belongs to another tenant than ${config.tenant}. Nothing was accepted.`,
      errors: [{ pointer: '/tenant', message: `is ${stranger.tenant}, but this endpoint takes tenant ${config.tenant} only` }],
    });
  }
  return { ok: true, events: translated.events };
}

/** Decides what to do with a request to the ingest endpoint; reads no clock (`config.now` is the receive time). */
export function decideIngest(request: IngestRequest, config: IngestConfig): IngestDecision {
  const route = routeOf(request.path);
  if (route === null) {
    const routes = [EVENTS_PATH, ...PLATFORM_IDS.map((id) => `${PLATFORM_PATH_PREFIX}${id}`)].join(', ');
    return refuse({ type: `${PROBLEM}not-found`, title: 'Not found', status: 404, detail: `No such route: ${request.path}. The routes are POST ${routes}.` });
  }
  if (request.method.toUpperCase() !== 'POST') {
    return refuse({ type: `${PROBLEM}method-not-allowed`, title: 'Method not allowed', status: 405, detail: `${request.path} takes POST only.` }, { allow: 'POST' });
  }

  const body = Buffer.from(request.body ?? '', request.isBase64Encoded ? 'base64' : 'utf8');
  if (body.length > MAX_BODY_BYTES) {
    return refuse({ type: `${PROBLEM}payload-too-large`, title: 'Payload too large', status: 413, detail: `The body is ${body.length} bytes; the limit is ${MAX_BODY_BYTES}. Split the events over several requests.` });
  }

  // Authenticated before anything about the body is said, so an unsigned caller learns nothing more.
  const signature = verifySignature({ header: headerOf(request.headers, SIGNATURE_HEADER), body, secrets: config.secrets, now: config.now });
  if (!signature.ok) {
    return refuse(
      { type: `${PROBLEM}unauthorized`, title: 'Unauthorized', status: 401, detail: SIGNATURE_DETAIL[signature.reason] },
      { 'www-authenticate': SIGNATURE_HEADER },
    );
  }

  if (!isJsonContentType(headerOf(request.headers, 'content-type'))) {
    return refuse(
      { type: `${PROBLEM}unsupported-media-type`, title: 'Unsupported media type', status: 415, detail: 'Send the body as application/json (UTF-8).' },
      { accept: 'application/json' },
    );
  }

  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(body));
  } catch (error) {
    const reason = error instanceof SyntaxError ? `not valid JSON: ${error.message}` : 'not UTF-8 text';
    return refuse({ type: `${PROBLEM}malformed-body`, title: 'Malformed body', status: 400, detail: `The body is ${reason}.` });
  }

  return route.kind === 'events' ? decideEvents(json, config.tenant) : decidePlatform(route.platform, json, config);
}
