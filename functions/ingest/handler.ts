/**
 * The ingest endpoint: API Gateway HTTP API (payload v2) -> this Lambda -> the Kinesis trade stream.
 * Bridges POST signed batches of canonical events; decideIngest (shared/ingest/) checks the whole
 * request, then the events are put on the stream, or the request is refused as a whole.
 *
 * Environment:
 *   TENANT_ID           the firm this endpoint serves; every event must carry it
 *   TRADE_STREAM_NAME   the Kinesis stream events are put on
 *   INGEST_SECRETS_ARN  when deployed: the Secrets Manager secret holding the accepted signing secrets,
 *                       a JSON object whose values are the secrets: {"current": "<secret>"}, and
 *                       {"current": "<new>", "previous": "<old>"} while one is rotated. Read through
 *                       Powertools' cache, so a change is seen within five minutes.
 *   INGEST_SECRETS      the local platform and tests: the accepted secrets as a JSON array of strings
 *                       (JSON rather than a comma list so a secret may hold any character).
 *                       Exactly one of the two is set; every secret is at least 32 characters.
 *   CTRADER_SYMBOLS     optional: the tenant's cTrader symbols as a JSON object by symbolId,
 *                       {"1": {"name": "EURUSD", "lotSize": 10000000}}; without it cTrader fills are
 *                       refused naming the unknown symbol.
 *   POWERTOOLS_*        see functions/powertools.ts
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { Logger } from '@aws-lambda-powertools/logger';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { KinesisTradeStream } from '../../shared/adapters/kinesis/trade-stream.js';
import { type HttpResponse, internalErrorResponse } from '../../shared/http/problem.js';
import { acceptedResponse, decideIngest, streamUnavailableResponse, type IngestRequest } from '../../shared/ingest/ingest-request.js';
import type { TranslateContext } from '../../shared/platforms/index.js';
import type { TradeStream } from '../../shared/ports/trade-stream.js';
import { issuesOf } from '../environment.js';
import { createPowertools, type Powertools } from '../powertools.js';

/** The accepted signing secrets; a function when they are read from Secrets Manager and may rotate. */
export type AcceptedSecrets = readonly string[] | (() => Promise<readonly string[]>);

export interface IngestDependencies {
  readonly stream: TradeStream;
  readonly tenant: string;
  readonly secrets: AcceptedSecrets;
  /** The clock, epoch milliseconds: a parameter so tests can stand at the edge of the signature's tolerance. */
  readonly now: () => number;
  /** For POST /ingest/{platform}; by default no cTrader symbol is known. */
  readonly platformContext?: TranslateContext;
  /** By default the function's own. */
  readonly powertools?: Powertools<'ingest'>;
}

export type IngestHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const powertools = createPowertools('ingest');

const resultOf = (response: HttpResponse): APIGatewayProxyStructuredResultV2 => ({ statusCode: response.status, headers: response.headers, body: response.body });

/**
 * Under a named stage API Gateway puts the stage in rawPath (`/prod/ingest/events`); routes are the
 * same whatever the stage.
 */
function pathWithoutStage(event: APIGatewayProxyEventV2): string {
  const { stage } = event.requestContext;
  const prefix = `/${stage}`;
  if (stage === '$default' || !event.rawPath.startsWith(`${prefix}/`)) return event.rawPath;
  return event.rawPath.slice(prefix.length);
}

function requestOf(event: APIGatewayProxyEventV2): IngestRequest {
  return {
    method: event.requestContext.http.method,
    path: pathWithoutStage(event),
    headers: event.headers,
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
  };
}

type Answer = (response: HttpResponse, accepted?: number) => APIGatewayProxyStructuredResultV2;

/** A bug must still answer in the endpoint's format, without the cause (it may describe internals). */
const internalErrorAsProblem = (logger: Logger, answer: Answer): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> => ({
  onError: (request) => {
    logger.error('ingest request failed', { error: request.error });
    request.response = answer(internalErrorResponse());
  },
});

const NO_PLATFORM_CONTEXT: TranslateContext = { ctraderSymbols: new Map() };

export function createIngestHandler({ stream, tenant, secrets, now, platformContext = NO_PLATFORM_CONTEXT, powertools: { logger, middlewares, count } = powertools }: IngestDependencies): IngestHandler {
  // Every response is counted here, once: 202 by its events, 4xx as rejected, 5xx as failed.
  const answer: Answer = (response, accepted = 0) => {
    count({ EventsAccepted: accepted, RequestsRejected: response.status >= 400 && response.status < 500 ? 1 : 0, RequestsFailed: response.status >= 500 ? 1 : 0 });
    return resultOf(response);
  };
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(middlewares)
    .use(internalErrorAsProblem(logger, answer))
    .handler(async (event) => {
      let accepted: readonly string[];
      try {
        accepted = typeof secrets === 'function' ? await secrets() : secrets;
      } catch (error) {
        // The errors name the secret and what is wrong with its content, never the content.
        logger.error('signing secrets could not be read', { error });
        return answer(streamUnavailableResponse());
      }
      const decision = decideIngest(requestOf(event), { tenant, secrets: accepted, now: now(), platformContext });
      if (!decision.ok) return answer(decision.response);
      try {
        await stream.put(decision.events);
      } catch (error) {
        // The adapter already retried; the sender resends the whole request, which is safe.
        logger.error('trade stream did not store the events', { error, events: decision.events.length });
        return answer(streamUnavailableResponse());
      }
      return answer(acceptedResponse(decision.events.length), decision.events.length);
    });
}

/** JSON text in a variable or a secret; the message does not quote the text, which may be a secret. */
const jsonText = (expected: string) =>
  z.string().transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: `must be ${expected}` });
      return z.NEVER;
    }
  });

/** The rules for the signing secrets, wherever they are read from. */
const Secret = z.string().min(32, 'each secret must be at least 32 characters');
const Secrets = z.array(Secret).min(1, 'must hold at least one secret');

/** A Secrets Manager secret's value: its values are the accepted secrets, whatever their keys. */
const SECRET_VALUE = 'a JSON object whose values are the secrets';
const SecretValue = jsonText(SECRET_VALUE)
  .pipe(z.record(z.string(), Secret, { error: `must be ${SECRET_VALUE}` }))
  .transform((secrets) => Object.values(secrets))
  .pipe(Secrets);

/** How often Secrets Manager is read: a rotation is seen within five minutes. A failed read is not cached. */
export const SECRET_MAX_AGE_SECONDS = 300;

const Environment = z.object({
  TENANT_ID: z.string().min(1),
  TRADE_STREAM_NAME: z.string().min(1),
  INGEST_SECRETS: jsonText('a JSON array of strings').pipe(Secrets).optional(),
  INGEST_SECRETS_ARN: z.string().regex(/^arn:[\w-]+:secretsmanager:/, 'must be the ARN of a Secrets Manager secret').optional(),
  CTRADER_SYMBOLS: jsonText('a JSON object of symbols by symbolId')
    .pipe(z.record(z.string().regex(/^\d+$/, 'a symbolId is decimal digits'), z.object({ name: z.string().min(1), lotSize: z.int().positive() })))
    .optional(),
});

export interface IngestEnvironment {
  readonly tenant: string;
  readonly streamName: string;
  readonly secrets: AcceptedSecrets;
  readonly platformContext: TranslateContext;
}

/**
 * Throws naming every variable at fault (but never a secret's value): the function cannot serve
 * misconfigured. The secrets come from INGEST_SECRETS_ARN, read through `secretsManager`, or from
 * INGEST_SECRETS; both are held to the same rule.
 */
export function readEnvironment(env: NodeJS.ProcessEnv, secretsManager: SecretsProvider): IngestEnvironment {
  const parsed = Environment.safeParse(env);
  const problems = parsed.success ? [] : issuesOf(parsed.error);
  if ((env.INGEST_SECRETS === undefined) === (env.INGEST_SECRETS_ARN === undefined)) {
    problems.push('INGEST_SECRETS, INGEST_SECRETS_ARN: exactly one must be set (INGEST_SECRETS_ARN when deployed)');
  }
  if (!parsed.success || problems.length > 0) throw new Error(`ingest environment: ${problems.join('; ')}`);
  const { TENANT_ID, TRADE_STREAM_NAME, INGEST_SECRETS, INGEST_SECRETS_ARN, CTRADER_SYMBOLS = {} } = parsed.data;
  return {
    tenant: TENANT_ID,
    streamName: TRADE_STREAM_NAME,
    secrets: INGEST_SECRETS ?? secretsIn(INGEST_SECRETS_ARN!, secretsManager),
    platformContext: { ctraderSymbols: new Map(Object.entries(CTRADER_SYMBOLS)) },
  };
}

/** Read through the provider's cache on each request; a malformed value is refused naming its key, never its content. */
function secretsIn(secretArn: string, secretsManager: SecretsProvider): () => Promise<readonly string[]> {
  return async () => {
    const parsed = SecretValue.safeParse(await secretsManager.get(secretArn, { maxAge: SECRET_MAX_AGE_SECONDS }));
    if (!parsed.success) throw new Error(`ingest secret ${secretArn}: ${issuesOf(parsed.error).join('; ')}`);
    return parsed.data;
  };
}

const { traced } = powertools;
/** Once per execution environment: the client's connections are reused across invocations. */
const kinesis = traced(new KinesisClient({}));

// Built on the first invocation rather than at import, so the local platform and tests can import
// createIngestHandler without this Lambda's environment.
let fromEnvironment: IngestHandler | undefined;

export const handler: IngestHandler = (event, context) => {
  if (fromEnvironment === undefined) {
    const secretsManager = new SecretsProvider({ awsSdkV3Client: traced(new SecretsManagerClient({})) });
    const { tenant, streamName, secrets, platformContext } = readEnvironment(process.env, secretsManager);
    fromEnvironment = createIngestHandler({ stream: new KinesisTradeStream(kinesis, streamName), tenant, secrets, now: Date.now, platformContext });
  }
  return fromEnvironment(event, context);
};
