import { describe, expect, it } from 'vitest';
import {
  applicantCreated,
  applyDecision,
  expireCase,
  gatesPass,
  KYC_STATUSES,
  KycPolicy,
  kycDue,
  MAX_DECISIONS_KEPT,
  recordReminder,
  startCase,
  type KycCase,
  type KycDecision,
  type KycStatus,
} from '../../shared/workflows/kyc.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const opened = Date.parse('2026-03-02T09:00:00Z');
const policy = KycPolicy.parse({});

const pendingCase = (): KycCase => applicantCreated(startCase('trader-1', 'sumsub', opened).case, 'app-1', opened + 1000).case;

function decision(outcome: KycDecision['outcome'], decidedAt: number, fields: Partial<KycDecision> = {}): KycDecision {
  return { provider: 'sumsub', applicantId: 'app-1', traderId: 'trader-1', outcome, reasons: [], decidedAt, eventId: `ev-${outcome}-${decidedAt}`, ...fields };
}

/** The case after the transition, which must have applied. */
function after(transition: { case: KycCase; change: string; reason: string }): KycCase {
  expect(transition.change, transition.reason).toBe('applied');
  return transition.case;
}

describe('opening a case', () => {
  it('starts without an applicant, then waits on the trader once the applicant exists', () => {
    const started = after(startCase('trader-1', 'sumsub', opened));
    expect(started).toEqual({
      traderId: 'trader-1',
      provider: 'sumsub',
      applicantId: null,
      status: 'notStarted',
      createdAt: opened,
      updatedAt: opened,
      remindersSent: 0,
      lastReminderAt: null,
      decisions: [],
    });
    expect(after(applicantCreated(started, 'app-1', opened + 1000))).toMatchObject({ applicantId: 'app-1', status: 'pending', updatedAt: opened + 1000 });
  });

  it('ignores the same applicant recorded again (a retried step)', () => {
    const transition = applicantCreated(pendingCase(), 'app-1', opened + 5000);
    expect(transition).toMatchObject({ change: 'ignored', reason: 'applicant app-1 is already recorded' });
    expect(transition.case).toEqual(pendingCase());
  });

  it('ignores another applicant for a case that has one', () => {
    expect(applicantCreated(pendingCase(), 'app-2', opened + 5000)).toMatchObject({ change: 'ignored', reason: expect.stringContaining('already has applicant app-1') });
  });

  it('is plain JSON', () => {
    const kycCase = after(applyDecision(pendingCase(), decision('resubmissionRequested', opened + DAY, { reasons: ['BAD_PHOTO'] })));
    expect(JSON.parse(JSON.stringify(kycCase))).toEqual(kycCase);
  });
});

describe('applyDecision', () => {
  it.each(['approved', 'rejected', 'resubmissionRequested'] as const)('sets the status to %s and keeps the decision', (outcome) => {
    const kycCase = after(applyDecision(pendingCase(), decision(outcome, opened + DAY, { reasons: ['X'] })));
    expect(kycCase.status).toBe(outcome);
    expect(kycCase.updatedAt).toBe(opened + DAY);
    expect(kycCase.decisions).toEqual([{ outcome, reasons: ['X'], decidedAt: opened + DAY, eventId: `ev-${outcome}-${opened + DAY}` }]);
  });

  it('ignores a redelivered webhook, even after the trader resubmitted', () => {
    const retry = decision('resubmissionRequested', opened + DAY);
    const once = after(applyDecision(pendingCase(), retry));
    const again = applyDecision(once, retry);
    expect(again).toMatchObject({ change: 'ignored', reason: `event ${retry.eventId} was already applied (a redelivery)` });
    expect(again.case).toBe(once);
  });

  it('ignores a decision older than the latest applied (an out-of-order webhook)', () => {
    const retried = after(applyDecision(pendingCase(), decision('resubmissionRequested', opened + 2 * DAY)));
    const late = applyDecision(retried, decision('rejected', opened + 2 * DAY - 1));
    expect(late.change).toBe('ignored');
    expect(late.reason).toMatch(/older than the latest applied/);
    expect(late.case.status).toBe('resubmissionRequested');
  });

  it('applies a decision of the same millisecond as the latest (not older)', () => {
    const retried = after(applyDecision(pendingCase(), decision('resubmissionRequested', opened + DAY)));
    expect(applyDecision(retried, decision('approved', opened + DAY)).change).toBe('applied');
  });

  it('ignores a decision for another applicant, or from another provider', () => {
    expect(applyDecision(pendingCase(), decision('approved', opened + DAY, { applicantId: 'app-2' }))).toMatchObject({
      change: 'ignored',
      reason: "decision for applicant app-2, the case's is app-1",
    });
    expect(applyDecision(pendingCase(), decision('approved', opened + DAY, { provider: 'onfido' })).change).toBe('ignored');
  });

  it('ignores a decision before the applicant is recorded', () => {
    const started = startCase('trader-1', 'sumsub', opened).case;
    expect(applyDecision(started, decision('approved', opened + DAY))).toMatchObject({ change: 'ignored', case: started });
  });

  it('approves after a resubmission request, and counts reminders anew from the request', () => {
    const reminded = after(recordReminder(pendingCase(), opened + 2 * DAY));
    const retried = after(applyDecision(reminded, decision('resubmissionRequested', opened + 3 * DAY, { reasons: ['SELFIE_MISMATCH'] })));
    expect(retried).toMatchObject({ status: 'resubmissionRequested', remindersSent: 0, lastReminderAt: null });
    const approved = after(applyDecision(retried, decision('approved', opened + 4 * DAY)));
    expect(approved.status).toBe('approved');
    expect(approved.decisions.map((kept) => kept.outcome)).toEqual(['resubmissionRequested', 'approved']);
  });

  it.each(['approved', 'rejected'] as const)('treats %s as final: a newer decision is ignored', (outcome) => {
    const decided = after(applyDecision(pendingCase(), decision(outcome, opened + DAY)));
    const newer = applyDecision(decided, decision(outcome === 'approved' ? 'rejected' : 'approved', opened + 2 * DAY));
    expect(newer).toMatchObject({ change: 'ignored', reason: `the case is already ${outcome}, which is final` });
    expect(newer.case.status).toBe(outcome);
  });

  it('takes a decision on an expired case: the verdict on the same applicant stands', () => {
    const expired = after(expireCase(pendingCase(), opened + 30 * DAY));
    expect(after(applyDecision(expired, decision('approved', opened + 31 * DAY))).status).toBe('approved');
  });

  it(`keeps the latest ${MAX_DECISIONS_KEPT} decisions`, () => {
    let kycCase = pendingCase();
    for (let index = 1; index <= MAX_DECISIONS_KEPT + 2; index++) kycCase = after(applyDecision(kycCase, decision('resubmissionRequested', opened + index * HOUR)));
    expect(kycCase.decisions).toHaveLength(MAX_DECISIONS_KEPT);
    expect(kycCase.decisions[0]?.decidedAt).toBe(opened + 3 * HOUR);
    expect(kycCase.decisions.at(-1)?.decidedAt).toBe(opened + (MAX_DECISIONS_KEPT + 2) * HOUR);
  });
});

describe('KycPolicy', () => {
  it('defaults to a first reminder after 48 h, then every 72 h, 3 at most, expiry after 30 days', () => {
    expect(policy).toEqual({ reminderAfterHours: 48, reminderEveryHours: 72, maxReminders: 3, expireAfterDays: 30 });
  });

  it('refuses a fractional number of hours, naming the field', () => {
    const result = KycPolicy.safeParse({ reminderEveryHours: 1.5 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['reminderEveryHours']);
  });
});

describe('kycDue', () => {
  const firstReminderAt = opened + 48 * HOUR;
  const expiresAt = opened + 30 * DAY;

  it('reminds from the moment the first reminder is due, not a millisecond before', () => {
    expect(kycDue(pendingCase(), policy, firstReminderAt - 1)).toBeNull();
    expect(kycDue(pendingCase(), policy, firstReminderAt)).toBe('remind');
  });

  it('reminds again reminderEveryHours after the last reminder', () => {
    const reminded = after(recordReminder(pendingCase(), firstReminderAt + 5000));
    expect(kycDue(reminded, policy, firstReminderAt + 5000 + 72 * HOUR - 1)).toBeNull();
    expect(kycDue(reminded, policy, firstReminderAt + 5000 + 72 * HOUR)).toBe('remind');
  });

  it('stops reminding after maxReminders', () => {
    let kycCase = pendingCase();
    for (let index = 0; index < policy.maxReminders; index++) kycCase = after(recordReminder(kycCase, firstReminderAt + index * 72 * HOUR));
    expect(kycCase.remindersSent).toBe(3);
    expect(kycDue(kycCase, policy, expiresAt - 1)).toBeNull();
  });

  it('sends no reminder with maxReminders 0', () => {
    expect(kycDue(pendingCase(), KycPolicy.parse({ maxReminders: 0 }), firstReminderAt)).toBeNull();
  });

  it('expires from the moment expireAfterDays is reached, before any reminder', () => {
    expect(kycDue(pendingCase(), policy, expiresAt - 1)).toBe('remind');
    expect(kycDue(pendingCase(), policy, expiresAt)).toBe('expire');
  });

  it('counts from the resubmission request for a case asked to resubmit', () => {
    const requestedAt = opened + 10 * DAY;
    const retried = after(applyDecision(pendingCase(), decision('resubmissionRequested', requestedAt)));
    expect(kycDue(retried, policy, requestedAt + 48 * HOUR - 1)).toBeNull();
    expect(kycDue(retried, policy, requestedAt + 48 * HOUR)).toBe('remind');
    expect(kycDue(retried, policy, requestedAt + 30 * DAY - 1)).toBe('remind');
    expect(kycDue(retried, policy, requestedAt + 30 * DAY)).toBe('expire');
  });

  it.each(['notStarted', 'approved', 'rejected', 'expired'] as const)('has nothing to do for a %s case', (status) => {
    expect(kycDue({ ...pendingCase(), status }, policy, expiresAt + DAY)).toBeNull();
  });
});

describe('recordReminder and expireCase', () => {
  it('records a reminder once: a retry at the same time is ignored', () => {
    const reminded = after(recordReminder(pendingCase(), opened + 2 * DAY));
    expect(reminded).toMatchObject({ remindersSent: 1, lastReminderAt: opened + 2 * DAY, updatedAt: opened + 2 * DAY });
    expect(recordReminder(reminded, opened + 2 * DAY)).toMatchObject({ change: 'ignored', case: reminded });
  });

  it('neither reminds nor expires a case that waits on no one', () => {
    const approved = after(applyDecision(pendingCase(), decision('approved', opened + DAY)));
    expect(recordReminder(approved, opened + 2 * DAY)).toMatchObject({ change: 'ignored', case: approved });
    expect(expireCase(approved, opened + 30 * DAY)).toMatchObject({ change: 'ignored', case: approved });
  });

  it('expires a waiting case', () => {
    expect(after(expireCase(pendingCase(), opened + 30 * DAY))).toMatchObject({ status: 'expired', updatedAt: opened + 30 * DAY });
  });
});

describe('gatesPass', () => {
  it('passes only an approved verification', () => {
    expect(KYC_STATUSES.filter(gatesPass)).toEqual<KycStatus[]>(['approved']);
  });
});
