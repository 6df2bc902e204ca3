/**
 * GET /v1/me behind the JWT authorizer: who the API thinks the caller is, and which Propdesk roles their
 * token grants. API Gateway has already verified the token's signature, issuer, audience and expiry; this
 * only reads the claims it passed on.
 *
 * Environment:
 *   TENANT_ID      the firm
 *   ROLES_CLAIM    the claim listing the caller's roles (`cognito:groups` for the stack's user pool)
 *   POWERTOOLS_*   see functions/powertools.ts
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { rolesFromClaim } from '../../shared/auth/roles.js';
import { createPowertools, type Powertools } from '../powertools.js';

export type MeHandler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const powertools = createPowertools('me');

export function createMeHandler(tenant: string, rolesClaim: string, { middlewares }: Powertools<'me'> = powertools): MeHandler {
  return middy<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2>()
    .use(middlewares)
    .handler(async (event) => {
      const claims = event.requestContext.authorizer.jwt.claims;
      const expiresAt = Number(claims.exp);
      const body = {
        tenant,
        subject: String(claims.sub),
        roles: rolesFromClaim(claims[rolesClaim]),
        ...(Number.isFinite(expiresAt) ? { tokenExpiresAt: new Date(expiresAt * 1000).toISOString() } : {}),
      };
      return { statusCode: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify(body) };
    });
}

const Environment = z.object({ TENANT_ID: z.string().min(1), ROLES_CLAIM: z.string().min(1) });

let fromEnvironment: MeHandler | undefined;

export const handler: MeHandler = (event, context) => {
  if (fromEnvironment === undefined) {
    const { TENANT_ID, ROLES_CLAIM } = Environment.parse(process.env);
    fromEnvironment = createMeHandler(TENANT_ID, ROLES_CLAIM);
  }
  return fromEnvironment(event, context);
};
