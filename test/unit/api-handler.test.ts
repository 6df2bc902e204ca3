import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createApiHandler, requestOf } from '../../functions/api/handler.js';
import { ApiRouter } from '../../shared/api/router.js';
import { API_ROUTES } from '../../shared/api/routes.js';
import { memoryApiDeps } from '../support/api-deps.js';
import { MemoryIdempotencyStore } from '../support/idempotency-store.js';
import { MemoryProgramStore } from '../support/program-store.js';

const context = { functionName: 'api', awsRequestId: 'r1' } as Context;

/** An HTTP API payload v2 event as API Gateway sends it after its JWT authorizer accepted the token. */
const event = (path: string, claims?: Record<string, string>) =>
  ({
    version: '2.0',
    routeKey: `GET ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { accept: 'application/json' },
    isBase64Encoded: false,
    requestContext: { http: { method: 'GET', path }, ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}) },
  }) as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;

describe('the API Lambda', () => {
  it("maps API Gateway's event onto the router's request, claims included", () => {
    expect(requestOf(event('/v1/me', { sub: 'u1', 'cognito:groups': '[risk]' }))).toEqual({
      method: 'GET',
      path: '/v1/me',
      query: {},
      headers: { accept: 'application/json' },
      body: undefined,
      isBase64Encoded: false,
      claims: { sub: 'u1', 'cognito:groups': '[risk]' },
    });
  });

  it('answers through the router, and a failure inside a route as a generic 500 problem', async () => {
    const failing = memoryApiDeps({ programs: Object.assign(new MemoryProgramStore(), { get: async () => Promise.reject(new Error('table gone: arn:aws:dynamodb:secret-internals')) }) });
    const handler = createApiHandler(new ApiRouter(API_ROUTES, failing, { rolesClaim: 'cognito:groups', idempotency: new MemoryIdempotencyStore(), now: () => 0 }));
    const me = await handler(event('/v1/me', { sub: 'u1', 'cognito:groups': '[risk]' }), context);
    expect(me.statusCode).toBe(200);
    const broken = await handler(event('/v1/programs/demo/versions/1', { sub: 'u1', 'cognito:groups': '[risk]' }), context);
    expect(broken.statusCode).toBe(500);
    expect(broken.headers).toEqual({ 'content-type': 'application/problem+json' });
    expect(broken.body).not.toContain('secret-internals');
  });
});
