/**
 * The KYC provider's webhook: API Gateway HTTP API (payload v2), `POST /webhooks/kyc` -> this Lambda.
 * Sumsub posts its events here, signed; KycWebhook (shared/workflows/kyc-webhook.ts) verifies them, applies
 * a decision to the trader's case and resumes the KYC workflow waiting for it. The answer is JSON
 * `{"outcome", "reason"}` with the status KycWebhook chose: 2xx stops the provider's retries.
 *
 * Environment:
 *   TENANT_ID               the firm
 *   TABLE_NAME              the tenant's table: KYC cases, task tokens
 *   KYC_WEBHOOK_SECRET_ARN  when deployed: the Secrets Manager secret holding the webhook secret configured
 *                           at the provider: the KYC provider secret, JSON whose `webhookSecret` it reads
 *                           (cdk/constructs/kyc-workflow.ts). Read through Powertools' cache, so
 *                           a change is seen within five minutes.
 *   KYC_WEBHOOK_SECRET      the local platform and tests: the webhook secret itself.
 *                           Exactly one of the two is set.
 *   POWERTOOLS_*            see functions/powertools.ts
 */
import { Buffer } from 'node:buffer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { DynamoDbKycCaseStore } from '../../shared/adapters/dynamodb/kyc-case-store.js';
import { DynamoDbTaskTokenStore } from '../../shared/adapters/dynamodb/task-token-store.js';
import { LOCAL_ONLY_FAKE_KYC_WEBHOOK_SECRET } from '../../shared/adapters/kyc/fake-provider.js';
import { sumsubDecisionOf, verifySumsubWebhook } from '../../shared/adapters/kyc/sumsub.js';
import { StepFunctionsTaskCallbacks } from '../../shared/adapters/stepfunctions/task-callbacks.js';
import type { TaskCallbacks } from '../../shared/ports/task-tokens.js';
import { KycWebhook, type WebhookAnswer } from '../../shared/workflows/kyc-webhook.js';
import { issuesOf } from '../environment.js';
import { createPowertools, type Powertools } from '../powertools.js';

export type KycWebhookHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const powertools = createPowertools('kyc-webhook');

const JSON_HEADERS = { 'content-type': 'application/json' };

const resultOf = (status: number, outcome: string, reason: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode: status,
  headers: JSON_HEADERS,
  body: JSON.stringify({ outcome, reason }),
});

/** The body exactly as sent: the signature covers these bytes. */
const rawBodyOf = (event: APIGatewayProxyEventV2): string => {
  const body = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
};

/** By lower-case name, as the provider's verification reads them (API Gateway already lower-cases v2 headers). */
const headersOf = (event: APIGatewayProxyEventV2): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));

/** The answer's fields worth a log line; never the body, which holds the trader's review. */
const logContextOf = ({ status, outcome, reason, traderId, workflow }: WebhookAnswer) => ({ status, outcome, reason, traderId, workflow });

export function createKycWebhookHandler(webhook: KycWebhook, { logger, middlewares }: Powertools<'kyc-webhook'> = powertools): KycWebhookHandler {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(middlewares)
    .use({
      // The provider delivers again on a 5xx; the cause stays in the log, it may describe internals.
      onError: (request) => {
        logger.error('KYC webhook failed', { error: request.error });
        request.response = resultOf(500, 'failed', 'the webhook could not be processed; delivering it again is safe');
      },
    })
    .handler(async (event) => {
      const answer = await webhook.receive(rawBodyOf(event), headersOf(event));
      if (answer.outcome === 'refused' || answer.outcome === 'busy') logger.warn('KYC webhook not applied', logContextOf(answer));
      else logger.info('KYC webhook received', logContextOf(answer));
      return resultOf(answer.status, answer.outcome, answer.reason);
    });
}

export interface KycWebhookClients {
  readonly dynamo: Pick<DynamoDBClient, 'send'>;
  readonly tableName: string;
  readonly callbacks: TaskCallbacks;
  /** The webhook secret; read on each request, so it may come from a cache that sees a rotation. */
  readonly secret: () => Promise<string>;
}

/** KycWebhook on the tenant table and Step Functions, for Sumsub's webhooks. */
export function awsKycWebhook({ dynamo, tableName, callbacks, secret }: KycWebhookClients): KycWebhook {
  return new KycWebhook({
    cases: new DynamoDbKycCaseStore(dynamo, tableName),
    tokens: new DynamoDbTaskTokenStore(dynamo, tableName),
    callbacks,
    verify: async (rawBody, headers) => verifySumsubWebhook(rawBody, headers, await secret()),
    decisionOf: sumsubDecisionOf,
  });
}

/** How often Secrets Manager is read: a rotation is seen within five minutes. A failed read is not cached. */
export const SECRET_MAX_AGE_SECONDS = 300;

const Environment = z.object({
  TENANT_ID: z.string().min(1),
  TABLE_NAME: z.string().min(3),
  KYC_WEBHOOK_SECRET: z.string().min(1, 'must not be empty').optional(),
  KYC_WEBHOOK_SECRET_ARN: z.string().regex(/^arn:[\w-]+:secretsmanager:/, 'must be the ARN of a Secrets Manager secret').optional(),
});

export interface KycWebhookEnvironment {
  readonly tenant: string;
  readonly tableName: string;
  readonly secret: () => Promise<string>;
}

/**
 * Throws naming every variable at fault, never a value: the function cannot serve misconfigured. The
 * secret comes from KYC_WEBHOOK_SECRET_ARN, read through `secretsManager`, or from KYC_WEBHOOK_SECRET.
 */
export function readEnvironment(env: NodeJS.ProcessEnv, secretsManager: Pick<SecretsProvider, 'get'>): KycWebhookEnvironment {
  const parsed = Environment.safeParse(env);
  const problems = parsed.success ? [] : issuesOf(parsed.error);
  if ((env.KYC_WEBHOOK_SECRET === undefined) === (env.KYC_WEBHOOK_SECRET_ARN === undefined)) {
    problems.push('KYC_WEBHOOK_SECRET, KYC_WEBHOOK_SECRET_ARN: exactly one must be set (KYC_WEBHOOK_SECRET_ARN when deployed)');
  }
  if (!parsed.success || problems.length > 0) throw new Error(`kyc-webhook environment: ${problems.join('; ')}`);
  const { TENANT_ID, TABLE_NAME, KYC_WEBHOOK_SECRET, KYC_WEBHOOK_SECRET_ARN } = parsed.data;
  return {
    tenant: TENANT_ID,
    tableName: TABLE_NAME,
    secret: KYC_WEBHOOK_SECRET === undefined ? secretIn(KYC_WEBHOOK_SECRET_ARN!, secretsManager) : async () => KYC_WEBHOOK_SECRET,
  };
}

/** Read through the provider's cache on each request; what is wrong with the value is named, never the value. */
function secretIn(secretArn: string, secretsManager: Pick<SecretsProvider, 'get'>): () => Promise<string> {
  return async () => {
    // The KYC provider secret (cdk/constructs/kyc-workflow.ts): {"appToken", "secretKey", "webhookSecret"}.
    const stored: unknown = await secretsManager.get(secretArn, { maxAge: SECRET_MAX_AGE_SECONDS, transform: 'json' });
    const value = typeof stored === 'object' && stored !== null ? (stored as { webhookSecret?: unknown }).webhookSecret : undefined;
    if (typeof value !== 'string' || value === '') throw new Error(`KYC webhook secret ${secretArn}: must be JSON with a non-empty webhookSecret`);
    // The fake provider's secret is public: a deployed webhook holding it would accept anyone's verdicts.
    if (value === LOCAL_ONLY_FAKE_KYC_WEBHOOK_SECRET) throw new Error(`KYC webhook secret ${secretArn}: holds the local-only fake secret, which is public`);
    return value;
  };
}

// Built on the first invocation rather than at import, so the local platform and tests can import
// createKycWebhookHandler without this Lambda's environment.
let fromEnvironment: KycWebhookHandler | undefined;

export const handler: KycWebhookHandler = (event, context) => {
  if (fromEnvironment === undefined) {
    const { traced } = powertools;
    const secretsManager = new SecretsProvider({ awsSdkV3Client: traced(new SecretsManagerClient({})) });
    const { tableName, secret } = readEnvironment(process.env, secretsManager);
    fromEnvironment = createKycWebhookHandler(
      awsKycWebhook({ dynamo: traced(new DynamoDBClient({})), tableName, callbacks: new StepFunctionsTaskCallbacks(traced(new SFNClient({}))), secret }),
    );
  }
  return fromEnvironment(event, context);
};
