import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createMeHandler } from '../../functions/me/handler.js';
import { rolesFromClaim } from '../../shared/auth/roles.js';

describe('rolesFromClaim', () => {
  it.each<[unknown, string[]]>([
    [['risk', 'admin'], ['risk', 'admin']],
    ['[admin risk]', ['risk', 'admin']],
    ['trader', ['trader']],
    ['trader,service', ['trader', 'service']],
    [['trader', 'root', 'ADMIN', 42], ['trader']],
    ['[]', []],
    [undefined, []],
    [{ role: 'admin' }, []],
  ])('%j grants %j', (claim, roles) => {
    expect(rolesFromClaim(claim)).toEqual(roles);
  });
});

describe('GET /v1/me', () => {
  const event = (claims: Record<string, string | number | boolean | string[]>) =>
    ({ requestContext: { authorizer: { jwt: { claims, scopes: null } } } }) as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
  const context = { functionName: 'me', awsRequestId: 'r1' } as Context;

  it("answers with the caller's subject and the roles the API Gateway authorizer passed on", async () => {
    const me = createMeHandler('acme', 'cognito:groups');
    const response = await me(event({ sub: 'user-7', 'cognito:groups': '[trader]', exp: 1_795_000_000 }), context);
    expect(response.statusCode).toBe(200);
    expect(response.headers).toEqual({ 'content-type': 'application/json', 'cache-control': 'no-store' });
    expect(JSON.parse(response.body!)).toEqual({ tenant: 'acme', subject: 'user-7', roles: ['trader'], tokenExpiresAt: '2026-11-18T11:06:40.000Z' });
  });

  it('reads the roles claim the tenant configured, and grants nothing when it is absent', async () => {
    const me = createMeHandler('acme', 'https://acme.example/roles');
    const withRoles = await me(event({ sub: 'svc', 'https://acme.example/roles': '[service admin]', 'cognito:groups': '[risk]' }), context);
    expect(JSON.parse(withRoles.body!).roles).toEqual(['admin', 'service']);
    const without = await me(event({ sub: 'nobody' }), context);
    expect(JSON.parse(without.body!)).toEqual({ tenant: 'acme', subject: 'nobody', roles: [] });
  });
});
