/**
 * The staff and trader API: every route of shared/api/routes.ts behind one Lambda, on an HTTP API whose JWT
 * authorizer has already verified the token (signature, issuer, audience, expiry); the claims arrive in the
 * request context. The router checks roles, parses with the routes' schemas and answers JSON or problems.
 *
 * Environment:
 *   TENANT_ID      the firm
 *   TABLE_NAME     the firm's table (accounts, programs, remembered POST answers)
 *   ROLES_CLAIM    the claim listing the caller's roles (`cognito:groups` for the stack's user pool)
 *   POWERTOOLS_*   see functions/powertools.ts
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { DynamoDbAccountStore } from '../../shared/adapters/dynamodb/account-store.js';
import { DynamoDbIdempotencyStore } from '../../shared/adapters/dynamodb/idempotency-store.js';
import { CachedProgramStore, DynamoDbProgramStore } from '../../shared/adapters/dynamodb/program-store.js';
import { ApiRouter, type ApiRequest } from '../../shared/api/router.js';
import { API_ROUTES, type ApiDeps } from '../../shared/api/routes.js';
import { internalErrorResponse } from '../../shared/http/problem.js';
import { parseEnvironment } from '../environment.js';
import { createPowertools, type Powertools } from '../powertools.js';

/** Public routes carry no authorizer context; the others always do. */
export type ApiEvent = APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiHandler = (event: ApiEvent, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const powertools = createPowertools('api');

export function requestOf(event: ApiEvent): ApiRequest {
  const authorizer = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } }).authorizer;
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    query: event.queryStringParameters ?? {},
    headers: event.headers ?? {},
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    claims: authorizer?.jwt?.claims,
  };
}

export function createApiHandler(router: ApiRouter<ApiDeps>, { logger, middlewares }: Powertools<'api'> = powertools): ApiHandler {
  // A bug still answers in the API's format, without the cause (it may describe internals).
  const internalErrorAsProblem: MiddlewareObj<ApiEvent, APIGatewayProxyStructuredResultV2> = {
    onError: (request) => {
      logger.error('api request failed', { error: request.error, route: request.event.routeKey });
      const { status, headers, body } = internalErrorResponse();
      request.response = { statusCode: status, headers, body };
    },
  };
  return middy<ApiEvent, APIGatewayProxyStructuredResultV2>()
    .use(middlewares)
    .use(internalErrorAsProblem)
    .handler(async (event) => {
      const { status, headers, body } = await router.answer(requestOf(event));
      return { statusCode: status, headers, body };
    });
}

const Environment = z.object({ TENANT_ID: z.string().min(1), TABLE_NAME: z.string().min(3), ROLES_CLAIM: z.string().min(1) });

/** The router on the AWS adapters, from this Lambda's environment. */
export function apiRouterFromEnvironment(env: NodeJS.ProcessEnv): ApiRouter<ApiDeps> {
  const { TENANT_ID, TABLE_NAME, ROLES_CLAIM } = parseEnvironment('api', Environment, env);
  const dynamo = powertools.traced(new DynamoDBClient({}));
  const deps: ApiDeps = {
    tenant: TENANT_ID,
    programs: new CachedProgramStore(new DynamoDbProgramStore(dynamo, TABLE_NAME)),
    accounts: new DynamoDbAccountStore(dynamo, TABLE_NAME),
  };
  return new ApiRouter(API_ROUTES, deps, { rolesClaim: ROLES_CLAIM, idempotency: new DynamoDbIdempotencyStore(dynamo, TABLE_NAME), now: Date.now });
}

let fromEnvironment: ApiHandler | undefined;

export const handler: ApiHandler = (event, context) => {
  fromEnvironment ??= createApiHandler(apiRouterFromEnvironment(process.env));
  return fromEnvironment(event, context);
};
