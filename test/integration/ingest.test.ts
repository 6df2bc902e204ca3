import { PutRecordsCommand, type PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIngestHandler, readEnvironment, type IngestHandler } from '../../functions/ingest/handler.js';
import { KinesisTradeStream } from '../../shared/adapters/kinesis/trade-stream.js';
import { isBridgeEvent, toWire, TradeEvent } from '../../shared/domain/events.js';
import { signPayload } from '../../shared/ingest/signature.js';
import type { TradeStream } from '../../shared/ports/trade-stream.js';
import { decodeRecord } from '../../shared/stream/decode-record.js';
import { events } from '../support/events.js';
import { startKinesis, type LocalKinesis } from '../support/kinesalite.js';

const tenant = 'acme-prop';
const secret = 'propdesk-example-secret-0123456789abcdef';
const receivedAt = Date.parse('2026-03-02T09:00:30Z');
const signedAt = Math.floor(receivedAt / 1000) - 2;

/** Three accounts' events interleaved, four each (seq 1..4), as a bridge serving several accounts sends them. */
function interleaved(): TradeEvent[] {
  const accounts = ['5210347', '5210348', '5210349'].map((accountId) => ({ accountId, make: events({ tenant, accountId }) }));
  const list: TradeEvent[] = [];
  const start = Date.parse('2026-03-02T09:00:00Z');
  for (let step = 0; step < 4; step++) {
    for (const { make } of accounts) {
      const time = start + step * 1000;
      list.push(step === 1 ? make.deal(time, { positionId: 'p-1', symbol: 'EURUSD', side: 'buy', volume: 10_000, entry: 'in' }) : make.snapshot(time, { equity: 10_000_000 - step }));
    }
  }
  return list;
}

function apiEvent(body: string, { path = '/ingest/events', stage = '$default', signature = signPayload(secret, body, signedAt) } = {}): APIGatewayProxyEventV2 {
  const rawPath = stage === '$default' ? path : `/${stage}${path}`;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'propdesk-signature': signature, 'content-length': String(Buffer.byteLength(body)) },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'ingest.acme-prop.example',
      domainPrefix: 'ingest',
      http: { method: 'POST', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.10', userAgent: 'mt5-bridge/1.0' },
      requestId: 'request-1',
      routeKey: '$default',
      stage,
      time: '02/Mar/2026:09:00:30 +0000',
      timeEpoch: receivedAt,
    },
    body,
    isBase64Encoded: false,
  };
}

const context: Context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'propdesk-ingest',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:propdesk-ingest',
  memoryLimitInMB: '512',
  awsRequestId: 'request-1',
  logGroupName: '/aws/lambda/propdesk-ingest',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

const platformSample = (path: string): unknown => JSON.parse(readFileSync(new URL(`../../events/samples/platforms/${path}`, import.meta.url), 'utf8'));

const bodyOf = (list: readonly TradeEvent[]) => JSON.stringify({ events: list.map(toWire) });
const problemOf = (result: APIGatewayProxyStructuredResultV2) => JSON.parse(result.body ?? '') as { type: string; detail: string };

/** Each account's seq numbers in stream order, read back through the stream evaluator's decoder. */
async function storedSeqs(kinesis: LocalKinesis): Promise<Map<string, number[]>> {
  const byAccount = new Map<string, number[]>();
  for (const record of await kinesis.readAll()) {
    const decoded = decodeRecord(record, tenant);
    if (!decoded.ok) return expect.fail(decoded.quarantined.reason);
    const { event } = decoded;
    if (!isBridgeEvent(event)) return expect.fail(`a ${event.type} event on the stream`);
    byAccount.set(event.accountId, [...(byAccount.get(event.accountId) ?? []), event.seq]);
  }
  return byAccount;
}

const sentSeqs = (list: readonly TradeEvent[]) =>
  new Map(['5210347', '5210348', '5210349'].map((accountId) => [accountId, list.flatMap((event) => (event.accountId === accountId && isBridgeEvent(event) ? [event.seq] : []))]));

/**
 * The client's send with PutRecords answering as Kinesis does under throttling: on the first call the
 * entries at even indexes are refused (not stored), the others stored. Later calls go through.
 */
function throttledOnce(kinesis: LocalKinesis) {
  let calls = 0;
  const send = async (command: PutRecordsCommand): Promise<PutRecordsCommandOutput> => {
    calls++;
    if (calls > 1) return kinesis.client.send(command);
    const records = command.input.Records ?? [];
    const stored = await kinesis.client.send(new PutRecordsCommand({ ...command.input, Records: records.filter((_, index) => index % 2 === 1) }));
    const storedResults = [...(stored.Records ?? [])];
    const results = records.map((_, index) => (index % 2 === 1 ? storedResults.shift()! : { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' }));
    return { ...stored, FailedRecordCount: results.filter((result) => 'ErrorCode' in result).length, Records: results };
  };
  return { send, calls: () => calls };
}

describe('ingest handler against kinesalite', () => {
  let kinesis: LocalKinesis;
  let ingest: IngestHandler;
  beforeEach(async () => {
    kinesis = await startKinesis();
    ingest = createIngestHandler({ stream: new KinesisTradeStream(kinesis.client, kinesis.streamName), tenant, secrets: [secret], now: () => receivedAt });
  });
  afterEach(async () => {
    await kinesis.close();
  });

  it('puts every accepted event on the stream under its account id, each account in seq order, and answers 202', async () => {
    const sent = interleaved();
    const result = await ingest(apiEvent(bodyOf(sent)), context);
    expect(result).toEqual({ statusCode: 202, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accepted: 12 }) });
    // decodeRecord quarantines a record whose partition key is not its account id.
    expect(await storedSeqs(kinesis)).toEqual(sentSeqs(sent));
  });

  it.each([
    { platform: 'mt5', fixture: 'mt5/buy-open' },
    { platform: 'ctrader', fixture: 'ctrader/fill-open' },
  ])('puts the events of the $platform webhook $fixture on the stream', async ({ platform, fixture }) => {
    const handler = createIngestHandler({
      stream: new KinesisTradeStream(kinesis.client, kinesis.streamName),
      tenant,
      secrets: [secret],
      now: () => receivedAt,
      platformContext: { ctraderSymbols: new Map([['1', { name: 'EURUSD', lotSize: 10_000_000 }]]) },
    });
    const expected = (platformSample(`${fixture}.expected.json`) as unknown[]).map((event) => TradeEvent.parse(event));
    const result = await handler(apiEvent(JSON.stringify(platformSample(`${fixture}.json`)), { path: `/ingest/${platform}` }), context);
    expect(result).toMatchObject({ statusCode: 202, body: JSON.stringify({ accepted: expected.length }) });
    const stored = (await kinesis.readAll()).map((record) => decodeRecord(record, tenant));
    expect(stored.map((decoded) => (decoded.ok ? decoded.event : expect.fail(decoded.quarantined.reason)))).toEqual(expected);
  });

  it('routes the same under a named API stage', async () => {
    const result = await ingest(apiEvent(bodyOf(interleaved()), { stage: 'prod' }), context);
    expect(result.statusCode).toBe(202);
  });

  it.each([
    { case: 'one invalid event at the end', status: 422, list: () => [...interleaved(), { ...toWire(interleaved()[0]!), seq: 99, volume: 'lots' }] },
    { case: "another tenant's event", status: 422, list: () => [...interleaved().map(toWire), toWire(events({ tenant: 'other-firm', accountId: '9' }).snapshot(receivedAt, { equity: 1 }))] },
    { case: 'more events than the limit', status: 413, list: () => Array.from({ length: 501 }, (_, index) => toWire(events({ tenant, accountId: '5210347', startSeq: index + 1 }).snapshot(receivedAt, { equity: 1 }))) },
  ])('writes nothing at all for a batch with $case', async ({ status, list }) => {
    const result = await ingest(apiEvent(JSON.stringify({ events: list() })), context);
    expect(result.statusCode).toBe(status);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(await kinesis.readAll()).toEqual([]);
  });

  it('writes nothing for a request signed with another secret', async () => {
    const body = bodyOf(interleaved());
    const result = await ingest(apiEvent(body, { signature: signPayload('not-the-endpoint-secret-0123456789abcdef', body, signedAt) }), context);
    expect(result.statusCode).toBe(401);
    expect(await kinesis.readAll()).toEqual([]);
  });

  it('retries the entries PutRecords refused, so every event lands exactly once and in order', async () => {
    const throttled = throttledOnce(kinesis);
    // The adapter sends only PutRecordsCommand, which is all the wrapper implements.
    const stream = new KinesisTradeStream(throttled as never, kinesis.streamName, async () => undefined);
    const sent = interleaved();
    const result = await createIngestHandler({ stream, tenant, secrets: [secret], now: () => receivedAt })(apiEvent(bodyOf(sent)), context);
    expect(result.statusCode).toBe(202);
    expect(throttled.calls()).toBe(5); // four rounds, and one retry of the first round's refused entries
    expect(await storedSeqs(kinesis)).toEqual(sentSeqs(sent));
  });

  it('answers 503 with Retry-After when the stream keeps refusing, and resending the whole request is then safe', async () => {
    let storeFirstRoundOnly = true;
    const failing = {
      send: async (command: PutRecordsCommand): Promise<PutRecordsCommandOutput> => {
        const records = command.input.Records ?? [];
        if (storeFirstRoundOnly) {
          storeFirstRoundOnly = false;
          return kinesis.client.send(command);
        }
        return { $metadata: {}, FailedRecordCount: records.length, Records: records.map(() => ({ ErrorCode: 'InternalFailure', ErrorMessage: 'down' })) };
      },
    };
    const sent = interleaved();
    const handler = createIngestHandler({ stream: new KinesisTradeStream(failing as never, kinesis.streamName, async () => undefined), tenant, secrets: [secret], now: () => receivedAt });
    const refused = await handler(apiEvent(bodyOf(sent)), context);
    expect(refused).toMatchObject({ statusCode: 503, headers: { 'retry-after': '5', 'content-type': 'application/problem+json' } });
    expect(problemOf(refused).detail).toMatch(/Resend the whole request/);

    expect((await ingest(apiEvent(bodyOf(sent)), context)).statusCode).toBe(202);
    // The first round is on the stream twice; the reducer skips a seq it already applied, so what it applies is each account's events once, in order.
    const applied = new Map([...(await storedSeqs(kinesis))].map(([accountId, seqs]) => [accountId, seqs.filter((seq, index) => seqs.slice(0, index).every((earlier) => earlier < seq))]));
    expect(applied).toEqual(sentSeqs(sent));
  });

  it('answers a fault of its own with a 500 problem that says nothing of the cause', async () => {
    const broken: TradeStream = { put: async () => undefined };
    const handler = createIngestHandler({
      stream: broken,
      tenant,
      secrets: [secret],
      now: () => {
        throw new Error('clock source gone: internal detail');
      },
    });
    const result = await handler(apiEvent(bodyOf(interleaved())), context);
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toMatch(/internal detail/);
    expect(problemOf(result).type).toBe('urn:propdesk:problem:internal-error');
  });
});

describe('readEnvironment', () => {
  const env = { TENANT_ID: tenant, TRADE_STREAM_NAME: 'propdesk-trades', INGEST_SECRETS: JSON.stringify([secret, 'propdesk-previous-secret-fedcba9876543210']) };
  // Not read on this path: INGEST_SECRETS_ARN is tested in test/unit/ingest-secrets-manager.test.ts.
  const secretsManager = new SecretsProvider();

  it('reads INGEST_SECRETS as a JSON array of secrets', () => {
    expect(readEnvironment(env, secretsManager)).toEqual({ tenant, streamName: 'propdesk-trades', secrets: [secret, 'propdesk-previous-secret-fedcba9876543210'], platformContext: { ctraderSymbols: new Map() } });
  });

  it.each([
    { case: 'a comma list', secrets: `${secret},another-secret-0123456789abcdefghijkl`, message: /INGEST_SECRETS: must be a JSON array of strings/ },
    { case: 'a short secret', secrets: JSON.stringify(['short-secret']), message: /INGEST_SECRETS\.0: each secret must be at least 32 characters/ },
    { case: 'no secret', secrets: '[]', message: /INGEST_SECRETS: must hold at least one secret/ },
  ])('refuses $case without printing a secret', ({ secrets, message }) => {
    expect(() => readEnvironment({ ...env, INGEST_SECRETS: secrets }, secretsManager)).toThrow(message);
    expect(() => readEnvironment({ ...env, INGEST_SECRETS: secrets }, secretsManager)).not.toThrow(/secret-0123|short-secret/);
  });

  it('names every missing variable', () => {
    expect(() => readEnvironment({}, secretsManager)).toThrow(/TENANT_ID: .*; TRADE_STREAM_NAME: .*; INGEST_SECRETS, INGEST_SECRETS_ARN: exactly one must be set/);
  });
});
