import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { ApiRouter, type ApiRequest } from '../../shared/api/router.js';
import { API_ROUTES, type ApiDeps, describeApi } from '../../shared/api/routes.js';
import { ROLES, type Role } from '../../shared/auth/roles.js';
import { openAccount } from '../../shared/domain/state.js';
import { payoutApprovalTokenId, type PayoutRecord } from '../../shared/ports/payouts.js';
import type { DomainEvent } from '../../shared/stream/domain-events.js';
import { getPreset } from '../../shared/presets/index.js';
import { domainEventSample } from '../support/domain-events.js';
import { MemoryIdempotencyStore } from '../support/idempotency-store.js';
import { abuseFlag, memoryApiDeps, MemoryFlagDesk } from '../support/api-deps.js';
import { MemoryAccountReader } from '../support/account-reader.js';
import { MemoryPayoutLedger } from '../support/payout-doubles.js';
import { MemoryProgramStore } from '../support/program-store.js';
import { MemoryRiskQueue } from '../support/risk-queue.js';
import { MemoryTaskTokenStore } from '../support/workflow-doubles.js';

const stored = getPreset('two-step-static')!;
const opened = Date.parse('2026-03-02T08:00:00Z');
/** The test caller `user-1` owns one account; `user-2` owns the other. */
const accounts = new MemoryAccountReader(
  [
    openAccount(stored, { tenant: 'acme', accountId: 'acc-own', traderId: 'user-1', openedAt: opened }),
    openAccount(stored, { tenant: 'acme', accountId: 'acc-other', traderId: 'user-2', openedAt: opened }),
  ],
  [
    domainEventSample('TradeClosed', 'acc-own', '2026-03-02T10:00:00.000Z', 't1'),
    domainEventSample('TradeClosed', 'acc-own', '2026-03-02T11:00:00.000Z', 't2'),
    domainEventSample('TradeClosed', 'acc-own', '2026-03-02T12:00:00.000Z', 't3'),
    domainEventSample('WarningRaised', 'acc-own', '2026-03-02T12:30:00.000Z', 'w1'),
    domainEventSample('TradeClosed', 'acc-other', '2026-03-02T10:00:00.000Z', 'x1'),
  ],
);


const riskQueue = new MemoryRiskQueue();
const payouts = new MemoryPayoutLedger();
const taskTokens = new MemoryTaskTokenStore();
const flags = new MemoryFlagDesk();
const router = new ApiRouter<ApiDeps>(API_ROUTES, memoryApiDeps({ programs: new MemoryProgramStore([stored]), accounts, riskQueue, payouts, taskTokens, flags }), {
  rolesClaim: 'cognito:groups',
  idempotency: new MemoryIdempotencyStore(),
  now: () => 0,
});

interface RequestOptions {
  roles?: readonly Role[];
  query?: Record<string, string>;
  token?: boolean;
  body?: unknown;
  idempotencyKey?: string;
}

/** A request as API Gateway passes it: claims flattened, an array claim as "[a b]". */
function request(method: string, path: string, options: RequestOptions = {}): ApiRequest {
  const { roles = [], query = {}, token = true, body, idempotencyKey } = options;
  return {
    method,
    path,
    query,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(idempotencyKey === undefined ? {} : { 'Idempotency-Key': idempotencyKey }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    isBase64Encoded: false,
    claims: token ? { sub: 'user-1', 'cognito:groups': `[${roles.join(' ')}]` } : undefined,
  };
}

/** Each route with concrete parameters that exist. */
const concrete = (path: string) =>
  path.replace('{presetId}', stored.id).replace('{programId}', stored.id).replace('{version}', String(stored.version)).replace('{accountId}', 'acc-own');

let requests = 100;
/** An open risk-queue item, new for each request that reads or moves one. */
async function openItem(): Promise<string> {
  requests += 1;
  riskQueue.record([domainEventSample('WarningRaised', 'acc-own', `2026-03-03T10:${String(requests % 60).padStart(2, '0')}:00.000Z`, `q${requests}`)]);
  const { items } = await riskQueue.list('open', { limit: 100 });
  return items.find((item) => item.verdict.id === `q${requests}`)!.itemId;
}

/** A payout of the test caller's account, new for each request that reads or decides one: awaiting approval, its workflow parked. */
async function waitingPayout(): Promise<string> {
  requests += 1;
  const record: PayoutRecord = {
    payoutId: `acc-own:${requests}`,
    accountId: 'acc-own',
    traderId: 'user-1',
    number: requests,
    state: 'requested',
    requestedAt: opened,
    updatedAt: opened,
    amount: 10_000,
    currency: stored.currency,
    rail: 'bank',
    destination: 'DE89370400440532013000',
    gates: null,
    split: null,
    decision: null,
    settlement: null,
    daysAtRequest: { trading: 0, profitable: 0 },
  };
  if (!(await payouts.create(record))) throw new Error(`payout ${record.payoutId} exists`);
  await payouts.move(record.payoutId, 'requested', 'awaitingApproval', {}, opened);
  await taskTokens.save(payoutApprovalTokenId(record.payoutId), `token-${requests}`, opened + 86_400_000);
  return record.payoutId;
}

/** A fresh open abuse flag, a day apart from the last so its id is new. */
async function openFlag(): Promise<string> {
  requests += 1;
  const flag = abuseFlag({ accountId: 'acc-own', traderId: 'user-1', at: opened + requests * 86_400_000 });
  await flags.raise(flag);
  return encodeURIComponent(flag.flagId);
}

/** A request that succeeds for an allowed role: a new version, a fresh queue item and a fresh key for each POST. */
async function valid(route: (typeof API_ROUTES)[number], options: RequestOptions): Promise<ApiRequest> {
  requests += 1;
  const post = (path: string, body: unknown) => request('POST', path, { ...options, body, idempotencyKey: `key-${requests}` });
  switch (`${route.method} ${route.path}`) {
    case 'POST /v1/programs':
      return post(route.path, { ...stored, version: requests });
    case 'POST /v1/programs/{programId}/versions/{version}/dry-run':
      return post(concrete(route.path), { accountIds: ['acc-own'] });
    case 'POST /v1/accounts/{accountId}/overrides':
      return post(concrete(route.path), { reason: 'a test decision', change: { action: 'extendPeriod', days: 1 } });
    case 'POST /v1/risk/queue/{itemId}':
      return post(route.path.replace('{itemId}', await openItem()), { state: 'acknowledged', note: 'looking into it' });
    case 'POST /v1/accounts/{accountId}/payouts':
      return post(concrete(route.path), { amount: requests, rail: 'bank', destination: 'DE89370400440532013000' });
    case 'POST /v1/payouts/{payoutId}/decision':
      return post(route.path.replace('{payoutId}', await waitingPayout()), { decision: 'approve', note: 'checked by hand' });
    case 'GET /v1/payouts/{payoutId}':
      return request('GET', route.path.replace('{payoutId}', await waitingPayout()), options);
    case 'GET /v1/risk/queue/{itemId}':
      return request('GET', route.path.replace('{itemId}', await openItem()), options);
    case 'POST /v1/risk/flags/{flagId}':
      return post(route.path.replace('{flagId}', await openFlag()), { state: 'resolved', outcome: 'dismissed', note: 'two relatives, one home' });
    case 'GET /v1/risk/flags/{flagId}':
      return request('GET', route.path.replace('{flagId}', await openFlag()), options);
    case 'PUT /v1/news-calendar':
      return request('PUT', route.path, { ...options, idempotencyKey: `key-${requests}`, body: { events: [{ id: 'nfp', title: 'US non-farm payrolls', time: '2026-03-06T08:30:00-05:00', symbols: ['EURUSD', 'US30'] }] } });
    case 'GET /v1/audit':
      return request('GET', route.path, { ...options, query: { from: '2026-03-01', to: '2026-03-31' } });
    default:
      if (route.method === 'POST') throw new Error(`no sample request for POST ${route.path}`);
      return request(route.method, concrete(route.path), options);
  }
}

const body = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;

describe('the API router', () => {
  describe.each(API_ROUTES.filter((route) => route.access !== 'public'))('$method $path', (route) => {
    const allowed = route.access as readonly Role[];

    it('refuses a request without a token with 401', async () => {
      const response = await router.answer(await valid(route, { token: false }));
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
    });

    it.each(ROLES.filter((role) => !allowed.includes(role)))('refuses the role %s with 403', async (role) => {
      const response = await router.answer(await valid(route, { roles: [role] }));
      expect(response.status).toBe(403);
      expect(body(response)).toMatchObject({ type: 'urn:propdesk:problem:forbidden' });
    });

    it('refuses a token with no Propdesk role with 403', async () => {
      const response = await router.answer(await valid(route, { roles: [] }));
      expect(response.status).toBe(403);
    });

    it.each(allowed)('answers the role %s', async (role) => {
      expect((await router.answer(await valid(route, { roles: [role] }))).status).toBe(route.status ?? 200);
    });
  });

  it('answers an unknown path with 404 and a known path with the wrong method with 405 and Allow', async () => {
    expect((await router.answer(request('GET', '/v1/nothing', { roles: ['admin'] }))).status).toBe(404);
    const wrongMethod = await router.answer(request('DELETE', '/v1/presets', { roles: ['admin'] }));
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers['allow']).toBe('GET');
  });

  it('names every parameter and query field at fault with a JSON Pointer', async () => {
    const response = await router.answer(request('GET', '/v1/programs/Bad_Id/versions/zero', { roles: ['risk'], query: { page: '2' } }));
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toBe('application/problem+json');
    const pointers = (body(response).errors as Array<{ pointer: string }>).map((error) => error.pointer).sort();
    expect(pointers).toEqual(['/params/programId', '/params/version', '/query']);
  });

  it('tells callers who they are, with the roles their token grants and no others', async () => {
    const response = await router.answer({ ...request('GET', '/v1/me'), claims: { sub: 'ops-7', 'cognito:groups': '[risk root admin]' } });
    expect(body(response)).toEqual({ tenant: 'acme', subject: 'ops-7', roles: ['risk', 'admin'] });
  });

  it('serves stored program versions and presets, and 404 for what does not exist', async () => {
    const version = await router.answer(request('GET', `/v1/programs/${stored.id}/versions/${stored.version}`, { roles: ['trader'] }));
    expect(body(version)).toEqual(JSON.parse(JSON.stringify(stored)));
    expect((await router.answer(request('GET', `/v1/programs/${stored.id}/versions/99`, { roles: ['trader'] }))).status).toBe(404);
    const presets = body(await router.answer(request('GET', '/v1/presets', { roles: ['admin'] }))).presets as Array<{ id: string }>;
    expect(presets.map((preset) => preset.id)).toContain(stored.id);
    expect((await router.answer(request('GET', '/v1/presets/nope', { roles: ['admin'] }))).status).toBe(404);
  });

  it('serves its documentation as a page rendered from the description, naming every route', async () => {
    const page = await router.answer(request('GET', '/docs', { token: false }));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    for (const route of API_ROUTES) expect(page.body).toContain(`<code>${route.path}</code>`);
    expect(page.body).not.toMatch(/<script/);
  });

  it('serves health and its own OpenAPI 3.1 description without a token', async () => {
    expect(body(await router.answer(request('GET', '/v1/health', { token: false })))).toEqual({ status: 'ok', tenant: 'acme' });
    const document = body(await router.answer(request('GET', '/openapi.json', { token: false })));
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths as object).sort()).toEqual([...new Set(API_ROUTES.map((route) => route.path))].sort());
  });

  it('answers every route with a body its OpenAPI description accepts', async () => {
    const document = describeApi() as { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: object }> }> }>> };
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    for (const route of API_ROUTES.filter((candidate) => candidate.produces === undefined)) {
      const roles = route.access === 'public' ? [] : route.access;
      const response = await router.answer(await valid(route, { roles, token: route.access !== 'public' }));
      const schema = document.paths[route.path]![route.method.toLowerCase()]!.responses[String(response.status)]!.content['application/json']!.schema;
      const validate = ajv.compile(schema);
      expect(validate(JSON.parse(response.body)), `${route.method} ${route.path}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });

  describe('POST /v1/programs', () => {
    const admin = (body: unknown, idempotencyKey?: string) => request('POST', '/v1/programs', { roles: ['admin'], body, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });

    it('publishes a version once per Idempotency-Key: a resend gets the first answer, marked replayed', async () => {
      const programs = new MemoryProgramStore();
      const once = new ApiRouter<ApiDeps>(API_ROUTES, memoryApiDeps({ programs, accounts }), { rolesClaim: 'cognito:groups', idempotency: new MemoryIdempotencyStore(), now: () => 0 });
      const program = { ...stored, id: 'fresh', version: 1 };
      const first = await once.answer(admin(program, 'k-1'));
      expect(first.status).toBe(201);
      const again = await once.answer(admin(program, 'k-1'));
      expect(again).toEqual({ ...first, headers: { ...first.headers, 'idempotent-replayed': 'true' } });
      // A new key for the same version is a new request: the version exists.
      const conflict = await once.answer(admin(program, 'k-2'));
      expect(conflict.status).toBe(409);
      expect(body(conflict).detail).toMatch(/publish version 2/);
      expect(programs.programs.size).toBe(1);
    });

    it('refuses a POST without an Idempotency-Key, and a key reused for another body', async () => {
      expect((await router.answer(admin({ ...stored, version: 900 }))).status).toBe(400);
      expect((await router.answer(admin({ ...stored, version: 901 }, 'reused'))).status).toBe(201);
      const reused = await router.answer(admin({ ...stored, version: 902 }, 'reused'));
      expect(reused.status).toBe(422);
      expect(body(reused).type).toBe('urn:propdesk:problem:idempotency-key-reused');
    });

    it('forgets the key when the store failed, so the resend runs', async () => {
      const idempotency = new MemoryIdempotencyStore();
      let failures = 1;
      const flaky = Object.assign(new MemoryProgramStore(), {
        put: async () => {
          if (failures-- > 0) throw new Error('table unavailable');
          return 'stored' as const;
        },
      });
      const retrying = new ApiRouter<ApiDeps>(API_ROUTES, memoryApiDeps({ programs: flaky, accounts }), { rolesClaim: 'cognito:groups', idempotency, now: () => 0 });
      await expect(retrying.answer(admin({ ...stored, version: 7 }, 'k'))).rejects.toThrow('table unavailable');
      expect((await retrying.answer(admin({ ...stored, version: 7 }, 'k'))).status).toBe(201);
    });

    it('names the fields of an invalid program by pointer into the body', async () => {
      const response = await router.answer(admin({ ...stored, version: 0, initialBalance: -5 }, 'invalid'));
      expect(response.status).toBe(422);
      const pointers = (body(response).errors as Array<{ pointer: string }>).map((error) => error.pointer);
      expect(pointers).toEqual(expect.arrayContaining(['/body/version', '/body/initialBalance']));
    });
  });

  it('lists program versions a page at a time and refuses a cursor it did not give out', async () => {
    const programs = new MemoryProgramStore(['alpha', 'beta', 'gamma'].flatMap((id) => [1, 2].map((version) => ({ ...stored, id, version, name: `${id} ${version}` }))));
    const listing = new ApiRouter<ApiDeps>(API_ROUTES, memoryApiDeps({ programs, accounts }), { rolesClaim: 'cognito:groups', idempotency: new MemoryIdempotencyStore(), now: () => 0 });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = body(await listing.answer(request('GET', '/v1/programs', { roles: ['risk'], query: { limit: '4', ...(cursor === undefined ? {} : { cursor }) } })));
      seen.push(...(page.items as Array<{ name: string }>).map((item) => item.name));
      cursor = page.cursor as string | undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual(['alpha 1', 'alpha 2', 'beta 1', 'beta 2', 'gamma 1', 'gamma 2']);
    const altered = await listing.answer(request('GET', '/v1/programs', { roles: ['risk'], query: { cursor: 'forged' } }));
    expect(altered.status).toBe(422);
    expect(body(altered).errors).toEqual([{ pointer: '/query/cursor', message: expect.any(String) }]);
    expect((await listing.answer(request('GET', '/v1/programs', { roles: ['risk'], query: { limit: '500' } }))).status).toBe(422);
  });

  it.each(API_ROUTES.filter((route) => route.path.includes('{accountId}') && route.access !== 'public' && route.access.includes('trader')))(
    "answers a trader's request for another trader's account under $method $path as missing",
    async (route) => {
      const own = await router.answer(await valid(route, { roles: ['trader'] }));
      expect(own.status).toBe(route.status ?? 200);
      const sample = await valid(route, { roles: ['trader'] });
      expect(sample.path).toContain('/acc-own');
      const others = await router.answer({ ...sample, path: sample.path.replace('/acc-own', '/acc-other') });
      expect(others.status).toBe(404);
      expect(others.body).not.toContain('acc-other"');
    },
  );

  it('lets no trader change anything but ask for a payout: every other POST is for staff', () => {
    const traderPosts = API_ROUTES.filter((route) => route.method === 'POST' && route.access !== 'public' && route.access.includes('trader'));
    expect(traderPosts.map((route) => route.path)).toEqual(['/v1/accounts/{accountId}/payouts']);
  });

  describe('accounts', () => {
    const summaries = async (request: ApiRequest) => (body(await router.answer(request)).items as Array<{ accountId: string }>).map((item) => item.accountId);

    it("shows a trader their own accounts only, and another trader's as missing", async () => {
      expect(await summaries(request('GET', '/v1/accounts', { roles: ['trader'] }))).toEqual(['acc-own']);
      const others = await router.answer(request('GET', '/v1/accounts/acc-other', { roles: ['trader'] }));
      expect(others.status).toBe(404);
      const own = body(await router.answer(request('GET', '/v1/accounts/acc-own', { roles: ['trader'] })));
      expect(own).toMatchObject({ accountId: 'acc-own', traderId: 'user-1', status: 'active', balance: stored.initialBalance, lastEventAt: '2026-03-02T08:00:00.000Z' });
    });

    it("shows the risk desk the firm's accounts by status, whoever owns them", async () => {
      expect(await summaries(request('GET', '/v1/accounts', { roles: ['risk'] }))).toEqual(['acc-other', 'acc-own']);
      expect(await summaries(request('GET', '/v1/accounts', { roles: ['risk'], query: { status: 'failed' } }))).toEqual([]);
      expect((await router.answer(request('GET', '/v1/accounts/acc-other', { roles: ['admin'] }))).status).toBe(200);
      const page = body(await router.answer(request('GET', '/v1/accounts', { roles: ['risk'], query: { limit: '1' } })));
      expect(page.items).toHaveLength(1);
      expect(await summaries(request('GET', '/v1/accounts', { roles: ['risk'], query: { limit: '1', cursor: page.cursor as string } }))).toEqual(['acc-own']);
    });

    it("lists an account's records by kind, newest first, a page at a time, to its trader and the staff only", async () => {
      const ids = async (path: string, roles: Role[], query: Record<string, string> = {}) => {
        const page = body(await router.answer(request('GET', path, { roles, query })));
        return { ids: (page.items as DomainEvent[]).map((event) => event.id), cursor: page.cursor as string | undefined };
      };
      const first = await ids('/v1/accounts/acc-own/trades', ['trader'], { limit: '2' });
      expect(first.ids).toEqual(['t3', 't2']);
      expect((await ids('/v1/accounts/acc-own/trades', ['trader'], { limit: '2', cursor: first.cursor! })).ids).toEqual(['t1']);
      expect((await ids('/v1/accounts/acc-own/verdicts', ['trader'])).ids).toEqual(['w1']);
      expect((await ids('/v1/accounts/acc-own/days', ['trader'])).ids).toEqual([]);
      expect((await router.answer(request('GET', '/v1/accounts/acc-other/trades', { roles: ['trader'] }))).status).toBe(404);
      expect((await ids('/v1/accounts/acc-other/trades', ['risk'])).ids).toEqual(['x1']);
    });

    it('refuses an unknown status and a cursor it did not give out', async () => {
      expect((await router.answer(request('GET', '/v1/accounts', { roles: ['risk'], query: { status: 'frozen' } }))).status).toBe(422);
      const forged = await router.answer(request('GET', '/v1/accounts', { roles: ['trader'], query: { cursor: 'acc-zzz' } }));
      expect(forged.status).toBe(422);
    });
  });
});
