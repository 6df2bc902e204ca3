/**
 * A trader's identity verification (KYC), whichever provider runs it. The provider's adapter turns its
 * webhooks into KycDecisions; this module decides what a decision, a reminder or an expiry does to the
 * trader's KycCase. It reads no clock and calls nothing: every time is passed in (epoch ms), so the
 * workflow, the webhook handler and the scheduled sweep can share it and replay it in tests.
 *
 * Webhooks arrive at least once and in any order, so a transition never throws on an event that
 * cannot apply: it answers 'ignored' with the reason, and the caller acknowledges the event.
 */
import { z } from 'zod';

export const KYC_STATUSES = ['notStarted', 'pending', 'approved', 'rejected', 'resubmissionRequested', 'expired'] as const;
export type KycStatus = (typeof KYC_STATUSES)[number];

export const KycOutcome = z
  .enum(['approved', 'rejected', 'resubmissionRequested'])
  .describe('approved and rejected are final; resubmissionRequested asks the trader to submit again');
export type KycOutcome = z.output<typeof KycOutcome>;

/** A provider's review of an applicant, normalized by its adapter. */
export const KycDecision = z.object({
  provider: z.string().min(1).describe('the provider that decided, as its KycProvider is named'),
  applicantId: z.string().min(1).describe('the provider’s id of the applicant'),
  traderId: z.string().min(1).describe('the trader the applicant was created for'),
  outcome: KycOutcome,
  reasons: z.array(z.string()).describe('the provider’s reject labels and comment; empty when approved'),
  decidedAt: z.int().nonnegative().describe('when the provider decided, epoch milliseconds'),
  eventId: z.string().min(1).describe('the same for every delivery of one webhook: what makes a redelivery harmless'),
});
export type KycDecision = z.output<typeof KycDecision>;

export type KycDecisionRecord = Pick<KycDecision, 'outcome' | 'reasons' | 'decidedAt' | 'eventId'>;

/** A trader's verification as stored: plain JSON. */
export interface KycCase {
  readonly traderId: string;
  readonly provider: string;
  /** Null until the provider has created the applicant. */
  readonly applicantId: string | null;
  readonly status: KycStatus;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Reminders since the trader was last asked to act (opening or a resubmission request). */
  readonly remindersSent: number;
  readonly lastReminderAt: number | null;
  /** The latest decisions applied, oldest first, at most MAX_DECISIONS_KEPT. */
  readonly decisions: readonly KycDecisionRecord[];
}

/** Enough for an audit trail and for deduplicating redeliveries, which come within minutes or hours. */
export const MAX_DECISIONS_KEPT = 10;

export type KycChange = 'applied' | 'ignored';

export interface KycTransition {
  readonly case: KycCase;
  readonly change: KycChange;
  /** Why the change was applied or ignored, for the log and the audit trail. */
  readonly reason: string;
}

/** When a waiting trader is reminded and when their case expires. */
export const KycPolicy = z.object({
  reminderAfterHours: z.int().positive().default(48).describe('hours after the trader was asked to act before the first reminder'),
  reminderEveryHours: z.int().positive().default(72).describe('hours between reminders'),
  maxReminders: z.int().nonnegative().default(3).describe('reminders at most each time the trader is asked to act; 0 sends none'),
  expireAfterDays: z.int().positive().default(30).describe('days after the trader was asked to act before the case expires'),
});
export type KycPolicy = z.output<typeof KycPolicy>;

export type KycDue = 'remind' | 'expire';

export interface ApplicantRequest {
  readonly traderId: string;
  readonly email: string;
  /** Full name; null when it was not collected. */
  readonly name: string | null;
}

export interface NewApplicant {
  readonly applicantId: string;
  /** Where the trader verifies; valid for a limited time, so a reminder asks for a fresh one. */
  readonly verificationUrl: string;
}

/** An applicant whose verified identity is asked for, as Propdesk created it. */
export interface VerifiedApplicant {
  readonly applicantId: string;
  readonly traderId: string;
  /** The trader's name on record; null when it was not collected. */
  readonly name: string | null;
}

/** What the KYC workflow needs of a provider. */
export interface KycProvider {
  /** The provider's name, as its decisions carry it. */
  readonly name: string;
  /** Idempotent per trader: called again (a retried step, a reminder) it returns the same applicant and a fresh link. */
  createApplicant(input: ApplicantRequest): Promise<NewApplicant>;
  /**
   * Who the provider verified an approved applicant to be, for the abuse engine to link traders who are one
   * person: an identity document's country, type and number, or the provider's id of the person; null when it
   * knows none. Asked once the verdict is in, not carried by it: a provider's review webhook (Sumsub's) holds no
   * document data. The engine keeps only a hash of it, and it is never logged, audited or stored in the case.
   * Optional: a provider without it feeds the engine no KYC identity.
   */
  verifiedIdentity?(applicant: VerifiedApplicant): Promise<string | null>;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const WAITING: readonly KycStatus[] = ['pending', 'resubmissionRequested'];
const FINAL: readonly KycStatus[] = ['approved', 'rejected'];

const applied = (kycCase: KycCase, reason: string): KycTransition => ({ case: kycCase, change: 'applied', reason });
const ignored = (kycCase: KycCase, reason: string): KycTransition => ({ case: kycCase, change: 'ignored', reason });

export function startCase(traderId: string, provider: string, at: number): KycTransition {
  return applied(
    { traderId, provider, applicantId: null, status: 'notStarted', createdAt: at, updatedAt: at, remindersSent: 0, lastReminderAt: null, decisions: [] },
    'case opened',
  );
}

export function applicantCreated(kycCase: KycCase, applicantId: string, at: number): KycTransition {
  if (kycCase.applicantId === applicantId) return ignored(kycCase, `applicant ${applicantId} is already recorded`);
  if (kycCase.applicantId !== null) return ignored(kycCase, `the case already has applicant ${kycCase.applicantId}, not ${applicantId}`);
  return applied({ ...kycCase, applicantId, status: 'pending', updatedAt: Math.max(kycCase.updatedAt, at) }, `applicant ${applicantId} created`);
}

/**
 * Final outcomes (approved, rejected) are terminal: a firm does not silently revert a verdict it may
 * already have acted on. A decision older than the latest one applied is a late, out-of-order webhook
 * and is ignored. An expired case still takes a decision: expiry means the firm stopped waiting,
 * while the provider's verdict on that same applicant still stands.
 */
export function applyDecision(kycCase: KycCase, decision: KycDecision): KycTransition {
  if (decision.provider !== kycCase.provider) return ignored(kycCase, `decision from ${decision.provider}, the case is with ${kycCase.provider}`);
  if (kycCase.applicantId === null) return ignored(kycCase, `decision for applicant ${decision.applicantId}, the case has no applicant yet`);
  if (decision.applicantId !== kycCase.applicantId) return ignored(kycCase, `decision for applicant ${decision.applicantId}, the case's is ${kycCase.applicantId}`);
  if (kycCase.decisions.some((kept) => kept.eventId === decision.eventId)) return ignored(kycCase, `event ${decision.eventId} was already applied (a redelivery)`);
  if (FINAL.includes(kycCase.status)) return ignored(kycCase, `the case is already ${kycCase.status}, which is final`);
  const latest = kycCase.decisions.at(-1);
  if (latest !== undefined && decision.decidedAt < latest.decidedAt) {
    return ignored(kycCase, `decision of ${new Date(decision.decidedAt).toISOString()} is older than the latest applied, of ${new Date(latest.decidedAt).toISOString()}`);
  }
  const { outcome, reasons, decidedAt, eventId } = decision;
  const decisions = [...kycCase.decisions, { outcome, reasons, decidedAt, eventId }].slice(-MAX_DECISIONS_KEPT);
  // A resubmission request asks the trader to act again: reminders and expiry count from it anew.
  const reminders = outcome === 'resubmissionRequested' ? { remindersSent: 0, lastReminderAt: null } : {};
  return applied({ ...kycCase, ...reminders, status: outcome, updatedAt: Math.max(kycCase.updatedAt, decidedAt), decisions }, `${outcome} by ${decision.provider}`);
}

/** When the trader was last asked to act: the latest resubmission request, or the opening of the case. */
function waitingSince(kycCase: KycCase): number {
  const latest = kycCase.decisions.at(-1);
  return kycCase.status === 'resubmissionRequested' && latest !== undefined ? latest.decidedAt : kycCase.createdAt;
}

/**
 * What a scheduled sweep should do now for a case that waits on the trader, or null. A threshold is due
 * from the millisecond it is reached. Expiry comes first: an expired case is not reminded.
 */
export function kycDue(kycCase: KycCase, policy: KycPolicy, now: number): KycDue | null {
  if (!WAITING.includes(kycCase.status)) return null;
  const since = waitingSince(kycCase);
  if (now >= since + policy.expireAfterDays * DAY_MS) return 'expire';
  if (kycCase.remindersSent >= policy.maxReminders) return null;
  const nextReminder = kycCase.lastReminderAt === null ? since + policy.reminderAfterHours * HOUR_MS : kycCase.lastReminderAt + policy.reminderEveryHours * HOUR_MS;
  return now >= nextReminder ? 'remind' : null;
}

export function recordReminder(kycCase: KycCase, at: number): KycTransition {
  if (!WAITING.includes(kycCase.status)) return ignored(kycCase, `the case is ${kycCase.status}: it waits on no one`);
  if (kycCase.lastReminderAt !== null && at <= kycCase.lastReminderAt) return ignored(kycCase, 'a reminder at or after this time is already recorded (a retry)');
  const remindersSent = kycCase.remindersSent + 1;
  return applied({ ...kycCase, remindersSent, lastReminderAt: at, updatedAt: Math.max(kycCase.updatedAt, at) }, `reminder ${remindersSent} sent`);
}

export function expireCase(kycCase: KycCase, at: number): KycTransition {
  if (!WAITING.includes(kycCase.status)) return ignored(kycCase, `the case is ${kycCase.status}: only a case waiting on the trader expires`);
  return applied({ ...kycCase, status: 'expired', updatedAt: Math.max(kycCase.updatedAt, at) }, 'expired: the trader did not complete verification in time');
}

/** The KYC gate of payouts and funded activation: only an approved verification passes. */
export const gatesPass = (status: KycStatus): boolean => status === 'approved';
