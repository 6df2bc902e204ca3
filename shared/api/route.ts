/**
 * The staff and trader API is a table of routes, each declared as data: its method and path, who may call it,
 * the zod schemas of its parameters, query, body and answer, and the function that answers. The router
 * (router.ts), the OpenAPI document (openapi.ts) and the stack's API Gateway routes are all read from the
 * same table, so a route cannot be served, documented or authorized differently.
 */
import type { z } from 'zod';
import type { Role } from '../auth/roles.js';
import type { HttpResponse } from '../http/problem.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who called, as the JWT authorizer established it. */
export interface Caller {
  readonly subject: string;
  readonly roles: readonly Role[];
}

/**
 * A POST's decision: its id, the same for every resend with the caller's Idempotency-Key (so the audit
 * entry and the events it causes are written once), and when it was made (epoch ms).
 */
export interface Decision {
  readonly id: string;
  readonly at: number;
}

export interface RouteInput<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** Absent on public routes only. */
  readonly caller: Caller | undefined;
  /** Present on POST routes only. */
  readonly decision: Decision | undefined;
}

/** A route's answer: its success body, or a response the route built itself (a problem, a 201 with a location). */
export type RouteAnswer<R> = { readonly ok: R } | { readonly response: HttpResponse };

export interface Route<D, P = unknown, Q = unknown, B = unknown, R = unknown> {
  readonly method: HttpMethod;
  /** Path template, OpenAPI style: `/v1/programs/{programId}/versions/{version}`. */
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  /** The roles that may call it, or `public` for no token at all (health, the API's own description). */
  readonly access: readonly Role[] | 'public';
  readonly params?: z.ZodType<P>;
  readonly query?: z.ZodType<Q>;
  readonly body?: z.ZodType<B>;
  readonly response: z.ZodType<R>;
  /** @default 200 */
  readonly status?: number;
  /** The success answer's media type, for the OpenAPI description. @default application/json */
  readonly produces?: string;
  readonly handle: (input: RouteInput<P, Q, B>, deps: D) => Promise<RouteAnswer<R>>;
}

/** Declares a route with its types inferred from its schemas. */
export function route<D, P = undefined, Q = undefined, B = undefined, R = unknown>(definition: Route<D, P, Q, B, R>): Route<D> {
  return definition as unknown as Route<D>;
}
