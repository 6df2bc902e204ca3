/**
 * The payout routes: a trader's request (numbered per account, published as PayoutRequested, audited, once
 * per Idempotency-Key even across a released key), the listings, and the risk desk's decision, which answers
 * the payout workflow's parked task token and never moves the record itself.
 */
import { describe, expect, it } from 'vitest';
import { ApiRouter } from '../../shared/api/router.js';
import { API_ROUTES, type ApiDeps, describeApi } from '../../shared/api/routes.js';
import { payoutApprovalTokenId } from '../../shared/api/routes/payouts.js';
import type { Role } from '../../shared/auth/roles.js';
import type { Program } from '../../shared/domain/program.js';
import { openAccount } from '../../shared/domain/state.js';
import type { AuditEntry } from '../../shared/ports/audit-log.js';
import type { PayoutLedger, PayoutRecord, PayoutState } from '../../shared/ports/payouts.js';
import { getPreset } from '../../shared/presets/index.js';
import { WorkflowEvent } from '../../shared/workflows/workflow-events.js';
import { memoryApiDeps } from '../support/api-deps.js';
import { MemoryAccountReader } from '../support/account-reader.js';
import { MemoryAuditLog } from '../support/audit-log.js';
import { MemoryIdempotencyStore } from '../support/idempotency-store.js';
import { MemoryPayoutLedger } from '../support/payout-doubles.js';
import { MemoryProgramStore } from '../support/program-store.js';
import { MemoryTaskTokenStore, MemoryWorkflowEvents, RecordingTaskCallbacks } from '../support/workflow-doubles.js';
import { call as apiCall, json, type CallOptions } from '../support/api-calls.js';

/** In euros, so the payout's currency visibly comes from the program. */
const program: Program = { ...getPreset('two-step-static')!, currency: 'EUR' };
const OPENED = Date.parse('2026-03-02T08:00:00Z');
const REQUESTED = Date.parse('2026-04-06T09:30:00Z');
const REQUESTED_ISO = '2026-04-06T09:30:00.000Z';

interface Desk {
  readonly router: ApiRouter<ApiDeps>;
  readonly payouts: PayoutLedger;
  readonly events: MemoryWorkflowEvents;
  readonly audit: MemoryAuditLog;
  readonly tokens: MemoryTaskTokenStore;
  readonly callbacks: RecordingTaskCallbacks;
  /** Moves the router's clock. */
  at(time: number): void;
}

function desk(deps: Partial<ApiDeps> = {}): Desk {
  const accounts = new MemoryAccountReader([
    { ...openAccount(program, { tenant: 'acme', accountId: 'acc-1', traderId: 'ada', openedAt: OPENED }), tradingDays: 12, profitableDays: 7 },
    openAccount(program, { tenant: 'acme', accountId: 'acc-2', traderId: 'ben', openedAt: OPENED }),
    { ...openAccount(program, { tenant: 'acme', accountId: 'acc-failed', traderId: 'ada', openedAt: OPENED }), status: 'failed', endReason: 'maxLoss' },
  ]);
  const all = {
    accounts,
    programs: new MemoryProgramStore([program]),
    payouts: new MemoryPayoutLedger(),
    workflowEvents: new MemoryWorkflowEvents(),
    audit: new MemoryAuditLog(),
    taskTokens: new MemoryTaskTokenStore(),
    taskCallbacks: new RecordingTaskCallbacks(),
    ...deps,
  };
  let now = REQUESTED;
  const router = new ApiRouter<ApiDeps>(API_ROUTES, memoryApiDeps(all), { rolesClaim: 'roles', idempotency: new MemoryIdempotencyStore(), now: () => now });
  return {
    router,
    payouts: all.payouts,
    events: all.workflowEvents as MemoryWorkflowEvents,
    audit: all.audit as MemoryAuditLog,
    tokens: all.taskTokens as MemoryTaskTokenStore,
    callbacks: all.taskCallbacks as RecordingTaskCallbacks,
    at: (time) => {
      now = time;
    },
  };
}

/** Ada, a trader, unless told otherwise. */
const call = (method: string, path: string, { roles = ['trader'], subject = 'ada', ...rest }: CallOptions = {}) => apiCall(method, path, { roles, subject, ...rest });
const ids = (response: { body: string }) => (json(response).items as Array<{ payoutId: string }>).map((item) => item.payoutId);

const IBAN = 'DE89370400440532013000';
const request = (body: unknown = { amount: 150_000, rail: 'bank', destination: IBAN }, options: CallOptions & { account?: string } = {}) =>
  call('POST', `/v1/accounts/${options.account ?? 'acc-1'}/payouts`, { key: 'k-1', body, ...options });

/** A payout as the workflow leaves it, stored through the port. */
async function stored(payouts: PayoutLedger, fields: Partial<PayoutRecord> & { accountId: string; number: number }, state: PayoutState = 'requested'): Promise<PayoutRecord> {
  const record: PayoutRecord = {
    payoutId: `${fields.accountId}:${fields.number}`,
    traderId: 'ada',
    state: 'requested',
    requestedAt: OPENED,
    updatedAt: OPENED,
    amount: 100_000,
    currency: 'EUR',
    rail: 'bank',
    destination: IBAN,
    gates: null,
    split: null,
    decision: null,
    settlement: null,
    daysAtRequest: { trading: 0, profitable: 0 },
    ...fields,
  };
  expect(await payouts.create(record)).toBe(true);
  if (state === 'requested') return record;
  const path: PayoutState[] = { requested: [], awaitingApproval: ['awaitingApproval'], approved: ['approved'], rejected: ['rejected'], instructed: ['approved', 'instructed'], settled: ['approved', 'instructed', 'settled'], failed: ['approved', 'instructed', 'failed'] }[state] as PayoutState[];
  let from: PayoutState = 'requested';
  for (const to of path) {
    const moved = await payouts.move(record.payoutId, from, to, {}, record.requestedAt + 1);
    expect(moved.moved).toBe(true);
    from = to;
  }
  return (await payouts.get(record.payoutId))!;
}

describe('POST /v1/accounts/{accountId}/payouts', () => {
  it("creates the trader's request as payout 1, publishes PayoutRequested and audits it", async () => {
    const { router, payouts, events, audit } = desk();
    const response = await router.answer(request());
    expect(response.status).toBe(202);
    expect(json(response)).toEqual({
      payoutId: 'acc-1:1',
      accountId: 'acc-1',
      traderId: 'ada',
      number: 1,
      state: 'requested',
      requestedAt: REQUESTED_ISO,
      updatedAt: REQUESTED_ISO,
      amount: 150_000,
      currency: 'EUR',
      rail: 'bank',
      destination: IBAN,
      gates: null,
      split: null,
      decision: null,
      settlement: null,
      daysAtRequest: { trading: 12, profitable: 7 },
    });
    expect(await payouts.get('acc-1:1')).toMatchObject({ state: 'requested', requestedAt: REQUESTED, updatedAt: REQUESTED, traderId: 'ada', currency: 'EUR', daysAtRequest: { trading: 12, profitable: 7 } });
    expect(events.published).toEqual<WorkflowEvent[]>([
      { type: 'PayoutRequested', id: 'acc-1:1', time: REQUESTED_ISO, payoutId: 'acc-1:1', accountId: 'acc-1', traderId: 'ada', amount: 150_000, currency: 'EUR', rail: 'bank' },
    ]);
    // The event is one of the contract's.
    expect(WorkflowEvent.parse(events.published[0])).toEqual(events.published[0]);
    expect(audit.entries).toEqual<AuditEntry[]>([
      {
        id: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown as string,
        time: REQUESTED_ISO,
        actor: { subject: 'ada', roles: ['trader'] },
        action: 'payout.requested',
        target: { kind: 'payout', id: 'acc-1:1' },
        reason: null,
        details: { accountId: 'acc-1', traderId: 'ada', number: 1, amount: 150_000, currency: 'EUR', rail: 'bank' },
      },
    ]);
  });

  it("numbers the account's next request 2, and lets an admin request for the account's trader", async () => {
    const { router, payouts, events } = desk();
    expect((await router.answer(request())).status).toBe(202);
    const second = await router.answer(request({ amount: 90_000, rail: 'crypto', destination: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh' }, { key: 'k-2', roles: ['admin'], subject: 'root' }));
    expect(second.status).toBe(202);
    expect(json(second)).toMatchObject({ payoutId: 'acc-1:2', number: 2, traderId: 'ada', rail: 'crypto', amount: 90_000 });
    expect((await payouts.listForAccount('acc-1', { limit: 10 })).items.map((record) => record.payoutId)).toEqual(['acc-1:2', 'acc-1:1']);
    expect(events.published.map((event) => event.id)).toEqual(['acc-1:1', 'acc-1:2']);
  });

  it('answers a resend with the same key with the first answer, creating and publishing nothing more', async () => {
    const { router, payouts, events, audit, at } = desk();
    const first = await router.answer(request());
    at(REQUESTED + 60_000);
    const again = await router.answer(request());
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect((await payouts.listForAccount('acc-1', { limit: 10 })).items).toHaveLength(1);
    expect([events.published.length, audit.entries.length]).toEqual([1, 1]);
  });

  it('finishes, rather than repeats, a request whose first attempt created the payout and then failed', async () => {
    let failPublish = true;
    const events = new MemoryWorkflowEvents();
    const publish = events.publish.bind(events);
    events.publish = async (published) => {
      if (failPublish) throw new Error('bus unavailable');
      return publish(published);
    };
    const { router, payouts, audit, at } = desk({ workflowEvents: events });
    await expect(router.answer(request())).rejects.toThrow('bus unavailable');
    failPublish = false;
    at(REQUESTED + 60_000);
    const retried = await router.answer(request());
    expect(retried.status).toBe(202);
    expect(json(retried)).toMatchObject({ payoutId: 'acc-1:1', requestedAt: REQUESTED_ISO });
    expect((await payouts.listForAccount('acc-1', { limit: 10 })).items.map((record) => record.payoutId)).toEqual(['acc-1:1']);
    expect(events.published.map((event) => event.id)).toEqual(['acc-1:1']);
    expect(audit.entries.map((entry) => [entry.target.id, entry.time])).toEqual([['acc-1:1', REQUESTED_ISO]]);
  });

  it('takes the next number when a concurrent request took the one it read, and answers 503 (the key released) when every try is taken', async () => {
    const payouts = new MemoryPayoutLedger();
    // A concurrent request stored payout 1 after this one read the account's payouts.
    await stored(payouts, { accountId: 'acc-1', number: 1, traderId: 'ada' });
    const listForAccount = payouts.listForAccount.bind(payouts);
    let stale = true;
    payouts.listForAccount = async (accountId, page) => (stale ? { items: [] } : listForAccount(accountId, page));
    const { router, at } = desk({ payouts });
    const raced = await router.answer(request());
    expect(raced.status).toBe(202);
    expect(json(raced)).toMatchObject({ payoutId: 'acc-1:2', number: 2 });

    stale = false;
    at(REQUESTED + 60_000);
    const create = payouts.create.bind(payouts);
    const tried: string[] = [];
    payouts.create = async (record) => {
      tried.push(record.payoutId);
      return false;
    };
    const contended = await router.answer(request(undefined, { key: 'k-2' }));
    expect(contended.status).toBe(503);
    expect(json(contended).type).toBe('urn:propdesk:problem:payout-contended');
    expect(tried).toEqual(['acc-1:3', 'acc-1:4', 'acc-1:5', 'acc-1:6']);
    // The key was released: resending it runs again.
    payouts.create = create;
    const resent = await router.answer(request(undefined, { key: 'k-2' }));
    expect(resent.status).toBe(202);
    expect(json(resent)).toMatchObject({ payoutId: 'acc-1:3' });
  });

  it("answers a trader's request on another trader's account, and on an unknown one, as missing", async () => {
    const { router, payouts, events, audit } = desk();
    const others = await router.answer(request(undefined, { account: 'acc-2' }));
    expect(others.status).toBe(404);
    expect((await router.answer(request(undefined, { account: 'nobody', key: 'k-2' }))).status).toBe(404);
    expect((await payouts.listForAccount('acc-2', { limit: 10 })).items).toEqual([]);
    expect([events.published.length, audit.entries.length]).toEqual([0, 0]);
  });

  it('refuses a payout from an account that is not active with 409', async () => {
    const { router, payouts, events } = desk();
    const response = await router.answer(request(undefined, { account: 'acc-failed' }));
    expect(response.status).toBe(409);
    expect(json(response)).toMatchObject({ type: 'urn:propdesk:problem:payout-not-allowed', detail: expect.stringContaining('failed') });
    expect((await payouts.listForAccount('acc-failed', { limit: 10 })).items).toEqual([]);
    expect(events.published).toEqual([]);
  });

  it('names every field at fault: a zero amount, an unknown rail, a short destination', async () => {
    const { router, payouts } = desk();
    const pointers = async (body: unknown, key: string) => {
      const response = await router.answer(request(body, { key }));
      expect(response.status).toBe(422);
      return (json(response).errors as Array<{ pointer: string }>).map((error) => error.pointer).sort();
    };
    expect(await pointers({ amount: 0, rail: 'bank', destination: IBAN }, 'a')).toEqual(['/body/amount']);
    expect(await pointers({ amount: 100, rail: 'cash', destination: IBAN }, 'b')).toEqual(['/body/rail']);
    expect(await pointers({ amount: 10.5, rail: 'bank', destination: 'DE8' }, 'c')).toEqual(['/body/amount', '/body/destination']);
    expect(await pointers({ amount: 100, rail: 'bank', destination: IBAN, currency: 'USD' }, 'd')).toEqual(['/body']);
    expect((await payouts.listForAccount('acc-1', { limit: 10 })).items).toEqual([]);
  });

  it('is for traders and admins: the risk desk does not request payouts', async () => {
    const { router } = desk();
    expect((await router.answer(request(undefined, { roles: ['risk'], subject: 'anna' }))).status).toBe(403);
  });
});

describe('payout listings', () => {
  it("lists an account's payouts newest first, a page at a time, to its trader and the staff only", async () => {
    const { router, at } = desk();
    for (const [index, amount] of [100_000, 110_000, 120_000].entries()) {
      at(REQUESTED + index * 86_400_000);
      expect((await router.answer(request({ amount, rail: 'bank', destination: IBAN }, { key: `k-${index}` }))).status).toBe(202);
    }
    const first = await router.answer(call('GET', '/v1/accounts/acc-1/payouts', { query: { limit: '2' } }));
    expect(ids(first)).toEqual(['acc-1:3', 'acc-1:2']);
    const next = await router.answer(call('GET', '/v1/accounts/acc-1/payouts', { query: { limit: '2', cursor: json(first).cursor as string } }));
    expect(ids(next)).toEqual(['acc-1:1']);
    expect(json(next).cursor).toBeUndefined();
    expect(ids(await router.answer(call('GET', '/v1/accounts/acc-1/payouts', { roles: ['risk'], subject: 'anna' })))).toEqual(['acc-1:3', 'acc-1:2', 'acc-1:1']);
    expect((await router.answer(call('GET', '/v1/accounts/acc-1/payouts', { subject: 'ben' }))).status).toBe(404);
  });

  it("shows one payout to the staff and its own trader, and another trader's as missing", async () => {
    const { router, payouts } = desk();
    await stored(payouts, { accountId: 'acc-2', number: 1, traderId: 'ben' }, 'awaitingApproval');
    const path = '/v1/payouts/acc-2:1';
    expect(json(await router.answer(call('GET', path, { subject: 'ben' })))).toMatchObject({ payoutId: 'acc-2:1', traderId: 'ben', state: 'awaitingApproval' });
    expect((await router.answer(call('GET', path, { roles: ['risk'], subject: 'anna' }))).status).toBe(200);
    expect((await router.answer(call('GET', '/v1/payouts/acc-2%3A1', { roles: ['admin'], subject: 'root' }))).status).toBe(200);
    expect((await router.answer(call('GET', path, { subject: 'ada' }))).status).toBe(404);
    expect((await router.answer(call('GET', '/v1/payouts/acc-2:9', { roles: ['risk'] }))).status).toBe(404);
    expect((await router.answer(call('GET', '/v1/payouts/not-a-payout', { roles: ['risk'] }))).status).toBe(404);
  });

  it("gives the risk desk the firm's payouts in one state, oldest first, awaiting approval by default", async () => {
    const { router, payouts } = desk();
    await stored(payouts, { accountId: 'acc-2', number: 1, traderId: 'ben', requestedAt: OPENED + 2_000 }, 'awaitingApproval');
    await stored(payouts, { accountId: 'acc-1', number: 1, requestedAt: OPENED + 1_000 }, 'awaitingApproval');
    await stored(payouts, { accountId: 'acc-1', number: 2, requestedAt: OPENED + 3_000 }, 'settled');
    await stored(payouts, { accountId: 'acc-1', number: 3, requestedAt: OPENED + 4_000 });
    const staff = { roles: ['risk'] as Role[], subject: 'anna' };
    expect(ids(await router.answer(call('GET', '/v1/payouts', staff)))).toEqual(['acc-1:1', 'acc-2:1']);
    expect(ids(await router.answer(call('GET', '/v1/payouts', { ...staff, query: { state: 'settled' } })))).toEqual(['acc-1:2']);
    expect(ids(await router.answer(call('GET', '/v1/payouts', { ...staff, query: { state: 'requested' } })))).toEqual(['acc-1:3']);
    const paged = await router.answer(call('GET', '/v1/payouts', { ...staff, query: { limit: '1' } }));
    expect(ids(paged)).toEqual(['acc-1:1']);
    expect(ids(await router.answer(call('GET', '/v1/payouts', { ...staff, query: { limit: '1', cursor: json(paged).cursor as string } })))).toEqual(['acc-2:1']);
    expect((await router.answer(call('GET', '/v1/payouts', { ...staff, query: { state: 'pending' } }))).status).toBe(422);
    expect((await router.answer(call('GET', '/v1/payouts'))).status).toBe(403);
  });
});

describe('POST /v1/payouts/{payoutId}/decision', () => {
  const NOTE = 'consistent trading, verified by hand';
  const decide = (body: unknown, options: CallOptions & { payoutId?: string } = {}) =>
    call('POST', `/v1/payouts/${options.payoutId ?? 'acc-1:1'}/decision`, { roles: ['risk'], subject: 'anna', key: 'd-1', body, ...options });

  /** acc-1:1 awaiting approval, its workflow parked on `tok-1`. */
  async function waiting(deps: Partial<ApiDeps> = {}) {
    const setup = desk(deps);
    await stored(setup.payouts, { accountId: 'acc-1', number: 1 }, 'awaitingApproval');
    await setup.tokens.save(payoutApprovalTokenId('acc-1:1'), 'tok-1', REQUESTED + 86_400_000);
    return setup;
  }

  it('parks the approval token under approve:<payoutId>', () => {
    expect(payoutApprovalTokenId('acc-1:1')).toBe('approve:acc-1:1');
  });

  it("approves: resumes the parked workflow with the analyst and the note, discards the token, audits, and leaves the record to the workflow", async () => {
    const { router, payouts, tokens, callbacks, audit } = await waiting();
    const response = await router.answer(decide({ decision: 'approve', note: NOTE }));
    expect(response.status).toBe(200);
    expect(json(response)).toEqual({ payoutId: 'acc-1:1', decision: 'approve', by: 'anna', at: REQUESTED_ISO });
    expect(callbacks.calls).toEqual([{ kind: 'succeed', token: 'tok-1', output: { approvedBy: 'anna', note: NOTE } }]);
    expect(tokens.tokens.has('approve:acc-1:1')).toBe(false);
    expect(audit.entries).toEqual<AuditEntry[]>([
      {
        id: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown as string,
        time: REQUESTED_ISO,
        actor: { subject: 'anna', roles: ['risk'] },
        action: 'payout.approved',
        target: { kind: 'payout', id: 'acc-1:1' },
        reason: NOTE,
        details: { accountId: 'acc-1', traderId: 'ada', amount: 100_000, currency: 'EUR' },
      },
    ]);
    expect((await payouts.get('acc-1:1'))!.state).toBe('awaitingApproval');
  });

  it('rejects: fails the parked workflow with PayoutDeclined, the analyst and the note, and audits', async () => {
    const { router, tokens, callbacks, audit } = await waiting();
    const response = await router.answer(decide({ decision: 'reject', note: 'profit from a single news spike' }, { roles: ['admin'], subject: 'root' }));
    expect(response.status).toBe(200);
    expect(json(response)).toMatchObject({ decision: 'reject', by: 'root' });
    expect(callbacks.calls).toEqual([{ kind: 'fail', token: 'tok-1', error: 'PayoutDeclined', cause: JSON.stringify({ rejectedBy: 'root', note: 'profit from a single news spike' }) }]);
    expect(tokens.tokens.size).toBe(0);
    expect(audit.entries.map((entry) => [entry.action, entry.reason])).toEqual([['payout.rejected', 'profit from a single news spike']]);
  });

  it('answers a resend with the same key with the first answer, resuming the workflow once', async () => {
    const { router, callbacks, audit } = await waiting();
    const first = await router.answer(decide({ decision: 'approve', note: NOTE }));
    const again = await router.answer(decide({ decision: 'approve', note: NOTE }));
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect([callbacks.calls.length, audit.entries.length]).toEqual([1, 1]);
  });

  it('finishes a decision whose first attempt resumed the workflow and then failed, once the workflow has moved the payout', async () => {
    let failAudit = true;
    const audit = new MemoryAuditLog();
    const append = audit.append.bind(audit);
    audit.append = async (entry) => {
      if (failAudit) throw new Error('audit table unavailable');
      return append(entry);
    };
    const { router, payouts, callbacks, at } = await waiting({ audit });
    await expect(router.answer(decide({ decision: 'approve', note: NOTE }))).rejects.toThrow('audit table unavailable');
    // The workflow resumed and moved the payout with the analyst's decision.
    expect((await payouts.move('acc-1:1', 'awaitingApproval', 'approved', { decision: { by: 'anna', note: NOTE, at: REQUESTED + 5 } }, REQUESTED + 5)).moved).toBe(true);
    failAudit = false;
    at(REQUESTED + 60_000);
    const resent = await router.answer(decide({ decision: 'approve', note: NOTE }));
    expect(resent.status).toBe(200);
    expect(json(resent)).toEqual({ payoutId: 'acc-1:1', decision: 'approve', by: 'anna', at: REQUESTED_ISO });
    expect(callbacks.calls).toHaveLength(1);
    expect(audit.entries.map((entry) => [entry.action, entry.time])).toEqual([['payout.approved', REQUESTED_ISO]]);
    // Someone else's decision is not taken for a resend of this one.
    const other = await router.answer(decide({ decision: 'approve', note: NOTE }, { subject: 'bob', key: 'd-2' }));
    expect(other.status).toBe(409);
  });

  it('refuses a payout that is not awaiting approval with 409 naming its state, answering no workflow', async () => {
    const { router, payouts, tokens, callbacks } = desk();
    await stored(payouts, { accountId: 'acc-1', number: 1 });
    await tokens.save(payoutApprovalTokenId('acc-1:1'), 'tok-1', REQUESTED + 86_400_000);
    const response = await router.answer(decide({ decision: 'approve', note: NOTE }));
    expect(response.status).toBe(409);
    expect(json(response)).toMatchObject({ type: 'urn:propdesk:problem:payout-not-awaiting-approval', detail: expect.stringContaining('is requested') });
    expect(callbacks.calls).toEqual([]);
    expect(tokens.tokens.has('approve:acc-1:1')).toBe(true);
  });

  it('answers 409 when no workflow waits for the decision', async () => {
    const { router, payouts, callbacks, audit } = desk();
    await stored(payouts, { accountId: 'acc-1', number: 1 }, 'awaitingApproval');
    const response = await router.answer(decide({ decision: 'approve', note: NOTE }));
    expect(response.status).toBe(409);
    expect(json(response)).toMatchObject({ type: 'urn:propdesk:problem:payout-not-waiting', detail: expect.stringContaining('not waiting for a decision') });
    expect([callbacks.calls.length, audit.entries.length]).toEqual([0, 0]);
  });

  it("answers 409 when the workflow's wait ended before the callback (timed out), auditing nothing", async () => {
    const { router, callbacks, audit, tokens } = await waiting();
    callbacks.waiting = false;
    const response = await router.answer(decide({ decision: 'reject', note: NOTE }));
    expect(response.status).toBe(409);
    expect(json(response).detail).toMatch(/wait for a decision has ended/);
    expect(callbacks.calls).toHaveLength(1);
    expect(audit.entries).toEqual([]);
    expect(tokens.tokens.size).toBe(0);
  });

  it('is for the risk desk and admins: a trader may not decide, even on their own payout', async () => {
    const { router, callbacks } = await waiting();
    const response = await router.answer(decide({ decision: 'approve', note: NOTE }, { roles: ['trader'], subject: 'ada' }));
    expect(response.status).toBe(403);
    expect(callbacks.calls).toEqual([]);
  });

  it('refuses an unknown payout with 404, and an unknown decision or a note under 3 characters with 422', async () => {
    const { router, callbacks } = await waiting();
    expect((await router.answer(decide({ decision: 'approve', note: NOTE }, { payoutId: 'acc-1:7' }))).status).toBe(404);
    const invalid = await router.answer(decide({ decision: 'maybe', note: ' ok ' }, { key: 'd-3' }));
    expect(invalid.status).toBe(422);
    expect((json(invalid).errors as Array<{ pointer: string }>).map((error) => error.pointer).sort()).toEqual(['/body/decision', '/body/note']);
    expect(callbacks.calls).toEqual([]);
  });
});

describe('the payout routes in the API description', () => {
  it('documents each of them', () => {
    const paths = (describeApi() as { paths: Record<string, Record<string, unknown>> }).paths;
    expect(Object.keys(paths['/v1/accounts/{accountId}/payouts']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(paths['/v1/payouts']!)).toEqual(['get']);
    expect(Object.keys(paths['/v1/payouts/{payoutId}']!)).toEqual(['get']);
    expect(Object.keys(paths['/v1/payouts/{payoutId}/decision']!)).toEqual(['post']);
  });
});
