/**
 * A KYC provider's webhook, received: verified, read into a KycDecision, applied to the trader's case
 * (shared/workflows/kyc.ts) with a save conditional on the version loaded, and the KYC workflow waiting
 * for the verdict resumed with it.
 *
 * The webhook records the verdict and wakes the workflow; it does not publish events or release the gates
 * waiting for the verdict. The workflow does both when resumed, so a case is concluded in one place,
 * whichever way the verdict reached it, and with the workflow's retries: a webhook that published
 * or released gates itself would have to repeat whatever the workflow does, and the two would race.
 *
 * Answers, for the provider: 2xx stops its retries, anything else makes it deliver again.
 *   401 refused  the signature does not verify (the reason is coarse on purpose: missing, unknownAlgorithm, mismatch)
 *   400 refused  the body is not JSON, or not a webhook the provider's adapter understands
 *   200 ignored  a verified webhook that changes nothing: not a decision, a trader without a case, a
 *                redelivery, a decision that cannot apply (kyc.ts says why); retrying would change nothing
 *   200 applied  the case took the decision
 *   503 busy     the case kept changing under the saves; the provider's retry will load it afresh
 * A port that throws (the table, Step Functions) throws out of `receive`: the handler answers 5xx, the
 * provider delivers again, and the redelivery finds the decision applied.
 *
 * A verdict saved whose workflow could not be resumed (Step Functions failed after the save) is resumed by
 * the redelivery when the verdict is final: a final case waits for nothing else, so a token still parked
 * for it can only be the one the first delivery failed to answer. A resubmission request is not resumed so
 * on redelivery: by then the workflow may be waiting for the next decision under the same id.
 */
import type { KycCaseStore } from '../ports/kyc-cases.js';
import type { TaskCallbacks, TaskTokenStore } from '../ports/task-tokens.js';
import { applyDecision, type KycCase, type KycDecision, type KycOutcome, type KycStatus } from './kyc.js';

/** Where the KYC workflow parks its "await decision" task token. */
export const kycTokenId = (traderId: string) => `kyc:${traderId}`;

/** The first save and up to three retries, each on a freshly loaded case. */
export const MAX_SAVE_ATTEMPTS = 4;

export type WebhookCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export type WebhookDecision =
  | { readonly ok: true; readonly decision: KycDecision }
  | { readonly ok: true; readonly decision: null; readonly reason: string }
  | { readonly ok: false; readonly error: string };

export interface KycWebhookPorts {
  readonly cases: KycCaseStore;
  readonly tokens: TaskTokenStore;
  readonly callbacks: TaskCallbacks;
  /** The provider's signature check over the body exactly as received; headers by lower-case name. May be async (a secret read). */
  verify(rawBody: string, headers: Readonly<Record<string, string | undefined>>): WebhookCheck | Promise<WebhookCheck>;
  /** The decision a verified webhook's JSON carries, null for other event types. */
  decisionOf(payload: unknown): WebhookDecision;
}

/** What the resumed workflow task receives. */
export interface KycVerdict {
  readonly outcome: KycOutcome;
  readonly reasons: readonly string[];
  readonly status: KycStatus;
}

export type WebhookAnswer = {
  readonly status: 200 | 400 | 401 | 503;
  readonly outcome: 'applied' | 'ignored' | 'refused' | 'busy';
  readonly reason: string;
  readonly traderId?: string;
  /** The waiting workflow: resumed, its token parked but its task no longer waiting, or no token parked; absent when not looked for. */
  readonly workflow?: WorkflowResumption;
};

export type WorkflowResumption = 'resumed' | 'late' | 'none';

const FINAL: readonly KycStatus[] = ['approved', 'rejected'];

export class KycWebhook {
  constructor(private readonly ports: KycWebhookPorts) {}

  async receive(rawBody: string, headers: Readonly<Record<string, string | undefined>>): Promise<WebhookAnswer> {
    const check = await this.ports.verify(rawBody, headers);
    if (!check.ok) return { status: 401, outcome: 'refused', reason: check.reason };
    let payload: unknown;
    try {
      payload = JSON.parse(rawBody);
    } catch {
      return { status: 400, outcome: 'refused', reason: 'the body is not JSON' };
    }
    const read = this.ports.decisionOf(payload);
    if (!read.ok) return { status: 400, outcome: 'refused', reason: read.error };
    if (read.decision === null) return { status: 200, outcome: 'ignored', reason: read.reason };
    return this.apply(read.decision);
  }

  private async apply(decision: KycDecision): Promise<WebhookAnswer> {
    const { traderId } = decision;
    for (let attempt = 1; attempt <= MAX_SAVE_ATTEMPTS; attempt++) {
      const stored = await this.ports.cases.load(traderId);
      // Acknowledged: the provider would retry in vain. The handler logs the answer, so the event is traceable.
      if (stored === undefined) return { status: 200, outcome: 'ignored', reason: `no KYC case for trader ${traderId}`, traderId };
      const transition = applyDecision(stored.case, decision);
      if (transition.change === 'ignored') {
        const verdict = finalVerdictOf(stored.case);
        if (verdict === undefined) return { status: 200, outcome: 'ignored', reason: transition.reason, traderId };
        return { status: 200, outcome: 'ignored', reason: transition.reason, traderId, workflow: await this.resume(traderId, verdict) };
      }
      if ((await this.ports.cases.save(transition.case, stored.version)) === 'saved') {
        const verdict: KycVerdict = { outcome: decision.outcome, reasons: decision.reasons, status: transition.case.status };
        return { status: 200, outcome: 'applied', reason: transition.reason, traderId, workflow: await this.resume(traderId, verdict) };
      }
    }
    return { status: 503, outcome: 'busy', reason: `the KYC case of trader ${traderId} changed during each of ${MAX_SAVE_ATTEMPTS} saves`, traderId };
  }

  /**
   * Answers the task parked for the trader's verdict, then forgets its token, also when the task no longer
   * waited. Found, answered, discarded, in that order: a failure before the discard leaves the token for
   * the redelivery (Step Functions refuses a second answer, which the callbacks report as not waiting).
   */
  private async resume(traderId: string, verdict: KycVerdict): Promise<WorkflowResumption> {
    const tokenId = kycTokenId(traderId);
    const token = await this.ports.tokens.find(tokenId);
    if (token === undefined) return 'none';
    const waiting = await this.ports.callbacks.succeed(token, verdict);
    await this.ports.tokens.discard(tokenId);
    return waiting ? 'resumed' : 'late';
  }
}

/** The verdict of a final case, from its latest decision; undefined for a case that may still change. */
function finalVerdictOf(kycCase: KycCase): KycVerdict | undefined {
  const latest = kycCase.decisions.at(-1);
  if (!FINAL.includes(kycCase.status) || latest === undefined) return undefined;
  return { outcome: latest.outcome, reasons: latest.reasons, status: kycCase.status };
}
