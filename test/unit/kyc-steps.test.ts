/**
 * The KYC workflow's steps and the KYC gate on in-memory doubles with the DynamoDB adapters' semantics:
 * opening once per trader, decisions that come before the wait, reminders and expiry on the policy's
 * thresholds, and gates released once with the verdict.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { IdentityObservation } from '../../shared/abuse/identity.js';
import { fakePassportOf, FakeKycProvider } from '../../shared/adapters/kyc/fake-provider.js';
import { applyDecision, KycPolicy, type KycDecision, type KycProvider } from '../../shared/workflows/kyc.js';
import { kycGateId, kycIdentityIdOf, KycSteps, type KycProgress } from '../../shared/workflows/kyc-steps.js';
import { kycTokenId } from '../../shared/workflows/kyc-webhook.js';
import type { IdentityObservedEvent, WorkflowPublication } from '../../shared/workflows/workflow-events.js';
import { MemoryAuditLog } from '../support/audit-log.js';
import { MemoryKycCaseStore } from '../support/kyc-doubles.js';
import { MemoryOrderBook, MemoryTaskTokenStore, MemoryWorkflowEvents, RecordingMailer, RecordingTaskCallbacks } from '../support/workflow-doubles.js';

const T0 = Date.parse('2026-03-04T16:00:00Z');
const HOUR = 3_600_000;
const TRADER = 'trd-ada';

let clock: number;
let ports: {
  cases: MemoryKycCaseStore;
  orders: MemoryOrderBook;
  tokens: MemoryTaskTokenStore;
  callbacks: RecordingTaskCallbacks;
  mailer: RecordingMailer;
  events: MemoryWorkflowEvents;
  audit: MemoryAuditLog;
};
let steps: KycSteps;

beforeEach(async () => {
  clock = T0;
  ports = {
    cases: new MemoryKycCaseStore(),
    orders: new MemoryOrderBook(),
    tokens: new MemoryTaskTokenStore(),
    callbacks: new RecordingTaskCallbacks(),
    mailer: new RecordingMailer(),
    events: new MemoryWorkflowEvents(),
    audit: new MemoryAuditLog(),
  };
  await ports.orders.traderByEmail({ traderId: TRADER, email: 'ada@example.com', name: 'Ada Lovelace', createdAt: T0 });
  steps = new KycSteps({ ...ports, tenant: 'demo', provider: new FakeKycProvider(), policy: KycPolicy.parse({}), now: () => clock });
});

/** The provider's verdict, applied to the stored case as the webhook applies it. */
async function decide(outcome: KycDecision['outcome'], at: number, reasons: string[] = []): Promise<void> {
  const stored = (await ports.cases.load(TRADER))!;
  const decision: KycDecision = { provider: 'sumsub', applicantId: stored.case.applicantId!, traderId: TRADER, outcome, reasons, decidedAt: at, eventId: `ev-${at}` };
  expect(await ports.cases.save(applyDecision(stored.case, decision).case, stored.version)).toBe('saved');
}

const types = () => ports.events.published.map((event) => event.type);
const observed = () => (ports.events.published as WorkflowPublication[]).filter((event): event is IdentityObservedEvent => event.type === 'IdentityObserved');

describe('openCase', () => {
  it('creates the applicant, mails the link, publishes KycRequested; a second opening finds it open and waited for', async () => {
    expect(await steps.openCase(TRADER)).toEqual({ traderId: TRADER, status: 'pending', handledDecisions: 0 });
    const stored = await ports.cases.load(TRADER);
    expect(stored?.case).toMatchObject({ status: 'pending', applicantId: `fake-applicant-${TRADER}` });
    expect(ports.mailer.sent).toMatchObject([{ to: 'ada@example.com', subject: 'Verify your identity to trade a funded account' }]);
    expect(ports.mailer.sent[0]!.text).toContain(`/kyc/fake/fake-applicant-${TRADER}`);
    expect(types()).toEqual(['KycRequested']);
    await steps.awaitDecision({ traderId: TRADER, status: 'pending', handledDecisions: 0 }, 'token-1', 3600);
    expect(await steps.openCase(TRADER)).toMatchObject({ status: 'alreadyOpen' });
    expect(ports.mailer.sent).toHaveLength(1);
  });

  it('takes over an open case nobody waits for (its execution ended), and leaves one a workflow waits for', async () => {
    const first = await steps.openCase(TRADER);
    await steps.awaitDecision(first, 'token-1', 3600);
    expect(await steps.openCase(TRADER)).toMatchObject({ status: 'alreadyOpen' });
    await ports.tokens.discard(kycTokenId(TRADER));
    expect(await steps.openCase(TRADER)).toEqual({ traderId: TRADER, status: 'pending', handledDecisions: 0 });
    // No second applicant, no second mail.
    expect(ports.mailer.sent).toHaveLength(1);
  });

  it('reports a final case as it stands, and refuses a trader without a profile', async () => {
    await steps.openCase(TRADER);
    await decide('approved', T0 + HOUR);
    expect(await steps.openCase(TRADER)).toEqual({ traderId: TRADER, status: 'approved', handledDecisions: 1 });
    await expect(steps.openCase('trd-nobody')).rejects.toMatchObject({ name: 'UnknownTrader' });
  });
});

describe('awaitDecision', () => {
  it('parks the token for the webhook when no new decision is there', async () => {
    const progress = await steps.openCase(TRADER);
    await steps.awaitDecision(progress, 'token-1', 3600);
    expect(await ports.tokens.find(kycTokenId(TRADER))).toBe('token-1');
    expect(ports.callbacks.calls).toEqual([]);
  });

  it('ends a second execution waiting for the same trader, and lets a new one wait once the old wait has expired', async () => {
    const progress = await steps.openCase(TRADER);
    await steps.awaitDecision(progress, 'token-1', 3600);
    await steps.awaitDecision(progress, 'token-2', 3600);
    expect(ports.callbacks.calls).toEqual([{ kind: 'succeed', token: 'token-2', output: { outcome: 'alreadyWaiting', reasons: [] } }]);
    expect(await ports.tokens.find(kycTokenId(TRADER))).toBe('token-1');
    // The first wait ran out (its execution timed out): a later wait takes the trader over.
    clock = T0 + 3600_000;
    await steps.awaitDecision(progress, 'token-3', 3600);
    expect(await ports.tokens.find(kycTokenId(TRADER))).toBe('token-3');
  });

  it('resumes at once with a decision that came before the wait', async () => {
    const progress = await steps.openCase(TRADER);
    await decide('rejected', T0 + HOUR, ['FORGERY']);
    await steps.awaitDecision(progress, 'token-1', 3600);
    expect(ports.callbacks.calls).toEqual([{ kind: 'succeed', token: 'token-1', output: { outcome: 'rejected', reasons: ['FORGERY'] } }]);
    expect(await ports.tokens.find(kycTokenId(TRADER))).toBeUndefined();
  });

  it('does not resume on a decision the workflow already acted on', async () => {
    const opened = await steps.openCase(TRADER);
    await decide('resubmissionRequested', T0 + HOUR, ['SELFIE_MISMATCH']);
    const asked = await steps.requestResubmission(opened, ['SELFIE_MISMATCH']);
    expect(asked).toEqual({ traderId: TRADER, status: 'resubmissionRequested', handledDecisions: 1 });
    await steps.awaitDecision(asked, 'token-2', 3600);
    expect(ports.callbacks.calls).toEqual([]);
    expect(ports.mailer.sent.at(-1)?.text).toContain('SELFIE_MISMATCH');
  });
});

describe('remindOrExpire', () => {
  let progress: KycProgress;
  beforeEach(async () => {
    progress = await steps.openCase(TRADER);
  });

  it('does nothing before the first reminder is due, reminds when it is (touching counts), then expires at the end', async () => {
    clock = T0 + 48 * HOUR - 1;
    expect(await steps.remindOrExpire(progress)).toMatchObject({ status: 'pending' });
    expect(ports.mailer.sent).toHaveLength(1);
    clock = T0 + 48 * HOUR;
    await steps.remindOrExpire(progress);
    expect(ports.mailer.sent.at(-1)).toMatchObject({ subject: 'Reminder: verify your identity' });
    expect((await ports.cases.load(TRADER))?.case.remindersSent).toBe(1);
    clock = T0 + 30 * 24 * HOUR;
    expect(await steps.remindOrExpire(progress)).toMatchObject({ status: 'expired' });
    expect((await ports.cases.load(TRADER))?.case.status).toBe('expired');
  });

  it('fails with CaseChanged when the webhook saved meanwhile, so the retried step sees the decision', async () => {
    const stale = ports.cases.save.bind(ports.cases);
    ports.cases.save = async () => 'conflict';
    clock = T0 + 48 * HOUR;
    await expect(steps.remindOrExpire(progress)).rejects.toMatchObject({ name: 'CaseChanged' });
    ports.cases.save = stale;
  });
});

describe('the gate and the conclusion', () => {
  it('resumes a gate at once for a verified trader, and fails it at once for a rejected one', async () => {
    await steps.openCase(TRADER);
    await decide('approved', T0 + HOUR);
    await steps.awaitApproval(TRADER, 'acc-1', 'gate-token', 86_400);
    expect(ports.callbacks.calls).toEqual([{ kind: 'succeed', token: 'gate-token', output: { kyc: 'approved' } }]);
    expect(types()).not.toContain('KycNeeded');
  });

  it('restarts verification for a gate when the open case has no workflow waiting', async () => {
    await steps.openCase(TRADER);
    await steps.awaitApproval(TRADER, 'acc-1', 'gate-1', 86_400);
    expect(ports.events.published.filter((event) => event.type === 'KycNeeded')).toMatchObject([{ accountId: 'acc-1' }]);
  });

  it('parks a gate, starts verification once, and releases every gate with the verdict, once', async () => {
    await steps.awaitApproval(TRADER, 'acc-1', 'gate-1', 86_400);
    expect(ports.events.published).toMatchObject([{ type: 'KycNeeded', traderId: TRADER, accountId: 'acc-1' }]);
    const progress = await steps.openCase(TRADER);
    await steps.awaitDecision(progress, 'token-1', 3600);
    // A second account waiting for the same trader joins the case its workflow waits for: no second start.
    await steps.awaitApproval(TRADER, 'acc-2', 'gate-2', 86_400);
    expect(types().filter((type) => type === 'KycNeeded')).toHaveLength(1);
    expect(ports.callbacks.calls).toEqual([]);

    await decide('rejected', T0 + HOUR, ['FORGERY']);
    expect(await steps.conclude(progress)).toMatchObject({ status: 'rejected' });
    expect(ports.callbacks.calls.map((call) => [call.kind, call.token])).toEqual([
      ['fail', 'gate-1'],
      ['fail', 'gate-2'],
    ]);
    expect(ports.callbacks.calls[0]).toMatchObject({ error: 'KycRejected', cause: expect.stringContaining('FORGERY') });
    expect(await ports.tokens.find(kycGateId('acc-1'))).toBeUndefined();
    expect(types().at(-1)).toBe('KycRejected');
    // Concluding again (a retried step) releases nothing twice.
    await steps.conclude(progress);
    expect(ports.callbacks.calls).toHaveLength(2);
  });
});

describe('the verified identity, for the abuse engine', () => {
  /** Opened, waited for, decided and concluded, as the workflow does. */
  async function concluded(outcome: KycDecision['outcome'], at = T0 + HOUR): Promise<KycProgress> {
    const progress = await steps.openCase(TRADER);
    await steps.awaitDecision(progress, 'token-1', 3600);
    await decide(outcome, at, outcome === 'approved' ? [] : ['FORGERY']);
    return steps.conclude(progress);
  }

  it('an approval publishes IdentityObserved with the provider’s identity, after KycApproved', async () => {
    await concluded('approved');
    const at = new Date(T0 + HOUR).toISOString();
    expect(types().slice(-2)).toEqual(['KycApproved', 'IdentityObserved']);
    expect(observed()).toEqual([
      {
        type: 'IdentityObserved',
        id: kycIdentityIdOf(TRADER, `ev-${T0 + HOUR}`),
        time: at,
        traderId: TRADER,
        accountId: null,
        observedAt: at,
        source: 'propdesk.kyc',
        kycIdentity: fakePassportOf('Ada Lovelace', TRADER),
      },
    ]);
    expect(observed()[0]!.id).toBe(`identity:kyc:${TRADER}:ev-${T0 + HOUR}`);
    const { type: _type, id: _id, time: _time, ...observation } = JSON.parse(JSON.stringify(observed()[0])) as Record<string, unknown>;
    expect(IdentityObservation.safeParse(observation).error).toBeUndefined();
  });

  it('keeps the identity out of the case, the audit log and the step’s output', async () => {
    const progress = await concluded('approved');
    const identity = fakePassportOf('Ada Lovelace', TRADER);
    expect(JSON.stringify([await ports.cases.load(TRADER), ports.audit.entries, progress])).not.toContain(identity);
  });

  it('a rejection publishes no identity', async () => {
    await concluded('rejected');
    expect(types().at(-1)).toBe('KycRejected');
    expect(observed()).toEqual([]);
  });

  it('an expired case publishes no identity', async () => {
    const progress = await steps.openCase(TRADER);
    clock = T0 + 30 * 24 * HOUR;
    await steps.conclude(await steps.remindOrExpire(progress));
    expect(types().at(-1)).toBe('KycExpired');
    expect(observed()).toEqual([]);
  });

  it('a retried conclusion publishes the same event again', async () => {
    const progress = await concluded('approved');
    await steps.conclude(progress);
    expect(observed()).toHaveLength(2);
    expect(observed()[1]).toEqual(observed()[0]);
  });

  it('two traders of one simulated person (one name, two emails) get one identity', async () => {
    await ports.orders.traderByEmail({ traderId: 'trd-ada-2', email: 'ada.l@example.org', name: 'ada  lovelace', createdAt: T0 });
    await concluded('approved');
    const second = await steps.openCase('trd-ada-2');
    const stored = (await ports.cases.load('trd-ada-2'))!;
    const decision: KycDecision = { provider: 'sumsub', applicantId: stored.case.applicantId!, traderId: 'trd-ada-2', outcome: 'approved', reasons: [], decidedAt: T0 + 2 * HOUR, eventId: 'ev-2' };
    await ports.cases.save(applyDecision(stored.case, decision).case, stored.version);
    await steps.conclude(second);
    const [first, other] = observed();
    expect(other).toMatchObject({ traderId: 'trd-ada-2', id: 'identity:kyc:trd-ada-2:ev-2' });
    expect(other!.kycIdentity).toBe(first!.kycIdentity);
  });

  it('publishes no identity when the provider knows none, or cannot tell one', async () => {
    const withIdentity = (verifiedIdentity: KycProvider['verifiedIdentity']): KycProvider => {
      const fake = new FakeKycProvider();
      return { name: fake.name, createApplicant: (request) => fake.createApplicant(request), ...(verifiedIdentity === undefined ? {} : { verifiedIdentity }) };
    };
    for (const provider of [withIdentity(undefined), withIdentity(async () => null)]) {
      steps = new KycSteps({ ...ports, tenant: 'demo', provider, policy: KycPolicy.parse({}), now: () => clock });
      ports.cases.cases.clear();
      await ports.tokens.discard(kycTokenId(TRADER));
      await concluded('approved');
    }
    expect(types().filter((type) => type === 'KycApproved')).toHaveLength(2);
    expect(observed()).toEqual([]);
  });

  it('fails the step when the provider cannot be asked, after the verdict is out, so the retry only asks again', async () => {
    let asked = 0;
    const fake = new FakeKycProvider();
    const provider: KycProvider = {
      name: fake.name,
      createApplicant: (request) => fake.createApplicant(request),
      verifiedIdentity: async (applicant) => {
        asked += 1;
        if (asked === 1) throw new Error('Sumsub get applicant answered 503: unavailable');
        return fake.verifiedIdentity(applicant);
      },
    };
    steps = new KycSteps({ ...ports, tenant: 'demo', provider, policy: KycPolicy.parse({}), now: () => clock });
    const progress = await steps.openCase(TRADER);
    await steps.awaitApproval(TRADER, 'acc-1', 'gate-1', 86_400);
    await steps.awaitDecision(progress, 'token-1', 3600);
    await decide('approved', T0 + HOUR);
    await expect(steps.conclude(progress)).rejects.toThrow(/503/);
    expect(types().at(-1)).toBe('KycApproved');
    expect(ports.callbacks.calls).toEqual([{ kind: 'succeed', token: 'gate-1', output: { kyc: 'approved' } }]);
    await steps.conclude(progress);
    expect(observed()).toHaveLength(1);
    expect(ports.callbacks.calls).toHaveLength(1);
  });
});
