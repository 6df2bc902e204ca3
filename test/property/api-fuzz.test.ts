/**
 * Whatever a client sends, the API answers it: malformed paths, parameters, queries, headers, bodies and
 * claims never produce a 5xx (a 5xx means a fault of ours, and would page the on-call engineer). Requests
 * are built around the real routes so that most reach validation and the route code, not just the 404.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiRouter, type ApiRequest } from '../../shared/api/router.js';
import { API_ROUTES, type ApiDeps } from '../../shared/api/routes.js';
import { ROLES } from '../../shared/auth/roles.js';
import { openAccount } from '../../shared/domain/state.js';
import { getPreset } from '../../shared/presets/index.js';
import { MemoryIdempotencyStore } from '../support/idempotency-store.js';
import { memoryApiDeps } from '../support/api-deps.js';
import { MemoryAccountReader } from '../support/account-reader.js';
import { MemoryProgramStore } from '../support/program-store.js';

const stored = getPreset('two-step-static')!;
const accounts = new MemoryAccountReader([openAccount(stored, { tenant: 'acme', accountId: 'acc-1', traderId: 'user-1', openedAt: 0 })]);

const segment = fc.oneof(
  fc.constantFrom(stored.id, String(stored.version), 'acc-1', '0', '-1', '1e3', 'NaN', '%', '%E0%A4%A', '..', '', ' ', 'a'.repeat(300)),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
);

/** A real route's method and path, each parameter replaced by something; or a method and path made up. */
const target = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(fc.constantFrom(...API_ROUTES), fc.array(segment, { minLength: 3, maxLength: 3 })).map(([route, values]) => {
      let index = 0;
      return { method: route.method as string, path: route.path.replace(/\{\w+\}/g, () => encodeURIComponent(values[index++ % values.length]!)) };
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'get', 'OPTIONS', 'BREW'),
      path: fc.array(segment, { maxLength: 5 }).map((segments) => `/${segments.join('/')}`),
    }),
  },
);

const anyJson = fc.jsonValue({ maxDepth: 3 });
/** Programs that almost validate: the stored one with a field replaced by anything. */
const nearProgram = fc.tuple(fc.constantFrom(...Object.keys(stored)), anyJson, fc.integer({ min: 1, max: 50 })).map(([key, value, version]) => ({ ...stored, version, [key]: value }));

const body = fc.option(
  fc.oneof(
    anyJson.map((value) => JSON.stringify(value)),
    nearProgram.map((value) => JSON.stringify(value)),
    fc.string({ maxLength: 50 }),
    fc.constantFrom('{', '[1,', '\u0000', '{"id":'),
  ),
  { nil: undefined },
);

/** Mostly a caller the route lets in, so the request reaches validation and the route itself. */
const claims = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ROLES.map((role) => `[${role}]`), '[admin risk]').map((groups) => ({ sub: 'user-1', 'cognito:groups': groups }) as Record<string, unknown>) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        sub: fc.oneof(fc.string({ maxLength: 10 }), fc.integer() as fc.Arbitrary<unknown>),
        'cognito:groups': fc.oneof(fc.string({ maxLength: 20 }), fc.array(fc.string()) as fc.Arbitrary<unknown>),
      },
      { requiredKeys: [] },
    ) as fc.Arbitrary<Record<string, unknown>>,
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const request: fc.Arbitrary<ApiRequest> = fc.record({
  target,
  query: fc.dictionary(fc.constantFrom('limit', 'cursor', 'status', 'page', 'x', ''), fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('0', '101', '-1', 'abc', 'e30', 'active', 'acc-1'))),
  headers: fc.record(
    {
      'content-type': fc.oneof({ weight: 4, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom('application/json; charset=latin1', 'text/plain', 'application/problem+json', '') }),
      'idempotency-key': fc.oneof(fc.string({ maxLength: 20 }), fc.constant('k'.repeat(300))),
    },
    { requiredKeys: [] },
  ),
  body,
  isBase64Encoded: fc.boolean(),
  claims,
}).map(({ target: { method, path }, ...rest }) => ({ method, path, ...rest }));

describe('the API under malformed input', () => {
  it('never answers with a 5xx, and always with JSON or problem+json (or the documentation page)', async () => {
    const router = new ApiRouter<ApiDeps>(API_ROUTES, memoryApiDeps({ programs: new MemoryProgramStore([stored]), accounts }), { rolesClaim: 'cognito:groups', idempotency: new MemoryIdempotencyStore(), now: () => 0 });
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const response = await router.answer(input);
        expect(response.status, JSON.stringify(input)).toBeLessThan(500);
        if (response.headers['content-type']?.startsWith('text/html')) return;
        expect(response.headers['content-type']).toMatch(/^application\/(problem\+)?json$/);
        JSON.parse(response.body);
      }),
      { numRuns: 3_000 },
    );
  });
});
