/**
 * A KYC provider for the local platform and tests: no network, and the same answers every time. It
 * stands in for Sumsub, so its decisions arrive as Sumsub-shaped, signed webhooks and go through the
 * very verification and normalization that production webhooks go through.
 *
 * Its verified identity is a simulated passport derived from the name the trader gave: every applicant of
 * one name shows the same passport, so two traders who are one simulated person (two emails, one name) share
 * a KYC identity and the abuse engine links them. A trader without a name is a person of their own.
 */
import { createHash } from 'node:crypto';
import type { ApplicantRequest, KycOutcome, KycProvider, NewApplicant, VerifiedApplicant } from '../../workflows/kyc.js';
import { DIGEST_ALGORITHM_HEADER, DIGEST_HEADER, SUMSUB_PROVIDER, sumsubDigest, type SumsubDigestAlgorithm } from './sumsub.js';

/** Public and for the local platform only: never configure it for a deployed webhook. */
export const LOCAL_ONLY_FAKE_KYC_WEBHOOK_SECRET = 'propdesk-local-only-fake-kyc-webhook-secret';

const DIGEST_ALGORITHM: SumsubDigestAlgorithm = 'HMAC_SHA256_HEX';

export interface FakeWebhook {
  /** The body exactly as signed. */
  readonly rawBody: string;
  /** By lower-case name, as the webhook handler reads them. */
  readonly headers: Readonly<Record<string, string>>;
}

const applicantIdOf = (traderId: string): string => `fake-applicant-${traderId}`;

/** The simulated passport of the person with this name (or, without one, of the trader alone). */
export function fakePassportOf(name: string | null, traderId: string): string {
  const person = name?.trim().toLowerCase().split(/\s+/).join(' ') || `trader:${traderId}`;
  return `FAKE:PASSPORT:${createHash('sha256').update(person).digest('hex').slice(0, 12).toUpperCase()}`;
}

/** "2020-02-21 13:23:19.111", UTC: the form Sumsub writes. */
const sumsubTimeOf = (at: number): string => new Date(at).toISOString().slice(0, 23).replace('T', ' ');

const reviewResultOf = (outcome: KycOutcome, reasons: readonly string[]) => {
  if (outcome === 'approved') return { reviewAnswer: 'GREEN' };
  return { reviewAnswer: 'RED', reviewRejectType: outcome === 'resubmissionRequested' ? 'RETRY' : 'FINAL', rejectLabels: reasons };
};

export class FakeKycProvider implements KycProvider {
  readonly name = SUMSUB_PROVIDER;

  async createApplicant({ traderId }: ApplicantRequest): Promise<NewApplicant> {
    const applicantId = applicantIdOf(traderId);
    return { applicantId, verificationUrl: `http://127.0.0.1/kyc/fake/${encodeURIComponent(applicantId)}` };
  }

  /** FAKE:PASSPORT:<12 hex digits>, from the name (case and spacing aside), else from the trader id. */
  async verifiedIdentity({ traderId, name }: VerifiedApplicant): Promise<string> {
    return fakePassportOf(name, traderId);
  }

  /** The applicantReviewed webhook Sumsub would send for the trader's applicant, decided at `at` (epoch ms). */
  webhookFor(traderId: string, outcome: KycOutcome, at: number, reasons: readonly string[] = []): FakeWebhook {
    const rawBody = JSON.stringify({
      applicantId: applicantIdOf(traderId),
      inspectionId: `fake-inspection-${traderId}`,
      correlationId: `fake-correlation-${at}`,
      externalUserId: traderId,
      levelName: 'fake-level',
      type: 'applicantReviewed',
      reviewStatus: 'completed',
      createdAtMs: sumsubTimeOf(at),
      reviewResult: reviewResultOf(outcome, reasons),
    });
    return {
      rawBody,
      headers: {
        'content-type': 'application/json',
        [DIGEST_HEADER]: sumsubDigest(rawBody, LOCAL_ONLY_FAKE_KYC_WEBHOOK_SECRET, DIGEST_ALGORITHM),
        [DIGEST_ALGORITHM_HEADER]: DIGEST_ALGORITHM,
      },
    };
  }
}
