/**
 * The handlers' Powertools: the metric contract the alarms are built on (names, values, unit,
 * namespace, dimensions) read from the EMF lines the handlers print, logs without personal data or
 * secrets, and nothing printed or traced outside Lambda.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context, KinesisStreamEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEvaluatorHandler } from '../../functions/evaluator/handler.js';
import { createIngestHandler } from '../../functions/ingest/handler.js';
import { METRICS } from '../../functions/metrics.js';
import { createPowertools, type Powertools } from '../../functions/powertools.js';
import { createRolloverHandler } from '../../functions/rollover/handler.js';
import { toWire, type TradeEvent } from '../../shared/domain/events.js';
import { NO_NEWS } from '../../shared/domain/news.js';
import { openAccount, type AccountState } from '../../shared/domain/state.js';
import { signPayload } from '../../shared/ingest/signature.js';
import type { AccountListing, AccountStore, StoredAccount } from '../../shared/ports/account-store.js';
import type { TradeStream } from '../../shared/ports/trade-stream.js';
import { getPreset } from '../../shared/presets/index.js';
import type { DomainEvent } from '../../shared/stream/domain-events.js';
import { StreamEvaluator } from '../../shared/stream/evaluator.js';
import { MemoryAccountHistory } from '../support/account-history.js';
import { events } from '../support/events.js';

const tenant = 'acme-prop';
const program = getPreset('two-step-static')!;
const opened = Date.parse('2026-03-02T08:00:00Z');
const context = { functionName: 'propdesk-test', awsRequestId: 'request-1', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:propdesk-test', memoryLimitInMB: '512', functionVersion: '$LATEST' } as Context;

interface Emf {
  readonly _aws: { readonly CloudWatchMetrics: readonly { readonly Namespace: string; readonly Dimensions: string[][]; readonly Metrics: readonly { Name: string; Unit: string }[] }[] };
  readonly [key: string]: unknown;
}

/** Everything the process prints while a test runs: Powertools writes logs and EMF to stdout and stderr. */
function captureOutput() {
  const written: string[] = [];
  const capture = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  const lines = () => written.join('').split('\n').filter((line) => line.trim() !== '');
  const emf = () => lines().flatMap((line): Emf[] => (line.startsWith('{"_aws"') ? [JSON.parse(line) as Emf] : []));
  return {
    text: () => written.join(''),
    emf,
    /** The contract's metrics of each EMF line but the cold start's, by name. */
    metrics: () => emf().filter((line) => !('ColdStart' in line)).map((line) => Object.fromEntries(line._aws.CloudWatchMetrics[0]!.Metrics.map(({ Name }) => [Name, line[Name]]))),
    logs: () => lines().filter((line) => !line.startsWith('{"_aws"')).map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Metrics on, as in Lambda, for a tenant; tracing stays off (it would patch the process's HTTP). */
function asDeployed() {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', undefined);
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', undefined);
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
  vi.stubEnv('TENANT_ID', tenant);
  // Powertools counts a cold start only where Lambda says the environment started on demand.
  vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** Each EMF line is in the Propdesk namespace with the service and tenant dimensions, all counts. */
function expectContractShape(lines: readonly Emf[], service: string) {
  for (const line of lines.filter((each) => !('ColdStart' in each))) {
    const [directive] = line._aws.CloudWatchMetrics;
    expect(directive!.Namespace).toBe('Propdesk');
    expect(directive!.Dimensions).toEqual([['service', 'tenant']]);
    expect(directive!.Metrics.every((metric) => metric.Unit === 'Count')).toBe(true);
    expect(line).toMatchObject({ service, tenant });
  }
}

class MemoryAccounts implements AccountStore {
  readonly items = new Map<string, StoredAccount>();
  constructor(states: readonly AccountState[] = []) {
    for (const state of states) this.items.set(state.accountId, { state, revision: 1, outbox: [] });
  }
  async load(accountIds: readonly string[]) {
    return new Map(accountIds.flatMap((id) => (this.items.has(id) ? [[id, this.items.get(id)!] as const] : [])));
  }
  async save(state: AccountState, loadedRevision: number | null, outbox: readonly DomainEvent[]) {
    const revision = this.items.get(state.accountId)?.revision ?? null;
    if (revision !== loadedRevision) return 'conflict' as const;
    this.items.set(state.accountId, { state, revision: (revision ?? 0) + 1, outbox });
    return 'saved' as const;
  }
  async writeRecords() {}
  async markDelivered() {}
  async *list(listing: AccountListing) {
    if (listing === 'active') yield [...this.items.keys()];
  }
}

describe('the evaluator', () => {
  let sequence = 0;
  const kinesisEvent = (records: readonly { payload: unknown; partitionKey: string }[]): KinesisStreamEvent => ({
    Records: records.map(({ payload, partitionKey }) => {
      const sequenceNumber = String(49_000_000 + sequence++);
      return {
        eventID: `shardId-000000000000:${sequenceNumber}`,
        eventName: 'aws:kinesis:record',
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventSourceARN: 'arn:aws:kinesis:eu-west-1:123456789012:stream/trades',
        awsRegion: 'eu-west-1',
        invokeIdentityArn: 'arn:aws:iam::123456789012:role/evaluator',
        kinesis: { kinesisSchemaVersion: '1.0', sequenceNumber, partitionKey, approximateArrivalTimestamp: opened / 1000, data: Buffer.from(JSON.stringify(payload)).toString('base64') },
      };
    }),
  });
  const ofEvent = (event: TradeEvent) => ({ payload: toWire(event), partitionKey: event.accountId });

  it('counts a batch: records, quarantined, saved, retried and published, as the stores saw them', async () => {
    asDeployed();
    const accounts = new MemoryAccounts([
      openAccount(program, { tenant, accountId: 'ok-1', openedAt: opened }),
      { ...openAccount(program, { tenant, accountId: 'orphan-1', openedAt: opened }), programId: 'deleted-program' },
    ]);
    const published: DomainEvent[] = [];
    const saves = vi.spyOn(accounts, 'save');
    const evaluator = new StreamEvaluator(
      {
        accounts,
        history: new MemoryAccountHistory(),
        programs: { get: async (id) => (id === program.id ? program : null) },
        publisher: { publish: async (list) => void published.push(...list) },
        quarantine: { quarantine: async () => undefined },
        news: async () => NO_NEWS,
      },
      { tenant },
    );
    const output = captureOutput();
    const handler = createEvaluatorHandler(evaluator, createPowertools('evaluator'));
    const ok = events({ tenant, accountId: 'ok-1' });
    const orphan = events({ tenant, accountId: 'orphan-1' });
    const response = await handler(
      kinesisEvent([
        ofEvent(ok.deal('2026-03-02T09:00:00Z', { positionId: 'p1', symbol: 'EURUSD', side: 'buy', volume: 10_000, entry: 'in' })),
        ofEvent(ok.deal('2026-03-02T09:05:00Z', { positionId: 'p1', symbol: 'EURUSD', side: 'sell', volume: 10_000, entry: 'out', profit: 25_000 })),
        ofEvent(orphan.snapshot('2026-03-02T09:00:01Z', { equity: 10_000_000 })),
        ofEvent(orphan.snapshot('2026-03-02T09:00:02Z', { equity: 10_000_000 })),
        { payload: { type: 'snapshot', accountId: 'ok-1' }, partitionKey: 'ok-1' },
        ofEvent(events({ tenant, accountId: 'stranger' }).snapshot('2026-03-02T09:00:03Z', { equity: 1 })),
      ]),
      context,
    );

    expect(response.batchItemFailures).toHaveLength(1);
    expect(saves).toHaveBeenCalledTimes(1);
    expect(published.length).toBeGreaterThan(0);
    expect(output.metrics()).toEqual([{ RecordsEvaluated: 6, RecordsQuarantined: 2, AccountsSaved: 1, AccountsRetried: 1, EventsPublished: published.length }]);
    expectContractShape(output.emf(), 'evaluator');
    const [coldStart] = output.emf().filter((line) => 'ColdStart' in line);
    expect(coldStart).toMatchObject({ ColdStart: 1, service: 'evaluator', tenant, function_name: 'propdesk-test' });
    expect(output.logs().map((log) => log.message)).toEqual(['batch finished with accounts to retry']);
  });

  it('counts an account once however many of its records a failed quarantine reports', async () => {
    asDeployed();
    const output = captureOutput();
    const evaluator = new StreamEvaluator(
      {
        accounts: new MemoryAccounts(),
        history: new MemoryAccountHistory(),
        programs: { get: async () => program },
        publisher: { publish: async () => undefined },
        quarantine: { quarantine: async () => Promise.reject(new Error('queue unavailable')) },
        news: async () => NO_NEWS,
      },
      { tenant },
    );
    const bad = { payload: { type: 'snapshot' }, partitionKey: 'acc-9' };
    const response = await createEvaluatorHandler(evaluator, createPowertools('evaluator'))(kinesisEvent([bad, bad, bad]), context);
    expect(response.batchItemFailures).toHaveLength(3);
    expect(output.metrics()).toEqual([{ RecordsEvaluated: 3, RecordsQuarantined: 3, AccountsSaved: 0, AccountsRetried: 1, EventsPublished: 0 }]);
  });
});

describe('the ingest endpoint', () => {
  const secret = 'propdesk-example-secret-0123456789abcdef';
  const receivedAt = Date.parse('2026-03-02T09:00:30Z');
  const signedAt = Math.floor(receivedAt / 1000) - 2;
  const sourceIp = '198.51.100.77';
  const apiEvent = (body: string, signature = signPayload(secret, body, signedAt)): APIGatewayProxyEventV2 => ({
    version: '2.0',
    routeKey: '$default',
    rawPath: '/ingest/events',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'propdesk-signature': signature },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'ingest.acme-prop.example',
      domainPrefix: 'ingest',
      http: { method: 'POST', path: '/ingest/events', protocol: 'HTTP/1.1', sourceIp, userAgent: 'mt5-bridge/1.0' },
      requestId: 'request-1',
      routeKey: '$default',
      stage: '$default',
      time: '02/Mar/2026:09:00:30 +0000',
      timeEpoch: receivedAt,
    },
    body,
    isBase64Encoded: false,
  });
  // A trader's name in a field the schema refuses: it must reach neither the stream nor the logs.
  const trader = events({ tenant, accountId: '5210347' });
  const goodBody = JSON.stringify({ events: [trader.snapshot(receivedAt - 1000, { equity: 10_000_000 }), trader.snapshot(receivedAt, { equity: 10_000_100 })].map(toWire) });
  const badBody = JSON.stringify({ events: [{ ...toWire(trader.snapshot(receivedAt, { equity: 1 })), equity: 'Jane Doe jane.doe@example.com' }] });

  const stored: TradeEvent[] = [];
  const working: TradeStream = { put: async (list) => void stored.push(...list) };
  const down: TradeStream = { put: async () => Promise.reject(new Error('stream down')) };
  beforeEach(() => {
    stored.length = 0;
  });

  it.each([
    { case: 'an accepted request', stream: working, body: goodBody, signed: true, status: 202, counts: { EventsAccepted: 2, RequestsRejected: 0, RequestsFailed: 0 } },
    { case: 'an invalid event', stream: working, body: badBody, signed: true, status: 422, counts: { EventsAccepted: 0, RequestsRejected: 1, RequestsFailed: 0 } },
    { case: 'a bad signature', stream: working, body: goodBody, signed: false, status: 401, counts: { EventsAccepted: 0, RequestsRejected: 1, RequestsFailed: 0 } },
    { case: 'a stream that keeps refusing', stream: down, body: goodBody, signed: true, status: 503, counts: { EventsAccepted: 0, RequestsRejected: 0, RequestsFailed: 1 } },
  ])('counts $case', async ({ stream, body, signed, status, counts }) => {
    asDeployed();
    // An operator's switch for logging events must not reach request bodies.
    vi.stubEnv('POWERTOOLS_LOGGER_LOG_EVENT', 'true');
    const output = captureOutput();
    const handler = createIngestHandler({ stream, tenant, secrets: [secret], now: () => receivedAt, powertools: createPowertools('ingest') });
    const signature = signed ? signPayload(secret, body, signedAt) : signPayload('another-secret-of-at-least-32-characters', body, signedAt);
    const result = await handler(apiEvent(body, signature), context);
    expect(result.statusCode).toBe(status);
    expect(output.metrics()).toEqual([counts]);
    expectContractShape(output.emf(), 'ingest');
    // Nothing of the request in the logs: not its body, events, signature, sender or secret.
    for (const text of [body, signature, secret, sourceIp, 'mt5-bridge', 'Jane Doe', 'jane.doe', '10000100']) expect(output.text()).not.toContain(text);
  });

  it('counts its own fault as failed and answers it', async () => {
    asDeployed();
    const output = captureOutput();
    const handler = createIngestHandler({
      stream: working,
      tenant,
      secrets: [secret],
      now: () => {
        throw new Error('clock source gone');
      },
      powertools: createPowertools('ingest'),
    });
    expect((await handler(apiEvent(goodBody), context)).statusCode).toBe(500);
    expect(output.metrics()).toEqual([{ EventsAccepted: 0, RequestsRejected: 0, RequestsFailed: 1 }]);
    expect(output.logs()).toMatchObject([{ level: 'ERROR', message: 'ingest request failed', service: 'ingest' }]);
    expect(output.text()).not.toContain(secret);
  });

  it('takes its service name and namespace from the environment', async () => {
    asDeployed();
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'ingest-blue');
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'PropdeskStaging');
    const output = captureOutput();
    await createIngestHandler({ stream: working, tenant, secrets: [secret], now: () => receivedAt, powertools: createPowertools('ingest') })(apiEvent(goodBody), context);
    const [line] = output.emf().filter((each) => !('ColdStart' in each));
    expect(line).toMatchObject({ service: 'ingest-blue', tenant, _aws: { CloudWatchMetrics: [{ Namespace: 'PropdeskStaging' }] } });
  });
});

describe('the rollover', () => {
  it('counts the clock events it put', async () => {
    asDeployed();
    const accounts = new MemoryAccounts(['a-1', 'a-2', 'a-3'].map((accountId) => openAccount(program, { tenant, accountId, openedAt: opened })));
    const put: TradeEvent[] = [];
    const output = captureOutput();
    const rollover = createRolloverHandler(accounts, { put: async (list) => void put.push(...list) }, tenant, createPowertools('rollover'));
    expect(await rollover({ scheduledTime: '2026-03-02T23:00:00Z' }, context)).toMatchObject({ clocks: 3 });
    expect(put).toHaveLength(3);
    expect(output.metrics()).toEqual([{ ClockEventsPut: 3 }]);
    expectContractShape(output.emf(), 'rollover');
    expect(output.logs()).toMatchObject([{ message: 'day rollover put clock events', service: 'rollover', clocks: 3, function_request_id: 'request-1' }]);
  });
});

describe('outside Lambda', () => {
  const rollOver = (powertools: Powertools<'rollover'>) =>
    createRolloverHandler(new MemoryAccounts(), { put: async () => undefined }, tenant, powertools)({ scheduledTime: '2026-03-02T23:00:00Z' }, context);

  it('prints no metrics and traces nothing, as the local platform and the tests run the handlers', async () => {
    vi.stubEnv('AWS_EXECUTION_ENV', undefined);
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', undefined);
    vi.stubEnv('TENANT_ID', tenant);
    const output = captureOutput();
    const powertools = createPowertools('rollover');
    // X-Ray's SDK was never loaded: it would hook every promise of the process.
    expect(powertools.tracer).toBeUndefined();
    expect((process as { namespaces?: Record<string, unknown> }).namespaces?.['AWSXRay']).toBeUndefined();
    await rollOver(powertools);
    expect(output.emf()).toEqual([]);
  });

  it('publishes metrics in Lambda', async () => {
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs22.x');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', undefined);
    vi.stubEnv('TENANT_ID', tenant);
    // Tracing on would patch this process's HTTP modules; its own switch is Powertools'.
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'false');
    const output = captureOutput();
    await rollOver(createPowertools('rollover'));
    expect(output.metrics()).toEqual([{ ClockEventsPut: 0 }]);
  });

  it('gives a function without metrics of its own its logs, and neither metrics nor warnings', async () => {
    asDeployed();
    const output = captureOutput();
    const { logger, middlewares, count } = createPowertools('other');
    count({});
    await middy<unknown, void>()
      .use(middlewares)
      .handler(async () => logger.info('handled'))({}, context);
    expect(output.logs()).toMatchObject([{ level: 'INFO', message: 'handled', service: 'other' }]);
    expect(output.emf()).toEqual([]);
  });

  it('the contract the alarms depend on', () => {
    expect(METRICS).toEqual({
      evaluator: ['RecordsEvaluated', 'RecordsQuarantined', 'AccountsSaved', 'AccountsRetried', 'EventsPublished'],
      ingest: ['EventsAccepted', 'RequestsRejected', 'RequestsFailed'],
      rollover: ['ClockEventsPut'],
      callbacks: ['AnswersResumed', 'AnswersLate', 'AnswersInvalid'],
      detectors: ['TradesJudged', 'IdentitiesObserved', 'FlagsRaised', 'AlertsRaised', 'InvalidRecords', 'RecordsRetried'],
    });
  });
});
