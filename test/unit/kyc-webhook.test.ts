/**
 * The KYC webhook on doubles: Sumsub-shaped webhooks signed by the fake provider, verified and read by
 * the real Sumsub adapter, applied to a case in memory, and the workflow's parked task resumed.
 */
import { Buffer } from 'node:buffer';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createKycWebhookHandler, readEnvironment } from '../../functions/kyc-webhook/handler.js';
import { createPowertools } from '../../functions/powertools.js';
import { FakeKycProvider, LOCAL_ONLY_FAKE_KYC_WEBHOOK_SECRET, type FakeWebhook } from '../../shared/adapters/kyc/fake-provider.js';
import { DIGEST_HEADER, sumsubDecisionOf, sumsubDigest, verifySumsubWebhook } from '../../shared/adapters/kyc/sumsub.js';
import type { StoredKycCase } from '../../shared/ports/kyc-cases.js';
import { applicantCreated, recordReminder, startCase, type KycCase } from '../../shared/workflows/kyc.js';
import { KycWebhook, kycTokenId, MAX_SAVE_ATTEMPTS, type KycWebhookPorts } from '../../shared/workflows/kyc-webhook.js';
import { MemoryKycCaseStore } from '../support/kyc-doubles.js';
import { MemoryTaskTokenStore, RecordingTaskCallbacks } from '../support/workflow-doubles.js';

const TRADER = 'trd-lena';
const opened = Date.parse('2026-03-02T09:00:00Z');
const decidedAt = Date.parse('2026-03-03T14:30:00.250Z');
const provider = new FakeKycProvider();

/** Lets `conflicts` saves fail as if another writer saved first: the writer records a reminder, then the save conflicts. */
class InterferingKycCaseStore extends MemoryKycCaseStore {
  saves = 0;
  constructor(public conflicts: number) {
    super();
  }

  override async save(kycCase: KycCase, version: number | null): Promise<'saved' | 'conflict'> {
    this.saves++;
    if (this.conflicts > 0) {
      this.conflicts--;
      const current = this.cases.get(kycCase.traderId)!;
      await super.save(recordReminder(current.case, (current.case.lastReminderAt ?? opened) + 3_600_000).case, current.version);
    }
    return super.save(kycCase, version);
  }
}

function setUp(cases = new MemoryKycCaseStore()) {
  const tokens = new MemoryTaskTokenStore();
  const callbacks = new RecordingTaskCallbacks();
  const ports: KycWebhookPorts = {
    cases,
    tokens,
    callbacks,
    verify: (rawBody, headers) => verifySumsubWebhook(rawBody, headers, LOCAL_ONLY_FAKE_KYC_WEBHOOK_SECRET),
    decisionOf: sumsubDecisionOf,
  };
  return { cases, tokens, callbacks, webhook: new KycWebhook(ports) };
}

/** The trader's case as the KYC workflow leaves it: opened, the fake provider's applicant created, then saved. */
async function pendingCase(cases: MemoryKycCaseStore, traderId = TRADER): Promise<KycCase> {
  const { applicantId } = await provider.createApplicant({ traderId, email: 'lena@example.com', name: 'Lena Hartmann' });
  const kycCase = applicantCreated(startCase(traderId, provider.name, opened).case, applicantId, opened + 1000).case;
  expect(await cases.save(kycCase, null)).toBe('saved');
  return kycCase;
}

const stored = async (cases: MemoryKycCaseStore, traderId = TRADER): Promise<StoredKycCase> => (await cases.load(traderId))!;
const receive = (webhook: KycWebhook, { rawBody, headers }: FakeWebhook) => webhook.receive(rawBody, headers);

describe('the KYC webhook', () => {
  it('applies an approval and resumes the parked task with the outcome, then discards its token', async () => {
    const { cases, tokens, callbacks, webhook } = setUp();
    await pendingCase(cases);
    await tokens.save(kycTokenId(TRADER), 'token-kyc', opened + 86_400_000);

    expect(await receive(webhook, provider.webhookFor(TRADER, 'approved', decidedAt))).toEqual({
      status: 200,
      outcome: 'applied',
      reason: 'approved by sumsub',
      traderId: TRADER,
      workflow: 'resumed',
    });
    const after = await stored(cases);
    expect(after.version).toBe(2);
    expect(after.case).toMatchObject({ status: 'approved', updatedAt: decidedAt, decisions: [{ outcome: 'approved', reasons: [], decidedAt }] });
    expect(callbacks.calls).toEqual([{ kind: 'succeed', token: 'token-kyc', output: { outcome: 'approved', reasons: [], status: 'approved' } }]);
    expect(await tokens.find(kycTokenId(TRADER))).toBeUndefined();
  });

  it('resumes a resubmission request with the provider’s reasons', async () => {
    const { cases, tokens, callbacks, webhook } = setUp();
    await pendingCase(cases);
    await tokens.save(kycTokenId(TRADER), 'token-kyc', opened + 86_400_000);
    const answer = await receive(webhook, provider.webhookFor(TRADER, 'resubmissionRequested', decidedAt, ['DOCUMENT_PAGE_MISSING']));
    expect(answer).toMatchObject({ status: 200, outcome: 'applied', workflow: 'resumed' });
    expect(callbacks.calls).toEqual([
      { kind: 'succeed', token: 'token-kyc', output: { outcome: 'resubmissionRequested', reasons: ['DOCUMENT_PAGE_MISSING'], status: 'resubmissionRequested' } },
    ]);
  });

  it('acknowledges a redelivery without changing the case or resuming anything again', async () => {
    const { cases, tokens, callbacks, webhook } = setUp();
    await pendingCase(cases);
    await tokens.save(kycTokenId(TRADER), 'token-kyc', opened + 86_400_000);
    const delivery = provider.webhookFor(TRADER, 'approved', decidedAt);
    await receive(webhook, delivery);
    const applied = await stored(cases);

    const again = await receive(webhook, delivery);
    expect(again).toMatchObject({ status: 200, outcome: 'ignored', traderId: TRADER, workflow: 'none' });
    expect(again.reason).toMatch(/already applied \(a redelivery\)/);
    expect(await stored(cases)).toEqual(applied);
    expect(callbacks.calls).toHaveLength(1);
  });

  it('resumes on redelivery a final verdict whose first delivery failed after the save', async () => {
    const { cases, tokens, callbacks, webhook } = setUp();
    await pendingCase(cases);
    await tokens.save(kycTokenId(TRADER), 'token-kyc', opened + 86_400_000);
    const delivery = provider.webhookFor(TRADER, 'rejected', decidedAt, ['FORGERY']);
    const succeed = vi.spyOn(callbacks, 'succeed').mockRejectedValueOnce(new Error('Step Functions throttled'));

    await expect(receive(webhook, delivery)).rejects.toThrow('Step Functions throttled');
    expect((await stored(cases)).case.status).toBe('rejected');
    expect(await tokens.find(kycTokenId(TRADER))).toBe('token-kyc');

    expect(await receive(webhook, delivery)).toMatchObject({ status: 200, outcome: 'ignored', workflow: 'resumed' });
    expect(succeed).toHaveBeenLastCalledWith('token-kyc', { outcome: 'rejected', reasons: ['FORGERY'], status: 'rejected' });
    expect(await tokens.find(kycTokenId(TRADER))).toBeUndefined();
  });

  it('does not resume on redelivery a resubmission request: the workflow may wait for the next decision', async () => {
    const { cases, tokens, callbacks, webhook } = setUp();
    await pendingCase(cases);
    const delivery = provider.webhookFor(TRADER, 'resubmissionRequested', decidedAt, ['BLURRY']);
    await receive(webhook, delivery);
    await tokens.save(kycTokenId(TRADER), 'token-next', opened + 86_400_000);
    const again = await receive(webhook, delivery);
    expect(again).toMatchObject({ status: 200, outcome: 'ignored' });
    expect(again).not.toHaveProperty('workflow');
    expect(callbacks.calls).toEqual([]);
    expect(await tokens.find(kycTokenId(TRADER))).toBe('token-next');
  });

  it('refuses a tampered body and a missing signature with 401, before reading anything', async () => {
    const { cases, callbacks, webhook } = setUp();
    await pendingCase(cases);
    const genuine = provider.webhookFor(TRADER, 'rejected', decidedAt);
    const tampered = { ...genuine, rawBody: genuine.rawBody.replace('"RED"', '"GREEN"') };
    expect(tampered.rawBody).not.toBe(genuine.rawBody);
    expect(await receive(webhook, tampered)).toEqual({ status: 401, outcome: 'refused', reason: 'mismatch' });
    const { [DIGEST_HEADER]: _digest, ...unsigned } = genuine.headers;
    expect(await receive(webhook, { ...genuine, headers: unsigned })).toEqual({ status: 401, outcome: 'refused', reason: 'missing' });
    expect(await receive(webhook, { ...genuine, headers: { ...genuine.headers, 'x-payload-digest-alg': 'MD5' } })).toEqual({ status: 401, outcome: 'refused', reason: 'unknownAlgorithm' });
    expect((await stored(cases)).version).toBe(1);
    expect(callbacks.calls).toEqual([]);
  });

  it('refuses a signed body that is not JSON, or not a webhook, with 400', async () => {
    const { webhook } = setUp();
    expect(await receive(webhook, signed('{"type": "applicantReviewed",'))).toEqual({ status: 400, outcome: 'refused', reason: 'the body is not JSON' });
    const answer = await receive(webhook, signed(JSON.stringify({ type: 'applicantReviewed', applicantId: 'a' })));
    expect(answer).toMatchObject({ status: 400, outcome: 'refused' });
    expect(answer.reason).toMatch(/inspectionId/);
    expect(await receive(webhook, signed('[]'))).toMatchObject({ status: 400, outcome: 'refused' });
  });

  it('acknowledges an event that is not a decision', async () => {
    const { cases, webhook } = setUp();
    await pendingCase(cases);
    const answer = await receive(webhook, signed(JSON.stringify({ type: 'applicantPending', applicantId: `fake-applicant-${TRADER}`, externalUserId: TRADER })));
    expect(answer).toEqual({ status: 200, outcome: 'ignored', reason: 'applicantPending is not a review decision' });
    expect((await stored(cases)).version).toBe(1);
  });

  it('acknowledges a decision for a trader without a case', async () => {
    const { cases, tokens, callbacks, webhook } = setUp();
    await tokens.save(kycTokenId('trd-unknown'), 'token-x', opened);
    expect(await receive(webhook, provider.webhookFor('trd-unknown', 'approved', decidedAt))).toEqual({
      status: 200,
      outcome: 'ignored',
      reason: 'no KYC case for trader trd-unknown',
      traderId: 'trd-unknown',
    });
    expect(await cases.load('trd-unknown')).toBeUndefined();
    expect(callbacks.calls).toEqual([]);
  });

  it('reloads and applies again when another writer saved first', async () => {
    const cases = new InterferingKycCaseStore(0);
    const { tokens, callbacks, webhook } = setUp(cases);
    await pendingCase(cases);
    cases.conflicts = 1;
    await tokens.save(kycTokenId(TRADER), 'token-kyc', opened + 86_400_000);
    expect(await receive(webhook, provider.webhookFor(TRADER, 'approved', decidedAt))).toMatchObject({ status: 200, outcome: 'applied', workflow: 'resumed' });
    expect(cases.saves).toBe(3); // the setup's, the conflicting one, the retry
    const after = await stored(cases);
    // The other writer's reminder is kept: the retry applied the decision to the case it reloaded.
    expect(after).toMatchObject({ version: 3, case: { status: 'approved', remindersSent: 1 } });
    expect(callbacks.calls).toHaveLength(1);
  });

  it('answers 503 when every save conflicts, resuming nothing', async () => {
    const cases = new InterferingKycCaseStore(0);
    const { tokens, callbacks, webhook } = setUp(cases);
    await pendingCase(cases);
    await tokens.save(kycTokenId(TRADER), 'token-kyc', opened + 86_400_000);
    cases.conflicts = Number.POSITIVE_INFINITY;
    const answer = await receive(webhook, provider.webhookFor(TRADER, 'approved', decidedAt));
    expect(answer).toMatchObject({ status: 503, outcome: 'busy', traderId: TRADER });
    expect(cases.saves).toBe(1 + MAX_SAVE_ATTEMPTS);
    expect(MAX_SAVE_ATTEMPTS).toBe(4);
    expect((await stored(cases)).case.status).toBe('pending');
    expect(callbacks.calls).toEqual([]);
    expect(await tokens.find(kycTokenId(TRADER))).toBe('token-kyc');
  });

  it('applies a decision nobody waits for, resuming nothing', async () => {
    const { cases, callbacks, webhook } = setUp();
    await pendingCase(cases);
    expect(await receive(webhook, provider.webhookFor(TRADER, 'approved', decidedAt))).toMatchObject({ status: 200, outcome: 'applied', workflow: 'none' });
    expect((await stored(cases)).case.status).toBe('approved');
    expect(callbacks.calls).toEqual([]);
  });

  it('discards a parked token whose task no longer waits', async () => {
    const { cases, tokens, callbacks, webhook } = setUp();
    await pendingCase(cases);
    await tokens.save(kycTokenId(TRADER), 'token-timed-out', opened);
    callbacks.waiting = false;
    expect(await receive(webhook, provider.webhookFor(TRADER, 'approved', decidedAt))).toMatchObject({ status: 200, outcome: 'applied', workflow: 'late' });
    expect(callbacks.calls).toHaveLength(1);
    expect(await tokens.find(kycTokenId(TRADER))).toBeUndefined();
  });
});

/** A body signed as the fake provider signs its webhooks. */
function signed(rawBody: string): FakeWebhook {
  const { headers } = provider.webhookFor(TRADER, 'approved', decidedAt);
  return { rawBody, headers: { ...headers, [DIGEST_HEADER]: sumsubDigestOf(rawBody) } };
}

const sumsubDigestOf = (rawBody: string) => sumsubDigest(rawBody, LOCAL_ONLY_FAKE_KYC_WEBHOOK_SECRET, 'HMAC_SHA256_HEX');

const context = { functionName: 'propdesk-kyc-webhook', awsRequestId: 'request-1' } as Context;

/** An HTTP API payload v2 event as API Gateway sends it for POST /webhooks/kyc. */
const httpEvent = (body: string, headers: Record<string, string>, isBase64Encoded = false) =>
  ({
    version: '2.0',
    routeKey: 'POST /webhooks/kyc',
    rawPath: '/webhooks/kyc',
    rawQueryString: '',
    headers,
    body,
    isBase64Encoded,
    requestContext: { http: { method: 'POST', path: '/webhooks/kyc' }, stage: '$default' },
  }) as unknown as APIGatewayProxyEventV2;

describe('the KYC webhook Lambda', () => {
  let written: string[];

  beforeEach(() => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
    written = [];
    const capture = (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  const logs = () =>
    written
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it('decodes a base64 body, answers the outcome as JSON, and logs one line without the body', async () => {
    const { cases, tokens, callbacks, webhook } = setUp();
    await pendingCase(cases);
    await tokens.save(kycTokenId(TRADER), 'token-kyc', opened + 86_400_000);
    const handler = createKycWebhookHandler(webhook, createPowertools('kyc-webhook'));
    const { rawBody, headers } = provider.webhookFor(TRADER, 'approved', decidedAt);
    const upperCased = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toUpperCase(), value]));

    const result = await handler(httpEvent(Buffer.from(rawBody).toString('base64'), upperCased, true), context);
    expect(result).toEqual({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outcome: 'applied', reason: 'approved by sumsub' }) });
    expect(callbacks.calls).toHaveLength(1);
    const lines = logs();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'INFO', status: 200, outcome: 'applied', traderId: TRADER, workflow: 'resumed' });
    expect(written.join('')).not.toContain('fake-inspection');
    expect(written.join('')).not.toContain(headers[DIGEST_HEADER]);
  });

  it('maps each answer onto its status', async () => {
    const { cases, webhook } = setUp();
    await pendingCase(cases);
    const handler = createKycWebhookHandler(webhook, createPowertools('kyc-webhook'));
    const { rawBody, headers } = provider.webhookFor(TRADER, 'approved', decidedAt);
    const answer = async (event: APIGatewayProxyEventV2) => {
      const { statusCode, body } = await handler(event, context);
      return { statusCode, body: JSON.parse(body as string) as unknown };
    };
    expect(await answer(httpEvent(`${rawBody} `, headers))).toEqual({ statusCode: 401, body: { outcome: 'refused', reason: 'mismatch' } });
    // Not decoded, the base64 text would not verify.
    expect(await answer(httpEvent(Buffer.from(rawBody).toString('base64'), headers))).toEqual({ statusCode: 401, body: { outcome: 'refused', reason: 'mismatch' } });
    const notJson = signed('not json');
    expect(await answer(httpEvent(notJson.rawBody, notJson.headers))).toEqual({ statusCode: 400, body: { outcome: 'refused', reason: 'the body is not JSON' } });
    expect(await answer(httpEvent(rawBody, headers))).toEqual({ statusCode: 200, body: { outcome: 'applied', reason: 'approved by sumsub' } });
    expect(await answer(httpEvent(rawBody, headers))).toMatchObject({ statusCode: 200, body: { outcome: 'ignored' } });
    expect(logs().map((line) => line['level'])).toEqual(['WARN', 'WARN', 'WARN', 'INFO', 'INFO']);
  });

  it('answers 500 without the cause when a port fails, so the provider delivers again', async () => {
    const cases = new MemoryKycCaseStore();
    const { webhook } = setUp(Object.assign(cases, { load: async () => Promise.reject(new Error('table gone: arn:aws:dynamodb:secret-internals')) }));
    const handler = createKycWebhookHandler(webhook, createPowertools('kyc-webhook'));
    const { rawBody, headers } = provider.webhookFor(TRADER, 'approved', decidedAt);
    const result = await handler(httpEvent(rawBody, headers), context);
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body as string)).toMatchObject({ outcome: 'failed' });
    expect(result.body).not.toContain('secret-internals');
    expect(logs()).toEqual([expect.objectContaining({ level: 'ERROR', message: 'KYC webhook failed' })]);
  });
});

describe('the KYC webhook environment', () => {
  const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:propdesk-acme-prop-kyc-webhook-AbCdEf';
  const base = { TENANT_ID: 'acme-prop', TABLE_NAME: 'propdesk-acme-prop' };
  const client = new SecretsManagerClient({ region: 'eu-west-1' });
  const secretsManager = mockClient(client);
  const provider = () => new SecretsProvider({ awsSdkV3Client: client });

  beforeEach(() => {
    secretsManager.reset();
  });

  it('takes the secret from KYC_WEBHOOK_SECRET locally', async () => {
    const { tableName, secret } = readEnvironment({ ...base, KYC_WEBHOOK_SECRET: LOCAL_ONLY_FAKE_KYC_WEBHOOK_SECRET }, provider());
    expect(tableName).toBe('propdesk-acme-prop');
    expect(await secret()).toBe(LOCAL_ONLY_FAKE_KYC_WEBHOOK_SECRET);
  });

  const providerSecret = (webhookSecret: string) => JSON.stringify({ appToken: 'app-token', secretKey: 'secret-key', webhookSecret });

  it('reads the webhook secret from the KYC provider secret once per five minutes when deployed', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: providerSecret('sumsub-webhook-secret-0123456789') });
    const { secret } = readEnvironment({ ...base, KYC_WEBHOOK_SECRET_ARN: SECRET_ARN }, provider());
    expect(await secret()).toBe('sumsub-webhook-secret-0123456789');
    expect(await secret()).toBe('sumsub-webhook-secret-0123456789');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('refuses the public fake secret in Secrets Manager, naming the secret but not its value', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: providerSecret(LOCAL_ONLY_FAKE_KYC_WEBHOOK_SECRET) });
    const { secret } = readEnvironment({ ...base, KYC_WEBHOOK_SECRET_ARN: SECRET_ARN }, provider());
    const error = await secret().catch((caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(SECRET_ARN);
    expect((error as Error).message).not.toContain(LOCAL_ONLY_FAKE_KYC_WEBHOOK_SECRET);
  });

  it('refuses a provider secret without a webhookSecret', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ appToken: 'a', secretKey: 'b' }) });
    const { secret } = readEnvironment({ ...base, KYC_WEBHOOK_SECRET_ARN: SECRET_ARN }, provider());
    await expect(secret()).rejects.toThrow(/must be JSON with a non-empty webhookSecret/);
  });

  it('wants exactly one of the two secret variables', () => {
    expect(() => readEnvironment(base, provider())).toThrow(/exactly one must be set/);
    expect(() => readEnvironment({ ...base, KYC_WEBHOOK_SECRET: 's', KYC_WEBHOOK_SECRET_ARN: SECRET_ARN }, provider())).toThrow(/exactly one must be set/);
    expect(() => readEnvironment({ ...base, KYC_WEBHOOK_SECRET_ARN: 'not-an-arn' }, provider())).toThrow(/KYC_WEBHOOK_SECRET_ARN: must be the ARN/);
  });
});
