/**
 * The deployed ingest function's signing secrets: read from the Secrets Manager secret INGEST_SECRETS_ARN
 * names, through Powertools' SecretsProvider with a five-minute cache, every value of its JSON object
 * accepted. A secret that cannot be read or is malformed answers 503 and logs what is wrong, never a value.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIngestHandler, readEnvironment, SECRET_MAX_AGE_SECONDS, type IngestHandler } from '../../functions/ingest/handler.js';
import { createPowertools } from '../../functions/powertools.js';
import { toWire, type TradeEvent } from '../../shared/domain/events.js';
import { signPayload } from '../../shared/ingest/signature.js';
import { events } from '../support/events.js';

const tenant = 'acme-prop';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:propdesk-acme-prop-ingest-AbCdEf';
const current = 'current-secret-0123456789abcdef0123456789abcdef';
const previous = 'previous-secret-fedcba9876543210fedcba9876543210';
const env = { TENANT_ID: tenant, TRADE_STREAM_NAME: 'propdesk-trades', INGEST_SECRETS_ARN: SECRET_ARN };
const context = { functionName: 'propdesk-ingest', awsRequestId: 'request-1' } as Context;

const body = JSON.stringify({ events: [toWire(events({ tenant, accountId: '5210347' }).snapshot('2026-03-02T09:00:00Z', { equity: 10_000_000 }))] });
function signed(secret: string): APIGatewayProxyEventV2 {
  return {
    rawPath: '/ingest/events',
    headers: { 'content-type': 'application/json', 'propdesk-signature': signPayload(secret, body, Math.floor(Date.now() / 1000)) },
    requestContext: { http: { method: 'POST' }, stage: '$default' },
    body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

describe('ingest secrets from Secrets Manager', () => {
  const client = new SecretsManagerClient({ region: 'eu-west-1' });
  const secretsManager = mockClient(client);
  const stored: TradeEvent[] = [];
  let written: string[];
  let ingest: IngestHandler;

  const holds = (value: unknown) => secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: JSON.stringify(value) });
  const statusOf = async (secret: string) => (await ingest(signed(secret), context)).statusCode;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-03-02T09:00:00Z'));
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
    secretsManager.reset();
    stored.length = 0;
    written = [];
    const capture = (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    // A new provider per test: an empty cache, as in a new execution environment.
    const { secrets } = readEnvironment(env, new SecretsProvider({ awsSdkV3Client: client }));
    ingest = createIngestHandler({ stream: { put: async (list) => void stored.push(...list) }, tenant, secrets, now: Date.now, powertools: createPowertools('ingest') });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('accepts requests signed with the secret it holds, reading it once for five minutes', async () => {
    holds({ current });
    expect(await statusOf(current)).toBe(202);
    expect(await statusOf(current)).toBe(202);
    expect(await statusOf(previous)).toBe(401);
    expect(stored).toHaveLength(2);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: SECRET_ARN });
  });

  it('accepts every value during a rotation, and sees the secret change within five minutes', async () => {
    holds({ current: previous });
    expect(await statusOf(previous)).toBe(202);
    holds({ current, previous });
    vi.setSystemTime(Date.now() + (SECRET_MAX_AGE_SECONDS - 1) * 1000);
    expect(await statusOf(current)).toBe(401);
    vi.setSystemTime(Date.now() + 2000);
    expect(await statusOf(current)).toBe(202);
    expect(await statusOf(previous)).toBe(202);
    expect(await statusOf('a-secret-nobody-was-given-0123456789abcdef')).toBe(401);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('answers 503, safe to resend, when the secret cannot be read, and reads it again on the next request', async () => {
    secretsManager.on(GetSecretValueCommand).rejectsOnce(new Error('AccessDeniedException: not authorized to perform secretsmanager:GetSecretValue')).resolves({ SecretString: JSON.stringify({ current }) });
    const refused = await ingest(signed(current), context);
    expect(refused).toMatchObject({ statusCode: 503, headers: { 'retry-after': '5', 'content-type': 'application/problem+json' } });
    expect(stored).toEqual([]);
    expect(written.join('')).toContain('signing secrets could not be read');
    expect(await statusOf(current)).toBe(202);
  });

  it.each([
    { case: 'not JSON', value: `${current}`, problem: 'must be a JSON object whose values are the secrets' },
    { case: 'a JSON array', value: JSON.stringify([current]), problem: 'must be a JSON object whose values are the secrets' },
    { case: 'a short value', value: JSON.stringify({ current, previous: 'short-0123' }), problem: 'previous: each secret must be at least 32 characters' },
    { case: 'a value that is not a string', value: JSON.stringify({ current, previous: 4242424242 }), problem: 'previous: Invalid input: expected string' },
    { case: 'no value', value: '{}', problem: 'must hold at least one secret' },
  ])('answers 503 and says what is wrong with a secret holding $case, without its content', async ({ value, problem }) => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: value });
    const { secrets } = readEnvironment(env, new SecretsProvider({ awsSdkV3Client: client }));
    const read = typeof secrets === 'function' ? secrets() : expect.fail('INGEST_SECRETS_ARN must give a secret read on demand');
    await expect(read).rejects.toThrow(`ingest secret ${SECRET_ARN}: ${problem}`);
    expect((await ingest(signed(current), context)).statusCode).toBe(503);
    const output = written.join('');
    expect(output).toContain(problem);
    for (const text of [current, 'short-0123', '4242424242', body]) expect(output).not.toContain(text);
  });

  it.each([
    { case: 'both sources', extra: { INGEST_SECRETS: JSON.stringify([current]) }, without: [], message: /INGEST_SECRETS, INGEST_SECRETS_ARN: exactly one must be set/ },
    { case: 'neither source', extra: {}, without: ['INGEST_SECRETS_ARN'], message: /INGEST_SECRETS, INGEST_SECRETS_ARN: exactly one must be set/ },
    { case: 'a secret name for an ARN', extra: { INGEST_SECRETS_ARN: 'propdesk-ingest' }, without: [], message: /INGEST_SECRETS_ARN: must be the ARN of a Secrets Manager secret/ },
  ])('refuses to start with $case', ({ extra, without, message }) => {
    const variables: NodeJS.ProcessEnv = { ...env, ...extra };
    for (const name of without) delete variables[name];
    expect(() => readEnvironment(variables, new SecretsProvider({ awsSdkV3Client: client }))).toThrow(message);
    expect(secretsManager).not.toHaveReceivedAnyCommand();
  });
});
