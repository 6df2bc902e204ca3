/**
 * The ingest endpoint: API Gateway HTTP API (payload v2) -> this Lambda -> the Kinesis trade stream.
 * Bridges POST signed batches of canonical events; decideIngest (shared/ingest/) checks the whole
 * request, then the events are put on the stream, or the request is refused as a whole.
 *
 * Environment:
 *   TENANT_ID          the firm this endpoint serves; every event must carry it
 *   TRADE_STREAM_NAME  the Kinesis stream events are put on
 *   INGEST_SECRETS     the accepted signing secrets as a JSON array of strings, each at least 32
 *                      characters: ["<new>", "<old>"] while a secret is being rotated. JSON rather
 *                      than a comma list so a secret may hold any character.
 *   CTRADER_SYMBOLS    optional: the tenant's cTrader symbols as a JSON object by symbolId,
 *                      {"1": {"name": "EURUSD", "lotSize": 10000000}}; without it cTrader fills are
 *                      refused naming the unknown symbol.
 * In AWS the secrets belong in Secrets Manager and the symbols in the tenant's configuration, read
 * once per cold start; the environment keeps this first version free of those dependencies.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { Logger } from '@aws-lambda-powertools/logger';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { KinesisTradeStream } from '../../shared/adapters/kinesis/trade-stream.js';
import {
  acceptedResponse,
  decideIngest,
  internalErrorResponse,
  streamUnavailableResponse,
  type HttpResponse,
  type IngestRequest,
} from '../../shared/ingest/ingest-request.js';
import type { TranslateContext } from '../../shared/platforms/index.js';
import type { TradeStream } from '../../shared/ports/trade-stream.js';

export interface IngestDependencies {
  readonly stream: TradeStream;
  readonly tenant: string;
  readonly secrets: readonly string[];
  /** The clock, epoch milliseconds: a parameter so tests can stand at the edge of the signature's tolerance. */
  readonly now: () => number;
  /** For POST /ingest/{platform}; by default no cTrader symbol is known. */
  readonly platformContext?: TranslateContext;
}

export type IngestHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const logger = new Logger({ serviceName: 'propdesk-ingest' });

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

/** A bug must still answer in the endpoint's format, without the cause (it may describe internals). */
const internalErrorAsProblem: MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> = {
  onError: (request) => {
    logger.error('ingest request failed', { error: request.error });
    request.response = resultOf(internalErrorResponse());
  },
};

const NO_PLATFORM_CONTEXT: TranslateContext = { ctraderSymbols: new Map() };

export function createIngestHandler({ stream, tenant, secrets, now, platformContext = NO_PLATFORM_CONTEXT }: IngestDependencies): IngestHandler {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(internalErrorAsProblem)
    .handler(async (event) => {
      const decision = decideIngest(requestOf(event), { tenant, secrets, now: now(), platformContext });
      if (!decision.ok) return resultOf(decision.response);
      try {
        await stream.put(decision.events);
      } catch (error) {
        // The adapter already retried; the sender resends the whole request, which is safe.
        logger.error('trade stream did not store the events', { error, events: decision.events.length });
        return resultOf(streamUnavailableResponse());
      }
      return resultOf(acceptedResponse(decision.events.length));
    });
}

/** JSON text in a variable; the message does not quote the text, which may be a secret. */
const jsonText = (expected: string) =>
  z.string().transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: `must be ${expected}` });
      return z.NEVER;
    }
  });

const Environment = z.object({
  TENANT_ID: z.string().min(1),
  TRADE_STREAM_NAME: z.string().min(1),
  INGEST_SECRETS: jsonText('a JSON array of strings').pipe(
    z.array(z.string().min(32, 'each secret must be at least 32 characters')).min(1, 'must hold at least one secret'),
  ),
  CTRADER_SYMBOLS: jsonText('a JSON object of symbols by symbolId')
    .pipe(z.record(z.string().regex(/^\d+$/, 'a symbolId is decimal digits'), z.object({ name: z.string().min(1), lotSize: z.int().positive() })))
    .optional(),
});

export interface IngestEnvironment {
  readonly tenant: string;
  readonly streamName: string;
  readonly secrets: readonly string[];
  readonly platformContext: TranslateContext;
}

/** Throws naming every variable at fault (but never a secret's value): the function cannot serve misconfigured. */
export function readEnvironment(env: NodeJS.ProcessEnv): IngestEnvironment {
  const parsed = Environment.safeParse(env);
  if (!parsed.success) {
    throw new Error(`ingest environment: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  const { TENANT_ID, TRADE_STREAM_NAME, INGEST_SECRETS, CTRADER_SYMBOLS = {} } = parsed.data;
  return { tenant: TENANT_ID, streamName: TRADE_STREAM_NAME, secrets: INGEST_SECRETS, platformContext: { ctraderSymbols: new Map(Object.entries(CTRADER_SYMBOLS)) } };
}

/** Once per execution environment: the client's connections are reused across invocations. */
const kinesis = new KinesisClient({});

// Built on the first invocation rather than at import, so the local platform and tests can import
// createIngestHandler without this Lambda's environment.
let fromEnvironment: IngestHandler | undefined;

export const handler: IngestHandler = (event, context) => {
  if (fromEnvironment === undefined) {
    const { tenant, streamName, secrets, platformContext } = readEnvironment(process.env);
    fromEnvironment = createIngestHandler({ stream: new KinesisTradeStream(kinesis, streamName), tenant, secrets, now: Date.now, platformContext });
  }
  return fromEnvironment(event, context);
};
