/**
 * HTTP answers shared by Propdesk's endpoints (bridge ingest, the staff and trader API): RFC 9457 problem
 * details with stable type URIs and field errors as JSON Pointers, JSON bodies, and the request details
 * both endpoints read the same way.
 */
import type { z } from 'zod';

export interface HttpResponse {
  readonly status: number;
  /** Lowercase names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** One field at fault: a JSON Pointer (RFC 6901) into the request, such as `/events/3/seq`. */
export interface FieldError {
  readonly pointer: string;
  readonly message: string;
}

export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly errors?: readonly FieldError[];
}

/** Problem type URIs: stable identifiers (RFC 9457 section 3.1.1), documented in events/README.md. */
export const PROBLEM = 'urn:propdesk:problem:';

export function problem(details: ProblemDetails, headers: Record<string, string> = {}): HttpResponse {
  return { status: details.status, headers: { 'content-type': 'application/problem+json', ...headers }, body: JSON.stringify(details) };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** A fault of ours; the detail stays generic because the cause may describe internals. */
export function internalErrorResponse(): HttpResponse {
  return problem({ type: `${PROBLEM}internal-error`, title: 'Internal error', status: 500, detail: 'The request could not be processed. Resending it is safe.' });
}

export function pointerOf(path: readonly PropertyKey[]): string {
  return path.map((key) => `/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** Each zod issue as a field error, its pointer under `prefix` (`/query`, `/body`, ...). */
export function fieldErrors(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldError[] {
  return error.issues.map((issue) => ({ pointer: pointerOf([...prefix, ...issue.path]), message: issue.message }));
}

export function headerOf(headers: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

const JSON_MEDIA_TYPE = /^application\/(?:[a-z0-9.-]+\+)?json$/;

/** application/json or a +json type; JSON is UTF-8 (RFC 8259), so any other charset is refused. */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [mediaType = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  const charset = parameters.find((parameter) => parameter.startsWith('charset='))?.slice('charset='.length).replaceAll('"', '');
  return JSON_MEDIA_TYPE.test(mediaType) && (charset === undefined || charset === 'utf-8');
}
