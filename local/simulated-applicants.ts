/**
 * Traders going through identity verification, simulated: the fake provider creates their applicants, and a
 * moment later each "completes" verification and the provider's signed webhook is POSTed to the platform's
 * own /webhooks/kyc, as Sumsub would call a deployed firm. What each trader's verification ends with is
 * the plan's to say (approved unless told otherwise; `ignore` leaves it to a test to decide).
 */
import { FakeKycProvider } from '../shared/adapters/kyc/fake-provider.js';
import type { ApplicantRequest, KycOutcome, KycProvider, NewApplicant, VerifiedApplicant } from '../shared/workflows/kyc.js';

export type ApplicantPlan = (traderId: string) => KycOutcome | 'ignore';

export class SimulatedApplicants implements KycProvider {
  readonly name: string;
  readonly fake = new FakeKycProvider();
  private readonly decided = new Set<string>();

  constructor(
    private readonly webhookUrl: () => string,
    private readonly plan: ApplicantPlan = () => 'approved',
    private readonly delayMs = 30,
    private readonly onError: (error: unknown) => void = (error) => console.error('simulated applicant:', error),
  ) {
    this.name = this.fake.name;
  }

  async createApplicant(request: ApplicantRequest): Promise<NewApplicant> {
    const applicant = await this.fake.createApplicant(request);
    // One verdict per trader: a reminder's fresh link does not decide again.
    if (!this.decided.has(request.traderId)) {
      this.decided.add(request.traderId);
      const outcome = this.plan(request.traderId);
      if (outcome !== 'ignore') setTimeout(() => void this.decide(request.traderId, outcome).catch(this.onError), this.delayMs);
    }
    return applicant;
  }

  /** The verified person behind an approved applicant, as the fake provider derives it. */
  verifiedIdentity(applicant: VerifiedApplicant): Promise<string | null> {
    return this.fake.verifiedIdentity(applicant);
  }

  /** POSTs the provider's signed verdict for the trader to the platform's webhook. */
  async decide(traderId: string, outcome: KycOutcome, reasons: readonly string[] = outcome === 'approved' ? [] : ['DOCUMENT_PAGE_MISSING'], at = Date.now()): Promise<Response> {
    const { rawBody, headers } = this.fake.webhookFor(traderId, outcome, at, reasons);
    return fetch(this.webhookUrl(), { method: 'POST', headers, body: rawBody });
  }
}
