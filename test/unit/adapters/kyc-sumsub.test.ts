import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fakePassportOf, FakeKycProvider, LOCAL_ONLY_FAKE_KYC_WEBHOOK_SECRET } from '../../../shared/adapters/kyc/fake-provider.js';
import { sumsubDecisionOf, SumsubProvider, verifySumsubWebhook, type SumsubDigestAlgorithm } from '../../../shared/adapters/kyc/sumsub.js';
import { applicantCreated, applyDecision, startCase, type KycDecision } from '../../../shared/workflows/kyc.js';

const webhookSecret = 'sumsub-webhook-secret-0123456789';
const reviewedAt = '2020-02-21 13:23:19.321';
const reviewedAtMs = Date.parse('2020-02-21T13:23:19.321Z');

type Fields = Record<string, unknown>;

/** An applicantReviewed webhook as Sumsub's documentation shows it, with `fields` replaced. */
const reviewed = (fields: Fields = {}): Fields => ({
  applicantId: '5cb56e8e0a975a35f333cb83',
  inspectionId: '5cb56e8e0a975a35f333cb84',
  correlationId: 'req-a260b669-4f14-4bb5-a4c5-ac0218acb9a4',
  externalUserId: 'trader-1',
  levelName: 'basic-kyc-level',
  type: 'applicantReviewed',
  reviewResult: { reviewAnswer: 'GREEN' },
  reviewStatus: 'completed',
  createdAtMs: reviewedAt,
  ...fields,
});

const hmacHex = (algorithm: string, secret: string, text: string): string => createHmac(algorithm, secret).update(text).digest('hex');

describe('verifySumsubWebhook', () => {
  const rawBody = JSON.stringify(reviewed());
  const signed = (algorithm: SumsubDigestAlgorithm, hash: string, body = rawBody) => ({
    'x-payload-digest': hmacHex(hash, webhookSecret, body),
    'x-payload-digest-alg': algorithm,
  });

  it.each([
    ['HMAC_SHA1_HEX', 'sha1'],
    ['HMAC_SHA256_HEX', 'sha256'],
    ['HMAC_SHA512_HEX', 'sha512'],
  ] as const)('accepts a %s digest of the raw body', (algorithm, hash) => {
    expect(verifySumsubWebhook(rawBody, signed(algorithm, hash), webhookSecret)).toEqual({ ok: true });
    expect(verifySumsubWebhook(Buffer.from(rawBody), signed(algorithm, hash), webhookSecret)).toEqual({ ok: true });
  });

  it('accepts the digest in upper-case hex', () => {
    const headers = signed('HMAC_SHA256_HEX', 'sha256');
    expect(verifySumsubWebhook(rawBody, { ...headers, 'x-payload-digest': headers['x-payload-digest'].toUpperCase() }, webhookSecret)).toEqual({ ok: true });
  });

  it('refuses a tampered body', () => {
    const tampered = rawBody.replace('GREEN', 'RED');
    expect(verifySumsubWebhook(tampered, signed('HMAC_SHA256_HEX', 'sha256'), webhookSecret)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses a digest made with another secret', () => {
    expect(verifySumsubWebhook(rawBody, signed('HMAC_SHA256_HEX', 'sha256'), 'another-secret')).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses a digest of another algorithm than the header names', () => {
    expect(verifySumsubWebhook(rawBody, { ...signed('HMAC_SHA256_HEX', 'sha256'), 'x-payload-digest-alg': 'HMAC_SHA512_HEX' }, webhookSecret)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it.each([
    { case: 'digest that is not hex', digest: 'zz'.repeat(32) },
    { case: 'truncated digest', digest: hmacHex('sha256', webhookSecret, rawBody).slice(0, 62) },
  ])('refuses a $case', ({ digest }) => {
    expect(verifySumsubWebhook(rawBody, { 'x-payload-digest': digest, 'x-payload-digest-alg': 'HMAC_SHA256_HEX' }, webhookSecret)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it.each([
    { case: 'no digest', headers: { 'x-payload-digest-alg': 'HMAC_SHA256_HEX' } },
    { case: 'an empty digest', headers: { 'x-payload-digest': '', 'x-payload-digest-alg': 'HMAC_SHA256_HEX' } },
    { case: 'no algorithm', headers: { 'x-payload-digest': hmacHex('sha256', webhookSecret, rawBody) } },
  ])('says "missing" for $case', ({ headers }) => {
    expect(verifySumsubWebhook(rawBody, headers, webhookSecret)).toEqual({ ok: false, reason: 'missing' });
  });

  it.each(['HMAC_MD5_HEX', 'hmac_sha256_hex', 'toString'])('refuses the unknown algorithm %s', (algorithm) => {
    expect(verifySumsubWebhook(rawBody, { 'x-payload-digest': hmacHex('sha256', webhookSecret, rawBody), 'x-payload-digest-alg': algorithm }, webhookSecret)).toEqual({
      ok: false,
      reason: 'unknownAlgorithm',
    });
  });
});

describe('sumsubDecisionOf', () => {
  const decided = (fields: Fields): KycDecision => {
    const result = sumsubDecisionOf(reviewed(fields));
    if (!result.ok || result.decision === null) throw new Error(JSON.stringify(result));
    return result.decision;
  };

  it('makes GREEN an approval, identified by applicant, inspection, type and time', () => {
    expect(sumsubDecisionOf(reviewed())).toEqual({
      ok: true,
      decision: {
        provider: 'sumsub',
        applicantId: '5cb56e8e0a975a35f333cb83',
        traderId: 'trader-1',
        outcome: 'approved',
        reasons: [],
        decidedAt: reviewedAtMs,
        eventId: `5cb56e8e0a975a35f333cb83:5cb56e8e0a975a35f333cb84:applicantReviewed:${reviewedAtMs}`,
      },
    });
  });

  it('reads an ISO createdAtMs as the same instant, so the event keeps its id', () => {
    expect(decided({ createdAtMs: '2020-02-21T13:23:19.321Z' })).toEqual(decided({}));
    expect(decided({ createdAtMs: '2020-02-21T15:23:19.321+02:00' }).decidedAt).toBe(reviewedAtMs);
  });

  it('makes RED with RETRY a resubmission request, with the labels and the moderation comment as reasons', () => {
    const decision = decided({
      reviewResult: {
        reviewAnswer: 'RED',
        reviewRejectType: 'RETRY',
        rejectLabels: ['UNSATISFACTORY_PHOTOS', 'SCREENSHOTS'],
        moderationComment: ' Please upload a photo of the whole document. ',
        clientComment: 'internal note',
      },
    });
    expect(decision.outcome).toBe('resubmissionRequested');
    expect(decision.reasons).toEqual(['UNSATISFACTORY_PHOTOS', 'SCREENSHOTS', 'Please upload a photo of the whole document.']);
  });

  it('makes RED with FINAL, or without a reject type, a rejection', () => {
    expect(decided({ reviewResult: { reviewAnswer: 'RED', reviewRejectType: 'FINAL', rejectLabels: ['FORGERY'] } })).toMatchObject({ outcome: 'rejected', reasons: ['FORGERY'] });
    expect(decided({ reviewResult: { reviewAnswer: 'RED' } })).toMatchObject({ outcome: 'rejected', reasons: [] });
  });

  it.each(['applicantPending', 'applicantCreated', 'applicantOnHold'])('finds no decision in %s', (type) => {
    expect(sumsubDecisionOf(reviewed({ type, reviewStatus: 'pending', reviewResult: undefined }))).toEqual({
      ok: true,
      decision: null,
      reason: `${type} is not a review decision`,
    });
  });

  it.each([
    { case: 'an unknown review answer', payload: reviewed({ reviewResult: { reviewAnswer: 'BLUE' } }), path: 'reviewResult.reviewAnswer' },
    { case: 'no review result', payload: reviewed({ reviewResult: undefined }), path: 'reviewResult' },
    { case: 'an unknown reject type', payload: reviewed({ reviewResult: { reviewAnswer: 'RED', reviewRejectType: 'SOFT' } }), path: 'reviewResult.reviewRejectType' },
    { case: 'a reject label that is not text', payload: reviewed({ reviewResult: { reviewAnswer: 'RED', rejectLabels: ['FORGERY', 7] } }), path: 'reviewResult.rejectLabels[1]' },
    { case: 'a time that is not one', payload: reviewed({ createdAtMs: '21/02/2020 13:23' }), path: 'createdAtMs' },
    { case: 'no trader', payload: reviewed({ externalUserId: undefined }), path: 'externalUserId' },
    { case: 'a review that is not completed', payload: reviewed({ reviewStatus: 'pending' }), path: 'reviewStatus' },
    { case: 'no type', payload: reviewed({ type: undefined }), path: 'type' },
    { case: 'a payload that is not an object', payload: null, path: '(payload)' },
  ])('refuses $case, naming $path', ({ payload, path }) => {
    const result = sumsubDecisionOf(payload);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(new RegExp(`^${path.replace(/[.[\]()]/g, '\\$&')}: `));
  });
});

interface Call {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A fetch that answers with `responses` in turn and records each request. */
function fetchStub(...responses: Response[]): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const stub = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push({ url: String(input), method: init?.method ?? 'GET', headers: { ...(init?.headers as Record<string, string>) }, body: init?.body as string | undefined });
    const response = responses.shift();
    if (response === undefined) throw new Error(`unexpected request ${String(input)}`);
    return response;
  };
  return { fetch: stub as typeof fetch, calls };
}

describe('SumsubProvider', () => {
  const secretKey = 'sumsub-secret-key-abcdef';
  /** 2026-03-02T07:00:15.789Z: the signature carries whole seconds. */
  const now = 1_772_434_815_789;
  const timestamp = '1772434815';
  const link = 'https://in.sumsub.com/websdk/p/sbx_uI2Kq';
  const provider = (fetch: typeof globalThis.fetch) =>
    new SumsubProvider({ baseUrl: 'https://api.sumsub.com/', appToken: 'sbx:app-token', secretKey, levelName: 'basic kyc', fetch, now: () => now });
  const request = { traderId: 'trader/1', email: 'lena.hartmann@example.com', name: 'Lena Hartmann' };

  const createPath = '/resources/applicants?levelName=basic%20kyc';
  const linkPath = '/resources/sdkIntegrations/levels/basic%20kyc/websdkLink?externalUserId=trader%2F1&ttlInSecs=604800';
  const expectSigned = (call: Call | undefined, method: string, path: string, body: string) => {
    expect(call?.url).toBe(`https://api.sumsub.com${path}`);
    expect(call?.method).toBe(method);
    expect(call?.headers).toMatchObject({
      'X-App-Token': 'sbx:app-token',
      'X-App-Access-Ts': timestamp,
      'X-App-Access-Sig': hmacHex('sha256', secretKey, `${timestamp}${method}${path}${body}`),
    });
  };

  it('creates the applicant and a verification link, signing each request', async () => {
    const { fetch, calls } = fetchStub(json(201, { id: 'app-1', externalUserId: 'trader/1' }), json(200, { url: link }));
    await expect(provider(fetch).createApplicant(request)).resolves.toEqual({ applicantId: 'app-1', verificationUrl: link });
    expect(calls).toHaveLength(2);
    const [create, websdk] = calls;
    expect(JSON.parse(create?.body ?? '')).toEqual({ externalUserId: 'trader/1', email: 'lena.hartmann@example.com', fixedInfo: { firstName: 'Lena', lastName: 'Hartmann' } });
    expect(create?.headers['Content-Type']).toBe('application/json');
    expectSigned(create, 'POST', createPath, create?.body ?? '');
    expect(websdk?.body).toBeUndefined();
    expectSigned(websdk, 'POST', linkPath, '');
  });

  it.each([null, 'Cher', 'Jean Claude Van Damme'])('sends no fixedInfo for the name %s, whose split is not clear', async (name) => {
    const { fetch, calls } = fetchStub(json(201, { id: 'app-1' }), json(200, { url: link }));
    await provider(fetch).createApplicant({ ...request, name });
    expect(JSON.parse(calls[0]?.body ?? '')).toEqual({ externalUserId: 'trader/1', email: 'lena.hartmann@example.com' });
  });

  it('finds the applicant created before when Sumsub says it already exists (a retried step)', async () => {
    const conflict = json(409, { description: "Applicant with external user id 'trader/1' already exists: app-1", code: 409, correlationId: 'req-1' });
    const { fetch, calls } = fetchStub(conflict, json(200, { id: 'app-1' }), json(200, { url: link }));
    await expect(provider(fetch).createApplicant(request)).resolves.toEqual({ applicantId: 'app-1', verificationUrl: link });
    const lookupPath = '/resources/applicants/-;externalUserId=trader%2F1/one';
    expectSigned(calls[1], 'GET', lookupPath, '');
    expect(calls[1]?.body).toBeUndefined();
    expectSigned(calls[2], 'POST', linkPath, '');
  });

  it('fails on a 409 that is not about an existing applicant', async () => {
    const { fetch, calls } = fetchStub(json(409, { description: 'Level is being edited', code: 409 }));
    await expect(provider(fetch).createApplicant(request)).rejects.toThrow('Sumsub create applicant answered 409: Level is being edited');
    expect(calls).toHaveLength(1);
  });

  it('fails naming the status and Sumsub’s message', async () => {
    const { fetch } = fetchStub(json(401, { description: 'Request signature mismatch', code: 401, correlationId: 'req-2', errorCode: 4003 }));
    await expect(provider(fetch).createApplicant(request)).rejects.toThrow('Sumsub create applicant answered 401: Request signature mismatch');
  });

  it('quotes a body that is not Sumsub’s error JSON', async () => {
    const { fetch } = fetchStub(json(201, { id: 'app-1' }), new Response('upstream timed out', { status: 504 }));
    await expect(provider(fetch).createApplicant(request)).rejects.toThrow('Sumsub create verification link answered 504: upstream timed out');
  });

  it('fails when a success lacks what it should hold, naming the field', async () => {
    const { fetch } = fetchStub(json(201, { applicantId: 'app-1' }));
    await expect(provider(fetch).createApplicant(request)).rejects.toThrow(/create applicant answered 201 with an unexpected body: id: /);
  });

  describe('verifiedIdentity', () => {
    const applicant = { applicantId: '5cb56e8e0a975a35f333cb83', traderId: 'trader/1', name: 'Lena Hartmann' };
    const getPath = '/resources/applicants/5cb56e8e0a975a35f333cb83/one';
    /** The applicant as GET …/one answers, trimmed to what matters here. */
    const withDocuments = (idDocs: unknown[]) => json(200, { id: applicant.applicantId, externalUserId: 'trader/1', review: { reviewStatus: 'completed' }, info: { firstName: 'Lena', idDocs } });

    it('reads the applicant, signed, and answers the passport before another identity document', async () => {
      const { fetch, calls } = fetchStub(
        withDocuments([
          { idDocType: 'ID_CARD', country: 'DEU', number: 'L01X00T47' },
          { idDocType: 'UTILITY_BILL', country: 'DEU' },
          { idDocType: 'PASSPORT', country: 'DEU', number: ' C01X00T47 ', firstName: 'Lena' },
        ]),
      );
      await expect(provider(fetch).verifiedIdentity(applicant)).resolves.toBe('DEU:PASSPORT:C01X00T47');
      expect(calls).toHaveLength(1);
      expectSigned(calls[0], 'GET', getPath, '');
      expect(calls[0]?.body).toBeUndefined();
    });

    it('answers another identity document without a passport', async () => {
      const { fetch } = fetchStub(withDocuments([{ idDocType: 'DRIVERS', country: 'GBR', number: 'MORGA753116SM9IJ' }, { idDocType: 'RESIDENCE_PERMIT', country: 'GBR', number: 'ZR1234567' }]));
      await expect(provider(fetch).verifiedIdentity(applicant)).resolves.toBe('GBR:RESIDENCE_PERMIT:ZR1234567');
    });

    it.each([
      { case: 'no info', body: { id: 'x' } },
      { case: 'no documents', body: { id: 'x', info: { firstName: 'Lena' } } },
      { case: 'no recognized number', body: { id: 'x', info: { idDocs: [{ idDocType: 'PASSPORT', country: 'DEU', number: null }, { idDocType: 'SELFIE', number: '1' }] } } },
    ])('is null with $case', async ({ body }) => {
      const { fetch } = fetchStub(json(200, body));
      await expect(provider(fetch).verifiedIdentity(applicant)).resolves.toBeNull();
    });

    it('fails naming the status and Sumsub’s message, so the step is retried', async () => {
      const { fetch } = fetchStub(json(403, { description: 'Forbidden: the token has no permission', code: 403 }));
      await expect(provider(fetch).verifiedIdentity(applicant)).rejects.toThrow('Sumsub get applicant answered 403: Forbidden: the token has no permission');
    });

    it('names the field, never the value, of a body it cannot read', async () => {
      const { fetch } = fetchStub(json(200, { info: { idDocs: [{ idDocType: 'PASSPORT', number: 47110815 }] } }));
      const error = await provider(fetch)
        .verifiedIdentity(applicant)
        .catch((caught: unknown) => caught as Error);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/get applicant answered 200 with an unexpected body: info\.idDocs\[0\]\.number: /);
      expect((error as Error).message).not.toContain('47110815');
    });
  });
});

describe('FakeKycProvider', () => {
  const fake = new FakeKycProvider();
  const at = Date.parse('2026-03-04T10:15:30.250Z');

  it('gives each trader one applicant, created twice or not', async () => {
    const first = await fake.createApplicant({ traderId: 'trader-1', email: 'a@example.com', name: null });
    expect(first).toEqual({ applicantId: 'fake-applicant-trader-1', verificationUrl: 'http://127.0.0.1/kyc/fake/fake-applicant-trader-1' });
    await expect(fake.createApplicant({ traderId: 'trader-1', email: 'a@example.com', name: 'A B' })).resolves.toEqual(first);
  });

  it('sends webhooks that pass the production verification and normalization, and decide the case', async () => {
    const { applicantId } = await fake.createApplicant({ traderId: 'trader-1', email: 'a@example.com', name: null });
    const opened = applicantCreated(startCase('trader-1', fake.name, at - 1000).case, applicantId, at - 500).case;

    const webhook = fake.webhookFor('trader-1', 'resubmissionRequested', at, ['BAD_PHOTO']);
    expect(verifySumsubWebhook(webhook.rawBody, webhook.headers, LOCAL_ONLY_FAKE_KYC_WEBHOOK_SECRET)).toEqual({ ok: true });
    expect(verifySumsubWebhook(webhook.rawBody, webhook.headers, webhookSecret)).toEqual({ ok: false, reason: 'mismatch' });
    const result = sumsubDecisionOf(JSON.parse(webhook.rawBody));
    if (!result.ok || result.decision === null) throw new Error(JSON.stringify(result));
    expect(result.decision).toMatchObject({ applicantId, traderId: 'trader-1', outcome: 'resubmissionRequested', reasons: ['BAD_PHOTO'], decidedAt: at });

    const retried = applyDecision(opened, result.decision);
    expect(retried.case.status).toBe('resubmissionRequested');
    const approval = sumsubDecisionOf(JSON.parse(fake.webhookFor('trader-1', 'approved', at + 60_000).rawBody));
    if (!approval.ok || approval.decision === null) throw new Error(JSON.stringify(approval));
    expect(applyDecision(retried.case, approval.decision).case.status).toBe('approved');
  });

  it('verifies one simulated passport per name: two traders of one name are one person', async () => {
    const lena = await fake.verifiedIdentity({ applicantId: 'fake-applicant-trader-1', traderId: 'trader-1', name: 'Lena Hartmann' });
    expect(lena).toMatch(/^FAKE:PASSPORT:[0-9A-F]{12}$/);
    expect(await fake.verifiedIdentity({ applicantId: 'fake-applicant-trader-2', traderId: 'trader-2', name: '  lena   HARTMANN ' })).toBe(lena);
    expect(await fake.verifiedIdentity({ applicantId: 'fake-applicant-trader-3', traderId: 'trader-3', name: 'Lena Hartman' })).not.toBe(lena);
    expect(lena).toBe(fakePassportOf('Lena Hartmann', 'anyone'));
  });

  it('makes a trader without a name a person of their own', async () => {
    const first = await fake.verifiedIdentity({ applicantId: 'fake-applicant-trader-1', traderId: 'trader-1', name: null });
    expect(await fake.verifiedIdentity({ applicantId: 'fake-applicant-trader-1', traderId: 'trader-1', name: ' ' })).toBe(first);
    expect(await fake.verifiedIdentity({ applicantId: 'fake-applicant-trader-2', traderId: 'trader-2', name: null })).not.toBe(first);
  });

  it('makes a rejection final', () => {
    const result = sumsubDecisionOf(JSON.parse(fake.webhookFor('trader-1', 'rejected', at, ['FORGERY']).rawBody));
    expect(result).toMatchObject({ ok: true, decision: { outcome: 'rejected', reasons: ['FORGERY'] } });
  });
});
