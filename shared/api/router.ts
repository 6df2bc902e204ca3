/**
 * One API request in, one HTTP response out, without HTTP server or AWS: find the route, check the caller's
 * roles, parse parameters, query and body with the route's schemas, call it, and answer JSON or an RFC 9457
 * problem naming every field at fault. The Lambda handler and the local server both call `answer`.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { rolesFromClaim } from '../auth/roles.js';
import { fieldErrors, headerOf, type HttpResponse, isJsonContentType, json, PROBLEM, problem } from '../http/problem.js';
import type { IdempotencyStore } from '../ports/idempotency-store.js';
import type { Caller, Decision, Route } from './route.js';

/** A request as the HTTP layer hands it over; API Gateway's payload v2 maps onto it field by field. */
export interface ApiRequest {
  readonly method: string;
  /** The path without any stage prefix, such as `/v1/programs/demo/versions/1`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string | undefined;
  readonly isBase64Encoded: boolean;
  /** The verified token's claims (API Gateway's JWT authorizer, or the local verifier); absent without a token. */
  readonly claims: Readonly<Record<string, unknown>> | undefined;
}

export interface RouterOptions {
  /** The claim that lists the caller's roles (`cognito:groups` for the stack's user pool). */
  readonly rolesClaim: string;
  /** Where the answers of writes (POST, PUT) are remembered by Idempotency-Key. */
  readonly idempotency: IdempotencyStore;
  /** Epoch milliseconds. */
  readonly now: () => number;
}

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** 256 KiB: far above any program or override, well under API Gateway's 10 MB. */
export const MAX_API_BODY_BYTES = 256 * 1024;

interface CompiledRoute<D> {
  readonly route: Route<D>;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function compile<D>(route: Route<D>): CompiledRoute<D> {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const parameter = /^\{(\w+)\}$/.exec(segment);
      if (!parameter) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      names.push(parameter[1]!);
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), names };
}

export class ApiRouter<D> {
  private readonly compiled: readonly CompiledRoute<D>[];

  constructor(
    readonly routes: readonly Route<D>[],
    private readonly deps: D,
    private readonly options: RouterOptions,
  ) {
    this.compiled = routes.map(compile);
  }

  /** The route a method and path reach, if any (the local server asks whether it is public). */
  routeFor(method: string, path: string): Route<D> | undefined {
    return this.compiled.find(({ route, pattern }) => route.method === method.toUpperCase() && pattern.test(path))?.route;
  }

  async answer(request: ApiRequest): Promise<HttpResponse> {
    const matches = this.compiled.flatMap((compiled) => {
      const match = compiled.pattern.exec(request.path);
      return match ? [{ compiled, values: match.slice(1) }] : [];
    });
    if (matches.length === 0) {
      return problem({ type: `${PROBLEM}not-found`, title: 'Not found', status: 404, detail: `No route ${request.path}. The routes are listed at /openapi.json.` });
    }
    const found = matches.find(({ compiled }) => compiled.route.method === request.method.toUpperCase());
    if (found === undefined) {
      const allowed = [...new Set(matches.map(({ compiled }) => compiled.route.method))].join(', ');
      return problem({ type: `${PROBLEM}method-not-allowed`, title: 'Method not allowed', status: 405, detail: `${request.path} takes ${allowed}.` }, { allow: allowed });
    }
    const { route } = found.compiled;

    let caller: Caller | undefined;
    if (route.access !== 'public') {
      const subject = request.claims?.['sub'];
      if (typeof subject !== 'string' || subject === '') {
        return problem({ type: `${PROBLEM}unauthorized`, title: 'Unauthorized', status: 401, detail: 'Send a valid bearer token.' }, { 'www-authenticate': 'Bearer' });
      }
      caller = { subject, roles: rolesFromClaim(request.claims?.[this.options.rolesClaim]) };
      const allowedRoles = route.access;
      if (!caller.roles.some((role) => allowedRoles.includes(role))) {
        return problem({ type: `${PROBLEM}forbidden`, title: 'Forbidden', status: 403, detail: `${route.method} ${route.path} is for ${allowedRoles.join(', ')}.` });
      }
    }

    const rawParams = Object.fromEntries(found.compiled.names.map((name, index) => [name, safeDecode(found.values[index]!)]));
    const body = readBody(route, request);
    if ('response' in body) return body.response;
    const parsed = {
      params: (route.params ?? EMPTY).safeParse(rawParams),
      query: (route.query ?? EMPTY).safeParse(request.query),
      body: (route.body ?? z.undefined()).safeParse(body.value),
    };
    const errors = (['params', 'query', 'body'] as const).flatMap((part) => (parsed[part].success ? [] : fieldErrors(parsed[part].error!, [part])));
    if (errors.length > 0) {
      return problem({ type: `${PROBLEM}validation-failed`, title: 'Validation failed', status: 422, detail: `${route.method} ${route.path}: ${errors.length} field(s) at fault.`, errors });
    }
    const run = async (decision?: Decision) => {
      const answer = await route.handle({ params: parsed.params.data, query: parsed.query.data, body: parsed.body.data, caller, decision }, this.deps);
      return 'response' in answer ? answer.response : json(route.status ?? 200, answer.ok);
    };
    return route.method === 'GET' ? run() : this.once(request, caller!, run);
  }

  /**
   * A write (POST, PUT) runs once per caller and Idempotency-Key: a resend gets the first answer again, a concurrent one
   * 409, the key reused for another request 422. An answer of ours that failed (5xx) is forgotten so the
   * resend may run.
   */
  private async once(request: ApiRequest, caller: Caller, run: (decision: Decision) => Promise<HttpResponse>): Promise<HttpResponse> {
    const key = headerOf(request.headers, IDEMPOTENCY_KEY_HEADER);
    if (key === undefined || !IDEMPOTENCY_KEY.test(key)) {
      return problem({
        type: `${PROBLEM}idempotency-key-required`,
        title: 'Idempotency-Key required',
        status: 400,
        detail: 'Send an Idempotency-Key header (1 to 255 visible ASCII characters, a UUID for example); resending with the same key is safe.',
      });
    }
    const fingerprint = createHash('sha256').update(`${request.method.toUpperCase()} ${request.path}\n`).update(request.body ?? '').digest('base64url');
    const claim = await this.options.idempotency.claim(caller.subject, key, fingerprint, this.options.now());
    if (claim.state === 'done') return { ...claim.response, headers: { ...claim.response.headers, 'idempotent-replayed': 'true' } };
    if (claim.state === 'in-progress') {
      return problem({ type: `${PROBLEM}idempotency-conflict`, title: 'Request in progress', status: 409, detail: 'A request with this Idempotency-Key is still being processed; resend it later.' }, { 'retry-after': '1' });
    }
    if (claim.state === 'mismatch') {
      return problem({ type: `${PROBLEM}idempotency-key-reused`, title: 'Idempotency-Key reused', status: 422, detail: 'This Idempotency-Key was used for a different request; use a new key.' });
    }
    let response: HttpResponse;
    try {
      response = await run({ id: createHash('sha256').update(`${caller.subject}\n${key}`).digest('hex').slice(0, 32), at: claim.firstClaimedAt });
    } catch (error) {
      await this.options.idempotency.release(caller.subject, key);
      throw error;
    }
    if (response.status >= 500) await this.options.idempotency.release(caller.subject, key);
    else await this.options.idempotency.complete(caller.subject, key, response);
    return response;
  }
}

/** Routes without parameters or query still refuse unknown ones: a typo is an error, not a silent default. */
const EMPTY = z.strictObject({});

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function readBody(route: Pick<Route<unknown>, 'body'>, request: ApiRequest): { value: unknown } | { response: HttpResponse } {
  if (route.body === undefined) return { value: undefined };
  if (!isJsonContentType(headerOf(request.headers, 'content-type'))) {
    return { response: problem({ type: `${PROBLEM}unsupported-media-type`, title: 'Unsupported media type', status: 415, detail: 'Send the body as application/json (UTF-8).' }, { accept: 'application/json' }) };
  }
  const bytes = Buffer.from(request.body ?? '', request.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.length > MAX_API_BODY_BYTES) {
    return { response: problem({ type: `${PROBLEM}payload-too-large`, title: 'Payload too large', status: 413, detail: `The body is ${bytes.length} bytes; the limit is ${MAX_API_BODY_BYTES}.` }) };
  }
  try {
    return { value: JSON.parse(utf8.decode(bytes)) };
  } catch {
    return { response: problem({ type: `${PROBLEM}malformed-body`, title: 'Malformed body', status: 400, detail: 'The body is not UTF-8 JSON.' }) };
  }
}
