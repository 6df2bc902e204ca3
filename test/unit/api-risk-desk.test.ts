/**
 * The risk desk's routes and what they write: overrides on the trade stream, the queue's moves, the audit
 * log, the program dry-run over stored histories, and the account views (objectives, risk, series).
 */
import { describe, expect, it } from 'vitest';
import { ApiRouter } from '../../shared/api/router.js';
import { API_ROUTES, type ApiDeps } from '../../shared/api/routes.js';
import type { Role } from '../../shared/auth/roles.js';
import { toWire, type OverrideEvent } from '../../shared/domain/events.js';
import type { Program } from '../../shared/domain/program.js';
import { openAccount } from '../../shared/domain/state.js';
import type { AuditEntry } from '../../shared/ports/audit-log.js';
import { getPreset } from '../../shared/presets/index.js';
import type { DomainEvent } from '../../shared/stream/domain-events.js';
import { domainEventSample } from '../support/domain-events.js';
import { memoryApiDeps, MemoryTradeStream } from '../support/api-deps.js';
import { MemoryAccountHistory } from '../support/account-history.js';
import { MemoryAccountReader } from '../support/account-reader.js';
import { MemoryAuditLog } from '../support/audit-log.js';
import { events } from '../support/events.js';
import { MemoryIdempotencyStore } from '../support/idempotency-store.js';
import { MemoryProgramStore } from '../support/program-store.js';
import { MemoryRiskQueue } from '../support/risk-queue.js';
import { call, json } from '../support/api-calls.js';

const current = getPreset('two-step-static')!;
/** The same challenge with a daily loss of 3% instead of 5%. */
const tighter: Program = {
  ...current,
  version: 2,
  phases: current.phases.map((phase) => ({ ...phase, rules: phase.rules.map((rule) => (rule.kind === 'dailyLoss' ? { ...rule, limit: { bps: 300, of: 'initial' as const } } : rule)) })),
};
const OPENED = Date.parse('2026-03-02T08:00:00Z');
const DECIDED = Date.parse('2026-03-04T09:30:00Z');


interface Desk {
  readonly router: ApiRouter<ApiDeps>;
  readonly stream: MemoryTradeStream;
  readonly audit: MemoryAuditLog;
  readonly riskQueue: MemoryRiskQueue;
  readonly history: MemoryAccountHistory;
}

function desk(deps: Partial<ApiDeps> = {}): Desk {
  const stream = new MemoryTradeStream();
  const audit = new MemoryAuditLog();
  const riskQueue = new MemoryRiskQueue();
  const history = new MemoryAccountHistory();
  const accounts = new MemoryAccountReader(
    [
      openAccount(current, { tenant: 'acme', accountId: 'acc-1', traderId: 'ada', openedAt: OPENED }),
      { ...openAccount(current, { tenant: 'acme', accountId: 'acc-2', traderId: 'ben', openedAt: OPENED }), equity: 9_560_000, clock: OPENED + 3_600_000 },
      { ...openAccount(tighter, { tenant: 'acme', accountId: 'other-3', traderId: 'ben', openedAt: OPENED }), equity: 9_900_000 },
    ],
    [
      { ...domainEventSample('DayClosed', 'acc-1', '2026-03-02T23:00:00.000Z', 'd1'), day: '2026-03-02' } as DomainEvent,
      { ...domainEventSample('DayClosed', 'acc-1', '2026-03-03T23:00:00.000Z', 'd2'), day: '2026-03-03' } as DomainEvent,
    ],
  );
  const all = { tradeStream: stream, audit, riskQueue, history, accounts, programs: new MemoryProgramStore([current, tighter]), ...deps };
  const router = new ApiRouter<ApiDeps>(API_ROUTES, memoryApiDeps(all), { rolesClaim: 'roles', idempotency: new MemoryIdempotencyStore(), now: () => DECIDED });
  return { router, stream: all.tradeStream as MemoryTradeStream, audit: all.audit as MemoryAuditLog, riskQueue, history };
}


describe('overrides', () => {
  const override = (body: unknown, key = 'k-1', roles: Role[] = ['risk']) => call('POST', '/v1/accounts/acc-1/overrides', { body, key, roles });
  const reinstate = { reason: 'bridge sent a stale equity of 0', change: { action: 'reinstate' } };

  it('puts the decision on the trade stream for the evaluator and appends it to the audit log, under one id', async () => {
    const { router, stream, audit } = desk();
    const response = await router.answer(override(reinstate));
    expect(response.status).toBe(202);
    const accepted = json(response);
    expect(accepted).toEqual({
      overrideId: expect.stringMatching(/^[0-9a-f]{32}$/),
      accountId: 'acc-1',
      change: { action: 'reinstate' },
      reason: 'bridge sent a stale equity of 0',
      decidedAt: '2026-03-04T09:30:00.000Z',
      outcome: '/v1/accounts/acc-1/overrides',
    });
    expect(stream.events).toEqual<OverrideEvent[]>([
      { type: 'override', schemaVersion: 1, tenant: 'acme', accountId: 'acc-1', overrideId: accepted.overrideId as string, time: DECIDED, actor: 'anna', reason: reinstate.reason, change: { action: 'reinstate' } },
    ]);
    expect(audit.entries).toEqual<AuditEntry[]>([
      {
        id: accepted.overrideId as string,
        time: '2026-03-04T09:30:00.000Z',
        actor: { subject: 'anna', roles: ['risk'] },
        action: 'account.overrideRequested',
        target: { kind: 'account', id: 'acc-1' },
        reason: reinstate.reason,
        details: { overrideId: accepted.overrideId, change: { action: 'reinstate' } },
      },
    ]);
  });

  it('answers a resend with the first answer, writing nothing again', async () => {
    const { router, stream, audit } = desk();
    const first = await router.answer(override(reinstate));
    const again = await router.answer(override(reinstate));
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect([stream.events.length, audit.entries.length]).toEqual([1, 1]);
  });

  it('keeps the decision and its time when a resend finishes what a failed attempt began', async () => {
    let failAudit = true;
    const audit = Object.assign(new MemoryAuditLog(), {});
    const append = audit.append.bind(audit);
    audit.append = async (entry) => {
      if (failAudit) throw new Error('audit table unavailable');
      return append(entry);
    };
    let now = DECIDED;
    const stream = new MemoryTradeStream();
    const router = new ApiRouter<ApiDeps>(API_ROUTES, memoryApiDeps({ tradeStream: stream, audit, accounts: new MemoryAccountReader([openAccount(current, { tenant: 'acme', accountId: 'acc-1', openedAt: OPENED })]) }), {
      rolesClaim: 'roles',
      idempotency: new MemoryIdempotencyStore(),
      now: () => now,
    });
    await expect(router.answer(override(reinstate))).rejects.toThrow('audit table unavailable');
    failAudit = false;
    now += 60_000;
    expect((await router.answer(override(reinstate))).status).toBe(202);
    // Both attempts put the same override (the evaluator applies it once, by id); the audit has it once, at the first attempt's time.
    expect(new Set(stream.events.map((event) => JSON.stringify(event))).size).toBe(1);
    expect(audit.entries.map((entry) => [entry.id, entry.time])).toEqual([[(stream.events[0] as OverrideEvent).overrideId, '2026-03-04T09:30:00.000Z']]);
  });

  it('refuses an unknown account, a missing or blank reason, an unknown action and a zero adjustment, writing nothing', async () => {
    const { router, stream, audit } = desk();
    expect((await router.answer(call('POST', '/v1/accounts/nobody/overrides', { body: reinstate, key: 'a' }))).status).toBe(404);
    const pointers = async (body: unknown, key: string) => {
      const response = await router.answer(override(body, key));
      expect(response.status).toBe(422);
      return (json(response).errors as Array<{ pointer: string }>).map((error) => error.pointer);
    };
    expect(await pointers({ change: { action: 'fail' } }, 'b')).toEqual(['/body/reason']);
    expect(await pointers({ reason: '   ', change: { action: 'fail' } }, 'c')).toEqual(['/body/reason']);
    expect(await pointers({ reason: 'x', change: { action: 'delete' } }, 'd')).toEqual(['/body/change/action']);
    expect(await pointers({ reason: 'x', change: { action: 'adjustBalance', amount: 0 } }, 'e')).toEqual(['/body/change/amount']);
    expect(await pointers({ reason: 'x', change: { action: 'extendPeriod', days: 1.5 } }, 'f')).toEqual(['/body/change/days']);
    expect([stream.events.length, audit.entries.length]).toEqual([0, 0]);
  });

  it('is for the risk desk and admins: a trader may not override, even their own account', async () => {
    const { router, stream } = desk();
    expect((await router.answer(override(reinstate, 'k', ['trader']))).status).toBe(403);
    expect((await router.answer(override(reinstate, 'k', ['admin']))).status).toBe(202);
    expect(stream.events).toHaveLength(1);
  });
});

describe('the risk queue', () => {
  const verdicts = [domainEventSample('WarningRaised', 'acc-1', '2026-03-03T10:00:00.000Z', 'w1'), domainEventSample('ViolationRecorded', 'acc-2', '2026-03-03T11:00:00.000Z', 'v1')];
  const itemIds = async (router: ApiRouter<ApiDeps>, state = 'open') =>
    (json(await router.answer(call('GET', '/v1/risk/queue', { query: { state } }))).items as Array<{ itemId: string; verdict: DomainEvent }>).map((item) => [item.verdict.id, item.itemId] as const);

  it('lists open verdicts newest first; acknowledging and resolving move them, each move audited with its note', async () => {
    const { router, riskQueue, audit } = desk();
    riskQueue.record(verdicts);
    const open = await itemIds(router);
    expect(open.map(([id]) => id)).toEqual(['v1', 'w1']);
    const [, itemId] = open[0]!;
    const acknowledged = await router.answer(call('POST', `/v1/risk/queue/${itemId}`, { body: { state: 'acknowledged', note: 'checking the hedge' }, key: 'm-1' }));
    expect(acknowledged.status).toBe(200);
    expect(json(acknowledged)).toMatchObject({ itemId, state: 'acknowledged', handledBy: 'anna', handledAt: '2026-03-04T09:30:00.000Z', note: 'checking the hedge', verdict: { id: 'v1' } });
    expect((await itemIds(router)).map(([id]) => id)).toEqual(['w1']);
    expect((await itemIds(router, 'acknowledged')).map(([id]) => id)).toEqual(['v1']);

    const resolved = await router.answer(call('POST', `/v1/risk/queue/${itemId}`, { body: { state: 'resolved', note: 'same IP, different people: no action' }, key: 'm-2', subject: 'omar' }));
    expect(json(resolved)).toMatchObject({ state: 'resolved', handledBy: 'omar', note: 'same IP, different people: no action' });
    expect(audit.entries.map((entry) => [entry.action, entry.actor.subject, entry.target.id, entry.reason, entry.details['to']])).toEqual([
      ['riskQueue.itemMoved', 'anna', itemId, 'checking the hedge', 'acknowledged'],
      ['riskQueue.itemMoved', 'omar', itemId, 'same IP, different people: no action', 'resolved'],
    ]);
    expect(json(await router.answer(call('GET', `/v1/risk/queue/${itemId}`)))).toMatchObject({ state: 'resolved', decisionId: audit.entries[1]!.id });
  });

  it('refuses a move its state does not allow with 409 saying who handled it, and an unknown item with 404', async () => {
    const { router, riskQueue, audit } = desk();
    riskQueue.record(verdicts);
    const [[, itemId]] = (await itemIds(router)) as [readonly [string, string]];
    await router.answer(call('POST', `/v1/risk/queue/${itemId}`, { body: { state: 'resolved', note: 'done' }, key: 'a' }));
    const again = await router.answer(call('POST', `/v1/risk/queue/${itemId}`, { body: { state: 'acknowledged', note: 'late' }, key: 'b', subject: 'omar' }));
    expect(again.status).toBe(409);
    expect(json(again)).toMatchObject({ type: 'urn:propdesk:problem:queue-move-not-allowed', detail: 'The item is resolved (by anna); from there it may go to no other state.' });
    expect((await router.answer(call('POST', '/v1/risk/queue/nothing-here', { body: { state: 'resolved', note: 'x' }, key: 'c' }))).status).toBe(404);
    expect((await router.answer(call('GET', '/v1/risk/queue/nothing-here'))).status).toBe(404);
    expect((await router.answer(call('POST', `/v1/risk/queue/${itemId}`, { body: { state: 'open', note: 'x' }, key: 'd' }))).status).toBe(422);
    expect((await router.answer(call('GET', '/v1/risk/queue', { roles: ['trader'] }))).status).toBe(403);
    expect(audit.entries).toHaveLength(1);
  });

  it('finishes a move whose audit write failed when the same request is resent', async () => {
    const audit = new MemoryAuditLog();
    const append = audit.append.bind(audit);
    let failures = 1;
    audit.append = async (entry) => (failures-- > 0 ? Promise.reject(new Error('audit table unavailable')) : append(entry));
    const { router, riskQueue } = desk({ audit });
    riskQueue.record(verdicts);
    const [[, itemId]] = (await itemIds(router)) as [readonly [string, string]];
    const move = call('POST', `/v1/risk/queue/${itemId}`, { body: { state: 'acknowledged', note: 'mine' }, key: 'k' });
    await expect(router.answer(move)).rejects.toThrow('audit table unavailable');
    expect((await router.answer(move)).status).toBe(200);
    expect(audit.entries.map((entry) => entry.action)).toEqual(['riskQueue.itemMoved']);
  });
});

describe('the audit log route', () => {
  it('answers staff decisions between two days, filtered, and refuses a range it cannot read', async () => {
    const { router } = desk();
    await router.answer(call('POST', '/v1/accounts/acc-1/overrides', { body: { reason: 'r', change: { action: 'fail' } }, key: 'o' }));
    await router.answer(call('POST', '/v1/programs', { roles: ['admin'], subject: 'root', body: { ...current, id: 'fresh' }, key: 'p' }));
    const entries = async (query: Record<string, string>) => (json(await router.answer(call('GET', '/v1/audit', { query }))).items as AuditEntry[]).map((entry) => [entry.action, entry.target.id]);
    expect(await entries({ from: '2026-03-04', to: '2026-03-04' })).toEqual(
      expect.arrayContaining([
        ['account.overrideRequested', 'acc-1'],
        ['program.versionCreated', 'fresh'],
      ]),
    );
    expect(await entries({ from: '2026-03-04', to: '2026-03-04', actor: 'root' })).toEqual([['program.versionCreated', 'fresh']]);
    expect(await entries({ from: '2026-03-04', to: '2026-03-04', targetId: 'acc-1' })).toEqual([['account.overrideRequested', 'acc-1']]);
    expect(await entries({ from: '2026-03-05', to: '2026-03-31' })).toEqual([]);
    const backwards = await router.answer(call('GET', '/v1/audit', { query: { from: '2026-03-05', to: '2026-03-04' } }));
    expect(backwards.status).toBe(422);
    expect(json(backwards).errors).toEqual([{ pointer: '/query/to', message: expect.stringMatching(/must not be after/) }]);
    expect((await router.answer(call('GET', '/v1/audit', { query: { from: '2026-01-01', to: '2026-06-30' } }))).status).toBe(422);
    expect((await router.answer(call('GET', '/v1/audit', { query: { from: '2026-03-01' } }))).status).toBe(422);
    expect((await router.answer(call('GET', '/v1/audit', { roles: ['trader'], query: { from: '2026-03-01', to: '2026-03-02' } }))).status).toBe(403);
  });
});

describe('the program dry-run', () => {
  /** acc-1 loses 4% in a day: within the current 5% daily loss, past the tighter 3%. */
  async function withHistory(history: MemoryAccountHistory): Promise<void> {
    const make = events({ tenant: 'acme', accountId: 'acc-1' });
    await history.append([{ accountId: 'acc-1', ...{
      revision: 2,
      keepUntil: Date.parse('2026-07-01T00:00:00Z'),
      opening: { phaseId: 'phase-1', openedAt: OPENED, initialBalance: 10_000_000, traderId: 'ada' },
      records: [
        make.deal('2026-03-02T09:00:00Z', { positionId: 'p1', symbol: 'EURUSD', side: 'buy', volume: 10_000, entry: 'in' }),
        make.snapshot('2026-03-02T10:00:00Z', { balance: 10_000_000, equity: 9_600_000 }),
        make.deal('2026-03-02T10:01:00Z', { positionId: 'p1', symbol: 'EURUSD', side: 'sell', volume: 10_000, entry: 'out', profit: -400_000 }),
      ].map((event) => Buffer.from(JSON.stringify(toWire(event))).toString('base64')),
    } }]);
  }

  it("replays each account's stored history under its program and the candidate, and reports what would change", async () => {
    const { router, history, stream, audit } = desk();
    await withHistory(history);
    const response = await router.answer(call('POST', '/v1/programs/two-step-static/versions/2/dry-run', { body: { accountIds: ['acc-1', 'acc-2', 'nobody'] }, key: 'dry' }));
    expect(response.status).toBe(200);
    const report = json(response) as { accounts: Array<Record<string, unknown>>; skipped: unknown; summary: unknown; candidate: unknown };
    expect(report.candidate).toEqual({ programId: 'two-step-static', version: 2 });
    expect(report.skipped).toEqual([
      { accountId: 'acc-2', reason: 'no stored history yet' },
      { accountId: 'nobody', reason: 'no such account' },
    ]);
    const [account] = report.accounts;
    expect(account).toMatchObject({
      accountId: 'acc-1',
      current: { programId: 'two-step-static', version: 1 },
      events: 3,
      changed: true,
      outcome: { current: { status: 'active' }, candidate: { status: 'failed', endReason: 'dailyLoss', failedAt: '2026-03-02T10:00:00.000Z' } },
    });
    expect((account!.onlyUnderCandidate as Array<{ type: string; subject: string }>).map((verdict) => [verdict.type, verdict.subject])).toEqual(
      expect.arrayContaining([
        ['violation', 'dailyLoss'],
        ['accountFailed', 'dailyLoss'],
      ]),
    );
    expect(report.summary).toMatchObject({ accounts: 1, changed: 1 });
    // A what-if changes nothing.
    expect([stream.events.length, audit.entries.length]).toEqual([0, 0]);
  });

  it('finds nothing to change when the candidate is the current version, and refuses an unknown candidate', async () => {
    const { router, history } = desk();
    await withHistory(history);
    const same = json(await router.answer(call('POST', '/v1/programs/two-step-static/versions/1/dry-run', { body: { accountIds: ['acc-1'] }, key: 'same' })));
    expect(same.summary).toEqual({ accounts: 1, changed: 0, verdictsOnlyUnderCurrent: 0, verdictsOnlyUnderCandidate: 0 });
    expect((await router.answer(call('POST', '/v1/programs/two-step-static/versions/9/dry-run', { body: { accountIds: ['acc-1'] }, key: 'none' }))).status).toBe(404);
    expect((await router.answer(call('POST', '/v1/programs/two-step-static/versions/1/dry-run', { body: { accountIds: [] }, key: 'empty' }))).status).toBe(422);
    // Each account's history is read and replayed twice within the request: 20 at most.
    const tooMany = Array.from({ length: 21 }, (_, i) => `acc-${i}`);
    expect((await router.answer(call('POST', '/v1/programs/two-step-static/versions/1/dry-run', { body: { accountIds: tooMany }, key: 'many' }))).status).toBe(422);
  });
});

describe('the account views', () => {
  it("shows one account's objectives progress, risk band and headroom", async () => {
    const { router } = desk();
    const account = json(await router.answer(call('GET', '/v1/accounts/acc-2', { roles: ['trader'], subject: 'ben' })));
    // 4.4% down on the day of a 5% daily loss: 88% of the allowance used.
    expect(account).toMatchObject({ accountId: 'acc-2', equity: 9_560_000, dailyFloor: 9_500_000, headroom: 60_000, risk: 'high', tradingDays: 0 });
    expect(account.objectives).toEqual([
      { objective: 'profitTarget', met: false, value: 0, required: 1_000_000 },
      { objective: 'minTradingDays', met: false, value: 0, required: expect.any(Number) },
    ]);
  });

  it('filters the firm list by risk band, program, phase and id prefix', async () => {
    const { router } = desk();
    const ids = async (query: Record<string, string>) => (json(await router.answer(call('GET', '/v1/accounts', { query }))).items as Array<{ accountId: string }>).map((item) => item.accountId);
    expect(await ids({})).toEqual(['acc-1', 'acc-2', 'other-3']);
    expect(await ids({ risk: 'high' })).toEqual(['acc-2']);
    expect(await ids({ risk: 'low' })).toEqual(['acc-1', 'other-3']);
    expect(await ids({ programId: 'two-step-static', programVersion: '2' })).toEqual(['other-3']);
    expect(await ids({ idPrefix: 'acc-' })).toEqual(['acc-1', 'acc-2']);
    expect(await ids({ phaseId: 'phase-2' })).toEqual([]);
    expect(await ids({ traderId: 'ben' })).toEqual(['acc-2', 'other-3']);
    // A trader naming another trader still gets their own.
    expect((json(await router.answer(call('GET', '/v1/accounts', { roles: ['trader'], subject: 'ada', query: { traderId: 'ben' } }))).items as Array<{ accountId: string }>).map((item) => item.accountId)).toEqual(['acc-1']);
    expect((await router.answer(call('GET', '/v1/accounts', { query: { risk: 'extreme' } }))).status).toBe(422);
  });

  it('gives balance, equity and floors day by day, the running day first', async () => {
    const { router } = desk();
    const series = json(await router.answer(call('GET', '/v1/accounts/acc-1/series', { roles: ['trader'], subject: 'ada' })));
    expect((series.items as Array<{ day: string; closed: boolean }>).map((point) => [point.day, point.closed])).toEqual([
      ['2026-03-02', false],
      ['2026-03-03', true],
      ['2026-03-02', true],
    ]);
    expect((await router.answer(call('GET', '/v1/accounts/acc-1/series', { roles: ['trader'], subject: 'ben' }))).status).toBe(404);
  });
});
