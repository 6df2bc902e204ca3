import { readFileSync } from 'node:fs';
import type { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createPurchaseHandler } from '../../functions/purchase/handler.js';
import { IdentityObservation } from '../../shared/abuse/identity.js';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge/event-publisher.js';
import type { Program } from '../../shared/domain/program.js';
import { openAccount } from '../../shared/domain/state.js';
import { getPreset } from '../../shared/presets/index.js';
import { WorkflowAnswers } from '../../shared/workflows/callbacks.js';
import {
  accountIdOf,
  bridgeRequestIdOf,
  CREDENTIALS_RETENTION_MS,
  InvalidOrderError,
  purchaseIdentityIdOf,
  PurchaseSteps,
  traderIdOf,
  type ClaimResult,
  type PlatformLogin,
  type Provisioning,
} from '../../shared/workflows/purchase.js';
import {
  AccountActivated,
  OrderRefused,
  ProvisioningFailed,
  TradingAccountRequested,
  WORKFLOW_EVENT_SOURCE,
  type IdentityObservedEvent,
  type WorkflowPublication,
} from '../../shared/workflows/workflow-events.js';
import { MemoryProgramStore } from '../support/program-store.js';
import { memoryPurchasePorts } from '../support/workflow-doubles.js';

type Fields = Record<string, unknown>;
const readJson = (path: string): Fields => JSON.parse(readFileSync(new URL(`../../events/samples/${path}`, import.meta.url), 'utf8')) as Fields;

/** The Stripe sample with its Checkout Session's fields (and metadata) replaced; undefined removes a metadata key. */
function stripe(session: Fields = {}, metadata: Fields = {}): Fields {
  const event = readJson('processors/stripe-checkout-session-completed.json');
  const detail = event.detail as Fields & { data: { object: Fields & { metadata: Fields } } };
  const object = { ...detail.data.object, ...session, metadata: { ...detail.data.object.metadata, ...metadata } };
  for (const [key, value] of Object.entries(metadata)) if (value === undefined) delete object.metadata[key];
  return { ...event, detail: { ...detail, data: { object } } };
}

/** The generic PaymentSucceeded sample with detail fields replaced (undefined removes one). */
function generic(fields: Fields = {}, envelope: Fields = {}): Fields {
  const event = readJson('processors/payment-succeeded.json');
  const detail: Fields = { ...(event.detail as Fields), ...fields };
  for (const [key, value] of Object.entries(fields)) if (value === undefined) delete detail[key];
  return { ...event, ...envelope, detail };
}

/** PhasePassed as the evaluator publishes it on the bus: the domain event is the detail. */
const phasePassed = (fields: Fields = {}): Fields => ({
  version: '0',
  id: 'eb-phase-passed-1',
  'detail-type': 'PhasePassed',
  source: 'propdesk.evaluator',
  account: '123456789012',
  time: '2026-03-02T21:20:15Z',
  region: 'eu-central-1',
  resources: [],
  detail: { ...readJson('domain/PhasePassed.json'), ...fields },
});

const TENANT = 'acme-prop';
const T0 = Date.parse('2026-03-03T10:00:00Z');
const iso = (time: number) => new Date(time).toISOString();
const versionOf = (program: Program, version: number): Program => ({ ...program, version, name: `${program.name} v${version}` });
const twoStep = getPreset('two-step-static')!;
const oneStep = getPreset('one-step-eod-trailing')!;
// The PhasePassed sample's program: two-step-static's phases (phase-1 → phase-2 → funded) under its id.
const demo = { ...twoStep, id: 'demo-fast-challenge' };
const programs = [twoStep, versionOf(twoStep, 2), oneStep, versionOf(oneStep, 2), demo, versionOf(demo, 2)];

const LOGIN: PlatformLogin = { platform: 'mt5', login: '5012345', server: 'AcmeMarkets-Live' };
const PASSWORD = 's3cret-Pass!';

let clock: number;
let ports: ReturnType<typeof memoryPurchasePorts>;
let steps: PurchaseSteps;
let bridge: WorkflowAnswers;

beforeEach(() => {
  clock = T0;
  ports = memoryPurchasePorts(TENANT, new MemoryProgramStore(programs), () => clock);
  steps = new PurchaseSteps(ports);
  bridge = new WorkflowAnswers(ports);
});

async function provisioned(event: Fields = stripe(), executionId = 'exec-1'): Promise<Provisioning> {
  const result = await steps.claimOrder(event, executionId);
  if (result.outcome !== 'provision') throw new Error(`expected a provision, got ${JSON.stringify(result)}`);
  return result.provisioning;
}

const created = (provisioning: Provisioning, fields: Fields = {}) => ({
  'detail-type': 'TradingAccountCreated',
  source: 'propdesk.bridge.mt5',
  detail: { requestId: bridgeRequestIdOf(provisioning.accountId), accountId: provisioning.accountId, ...LOGIN, password: PASSWORD, ...fields },
});

/** Provisioned, requested, and answered by the bridge: the password waits in the vault. */
async function answered(): Promise<Provisioning> {
  const provisioning = await provisioned();
  await steps.requestTradingAccount(provisioning, 'token-1', 3600);
  expect(await bridge.answer(created(provisioning))).toEqual({ outcome: 'resumed', requestId: bridgeRequestIdOf(provisioning.accountId) });
  return provisioning;
}

const actions = () => ports.audit.entries.map((entry) => entry.action);

describe('claimOrder', () => {
  const STRIPE_KEY = 'stripe:cs_live_b1Qx7TzV3mKp9rW2sYd4nLf8gHc6jBa0eUo5iPq1tRy3wXz7vN';
  const GENERIC_KEY = 'crypto-gateway:ord_2026-03-03_000417';
  it.each([
    { name: 'Stripe checkout', event: stripe({}, { programVersion: undefined }), orderKey: STRIPE_KEY, email: 'lena.hartmann@example.com', trader: 'Lena Hartmann', program: twoStep, phaseId: 'phase-1', phaseName: 'Challenge' },
    { name: 'generic PaymentSucceeded', event: generic({ programVersion: undefined, phaseId: undefined }), orderKey: GENERIC_KEY, email: 'marco.rossi@example.it', trader: 'Marco Rossi', program: oneStep, phaseId: 'challenge', phaseName: 'FTMO Challenge' },
  ])('a $name without version or phase provisions the latest version’s first phase', async ({ event, orderKey, email, trader, program, phaseId, phaseName }) => {
    const result = await steps.claimOrder(event, 'exec-1');
    const accountId = accountIdOf(orderKey);
    expect(accountId).toMatch(/^acc-[0-9a-f]{16}$/);
    expect(result).toEqual({
      outcome: 'provision',
      provisioning: {
        orderKey,
        accountId,
        traderId: traderIdOf(email),
        trader: { email, name: trader },
        programId: program.id,
        programVersion: 2,
        programName: `${program.name} v2`,
        phaseId,
        phaseName,
        phaseKind: 'evaluation',
        initialBalance: 10_000_000,
        currency: 'USD',
      },
    } satisfies ClaimResult);
    expect(await ports.orders.order(orderKey)).toMatchObject({ accountId, traderId: traderIdOf(email), executionId: 'exec-1', status: 'provisioning', claimedAt: T0 });
    expect(ports.audit.entries).toEqual([
      expect.objectContaining({ id: `order.claimed:${orderKey}`, time: iso(T0), action: 'order.claimed', target: { kind: 'account', id: accountId } }),
    ]);
  });

  it('buys the version the event names, and records the payment', async () => {
    const provisioning = await provisioned(stripe());
    expect(provisioning).toMatchObject({ programVersion: 1, programName: twoStep.name });
    expect((await ports.orders.order(provisioning.orderKey))!.payment).toEqual({ processor: 'stripe', paymentId: 'pi_3T6qKbLwQm4VbT2n0xJ4rA9m', amount: 49410, currency: 'USD' });
  });

  it('a second execution of the same event is a duplicate; the same execution retrying provisions again', async () => {
    const first = await provisioned(stripe(), 'exec-1');
    clock = T0 + 60_000;
    expect(await steps.claimOrder(stripe(), 'exec-2')).toEqual({ outcome: 'duplicate', orderKey: first.orderKey, status: 'provisioning', accountId: first.accountId });
    expect(await steps.claimOrder(stripe(), 'exec-1')).toEqual({ outcome: 'provision', provisioning: first });
    // The retry audits the claim at its original time: the same entry, not a second one.
    expect(actions()).toEqual(['order.claimed']);
    await ports.orders.settle(first.orderKey, 'active', null, clock);
    expect(await steps.claimOrder(stripe(), 'exec-3')).toMatchObject({ outcome: 'duplicate', status: 'active' });
  });

  it('two orders by the same email make one trader, who keeps the first name', async () => {
    const first = await provisioned(stripe());
    const second = await provisioned(stripe({ id: 'cs_live_second', customer_details: { email: '  LENA.Hartmann@example.com ', name: 'L. Hartmann' } }));
    expect(second.orderKey).not.toBe(first.orderKey);
    expect(second.accountId).not.toBe(first.accountId);
    expect(second.traderId).toBe(first.traderId);
    expect(second.trader).toEqual({ email: 'lena.hartmann@example.com', name: 'Lena Hartmann' });
    expect([...ports.orders.traders.values()]).toEqual([{ traderId: first.traderId, email: 'lena.hartmann@example.com', name: 'Lena Hartmann', createdAt: T0 }]);
  });

  it.each([
    { name: 'an unpaid Stripe session', event: stripe({ payment_status: 'unpaid' }), paths: ['detail.data.object.payment_status'] },
    { name: 'an unknown program', event: stripe({}, { programId: 'no-such-program' }), paths: ['programId'] },
    { name: 'an unpublished version', event: generic({ programVersion: 9 }), paths: ['programId'] },
    { name: 'an unknown phase', event: generic({ phaseId: 'phase-9' }), paths: ['phaseId'] },
    { name: 'a source that is no processor', event: generic({}, { source: 'acme.billing' }), paths: ['source'] },
    { name: 'a generic event missing its email and amount', event: generic({ customer: { name: 'X' }, amount: undefined }), paths: ['detail.customer.email', 'detail.amount'] },
  ])('refuses $name: InvalidOrder, OrderRefused and an audit entry, nothing claimed', async ({ event, paths }) => {
    const error = await steps.claimOrder(event, 'exec-1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidOrderError);
    expect(error).toMatchObject({ name: 'InvalidOrder' });
    const problems = (error as InvalidOrderError).problems;
    expect(problems.map((problem) => problem.path)).toEqual(paths);
    const refused = ports.events.ofType('OrderRefused');
    expect(refused).toEqual([{ type: 'OrderRefused', id: `${TENANT}:refused:${event.id}`, time: iso(T0), source: event.source, eventId: event.id, problems }]);
    expect(OrderRefused.parse(refused[0])).toEqual(refused[0]);
    expect(ports.audit.entries).toEqual([expect.objectContaining({ action: 'order.refused', target: { kind: 'event', id: event.id }, details: { source: event.source, problems } })]);
    expect(ports.orders.orders.size + ports.orders.traders.size).toBe(0);
  });
});

describe('claimOrder tells the abuse engine who bought', () => {
  const STRIPE_KEY = 'stripe:cs_live_b1Qx7TzV3mKp9rW2sYd4nLf8gHc6jBa0eUo5iPq1tRy3wXz7vN';
  const GENERIC_KEY = 'crypto-gateway:ord_2026-03-03_000417';
  const published = (): WorkflowPublication[] => ports.events.published;
  const observed = () => published().filter((event): event is IdentityObservedEvent => event.type === 'IdentityObserved');
  /** The detail as EventBridgePublisher sends it, without what every published event carries. */
  const observationOf = (event: IdentityObservedEvent) => {
    const { type: _type, id: _id, time: _time, ...observation } = JSON.parse(JSON.stringify(event)) as Fields;
    return observation;
  };

  it('publishes one IdentityObserved for a Stripe checkout: email, name, phone, address, at the payment time', async () => {
    const provisioning = await provisioned(stripe());
    const paidAt = '2026-03-03T09:42:11.000Z';
    expect(observed()).toEqual([
      {
        type: 'IdentityObserved',
        id: `identity:${STRIPE_KEY}`,
        time: paidAt,
        traderId: provisioning.traderId,
        accountId: provisioning.accountId,
        observedAt: paidAt,
        source: 'propdesk.workflows',
        email: 'lena.hartmann@example.com',
        name: 'Lena Hartmann',
        phone: '+49 30 901820',
        address: 'Invalidenstraße 117, 10115, Berlin, DE',
      },
    ]);
    const [event] = observed();
    expect(event!.id).toBe(purchaseIdentityIdOf(provisioning.orderKey));
    expect(IdentityObservation.safeParse(observationOf(event!)).error).toBeUndefined();
    expect(IdentityObservation.parse(observationOf(event!))).toMatchObject({ traderId: provisioning.traderId, observedAt: Date.parse(paidAt), accountId: provisioning.accountId });
  });

  it('adds a generic payment’s fingerprint and IP address', async () => {
    const provisioning = await provisioned(generic());
    expect(observed()).toEqual([
      expect.objectContaining({
        id: `identity:${GENERIC_KEY}`,
        observedAt: '2026-03-03T09:15:42.318Z',
        accountId: provisioning.accountId,
        email: 'marco.rossi@example.it',
        name: 'Marco Rossi',
        phone: '+39 02 8475 3310',
        address: 'Via Torino 61, 20123 Milano, IT',
        paymentFingerprint: 'bc1q9h7garjk3d0q4mu6y2nqfl5ar0mwxn5vdz7mfl',
        ip: '203.0.113.42',
      }),
    ]);
    expect(IdentityObservation.safeParse(observationOf(observed()[0]!)).error).toBeUndefined();
  });

  it('still publishes the email and name of an order without the optional signals', async () => {
    await provisioned(generic({ customer: { email: 'bare@example.com', name: 'Bare Buyer' }, paymentFingerprint: undefined, ipAddress: undefined }));
    const [event] = observed();
    expect(observationOf(event!)).toEqual({
      traderId: traderIdOf('bare@example.com'),
      accountId: accountIdOf(GENERIC_KEY),
      observedAt: '2026-03-03T09:15:42.318Z',
      source: 'propdesk.workflows',
      email: 'bare@example.com',
      name: 'Bare Buyer',
    });
    expect(IdentityObservation.safeParse(observationOf(event!)).error).toBeUndefined();
    // A Stripe buyer without a name is still their email.
    await provisioned(stripe({ id: 'cs_live_noname', customer_details: { email: 'anon@example.com', name: null } }));
    expect(observationOf(observed()[1]!)).toEqual(expect.objectContaining({ email: 'anon@example.com' }));
    expect(observationOf(observed()[1]!)).not.toHaveProperty('name');
  });

  it('leaves out a signal the engine would refuse, and keeps the rest', async () => {
    const phone = '+49 30 1234 5678 ext. 1234567890123';
    await provisioned(stripe({ customer_details: { email: 'lena.hartmann@example.com', name: 'x'.repeat(201), phone } }));
    const observation = observationOf(observed()[0]!);
    expect(observation).toEqual(expect.objectContaining({ email: 'lena.hartmann@example.com' }));
    expect(phone.length).toBeGreaterThan(32);
    expect(observation).not.toHaveProperty('phone');
    expect(observation).not.toHaveProperty('name');
    expect(IdentityObservation.safeParse(observation).error).toBeUndefined();
  });

  it('a retried claim publishes the same event again; a duplicate execution publishes nothing', async () => {
    await provisioned(stripe(), 'exec-1');
    clock = T0 + 60_000;
    await steps.claimOrder(stripe(), 'exec-1');
    expect(observed()).toHaveLength(2);
    expect(observed()[1]).toEqual(observed()[0]);
    await steps.claimOrder(stripe(), 'exec-2');
    expect(observed()).toHaveLength(2);
  });

  it('keeps the phone, address, fingerprint and IP address out of the order record, the audit log and the workflow state', async () => {
    const provisioning = await provisioned(generic());
    const kept = JSON.stringify([[...ports.orders.orders.values()], [...ports.orders.traders.values()], ports.audit.entries, provisioning]);
    for (const value of ['+39 02 8475 3310', 'Via Torino', 'bc1q9h7garjk3d0q4mu6y2nqfl5ar0mwxn5vdz7mfl', '203.0.113.42']) expect(kept).not.toContain(value);
  });

  it('publishes nothing for a passed phase: no payment, nothing seen', async () => {
    await ports.orders.traderByEmail({ traderId: 'trd-winner', email: 'winner@example.com', name: 'Win Ner', createdAt: T0 });
    await ports.accounts.save(openAccount(demo, { tenant: TENANT, accountId: 'demo-winner-1', traderId: 'trd-winner', phaseId: 'phase-1', openedAt: T0 - 86_400_000, initialBalance: 5_000_000 }), null, []);
    await provisioned(phasePassed());
    expect(observed()).toEqual([]);
  });

  it('goes on the bus as detail-type IdentityObserved under propdesk.workflows, through the workflow’s publisher', async () => {
    const sent: PutEventsCommand[] = [];
    const eventBridge = {
      send: async (command: PutEventsCommand) => {
        sent.push(command);
        return { Entries: (command.input.Entries ?? []).map((_, index) => ({ EventId: `eb-${index}` })), $metadata: {} };
      },
    };
    const events = new EventBridgePublisher<WorkflowPublication>(eventBridge as never, 'propdesk-acme', async () => {}, WORKFLOW_EVENT_SOURCE);
    const provisioning = await new PurchaseSteps({ ...ports, events }).claimOrder(generic(), 'exec-1');
    const entries = sent.flatMap((command) => command.input.Entries ?? []);
    expect(entries.map(({ Source, DetailType }) => ({ Source, DetailType }))).toEqual([{ Source: 'propdesk.workflows', DetailType: 'IdentityObserved' }]);
    const detail = JSON.parse(entries[0]!.Detail!) as Fields;
    expect(detail).toMatchObject({ type: 'IdentityObserved', id: `identity:${GENERIC_KEY}`, time: '2026-03-03T09:15:42.318Z' });
    expect(entries[0]!.Time).toEqual(new Date('2026-03-03T09:15:42.318Z'));
    expect(provisioning).toMatchObject({ outcome: 'provision' });
    // The engine's observation is a strictObject: the detail parses once it admits what every published event
    // carries (type, id, time), which shared/abuse/identity.ts has to declare.
    const admitting = IdentityObservation.safeExtend({
      type: z.literal('IdentityObserved').optional(),
      id: z.string().min(1).max(256).optional(),
      time: z.iso.datetime({ offset: true }).optional(),
    });
    expect(admitting.safeParse(detail).error).toBeUndefined();
    expect(IdentityObservation.safeParse(observationOf(detail as IdentityObservedEvent)).error).toBeUndefined();
  });
});

describe('claimOrder for a passed phase', () => {
  const TRADER = { traderId: 'trd-winner', email: 'winner@example.com', name: 'Win Ner', createdAt: T0 - 86_400_000 };
  const openPassed = async (traderId: string | null) => {
    await ports.accounts.save(openAccount(demo, { tenant: TENANT, accountId: 'demo-winner-1', traderId, phaseId: 'phase-1', openedAt: T0 - 86_400_000, initialBalance: 5_000_000 }), null, []);
  };

  it('provisions the next phase for the same trader, program version and size', async () => {
    await ports.orders.traderByEmail(TRADER);
    await openPassed(TRADER.traderId);
    const orderKey = 'phase:demo-winner-1:funded';
    expect(await steps.claimOrder(phasePassed(), 'exec-1')).toEqual({
      outcome: 'provision',
      provisioning: {
        orderKey,
        accountId: accountIdOf(orderKey),
        traderId: TRADER.traderId,
        trader: { email: TRADER.email, name: TRADER.name },
        programId: 'demo-fast-challenge',
        programVersion: 1,
        programName: demo.name,
        phaseId: 'funded',
        phaseName: 'Funded account',
        phaseKind: 'funded',
        initialBalance: 5_000_000,
        currency: 'USD',
      },
    });
    expect((await ports.orders.order(orderKey))!.payment).toBeNull();
  });

  it('after the last phase there is nothing to provision', async () => {
    const result = await steps.claimOrder(phasePassed({ nextPhaseId: null }), 'exec-1');
    expect(result).toEqual({ outcome: 'nothingToProvision', reason: expect.stringContaining('demo-winner-1') });
    expect(ports.events.published).toEqual([]);
    expect(ports.orders.orders.size).toBe(0);
  });

  it.each([
    { name: 'a trader id without a profile', traderId: 'trd-unknown' },
    { name: 'no trader', traderId: null },
  ])('refuses a passed account with $name', async ({ traderId }) => {
    await openPassed(traderId);
    await expect(steps.claimOrder(phasePassed(), 'exec-1')).rejects.toMatchObject({ name: 'InvalidOrder', problems: [{ path: 'detail.accountId' }] });
    expect(ports.events.ofType('OrderRefused')).toEqual([expect.objectContaining({ problems: [expect.objectContaining({ path: 'detail.accountId' })] })]);
    expect(ports.orders.orders.size).toBe(0);
  });
});

describe('requestTradingAccount and the bridge’s answers', () => {
  it('parks the token under the request id until now + wait, then publishes the command', async () => {
    const provisioning = await provisioned();
    await steps.requestTradingAccount(provisioning, 'token-1', 3600);
    const requestId = bridgeRequestIdOf(provisioning.accountId);
    expect([...ports.tokens.tokens]).toEqual([[requestId, { token: 'token-1', expiresAt: T0 + 3_600_000 }]]);
    const [command] = ports.events.ofType('TradingAccountRequested');
    expect(TradingAccountRequested.parse(command)).toEqual(command);
    expect(command).toMatchObject({ type: 'TradingAccountRequested', id: requestId, requestId, accountId: provisioning.accountId, initialBalance: 10_000_000, trader: provisioning.trader });
  });

  it('TradingAccountCreated stashes the password and resumes the task with the login only; a repeat is late', async () => {
    const provisioning = await answered();
    expect(ports.vault.stashed.get(provisioning.accountId)).toEqual({ credentials: { ...LOGIN, password: PASSWORD }, expiresAt: T0 + CREDENTIALS_RETENTION_MS });
    expect(ports.callbacks.calls).toEqual([{ kind: 'succeed', token: 'token-1', output: LOGIN }]);
    expect(JSON.stringify(ports.callbacks.calls)).not.toContain(PASSWORD);
    expect(await bridge.answer(created(provisioning))).toEqual({ outcome: 'late', requestId: bridgeRequestIdOf(provisioning.accountId) });
    expect(ports.callbacks.calls).toHaveLength(1);
  });

  it('TradingAccountRefused fails the task with BridgeRefused', async () => {
    const provisioning = await provisioned();
    await steps.requestTradingAccount(provisioning, 'token-1', 3600);
    const requestId = bridgeRequestIdOf(provisioning.accountId);
    const refusal = { 'detail-type': 'TradingAccountRefused', detail: { requestId, accountId: provisioning.accountId, reason: 'server full' } };
    expect(await bridge.answer(refusal)).toEqual({ outcome: 'refused', requestId });
    expect(ports.callbacks.calls).toEqual([{ kind: 'fail', token: 'token-1', error: 'BridgeRefused', cause: 'server full' }]);
    expect(ports.vault.stashed.size).toBe(0);
  });

  it('an answer nobody waits for is late, and so is one for a task that timed out', async () => {
    const provisioning = await provisioned();
    expect(await bridge.answer(created(provisioning))).toMatchObject({ outcome: 'late' });
    expect(ports.callbacks.calls).toEqual([]);
    await steps.requestTradingAccount(provisioning, 'token-1', 3600);
    ports.callbacks.waiting = false;
    expect(await bridge.answer(created(provisioning))).toMatchObject({ outcome: 'late' });
    expect(ports.tokens.tokens.size).toBe(0);
  });

  it('a malformed answer is invalid, naming the fields', async () => {
    const provisioning = await provisioned();
    await steps.requestTradingAccount(provisioning, 'token-1', 3600);
    const outcome = await bridge.answer(created(provisioning, { login: undefined, password: 'short' }));
    expect(outcome).toEqual({ outcome: 'invalid', problems: [expect.stringMatching(/^detail\.login: /), expect.stringMatching(/^detail\.password: /)] });
    expect(await bridge.answer({ 'detail-type': 'TradingAccountLost', detail: {} })).toEqual({ outcome: 'invalid', problems: [expect.stringMatching(/^detail\.type: /)] });
    // Still waiting for a real answer.
    expect(ports.tokens.tokens.size).toBe(1);
  });

  it("refuses an answer naming another account than its request's, placing no password", async () => {
    const provisioning = await provisioned();
    await steps.requestTradingAccount(provisioning, 'token-1', 3600);
    const outcome = await bridge.answer(created(provisioning, { accountId: 'acc-someone-else' }));
    expect(outcome).toEqual({ outcome: 'invalid', problems: [expect.stringMatching(/^detail\.accountId: acc-someone-else is not the account of request /)] });
    expect(ports.vault.stashed.size).toBe(0);
    expect(ports.callbacks.calls).toEqual([]);
  });

  it('keeps the token when resuming the task fails, so the retried answer resumes it', async () => {
    const provisioning = await provisioned();
    await steps.requestTradingAccount(provisioning, 'token-1', 3600);
    const succeed = ports.callbacks.succeed.bind(ports.callbacks);
    ports.callbacks.succeed = async () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(bridge.answer(created(provisioning))).rejects.toThrow('Rate exceeded');
    ports.callbacks.succeed = succeed;
    expect(await bridge.answer(created(provisioning))).toEqual({ outcome: 'resumed', requestId: bridgeRequestIdOf(provisioning.accountId) });
    expect(ports.tokens.tokens.size).toBe(0);
  });
});

describe('deliverCredentials', () => {
  it('mails the login once, with the password and the balance, then forgets the password', async () => {
    const provisioning = await answered();
    expect(await steps.deliverCredentials(provisioning, LOGIN)).toEqual({ delivered: true });
    expect(ports.mailer.sent).toHaveLength(1);
    const [email] = ports.mailer.sent;
    expect(email!.to).toBe('lena.hartmann@example.com');
    expect(email!.subject).toBe(`Your ${twoStep.name} account is ready: Challenge`);
    for (const line of ['Hello Lena Hartmann,', 'Login:    5012345', 'Server:   AcmeMarkets-Live', `Password: ${PASSWORD}`, '$100,000.00']) expect(email!.text).toContain(line);
    expect(await ports.vault.read(provisioning.accountId)).toBe('delivered');
    expect(await steps.deliverCredentials(provisioning, LOGIN)).toEqual({ delivered: false });
    expect(ports.mailer.sent).toHaveLength(1);
    expect(actions().filter((action) => action === 'account.credentialsSent')).toHaveLength(1);
  });
});

describe('deliverCredentials without credentials', () => {
  it('fails with CredentialsMissing rather than activating an account nobody can log in to', async () => {
    const provisioning = await provisioned();
    await expect(steps.deliverCredentials(provisioning, LOGIN)).rejects.toMatchObject({ name: 'CredentialsMissing' });
    expect(ports.mailer.sent).toEqual([]);
  });
});

describe('activateAccount', () => {
  it('opens the phase from now for the trader, settles the order, and a retry keeps the first opening', async () => {
    const provisioning = await provisioned();
    clock = T0 + 5_000;
    expect(await steps.activateAccount(provisioning, LOGIN)).toEqual({ openedAt: iso(T0 + 5_000) });
    const stored = ports.accounts.items.get(provisioning.accountId)!.state;
    expect(stored).toMatchObject({ tenant: TENANT, accountId: provisioning.accountId, traderId: provisioning.traderId, programVersion: 1, phaseId: 'phase-1', status: 'active', openedAt: T0 + 5_000, initialBalance: 10_000_000 });
    expect(await ports.orders.order(provisioning.orderKey)).toMatchObject({ status: 'active', updatedAt: T0 + 5_000, reason: null });
    const [activated] = ports.events.ofType('AccountActivated');
    expect(AccountActivated.parse(activated)).toEqual(activated);
    expect(activated).toMatchObject({ id: `${TENANT}:${provisioning.accountId}:activated`, time: iso(T0 + 5_000), login: LOGIN.login, server: LOGIN.server });

    clock = T0 + 60_000;
    expect(await steps.activateAccount(provisioning, LOGIN)).toEqual({ openedAt: iso(T0 + 5_000) });
    expect(ports.accounts.items.get(provisioning.accountId)).toMatchObject({ revision: 1, state: { openedAt: T0 + 5_000 } });
    expect(ports.events.ofType('AccountActivated')).toEqual([activated, activated]);
  });
});

describe('recordFailure', () => {
  it('fails the order with the reason and tells staff', async () => {
    const provisioning = await provisioned();
    clock = T0 + 1_000;
    await steps.recordFailure(provisioning, 'BridgeRefused', 'server full');
    expect(await ports.orders.order(provisioning.orderKey)).toMatchObject({ status: 'failed', reason: 'BridgeRefused: server full', updatedAt: T0 + 1_000 });
    const [failed] = ports.events.ofType('ProvisioningFailed');
    expect(ProvisioningFailed.parse(failed)).toEqual(failed);
    expect(failed).toMatchObject({ orderKey: provisioning.orderKey, accountId: provisioning.accountId, error: 'BridgeRefused', cause: 'server full' });
    expect(ports.audit.entries).toContainEqual(expect.objectContaining({ action: 'order.provisioningFailed', details: expect.objectContaining({ error: 'BridgeRefused', cause: 'server full' }) }));
  });

  it('never fails an active order', async () => {
    const provisioning = await provisioned();
    await steps.activateAccount(provisioning, LOGIN);
    await expect(steps.recordFailure(provisioning, 'States.Timeout', '')).rejects.toThrow(/cannot become failed: it is active/);
    expect(ports.events.ofType('ProvisioningFailed')).toEqual([]);
  });
});

describe('the purchase Lambda', () => {
  const context = { functionName: 'purchase', awsRequestId: 'r1' } as Context;

  it('runs the step the input names, and refuses a malformed input as InvalidStepInput', async () => {
    const handler = createPurchaseHandler(steps);
    expect(await handler({ step: 'claimOrder', event: stripe(), executionId: 'exec-1' }, context)).toMatchObject({ outcome: 'provision' });
    await expect(handler({ step: 'claimOrder', event: stripe() }, context)).rejects.toMatchObject({ name: 'InvalidStepInput' });
    await expect(handler({ step: 'explode' }, context)).rejects.toMatchObject({ name: 'InvalidStepInput' });
  });
});
