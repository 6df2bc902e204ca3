/**
 * The ingest endpoint's request signature, in the style of Stripe's webhooks:
 *
 *   Propdesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
 *
 * The timestamp is signed with the body, so a captured request cannot be replayed once it is outside
 * the tolerance, and the signature covers the body's bytes exactly as sent (no re-serialisation, which
 * would change them). Several v1 values and several accepted secrets allow a secret to be rotated
 * without downtime: a bridge signs with both secrets while the endpoint accepts both.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Propdesk-Signature';
/** How far the signed timestamp may be from the receive time, either way: bridges' clocks drift. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const SIGNATURE_SCHEME = 'v1';
const HEX_SHA256 = /^[0-9a-f]{64}$/i;
const UNIX_SECONDS = /^\d{1,12}$/;

function hmacOf(secret: string, body: string | Uint8Array, timestamp: number): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest();
}

/**
 * The Propdesk-Signature header value for `body` sent at `timestamp` (unix seconds), signed with
 * every secret given (one v1 value each). A string body is signed as its UTF-8 bytes.
 */
export function signPayload(secret: string | readonly string[], body: string | Uint8Array, timestamp: number): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError(`timestamp must be whole unix seconds, got ${timestamp}`);
  const secrets = typeof secret === 'string' ? [secret] : secret;
  return [`t=${timestamp}`, ...secrets.map((each) => `${SIGNATURE_SCHEME}=${hmacOf(each, body, timestamp).toString('hex')}`)].join(',');
}

/**
 * Why a request is refused. The reasons are deliberately coarse: they tell a bridge's developer what
 * to fix without telling an attacker which part of a forgery came close.
 */
export type SignatureRefusal = 'missing' | 'expired' | 'mismatch';
export type SignatureCheck = { readonly ok: true } | { readonly ok: false; readonly reason: SignatureRefusal };

export interface SignatureInput {
  /** The header's value; undefined when the request has none. */
  readonly header: string | undefined;
  /** The raw body exactly as received (decoded from base64 when API Gateway encoded it). */
  readonly body: string | Uint8Array;
  /** Every secret currently accepted: during a rotation, the new one and the old one. */
  readonly secrets: readonly string[];
  /** The receive time, epoch milliseconds. */
  readonly now: number;
  readonly toleranceSeconds?: number;
}

interface ParsedHeader {
  readonly timestamp: number;
  readonly signatures: readonly Buffer[];
}

/** Unknown keys (a future v2) are skipped; a header without exactly one t or without any v1 is not a signature. */
function parseHeader(header: string): ParsedHeader | null {
  const timestamps: string[] = [];
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') timestamps.push(value);
    // A v1 value that is not 64 hex digits cannot match; comparing it would need equal lengths anyway.
    if (key === SIGNATURE_SCHEME && HEX_SHA256.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  const [timestamp] = timestamps;
  if (timestamps.length !== 1 || timestamp === undefined || !UNIX_SECONDS.test(timestamp) || signatures.length === 0) return null;
  return { timestamp: Number(timestamp), signatures };
}

/**
 * Checks the signature before the timestamp, so that "timestamp outside tolerance" is only ever said
 * to a sender holding a valid secret (a bridge whose clock is off, or a replay), never to a forger.
 */
export function verifySignature({ header, body, secrets, now, toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS }: SignatureInput): SignatureCheck {
  if (header === undefined) return { ok: false, reason: 'missing' };
  const parsed = parseHeader(header);
  if (parsed === null) return { ok: false, reason: 'missing' };
  const matches = secrets.some((secret) => {
    const expected = hmacOf(secret, body, parsed.timestamp);
    return parsed.signatures.some((candidate) => timingSafeEqual(candidate, expected));
  });
  if (!matches) return { ok: false, reason: 'mismatch' };
  if (Math.abs(now - parsed.timestamp * 1000) > toleranceSeconds * 1000) return { ok: false, reason: 'expired' };
  return { ok: true };
}
