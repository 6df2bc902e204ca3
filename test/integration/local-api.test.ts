/**
 * The staff and trader API on the local platform, as a developer calls it: tokens from the local issuer,
 * checked the way API Gateway's JWT authorizer checks them, the same handler and router as in AWS, and
 * programs read from dynalite through the real SDK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalIssuer } from '../../local/token-issuer.js';
import { type Platform, startPlatform } from '../../local/platform.js';
import { openAccount } from '../../shared/domain/state.js';
import { API_ROUTES } from '../../shared/api/routes.js';
import { getPreset } from '../../shared/presets/index.js';
import { events } from '../support/events.js';

let platform: Platform;
const program = getPreset('two-step-static')!;

beforeAll(async () => {
  platform = await startPlatform({ tenantId: 'demo' });
  await platform.programs.put(program);
  for (const [accountId, traderId] of [['acc-ada', 'ada'], ['acc-ben', 'ben']] as const) {
    await platform.accounts.save(openAccount(program, { tenant: 'demo', accountId, traderId, openedAt: Date.parse('2026-03-02T08:00:00Z') }), null, []);
  }
}, 60_000);

afterAll(async () => {
  await platform?.stop();
});

const call = (path: string, token?: string) => fetch(`${platform.apiUrl}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

describe('the local API', () => {
  it('answers a valid token with the caller and reads stored programs through dynalite', async () => {
    const token = await platform.issuer.mint({ subject: 'ops-1', roles: ['risk', 'admin'] });
    const me = await call('/v1/me', token);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ tenant: 'demo', subject: 'ops-1', roles: ['risk', 'admin'] });
    const stored = await call(`/v1/programs/${program.id}/versions/${program.version}`, await platform.issuer.mint({ subject: 'trader-1', roles: ['trader'] }));
    expect(stored.status).toBe(200);
    expect(await stored.json()).toEqual(JSON.parse(JSON.stringify(program)));
  });

  it('refuses a missing, forged or expired token on every secured route before the function runs, as API Gateway does', async () => {
    const forger = await createLocalIssuer();
    const forged = await forger.mint({ subject: 'ops-1', roles: ['admin'] });
    const expired = await platform.issuer.mint({ subject: 'ops-1', roles: ['admin'], expiresInSeconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const secured = API_ROUTES.filter((route) => route.access !== 'public');
    expect(secured.length).toBeGreaterThan(5);
    for (const route of secured) {
      const path = route.path.replace(/\{\w+\}/g, 'x');
      for (const token of [undefined, forged, expired, 'not-a-jwt']) {
        const response = await fetch(`${platform.apiUrl}${path}`, {
          method: route.method,
          headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), 'content-type': 'application/json', 'idempotency-key': 'k' },
          ...(route.method === 'POST' ? { body: '{}' } : {}),
        });
        expect(response.status, `${route.method} ${route.path} with ${String(token).slice(0, 12)}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer');
      }
    }
  });

  it('refuses a role the route is not for, and serves health and the OpenAPI description to anyone', async () => {
    const trader = await platform.issuer.mint({ subject: 'trader-1', roles: ['trader'] });
    expect((await call('/v1/presets', trader)).status).toBe(403);
    expect(await (await call('/v1/health')).json()).toEqual({ status: 'ok', tenant: 'demo' });
    const description = (await (await call('/openapi.json', 'garbage')).json()) as { openapi: string };
    expect(description.openapi).toBe('3.1.0');
  });

  it("shows a trader their own accounts from dynalite, and the risk desk everyone's", async () => {
    const ada = await platform.issuer.mint({ subject: 'ada', roles: ['trader'] });
    const own = (await (await call('/v1/accounts', ada)).json()) as { items: Array<{ accountId: string }> };
    expect(own.items.map((item) => item.accountId)).toEqual(['acc-ada']);
    expect((await call('/v1/accounts/acc-ben', ada)).status).toBe(404);
    const risk = await platform.issuer.mint({ subject: 'ops', roles: ['risk'] });
    const all = (await (await call('/v1/accounts?limit=10', risk)).json()) as { items: Array<{ accountId: string }> };
    expect(all.items.map((item) => item.accountId)).toEqual(['acc-ada', 'acc-ben']);
  });

  it('still serves the ingest endpoint on the same server', async () => {
    const response = await fetch(`${platform.ingestUrl}/ingest/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe("the risk desk's loop on the local platform", () => {
  const post = (path: string, token: string, body: unknown, key: string) =>
    fetch(`${platform.apiUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(body) });

  it('fails an account on the stream, queues the verdicts, reinstates it through the stream, and audits both decisions', async () => {
    const now = Date.now();
    await platform.accounts.save(openAccount(program, { tenant: 'demo', accountId: 'acc-cleo', traderId: 'cleo', openedAt: now - 3_600_000 }), null, []);
    const make = events({ tenant: 'demo', accountId: 'acc-cleo' });
    // 6% down on the day: past the 5% daily loss.
    await platform.tradeStream.put([make.snapshot(now - 1_800_000, { equity: 9_900_000, balance: 10_000_000 }), make.snapshot(now - 1_700_000, { equity: 9_400_000, balance: 10_000_000 })]);
    await platform.drained();
    const risk = await platform.issuer.mint({ subject: 'anna', roles: ['risk'] });
    expect(await (await call('/v1/accounts/acc-cleo', risk)).json()).toMatchObject({ status: 'failed', endReason: 'dailyLoss', risk: 'breached' });

    const queue = (await (await call('/v1/risk/queue', risk)).json()) as { items: Array<{ itemId: string; verdict: { type: string; accountId: string } }> };
    const cleo = queue.items.filter((item) => item.verdict.accountId === 'acc-cleo');
    expect(cleo.map((item) => item.verdict.type).sort()).toEqual(['AccountFailed', 'ViolationRecorded']);

    const reinstated = await post('/v1/accounts/acc-cleo/overrides', risk, { reason: 'the broker confirms a bad equity print', change: { action: 'reinstate' } }, 'reinstate-cleo');
    expect(reinstated.status).toBe(202);
    const { overrideId } = (await reinstated.json()) as { overrideId: string };
    await platform.drained();
    expect(await (await call('/v1/accounts/acc-cleo', risk)).json()).toMatchObject({ status: 'active', endReason: null });
    const overrides = (await (await call('/v1/accounts/acc-cleo/overrides', await platform.issuer.mint({ subject: 'cleo', roles: ['trader'] }))).json()) as { items: unknown[] };
    expect(overrides.items).toEqual([expect.objectContaining({ type: 'AccountOverridden', overrideId, action: 'reinstate', actor: 'anna', rejection: null, before: expect.objectContaining({ status: 'failed' }), after: expect.objectContaining({ status: 'active' }) })]);

    const resolved = await post(`/v1/risk/queue/${cleo[0]!.itemId}`, risk, { state: 'resolved', note: 'reinstated: bad print' }, 'resolve-cleo');
    expect(resolved.status).toBe(200);
    const day = new Date(now).toISOString().slice(0, 10);
    const audit = (await (await call(`/v1/audit?from=${day}&to=${day}&actor=anna`, risk)).json()) as { items: Array<{ action: string; target: { id: string } }> };
    expect(audit.items.map((entry) => entry.action).sort()).toEqual(['account.overrideRequested', 'riskQueue.itemMoved']);

    // The history the evaluator stored replays: under the account's own program nothing changes.
    const dryRun = (await (await post(`/v1/programs/${program.id}/versions/${program.version}/dry-run`, risk, { accountIds: ['acc-cleo'] }, 'dry-cleo')).json()) as {
      accounts: Array<{ events: number; changed: boolean; outcome: { current: { status: string } } }>;
    };
    expect(dryRun.accounts).toEqual([expect.objectContaining({ events: 3, changed: false, outcome: expect.objectContaining({ current: expect.objectContaining({ status: 'active' }) }) })]);
  }, 60_000);
});
