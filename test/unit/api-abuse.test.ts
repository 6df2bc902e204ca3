/**
 * The risk desk's abuse routes: the flag queue (listing, paging, one flag), moving a flag (acknowledge,
 * resolve with an outcome, resend-safe, 409 when its state does not allow it), the rescoring a resolve
 * causes and the events it publishes, and the account and trader risk views with their histories.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AbuseEvent } from '../../shared/abuse/abuse-events.js';
import type { LinkEvidence } from '../../shared/abuse/findings.js';
import { AbusePolicy } from '../../shared/abuse/policy.js';
import { RiskScorer } from '../../shared/abuse/scorer.js';
import { ApiRouter } from '../../shared/api/router.js';
import { API_ROUTES, type ApiDeps, describeApi } from '../../shared/api/routes.js';
import type { Role } from '../../shared/auth/roles.js';
import type { Program } from '../../shared/domain/program.js';
import { openAccount } from '../../shared/domain/state.js';
import type { Flag } from '../../shared/ports/abuse.js';
import { getPreset } from '../../shared/presets/index.js';
import { abuseFlag, MemoryAbuseEvents, memoryApiDeps, MemoryFlagDesk, MemoryIdentityLinks } from '../support/api-deps.js';
import { MemoryAccountReader } from '../support/account-reader.js';
import { MemoryAuditLog } from '../support/audit-log.js';
import { MemoryIdempotencyStore } from '../support/idempotency-store.js';
import { MemoryProgramStore } from '../support/program-store.js';
import { call, json } from '../support/api-calls.js';

const preset = getPreset('two-step-static')!;
/** The account's version: HFT weighs 30 (the default is 25). */
const v1: Program = { ...preset, version: 1, abuse: AbusePolicy.parse({ hft: { weight: 30 } }) };
/** A later version the account is not on: HFT weighs 10. */
const v2: Program = { ...preset, version: 2, abuse: AbusePolicy.parse({ hft: { weight: 10 } }) };

const OPENED = Date.parse('2026-03-01T08:00:00Z');
const SCORED = Date.parse('2026-03-02T10:00:00Z');
const DECIDED = Date.parse('2026-03-04T09:30:00Z');
const DECIDED_ISO = '2026-03-04T09:30:00.000Z';

/** acc-1 (trd-1) hedges with acc-2 (trd-2), with whom it shares a device, and scalps; acc-3 (trd-3) grid-trades. */
const hedging = abuseFlag();
const hft = abuseFlag({ detector: 'hft', at: Date.parse('2026-03-03T11:00:00Z'), message: '62% of 40 trades held under 15 s', evidence: { measured: { shortShareBps: 6_200 }, thresholds: { maxShortHoldShareBps: 5_000 }, trades: [], peers: [] } });
const grid = abuseFlag({ detector: 'grid', accountId: 'acc-3', traderId: 'trd-3', at: Date.parse('2026-03-02T12:00:00Z'), message: '6 buys spaced 20 pips apart', evidence: { measured: {}, thresholds: {}, trades: [], peers: [] } });
const device: LinkEvidence = { kind: 'device', shown: 'device …3f9a', traderIds: ['trd-1', 'trd-2'], firstSeen: [Date.parse('2026-02-20T08:00:00Z'), Date.parse('2026-02-21T08:00:00Z')] };

interface Desk {
  readonly router: ApiRouter<ApiDeps>;
  readonly flags: MemoryFlagDesk;
  readonly events: MemoryAbuseEvents;
  readonly audit: MemoryAuditLog;
}

let published: MemoryAbuseEvents[] = [];

afterEach(() => {
  // Every event published is one the bus contract accepts.
  for (const events of published) for (const event of events.published) expect(AbuseEvent.safeParse(event).error).toBeUndefined();
  published = [];
});

/** The desk after the engine raised the flags and scored acc-1 (40 + 30 = 70), trd-1 (70 + device 25 = 95) and acc-3. */
async function desk(deps: Partial<ApiDeps> = {}, raised: readonly Flag[] = [hedging, hft, grid]): Promise<Desk> {
  const flags = new MemoryFlagDesk(raised);
  const identities = deps.identities ?? new MemoryIdentityLinks([device]);
  await flags.own('trd-1', 'acc-1');
  await flags.own('trd-3', 'acc-3');
  const scorer = new RiskScorer(flags, identities);
  await scorer.afterDecision('acc-1', 'trd-1', v1.abuse, SCORED, false);
  await scorer.afterDecision('acc-3', 'trd-3', v1.abuse, SCORED, false);
  const events = new MemoryAbuseEvents();
  published.push(events);
  const audit = new MemoryAuditLog();
  const accounts = new MemoryAccountReader([
    openAccount(v1, { tenant: 'acme', accountId: 'acc-1', traderId: 'trd-1', openedAt: OPENED }),
    openAccount(v1, { tenant: 'acme', accountId: 'acc-3', traderId: 'trd-3', openedAt: OPENED }),
  ]);
  const all = { flags, identities, abuseEvents: events, audit, accounts, programs: new MemoryProgramStore([v1, v2]), ...deps };
  const router = new ApiRouter<ApiDeps>(API_ROUTES, memoryApiDeps(all), { rolesClaim: 'roles', idempotency: new MemoryIdempotencyStore(), now: () => DECIDED });
  return { router, flags, events: all.abuseEvents as MemoryAbuseEvents, audit: all.audit as MemoryAuditLog };
}

const flagPath = (flag: Flag) => `/v1/risk/flags/${encodeURIComponent(flag.flagId)}`;
const move = (flag: Flag, body: unknown, key: string, options: { subject?: string; roles?: Role[] } = {}) => call('POST', flagPath(flag), { body, key, ...options });
const ids = (page: Record<string, unknown>) => (page.items as Array<{ flagId: string }>).map((item) => item.flagId);

describe('the flag queue', () => {
  it('lists open flags newest first, with their evidence and times as ISO 8601', async () => {
    const { router } = await desk();
    const page = json(await router.answer(call('GET', '/v1/risk/flags')));
    expect(ids(page)).toEqual([hft.flagId, grid.flagId, hedging.flagId]);
    const item = (page.items as Array<Record<string, unknown>>)[2];
    expect(item).toEqual({
      flagId: 'hedging:acc-1:2026-03-02',
      state: 'open',
      outcome: null,
      handledBy: null,
      handledAt: null,
      note: null,
      decisionId: null,
      flag: {
        flagId: 'hedging:acc-1:2026-03-02',
        detector: 'hedging',
        action: 'flag',
        accountId: 'acc-1',
        traderId: 'trd-1',
        programId: 'two-step-static',
        time: '2026-03-02T10:00:00.000Z',
        message: hedging.message,
        evidence: {
          measured: { hedges: 3, overlapSeconds: 95 },
          thresholds: { minHedges: 2, windowSeconds: 300 },
          trades: [{ accountId: 'acc-1', positionId: 'p-1', symbol: 'EURUSD', side: 'buy', volume: 10_000, openedAt: '2026-03-02T09:58:00.000Z', closedAt: '2026-03-02T10:00:00.000Z', netPnl: -1_200 }],
          peers: [
            {
              accountId: 'acc-2',
              traderId: 'trd-2',
              matchedTrades: 3,
              lotRatioBps: 10_000,
              sameTrader: false,
              links: [{ kind: 'device', shown: 'device …3f9a', traderIds: ['trd-1', 'trd-2'], firstSeen: ['2026-02-20T08:00:00.000Z', '2026-02-21T08:00:00.000Z'] }],
            },
          ],
        },
      },
    });
  });

  it('pages with limit and cursor, lists one state at a time, and refuses a cursor it did not give out', async () => {
    const { router } = await desk();
    const first = json(await router.answer(call('GET', '/v1/risk/flags', { query: { limit: '2' } })));
    expect(ids(first)).toEqual([hft.flagId, grid.flagId]);
    const second = json(await router.answer(call('GET', '/v1/risk/flags', { query: { limit: '2', cursor: first.cursor as string } })));
    expect(second).toEqual({ items: [expect.objectContaining({ flagId: hedging.flagId })] });
    expect(json(await router.answer(call('GET', '/v1/risk/flags', { query: { state: 'resolved' } })))).toEqual({ items: [] });
    const forged = await router.answer(call('GET', '/v1/risk/flags', { query: { cursor: 'bm90LW1pbmU' } }));
    expect(forged.status).toBe(422);
    expect(json(forged).errors).toEqual([{ pointer: '/query/cursor', message: expect.any(String) }]);
    expect((await router.answer(call('GET', '/v1/risk/flags', { query: { state: 'closed' } }))).status).toBe(422);
  });

  it('answers one flag, and 404 for one that does not exist', async () => {
    const { router } = await desk();
    expect(json(await router.answer(call('GET', flagPath(hft), { roles: ['admin'] })))).toMatchObject({ flagId: hft.flagId, state: 'open', flag: { detector: 'hft', time: '2026-03-03T11:00:00.000Z' } });
    const missing = await router.answer(call('GET', '/v1/risk/flags/hft:acc-9:2026-03-03'));
    expect(missing.status).toBe(404);
    expect(json(missing)).toMatchObject({ type: 'urn:propdesk:problem:not-found', detail: 'Flag hft:acc-9:2026-03-03 does not exist.' });
  });

  it('is for the risk desk and admins: a trader may not list, read or move flags, or read risk', async () => {
    const { router, flags } = await desk();
    const asTrader = { roles: ['trader'] as Role[], subject: 'trd-1' };
    for (const request of [
      call('GET', '/v1/risk/flags', asTrader),
      call('GET', flagPath(hedging), asTrader),
      move(hedging, { state: 'acknowledged', note: 'mine' }, 't-1', asTrader),
      call('GET', '/v1/accounts/acc-1/risk', asTrader),
      call('GET', '/v1/accounts/acc-1/risk/history', asTrader),
      call('GET', '/v1/traders/trd-1/risk', asTrader),
      call('GET', '/v1/traders/trd-1/risk/history', asTrader),
    ]) {
      expect((await router.answer(request)).status, `${request.method} ${request.path}`).toBe(403);
    }
    expect(flags.moves).toEqual([]);
  });
});

describe('moving a flag', () => {
  it('acknowledges it: who, when and why kept, audited, nothing rescored or published', async () => {
    const { router, events, audit, flags } = await desk();
    const response = await router.answer(move(hedging, { state: 'acknowledged', note: 'checking the shared device' }, 'a-1'));
    expect(response.status).toBe(200);
    expect(json(response)).toMatchObject({ flagId: hedging.flagId, state: 'acknowledged', outcome: null, handledBy: 'anna', handledAt: DECIDED_ISO, note: 'checking the shared device' });
    expect(ids(json(await router.answer(call('GET', '/v1/risk/flags', { query: { state: 'acknowledged' } }))))).toEqual([hedging.flagId]);
    expect(audit.entries).toEqual([
      {
        id: (json(response) as { decisionId: string }).decisionId,
        time: DECIDED_ISO,
        actor: { subject: 'anna', roles: ['risk'] },
        action: 'abuseFlag.moved',
        target: { kind: 'abuseFlag', id: hedging.flagId },
        reason: 'checking the shared device',
        details: { to: 'acknowledged', outcome: null, accountId: 'acc-1', traderId: 'trd-1', detector: 'hedging', programId: 'two-step-static' },
      },
    ]);
    expect(events.published).toEqual([]);
    expect((await flags.score('account', 'acc-1'))?.at).toBe(SCORED);
  });

  it('refuses a resolve without an outcome, and an outcome on an acknowledge, naming the field; nothing moves', async () => {
    const { router, flags, audit } = await desk();
    const noOutcome = await router.answer(move(hedging, { state: 'resolved', note: 'fine' }, 'r-1'));
    expect(noOutcome.status).toBe(422);
    expect(json(noOutcome).errors).toEqual([{ pointer: '/body/outcome', message: 'a resolved flag needs an outcome: confirmed or dismissed' }]);
    const outcomeTooSoon = await router.answer(move(hedging, { state: 'acknowledged', outcome: 'dismissed', note: 'fine' }, 'r-2'));
    expect(json(outcomeTooSoon).errors).toEqual([{ pointer: '/body/outcome', message: 'only a resolve takes an outcome; acknowledge without one' }]);
    const pointers = async (body: unknown, key: string) => (json(await router.answer(move(hedging, body, key))).errors as Array<{ pointer: string }>).map((error) => error.pointer).sort();
    expect(await pointers({ state: 'resolved', outcome: 'maybe', note: '  ' }, 'r-3')).toEqual(['/body/note', '/body/outcome']);
    expect(await pointers({ state: 'open', note: 'x' }, 'r-4')).toEqual(['/body/state']);
    expect(await pointers({ state: 'resolved', outcome: 'confirmed', note: 'x'.repeat(2001) }, 'r-5')).toEqual(['/body/note']);
    expect(flags.moves).toEqual([]);
    expect(audit.entries).toEqual([]);
  });

  it("dismisses it: the account's and its owner's scores drop under the program's policy, and the decision and scores are published", async () => {
    const { router, events, flags, audit } = await desk();
    const response = await router.answer(move(hedging, { state: 'resolved', outcome: 'dismissed', note: 'two relatives on one home address' }, 'd-1', { subject: 'omar' }));
    expect(response.status).toBe(200);
    const decisionId = (json(response) as { decisionId: string }).decisionId;
    expect(json(response)).toMatchObject({ state: 'resolved', outcome: 'dismissed', handledBy: 'omar', handledAt: DECIDED_ISO, note: 'two relatives on one home address' });
    // HFT weighs 30 on the account's version (v1), not 10 (v2) or 25 (the default).
    expect((await flags.score('account', 'acc-1'))?.score).toBe(30);
    expect((await flags.score('trader', 'trd-1'))?.score).toBe(55);
    expect(events.published).toEqual([
      { type: 'AbuseFlagResolved', id: decisionId, tenant: 'acme', flagId: hedging.flagId, accountId: 'acc-1', outcome: 'dismissed', resolvedBy: 'omar', note: 'two relatives on one home address', time: DECIDED_ISO },
      expect.objectContaining({ type: 'RiskScoreChanged', subject: 'account', subjectId: 'acc-1', score: 30, time: DECIDED_ISO, parts: [expect.objectContaining({ signal: 'hft', weight: 30, evidence: [hft.flagId] })] }),
      expect.objectContaining({ type: 'RiskScoreChanged', subject: 'trader', subjectId: 'trd-1', score: 55, time: DECIDED_ISO }),
    ]);
    expect(audit.entries).toMatchObject([{ id: decisionId, action: 'abuseFlag.moved', actor: { subject: 'omar' }, details: { to: 'resolved', outcome: 'dismissed' } }]);
    // Another account's flags and score are untouched.
    expect((await flags.score('account', 'acc-3'))?.at).toBe(SCORED);
  });

  it('confirms it: the flag keeps counting, so only the decision is published', async () => {
    const { router, events } = await desk();
    await router.answer(move(hft, { state: 'acknowledged', note: 'looking' }, 'c-1'));
    const response = await router.answer(move(hft, { state: 'resolved', outcome: 'confirmed', note: 'a tick scalper: warned' }, 'c-2'));
    expect(json(response)).toMatchObject({ state: 'resolved', outcome: 'confirmed' });
    expect(events.published.map((event) => event.type)).toEqual(['AbuseFlagResolved']);
  });

  it('raises an alert when a resolve leaves a score that reaches the threshold from below', async () => {
    // The device link is new since trd-1 was last scored (30): without hedging, 30 (HFT) + 25 (device) = 55 reaches 50 from below.
    const identities = new MemoryIdentityLinks([]);
    const { router, events, flags } = await desk({ identities });
    identities.links.push(device);
    await flags.saveScore({ subject: 'trader', subjectId: 'trd-1', score: 30, parts: [], at: SCORED });
    await router.answer(move(hedging, { state: 'resolved', outcome: 'dismissed', note: 'no hedge after all' }, 'al-1'));
    expect(events.published.map((event) => [event.type, 'subject' in event ? event.subject : null, 'score' in event ? event.score : null])).toEqual([
      ['AbuseFlagResolved', null, null],
      ['RiskScoreChanged', 'account', 30],
      ['RiskScoreChanged', 'trader', 55],
      ['RiskAlertRaised', 'trader', 55],
    ]);
    expect(events.ofType('RiskAlertRaised')[0]).toMatchObject({ alertAtScore: 50 });
  });

  it('judges by the default policy when the program is gone', async () => {
    const { router, flags } = await desk({ programs: new MemoryProgramStore([]) });
    await router.answer(move(hedging, { state: 'resolved', outcome: 'dismissed', note: 'fine' }, 'g-1'));
    expect((await flags.score('account', 'acc-1'))?.score).toBe(25);
  });

  it('answers a resend with the first answer, moving and publishing once', async () => {
    const { router, flags, events, audit } = await desk();
    const request = move(hedging, { state: 'resolved', outcome: 'dismissed', note: 'fine' }, 'k-1');
    const first = await router.answer(request);
    const again = await router.answer(request);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect([flags.moves.length, events.published.length, audit.entries.length]).toEqual([1, 3, 1]);
  });

  it('finishes a resolve whose publish failed when the same request is resent: no second move, the same events', async () => {
    const events = new MemoryAbuseEvents();
    let failures = 1;
    const publish = events.publish.bind(events);
    events.publish = async (batch) => (failures-- > 0 ? Promise.reject(new Error('bus unavailable')) : publish(batch));
    const { router, flags, audit } = await desk({ abuseEvents: events });
    published.push(events);
    const request = move(hedging, { state: 'resolved', outcome: 'dismissed', note: 'fine' }, 'f-1');
    await expect(router.answer(request)).rejects.toThrow('bus unavailable');
    const response = await router.answer(request);
    expect(response.status).toBe(200);
    expect(flags.moves.map(({ move: { to } }) => to)).toEqual(['resolved', 'resolved']);
    expect((await flags.getFlag(hedging.flagId))?.decisionId).toBe((json(response) as { decisionId: string }).decisionId);
    // The scores were saved by the first attempt; the resend announces them all the same.
    expect(events.published.map((event) => [event.type, 'score' in event ? event.score : null])).toEqual([
      ['AbuseFlagResolved', null],
      ['RiskScoreChanged', 30],
      ['RiskScoreChanged', 55],
    ]);
    expect(audit.entries).toHaveLength(1);
    expect(json(await router.answer(call('GET', '/v1/accounts/acc-1/risk/history'))).items).toHaveLength(2);
  });

  it('refuses a move its state does not allow with 409 saying who resolved it, and an unknown flag with 404', async () => {
    const { router, events, audit } = await desk();
    await router.answer(move(hedging, { state: 'resolved', outcome: 'confirmed', note: 'hedging with a relative' }, 'x-1'));
    for (const body of [
      { state: 'acknowledged', note: 'late' },
      { state: 'resolved', outcome: 'dismissed', note: 'second opinion' },
    ]) {
      const refused = await router.answer(move(hedging, body, `x-${body.state}`, { subject: 'omar' }));
      expect(refused.status).toBe(409);
      expect(json(refused)).toMatchObject({ type: 'urn:propdesk:problem:flag-move-not-allowed', detail: 'The flag is resolved as confirmed (by anna); from there it may go to no other state.' });
    }
    expect((await router.answer(move(abuseFlag({ accountId: 'acc-9' }), { state: 'acknowledged', note: 'x' }, 'x-9'))).status).toBe(404);
    expect(audit.entries).toHaveLength(1);
    expect(events.published.map((event) => event.type)).toEqual(['AbuseFlagResolved']);
  });
});

describe('the risk views', () => {
  it("shows an account's latest score with what makes it up, and its flags, paged", async () => {
    const { router } = await desk();
    const risk = json(await router.answer(call('GET', '/v1/accounts/acc-1/risk', { query: { limit: '1' } })));
    expect(risk.score).toEqual({
      subject: 'account',
      subjectId: 'acc-1',
      score: 70,
      time: '2026-03-02T10:00:00.000Z',
      parts: [
        { signal: 'hedging', weight: 40, evidence: [hedging.flagId], explanation: `1 flag: ${hedging.message}` },
        { signal: 'hft', weight: 30, evidence: [hft.flagId], explanation: `1 flag: ${hft.message}` },
      ],
    });
    const flags = risk.flags as { items: Array<{ flagId: string }>; cursor: string };
    expect(flags.items.map((item) => item.flagId)).toEqual([hft.flagId]);
    const next = json(await router.answer(call('GET', '/v1/accounts/acc-1/risk', { query: { cursor: flags.cursor } })));
    expect((next.flags as { items: Array<{ flagId: string }> }).items.map((item) => item.flagId)).toEqual([hedging.flagId]);
    expect(json(await router.answer(call('GET', '/v1/accounts/acc-none/risk', { roles: ['admin'] })))).toEqual({ score: null, flags: { items: [] } });
  });

  it("shows a trader's score and every identity they share, with times as ISO 8601", async () => {
    const { router } = await desk();
    const risk = json(await router.answer(call('GET', '/v1/traders/trd-1/risk')));
    expect(risk).toEqual({
      score: {
        subject: 'trader',
        subjectId: 'trd-1',
        score: 95,
        time: '2026-03-02T10:00:00.000Z',
        parts: [
          { signal: 'hedging', weight: 40, evidence: [hedging.flagId], explanation: expect.any(String) },
          { signal: 'hft', weight: 30, evidence: [hft.flagId], explanation: expect.any(String) },
          { signal: 'link:device', weight: 25, evidence: ['device …3f9a'], explanation: 'shares a device with trd-2' },
        ],
      },
      links: [{ kind: 'device', shown: 'device …3f9a', traderIds: ['trd-1', 'trd-2'], firstSeen: ['2026-02-20T08:00:00.000Z', '2026-02-21T08:00:00.000Z'] }],
    });
    expect(json(await router.answer(call('GET', '/v1/traders/trd-none/risk')))).toEqual({ score: null, links: [] });
  });

  it("lists an account's and a trader's scores newest first, paged", async () => {
    const { router } = await desk();
    await router.answer(move(hedging, { state: 'resolved', outcome: 'dismissed', note: 'fine' }, 'h-1'));
    const history = async (path: string, query: Record<string, string> = {}) => json(await router.answer(call('GET', path, { query })));
    const account = await history('/v1/accounts/acc-1/risk/history');
    expect((account.items as Array<{ score: number; time: string }>).map((item) => [item.score, item.time])).toEqual([
      [30, DECIDED_ISO],
      [70, '2026-03-02T10:00:00.000Z'],
    ]);
    const first = await history('/v1/traders/trd-1/risk/history', { limit: '1' });
    expect((first.items as Array<{ score: number }>).map((item) => item.score)).toEqual([55]);
    const second = await history('/v1/traders/trd-1/risk/history', { limit: '1', cursor: first.cursor as string });
    expect(second).toEqual({ items: [expect.objectContaining({ subject: 'trader', score: 95 })] });
    expect(await history('/v1/traders/trd-none/risk/history')).toEqual({ items: [] });
    expect((await router.answer(call('GET', '/v1/accounts/acc-1/risk/history', { query: { cursor: first.cursor as string } }))).status).toBe(422);
  });
});

describe('the abuse routes in the API description', () => {
  it('documents each of them', () => {
    const paths = (describeApi() as { paths: Record<string, Record<string, { description?: string }>> }).paths;
    expect(Object.keys(paths['/v1/risk/flags']!)).toEqual(['get']);
    expect(Object.keys(paths['/v1/risk/flags/{flagId}']!).sort()).toEqual(['get', 'post']);
    for (const path of ['/v1/accounts/{accountId}/risk', '/v1/accounts/{accountId}/risk/history', '/v1/traders/{traderId}/risk', '/v1/traders/{traderId}/risk/history']) {
      expect(paths[path]!['get']!.description).toBe('Roles: risk, admin.');
    }
  });
});
