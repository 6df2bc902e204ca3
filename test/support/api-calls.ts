/** Requests as API Gateway hands them to the router, for the route tests; and their JSON answers. */
import type { ApiRequest } from '../../shared/api/router.js';
import type { Role } from '../../shared/auth/roles.js';

export interface CallOptions {
  readonly roles?: Role[];
  readonly subject?: string;
  readonly body?: unknown;
  /** The Idempotency-Key of a write. */
  readonly key?: string;
  readonly query?: Record<string, string>;
}

/** A request by `subject` with `roles` (a risk analyst, anna, unless told otherwise). */
export function call(method: string, path: string, { roles = ['risk'], subject = 'anna', body, key, query = {} }: CallOptions = {}): ApiRequest {
  return {
    method,
    path,
    query,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(key === undefined ? {} : { 'idempotency-key': key }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    isBase64Encoded: false,
    claims: { sub: subject, roles: `[${roles.join(' ')}]` },
  };
}

export const json = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;
