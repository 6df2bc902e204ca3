/**
 * The whole trade pipeline on one machine, with the code that deploys: dynalite and kinesalite serve
 * the real DynamoDB and Kinesis APIs (on disk when given a data folder, so a restart resumes); the
 * ingest handler serves HTTP; a poller invokes the evaluator handler with the event-source settings
 * the synthesized stack holds; the domain events go through a bus built from the stack's rules, which
 * feed the abuse detectors' queue (micro-batches in Lambda's SQS event shape, local/lambda-queue.ts); the
 * rollover runs on the stack's schedules; the workflows run the stack's own state machine definitions
 * (local/workflows.ts), a simulated bridge answering their commands and an outbox folder taking their mail.
 * `npm start` (local/start.ts) adds the demo firm's traders.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context, KinesisStreamRecord } from 'aws-lambda';
import { DateTime } from 'luxon';
import { fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthesizeLocal, type LocalTemplate } from '../cdk/local-template.js';
import type { TenantConfig } from '../cdk/tenant-config.js';
import { awsWorkflowAnswers, createCallbacksHandler } from '../functions/callbacks/handler.js';
import { awsKycSteps, createKycHandler } from '../functions/kyc/handler.js';
import { awsKycWebhook, createKycWebhookHandler } from '../functions/kyc-webhook/handler.js';
import { awsAbuseDetection, createDetectorsHandler } from '../functions/detectors/handler.js';
import { awsPayoutSteps, createPayoutHandler } from '../functions/payouts/handler.js';
import { awsPurchaseSteps, createPurchaseHandler } from '../functions/purchase/handler.js';
import { DynamoDbPayoutLedger } from '../shared/adapters/dynamodb/payout-ledger.js';
import { TradeEvent } from '../shared/domain/events.js';
import { LOCAL_ONLY_FAKE_KYC_WEBHOOK_SECRET } from '../shared/adapters/kyc/fake-provider.js';
import { KycPolicy } from '../shared/workflows/kyc.js';
import { DynamoDbAuditLog } from '../shared/adapters/dynamodb/audit-log.js';
import { DynamoDbOrderBook } from '../shared/adapters/dynamodb/order-book.js';
import { awsEvaluatorPorts, createEvaluatorHandler } from '../functions/evaluator/handler.js';
import { awsApiRouter, createApiHandler } from '../functions/api/handler.js';
import { createIngestHandler } from '../functions/ingest/handler.js';
import { createRolloverHandler } from '../functions/rollover/handler.js';
import { DynamoDbAccountStore } from '../shared/adapters/dynamodb/account-store.js';
import { DynamoDbProgramStore } from '../shared/adapters/dynamodb/program-store.js';
import { KinesisTradeStream } from '../shared/adapters/kinesis/trade-stream.js';
import { ApiRouter } from '../shared/api/router.js';
import type { ApiDeps } from '../shared/api/routes.js';
import type { AccountStore } from '../shared/ports/account-store.js';
import type { EventPublisher } from '../shared/ports/event-publisher.js';
import { StreamEvaluator } from '../shared/stream/evaluator.js';
import { ensureStream, ensureTable } from './emulator-resources.js';
import { FileCheckpointStore, InMemoryCheckpointStore, type CheckpointStore } from './checkpoints.js';
import { LocalEventBus, type EventBridgeEvent } from './event-router.js';
import { KinesisPoller, type BatchReport, type KinesisOnFailureRecord } from './kinesis-poller.js';
import { LocalLambdaQueue, type LocalMessage } from './lambda-queue.js';
import { localEventBridgeClient, localSqsClient } from './local-aws.js';
import { OutboxMailer } from './outbox-mailer.js';
import { type ApplicantPlan, SimulatedApplicants } from './simulated-applicants.js';
import { type BridgeAnswerPlan, type LoginSighting, SimulatedBridge } from './simulated-bridge.js';
import { type PayoutAnswerPlan, SimulatedPayoutProcessor } from './simulated-payout-processor.js';
import { TaskTokens } from './state-machines.js';
import { bearerToken, createLocalIssuer, type LocalIssuer, LOCAL_ROLES_CLAIM } from './token-issuer.js';
import { type LocalExecution, LocalTaskCallbacks, LocalWorkflows } from './workflows.js';
import type { BalanceOperationRequested, PayoutInstructed, TradingAccountRequested } from '../shared/workflows/workflow-events.js';

export interface PlatformOptions {
  readonly tenantId: string;
  /** Where dynalite, kinesalite and the checkpoints keep their data; in memory when absent. */
  readonly dataDir?: string;
  /** 0 picks free ports. */
  readonly ports?: { readonly dynamodb?: number; readonly kinesis?: number; readonly ingest?: number };
  readonly shards?: number;
  /** Overrides of the synthesized event-source settings (tests run several batch sizes). */
  readonly batchSize?: number;
  readonly maximumBatchingWindowInSeconds?: number;
  /** Run the stack's rollover schedules (off in tests, which put clock events themselves). */
  readonly schedules?: boolean;
  readonly onDomainEvent?: (queue: string, event: EventBridgeEvent) => void;
  readonly onQuarantine?: (body: string) => void;
  readonly onBatch?: (report: BatchReport) => void;
  /** After each invocation of the evaluator that returned, with its records (the latency benchmark). */
  readonly onEvaluated?: (records: readonly KinesisStreamRecord[]) => void;
  readonly onStreamFailure?: (failure: KinesisOnFailureRecord) => void;
  /** For tests: faults injected around the evaluator's ports and invocations. */
  readonly faults?: FaultInjection;
  /** Changes the tenant's settings before the stack is synthesized (tests shorten the workflows' waits). */
  readonly adjustTenant?: (config: TenantConfig) => TenantConfig;
  /** How the simulated bridge answers each request for a trading account. @default it creates every one */
  readonly bridge?: (request: TradingAccountRequested) => BridgeAnswerPlan;
  /** Where the simulated bridge says each trader logs in from (IdentityObserved). @default it says nothing */
  readonly logins?: (request: TradingAccountRequested) => LoginSighting | null;
  /** How each trader's identity verification ends. @default approved, a moment after the applicant is created */
  readonly applicants?: ApplicantPlan;
  /** How the simulated payout processor answers each instruction. @default it settles every one */
  readonly payoutProcessor?: (instruction: PayoutInstructed) => PayoutAnswerPlan;
  /**
   * Applies a balance operation the way the trading platform would: a balance event on the trade stream.
   * @default a balance event one past the account's last applied seq (right when nothing else trades it)
   */
  readonly applyBalance?: (operation: BalanceOperationRequested) => Promise<void>;
  readonly onExecutionEnd?: (execution: LocalExecution) => void;
  /**
   * A message of the abuse detection queue that failed its last receive (the dead-letter queue on AWS).
   * @default logged on stderr with its event's id, source and detail-type
   */
  readonly onAbuseDeadLetter?: (message: LocalMessage, reason: string) => void;
  /**
   * The abuse detectors' micro-batch window locally: the stack's second is shortened so the demo and tests
   * stay brisk. @default 200
   */
  readonly abuseBatchingWindowMs?: number;
}

export interface FaultInjection {
  readonly accounts?: (accounts: AccountStore) => AccountStore;
  readonly publisher?: (publisher: EventPublisher) => EventPublisher;
  /** Asked after each invocation: true makes it throw once its work is done, as a crash before returning would. */
  readonly crashAfter?: () => boolean;
  /** Asked before each invocation: true runs it on a new container, which has delivered no outbox. */
  readonly coldStart?: () => boolean;
}

export interface Platform {
  readonly template: LocalTemplate;
  readonly dynamo: DynamoDBClient;
  readonly kinesis: KinesisClient;
  readonly tableName: string;
  readonly streamName: string;
  readonly ingestUrl: string;
  readonly ingestSecret: string;
  /** The staff and trader API (`/v1/...`, `/openapi.json`), on the ingest server. */
  readonly apiUrl: string;
  /** Mints and verifies the API's tokens; `npx propdesk token` signs with the same key. */
  readonly issuer: LocalIssuer;
  readonly dynamodbEndpoint: string;
  readonly kinesisEndpoint: string;
  readonly bus: LocalEventBus;
  readonly accounts: DynamoDbAccountStore;
  readonly programs: DynamoDbProgramStore;
  readonly tradeStream: KinesisTradeStream;
  readonly workflows: LocalWorkflows;
  readonly bridge: SimulatedBridge;
  /** The KYC provider's side: applicants created, and their verdicts sent to /webhooks/kyc. */
  readonly applicants: SimulatedApplicants;
  readonly payoutProcessor: SimulatedPayoutProcessor;
  readonly payouts: DynamoDbPayoutLedger;
  /** The mail the workflows sent; with a data folder, also its outbox/ subfolder. */
  readonly outbox: OutboxMailer;
  readonly orders: DynamoDbOrderBook;
  readonly audit: DynamoDbAuditLog;
  /** Resolves once the evaluator has finished every record on the stream. */
  drained(): Promise<void>;
  /** Resolves once the abuse detectors have handled every event queued for them (and any queued meanwhile). */
  abuseDrained(): Promise<void>;
  stop(): Promise<void>;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
/** Public on purpose: the local demo bridges sign with it. A deployed firm's secret lives in Secrets Manager. */
const LOCAL_INGEST_SECRET = 'local-ingest-secret-public-do-not-use-in-production';
const REGION = 'local';

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

const lambdaContext = (functionName: string): Context =>
  ({ functionName, awsRequestId: `local-${Date.now()}`, getRemainingTimeInMillis: () => 60_000 }) as unknown as Context;

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const template = synthesizeLocal(options.tenantId, options.adjustTenant);
  const tenant = options.tenantId;
  const tableName = `propdesk-${tenant}`;
  const streamName = `propdesk-${tenant}-trades`;
  const persist = options.dataDir !== undefined;
  if (persist) mkdirSync(options.dataDir!, { recursive: true });

  const dynamoServer = await startEmulator('dynalite', options.ports?.dynamodb ?? 0, persist ? join(options.dataDir!, 'dynamodb') : undefined);
  const kinesisServer = await startEmulator('kinesalite', options.ports?.kinesis ?? 0, persist ? join(options.dataDir!, 'kinesis') : undefined);
  const dynamoPort = dynamoServer.port;
  const kinesisPort = kinesisServer.port;
  const dynamo = new DynamoDBClient({ endpoint: `http://127.0.0.1:${dynamoPort}`, region: REGION, credentials: LOCAL_CREDENTIALS });
  // kinesalite speaks HTTP/1.1 only (aws-notes.md).
  const kinesis = new KinesisClient({ endpoint: `http://127.0.0.1:${kinesisPort}`, region: REGION, credentials: LOCAL_CREDENTIALS, requestHandler: new NodeHttpHandler() });
  await ensureTable(dynamo, tableName);
  await ensureStream(kinesis, streamName, options.shards ?? 2);

  const bus = new LocalEventBus({ rules: template.rules, account: template.account, region: template.region });
  const accounts = new DynamoDbAccountStore(dynamo, tableName);
  const programs = new DynamoDbProgramStore(dynamo, tableName);
  const faults = options.faults ?? {};
  const eventBridge = localEventBridgeClient(bus);
  const sqs = localSqsClient((_queue, body) => options.onQuarantine?.(body));
  // A new evaluator is a new Lambda container: empty caches, no account state known.
  const newContainer = () => {
    const ports = awsEvaluatorPorts({ dynamo, tableName, eventBridge, busName: template.eventBus.name, sqs, quarantineQueueUrl: 'local-quarantine' });
    return createEvaluatorHandler(
      new StreamEvaluator(
        { ...ports, accounts: faults.accounts?.(ports.accounts) ?? ports.accounts, publisher: faults.publisher?.(ports.publisher) ?? ports.publisher },
        { tenant, now: Date.now },
      ),
    );
  };
  let evaluate = newContainer();
  const settings = template.evaluatorEventSource;
  const checkpoints = persist ? new FileCheckpointStore(join(options.dataDir!, 'checkpoints.json')) : new InMemoryCheckpointStore();
  const poller = new KinesisPoller({
    client: kinesis,
    streamName,
    handler: async (event) => {
      if (faults.coldStart?.() === true) evaluate = newContainer();
      const response = await evaluate(event, lambdaContext('evaluator'));
      options.onEvaluated?.(event.Records);
      if (faults.crashAfter?.() === true) throw new Error('injected: the invocation crashed after its work');
      return response;
    },
    batchSize: options.batchSize ?? settings.BatchSize,
    maximumBatchingWindowInSeconds: options.maximumBatchingWindowInSeconds ?? settings.MaximumBatchingWindowInSeconds,
    maximumRetryAttempts: settings.MaximumRetryAttempts,
    maximumRecordAgeInSeconds: settings.MaximumRecordAgeInSeconds,
    bisectBatchOnFunctionError: settings.BisectBatchOnFunctionError,
    reportBatchItemFailures: settings.FunctionResponseTypes.includes('ReportBatchItemFailures'),
    startingPosition: settings.StartingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
    checkpoints,
    onFailure: (failure) => options.onStreamFailure?.(failure),
    ...(options.onBatch !== undefined ? { onBatch: options.onBatch } : {}),
    // Lambda polls an idle shard once a second; locally a shorter wait keeps the demo and tests brisk.
    pollIntervalMs: 50,
  });
  await poller.start();

  // The workflows: the purchase steps and the callbacks on the same adapters as deployed, tokens kept in process.
  const tokens = new TaskTokens();
  const outbox = new OutboxMailer(persist ? join(options.dataDir!, 'outbox') : undefined);
  const purchase = createPurchaseHandler(awsPurchaseSteps({ dynamo, tableName, eventBridge, busName: template.eventBus.name, mailer: outbox, tenant, now: Date.now }));
  const localCallbacks = new LocalTaskCallbacks(tokens);
  const callbacks = createCallbacksHandler(awsWorkflowAnswers({ dynamo, tableName, callbacks: localCallbacks, now: Date.now }));
  let serverUrl = '';
  const applicants = new SimulatedApplicants(() => `${serverUrl}/webhooks/kyc`, options.applicants);
  const { kyc: kycSettings } = template.workflowSettings;
  const kycSteps = awsKycSteps({
    dynamo,
    tableName,
    eventBridge,
    busName: template.eventBus.name,
    callbacks: localCallbacks,
    mailer: outbox,
    provider: applicants,
    policy: KycPolicy.parse(kycSettings),
    tenant,
    now: Date.now,
  });
  const kyc = createKycHandler(async () => kycSteps);
  const payout = createPayoutHandler(awsPayoutSteps({ dynamo, tableName, eventBridge, busName: template.eventBus.name, tenant, now: Date.now }));
  const kycWebhook = createKycWebhookHandler(awsKycWebhook({ dynamo, tableName, callbacks: localCallbacks, secret: async () => LOCAL_ONLY_FAKE_KYC_WEBHOOK_SECRET }));
  const workflows = new LocalWorkflows({
    template,
    bus,
    tokens,
    functions: {
      [template.functions.purchaseSteps]: (payload) => purchase(payload, lambdaContext('purchase')),
      [template.functions.callbacks]: (event) => callbacks(event as Parameters<typeof callbacks>[0], lambdaContext('callbacks')),
      [template.functions.kycSteps]: (payload) => kyc(payload, lambdaContext('kyc')),
      [template.functions.payoutSteps]: (payload) => payout(payload, lambdaContext('payouts')),
    },
    ...(options.onExecutionEnd ? { onExecutionEnd: options.onExecutionEnd } : {}),
    onInvocationError: (functionLogicalId, error) => console.error(`local invocation of ${functionLogicalId} failed:`, error),
  });
  const tradeStream = new KinesisTradeStream(kinesis, streamName);
  const balanceEvent = async ({ accountId, operationId, amount, time }: BalanceOperationRequested) => {
    const state = (await accounts.load([accountId])).get(accountId)?.state;
    if (state === undefined) throw new Error(`balance operation ${operationId} for unknown account ${accountId}`);
    const seq = state.lastSeq + 1;
    const event = TradeEvent.parse({ type: 'balance', schemaVersion: 1, tenant, accountId, platform: 'mt5', eventId: operationId, seq, time, operationId, kind: 'payout', amount });
    await tradeStream.put([event]);
  };
  // The abuse detectors: the handler module that deploys, on the same adapters, fed by the stack's rules
  // through a queue with the stack's event-source settings (the batching window shortened).
  const detectors = createDetectorsHandler(
    awsAbuseDetection({ tenant, dynamo, tableName, eventBridge, busName: template.eventBus.name, kinesis, streamName }),
    tenant,
  );
  const detectorsSource = template.detectorsEventSource;
  const abuseQueue = new LocalLambdaQueue({
    queueArn: `arn:aws:sqs:${template.region}:${template.account}:${detectorsSource.queueLogicalId}`,
    region: template.region,
    handler: (event) => detectors(event, lambdaContext('detectors')),
    batchSize: detectorsSource.BatchSize,
    maxBatchingWindowMs: Math.min(options.abuseBatchingWindowMs ?? 200, detectorsSource.MaximumBatchingWindowInSeconds * 1000),
    reportBatchItemFailures: detectorsSource.FunctionResponseTypes.includes('ReportBatchItemFailures'),
    maxReceiveCount: detectorsSource.maxReceiveCount,
    onDeadLetter:
      options.onAbuseDeadLetter ??
      ((message, reason) => {
        const event = eventSummary(message.body);
        console.error(`abuse detection gave up on ${event} (${reason}); on AWS it would be in the abuse detection dead-letter queue`);
      }),
  });
  const bridge = new SimulatedBridge(bus, options.bridge, options.applyBalance ?? balanceEvent, undefined, undefined, options.logins);
  const payoutProcessor = new SimulatedPayoutProcessor(bus, options.payoutProcessor);
  for (const target of new Map(template.rules.flatMap((rule) => rule.targets).map((target) => [target.logicalId, target])).values()) {
    const { kind, logicalId } = target;
    bus.onTarget(
      logicalId,
      kind === 'stateMachine'
        ? (event) => void workflows.start(logicalId, event)
        : kind === 'function'
          ? (event) => workflows.invoke(logicalId, event)
          : logicalId === template.queues.abuseDetection
            ? (event) => abuseQueue.send(JSON.stringify(event))
            : logicalId === template.queues.bridgeCommands
              ? (event) => bridge.receive(event)
              : logicalId === template.queues.payoutCommands
                ? (event) => payoutProcessor.receive(event)
                : (event) => options.onDomainEvent?.(logicalId, event),
    );
  }

  const ingest = createIngestHandler({ stream: tradeStream, tenant, secrets: [LOCAL_INGEST_SECRET], now: Date.now });
  // The staff and trader API on the same server, its tokens from a local issuer whose key lives beside the
  // data (so `npx propdesk token` signs for it), verified as API Gateway's JWT authorizer would.
  const issuer = await createLocalIssuer(persist ? { dataDir: options.dataDir! } : {});
  const apiRouter = awsApiRouter({ tenant, dynamo, tableName, kinesis, streamName, busName: template.eventBus.name, eventBridge, taskCallbacks: localCallbacks, rolesClaim: LOCAL_ROLES_CLAIM });
  const api = createApiHandler(apiRouter);
  const ingestServer = createServer((request, response) => {
    void readBody(request).then(async (body) => {
      const event = apiGatewayEventOf(request, body);
      const result = event.rawPath.startsWith('/ingest/')
        ? await ingest(event, lambdaContext('ingest'))
        : event.rawPath === '/webhooks/kyc'
          ? await kycWebhook(event, lambdaContext('kyc-webhook'))
          : await answerWithToken(event, apiRouter, issuer, () => api(event, lambdaContext('api')));
      response.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
      response.end(result.body);
    });
  });
  const ingestPort = await listen(ingestServer, options.ports?.ingest ?? 0);
  serverUrl = `http://127.0.0.1:${ingestPort}`;

  const rollover = createRolloverHandler(accounts, tradeStream, tenant);
  const timers = options.schedules === true ? template.schedules.map((schedule) => scheduleDaily(schedule.expression, schedule.timezone, (time) => void rollover({ scheduledTime: time }, lambdaContext('rollover')))) : [];

  return {
    template,
    dynamo,
    kinesis,
    tableName,
    streamName,
    ingestUrl: `http://127.0.0.1:${ingestPort}`,
    apiUrl: `http://127.0.0.1:${ingestPort}`,
    issuer,
    ingestSecret: LOCAL_INGEST_SECRET,
    dynamodbEndpoint: `http://127.0.0.1:${dynamoPort}`,
    kinesisEndpoint: `http://127.0.0.1:${kinesisPort}`,
    bus,
    accounts,
    programs,
    tradeStream,
    workflows,
    bridge,
    applicants,
    payoutProcessor,
    payouts: new DynamoDbPayoutLedger(dynamo, tableName),
    outbox,
    orders: new DynamoDbOrderBook(dynamo, tableName),
    audit: new DynamoDbAuditLog(dynamo, tableName),
    drained: () => drained(kinesis, streamName, checkpoints),
    abuseDrained: () => abuseQueue.drain(),
    stop: async () => {
      for (const timer of timers) timer.cancel();
      await close(ingestServer);
      await workflows.idle();
      await poller.stop();
      // After the evaluator: the closed trades of its last batch are judged too (their overrides wait on the stream).
      await abuseQueue.drain();
      dynamo.destroy();
      kinesis.destroy();
      await kinesisServer.stop();
      await dynamoServer.stop();
    },
  };
}

/** An EventBridge event in a message body, as a log names it: id, source and detail-type, never the detail. */
function eventSummary(body: string): string {
  try {
    const event = JSON.parse(body) as { id?: unknown; source?: unknown; 'detail-type'?: unknown };
    return `event ${String(event.id)} (${String(event.source)} ${String(event['detail-type'])})`;
  } catch {
    return 'a message that is not JSON';
  }
}

/** Every shard has nothing after its checkpoint. */
async function drained(kinesis: KinesisClient, streamName: string, checkpoints: CheckpointStore): Promise<void> {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  for (;;) {
    let pending = false;
    for (const shard of Shards) {
      const checkpoint = await checkpoints.load(shard.ShardId!);
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shard.ShardId!,
          ...(checkpoint === undefined ? { ShardIteratorType: 'TRIM_HORIZON' } : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: checkpoint }),
        }),
      );
      const { Records = [] } = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 1 }));
      if (Records.length > 0) pending = true;
    }
    if (!pending) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Emulator {
  readonly port: number;
  stop(): Promise<void>;
}

function startEmulator(kind: 'dynalite' | 'kinesalite', port: number, path: string | undefined): Promise<Emulator> {
  const child = fork(fileURLToPath(new URL('./emulator-process.ts', import.meta.url)), [kind, String(port), path ?? ''], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${kind} exited with code ${code} before listening`)));
    child.once('message', (message) => {
      child.removeAllListeners('exit');
      resolve({
        port: (message as { port: number }).port,
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.send('stop');
          }),
      });
    });
  });
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/**
 * What API Gateway's JWT authorizer does before the API function runs: a secured route needs a valid bearer
 * token (401 otherwise, without calling the function) and the function gets its claims; a public route
 * ignores the token.
 */
async function answerWithToken(
  event: APIGatewayProxyEventV2,
  router: ApiRouter<ApiDeps>,
  issuer: LocalIssuer,
  call: () => Promise<APIGatewayProxyStructuredResultV2>,
): Promise<APIGatewayProxyStructuredResultV2> {
  if (router.routeFor(event.requestContext.http.method, event.rawPath)?.access === 'public') return call();
  const verified = await issuer.verify(bearerToken(event.headers['authorization']));
  if (!verified.ok) {
    // API Gateway's own answer to a refused token.
    return { statusCode: 401, headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }, body: JSON.stringify({ message: 'Unauthorized' }) };
  }
  (event.requestContext as { authorizer?: unknown }).authorizer = { jwt: { claims: verified.claims, scopes: null } };
  return call();
}

/** The HTTP API (payload v2) event API Gateway would hand the ingest function. */
function apiGatewayEventOf(request: IncomingMessage, body: string): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers[name] = value;
  // As API Gateway's payload 2.0: a repeated parameter's values joined by commas; absent when there are none.
  const query: Record<string, string> = {};
  for (const name of new Set(url.searchParams.keys())) query[name] = url.searchParams.getAll(name).join(',');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(url.searchParams.size > 0 ? { queryStringParameters: query } : {}),
    headers,
    body,
    isBase64Encoded: false,
    requestContext: { stage: '$default', http: { method: request.method ?? 'GET', path: url.pathname } },
  } as unknown as APIGatewayProxyEventV2;
}

/**
 * Runs `run` at each occurrence of a daily EventBridge Scheduler cron (`cron(M H * * ? *)`) in `zone`,
 * passing the scheduled time as the scheduler's `<aws.scheduler.scheduled-time>` would.
 */
function scheduleDaily(expression: string, zone: string, run: (scheduledTime: string) => void): { cancel(): void } {
  const match = /^cron\((\d{1,2}) (\d{1,2}) \* \* \? \*\)$/.exec(expression);
  if (match === null) throw new Error(`the local scheduler runs daily crons only, not ${expression}`);
  const [minute, hour] = [Number(match[1]), Number(match[2])];
  let timer: NodeJS.Timeout;
  const arm = () => {
    const now = DateTime.now().setZone(zone);
    let next = now.set({ hour, minute, second: 0, millisecond: 0 });
    if (next <= now) next = next.plus({ days: 1 }).set({ hour, minute });
    timer = setTimeout(() => {
      run(next.toUTC().toISO()!);
      arm();
    }, next.toMillis() - Date.now());
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}
