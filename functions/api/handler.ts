/**
 * The staff and trader API: every route of shared/api/routes.ts behind one Lambda, on an HTTP API whose JWT
 * authorizer has already verified the token (signature, issuer, audience, expiry); the claims arrive in the
 * request context. The router checks roles, parses with the routes' schemas and answers JSON or problems.
 *
 * Environment:
 *   TENANT_ID      the firm
 *   TABLE_NAME          the firm's table (accounts, programs, histories, the risk queue, abuse flags and scores, the
 *                       identity graph, the news calendar, the audit log, remembered POST answers)
 *   TRADE_STREAM_NAME   the trade stream, which overrides are put on
 *   EVENT_BUS_NAME      the firm's EventBridge bus, which payout requests (PayoutRequested) and the risk desk's abuse
 *                       decisions (AbuseFlagResolved, RiskScoreChanged, RiskAlertRaised) are published on
 *   ROLES_CLAIM         the claim listing the caller's roles (`cognito:groups` for the stack's user pool)
 *   POWERTOOLS_*   see functions/powertools.ts
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SFNClient } from '@aws-sdk/client-sfn';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { ABUSE_EVENT_SOURCE, type AbuseEvent } from '../../shared/abuse/abuse-events.js';
import { sleep } from '../../shared/adapters/backoff.js';
import { DynamoDbAccountHistory } from '../../shared/adapters/dynamodb/account-history.js';
import { DynamoDbAccountStore } from '../../shared/adapters/dynamodb/account-store.js';
import { DynamoDbAuditLog } from '../../shared/adapters/dynamodb/audit-log.js';
import { DynamoDbFlagDesk } from '../../shared/adapters/dynamodb/flag-desk.js';
import { DynamoDbIdempotencyStore } from '../../shared/adapters/dynamodb/idempotency-store.js';
import { DynamoDbIdentityGraph } from '../../shared/adapters/dynamodb/identity-graph.js';
import { DynamoDbNewsCalendar } from '../../shared/adapters/dynamodb/news-calendar.js';
import { DynamoDbPayoutLedger } from '../../shared/adapters/dynamodb/payout-ledger.js';
import { CachedProgramStore, DynamoDbProgramStore } from '../../shared/adapters/dynamodb/program-store.js';
import { DynamoDbRiskQueue } from '../../shared/adapters/dynamodb/risk-queue.js';
import { DynamoDbTaskTokenStore } from '../../shared/adapters/dynamodb/task-token-store.js';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge/event-publisher.js';
import { KinesisTradeStream } from '../../shared/adapters/kinesis/trade-stream.js';
import { StepFunctionsTaskCallbacks } from '../../shared/adapters/stepfunctions/task-callbacks.js';
import { ApiRouter, type ApiRequest } from '../../shared/api/router.js';
import { API_ROUTES, type ApiDeps } from '../../shared/api/routes.js';
import { internalErrorResponse } from '../../shared/http/problem.js';
import type { TaskCallbacks } from '../../shared/ports/task-tokens.js';
import { WORKFLOW_EVENT_SOURCE, type WorkflowEvent } from '../../shared/workflows/workflow-events.js';
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

const Environment = z.object({
  TENANT_ID: z.string().min(1),
  TABLE_NAME: z.string().min(3),
  TRADE_STREAM_NAME: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
  ROLES_CLAIM: z.string().min(1),
});

export interface ApiClients {
  readonly tenant: string;
  readonly dynamo: Pick<DynamoDBClient, 'send'>;
  readonly tableName: string;
  readonly kinesis: Pick<KinesisClient, 'send'>;
  readonly streamName: string;
  /** The bus payout requests (as WORKFLOW_EVENT_SOURCE) and the risk desk's abuse decisions (as ABUSE_EVENT_SOURCE) are published on. */
  readonly busName: string;
  /** @default an EventBridgeClient of the function's region */
  readonly eventBridge?: Pick<EventBridgeClient, 'send'>;
  /** Resumes the payout workflow with an analyst's decision. @default Step Functions (SendTaskSuccess, SendTaskFailure) */
  readonly taskCallbacks?: TaskCallbacks;
  readonly rolesClaim: string;
}

/** The router on the AWS adapters: the deployed function and the local platform build it here. */
export function awsApiRouter({ tenant, dynamo, tableName, kinesis, streamName, busName, eventBridge, taskCallbacks, rolesClaim }: ApiClients): ApiRouter<ApiDeps> {
  const calendar = new DynamoDbNewsCalendar(dynamo, tableName);
  const bus = eventBridge ?? new EventBridgeClient({});
  const deps: ApiDeps = {
    tenant,
    // Cached: a stored version never changes.
    programs: new CachedProgramStore(new DynamoDbProgramStore(dynamo, tableName)),
    accounts: new DynamoDbAccountStore(dynamo, tableName),
    tradeStream: new KinesisTradeStream(kinesis, streamName),
    history: new DynamoDbAccountHistory(dynamo, tableName),
    riskQueue: new DynamoDbRiskQueue(dynamo, tableName),
    audit: new DynamoDbAuditLog(dynamo, tableName),
    news: () => calendar.current(),
    payouts: new DynamoDbPayoutLedger(dynamo, tableName),
    workflowEvents: new EventBridgePublisher<WorkflowEvent>(bus, busName, sleep, WORKFLOW_EVENT_SOURCE),
    taskTokens: new DynamoDbTaskTokenStore(dynamo, tableName),
    taskCallbacks: taskCallbacks ?? new StepFunctionsTaskCallbacks(new SFNClient({})),
    flags: new DynamoDbFlagDesk(dynamo, tableName),
    identities: new DynamoDbIdentityGraph(dynamo, tableName),
    abuseEvents: new EventBridgePublisher<AbuseEvent>(bus, busName, sleep, ABUSE_EVENT_SOURCE),
    // The same instance as `news`: a replaced calendar clears its cache, so this function's dry-runs see it at once.
    newsCalendar: calendar,
  };
  return new ApiRouter(API_ROUTES, deps, { rolesClaim, idempotency: new DynamoDbIdempotencyStore(dynamo, tableName), now: Date.now });
}

/** The router from this Lambda's environment. */
export function apiRouterFromEnvironment(env: NodeJS.ProcessEnv): ApiRouter<ApiDeps> {
  const { TENANT_ID, TABLE_NAME, TRADE_STREAM_NAME, EVENT_BUS_NAME, ROLES_CLAIM } = parseEnvironment('api', Environment, env);
  const { traced } = powertools;
  const clients = {
    dynamo: traced(new DynamoDBClient({})),
    kinesis: traced(new KinesisClient({})),
    eventBridge: traced(new EventBridgeClient({})),
    taskCallbacks: new StepFunctionsTaskCallbacks(traced(new SFNClient({}))),
  };
  return awsApiRouter({ tenant: TENANT_ID, tableName: TABLE_NAME, streamName: TRADE_STREAM_NAME, busName: EVENT_BUS_NAME, rolesClaim: ROLES_CLAIM, ...clients });
}

let fromEnvironment: ApiHandler | undefined;

export const handler: ApiHandler = (event, context) => {
  fromEnvironment ??= createApiHandler(apiRouterFromEnvironment(process.env));
  return fromEnvironment(event, context);
};
