/**
 * The steps of the KYC workflow (cdk/constructs/kyc-workflow.ts) and of the KYC gate other workflows wait at.
 *
 *   openCase           a case for the trader, its applicant at the provider, the verification link mailed
 *   awaitDecision      parks the task token where the provider's webhook (kyc-webhook.ts) will find it
 *   remindOrExpire     the wait ran out: remind the trader with a fresh link, or expire the case
 *   requestResubmission  the provider asked for new documents: tell the trader why
 *   conclude           approved, rejected or expired: release every gate waiting for it, publish, audit; an
 *                      approval also tells the abuse engine who the provider verified (IdentityObserved)
 *   awaitApproval      the gate: a funded activation (or a payout) waits here until the trader is verified
 *
 * Cases are saved on the condition of the version loaded, so two executions for one trader (two funded
 * purchases at once) open one case: the second finds it open and ends. Time comes from `now`.
 */
import { z } from 'zod';
import type { AuditLog } from '../ports/audit-log.js';
import type { Mailer } from '../ports/credentials.js';
import type { EventPublisher } from '../ports/event-publisher.js';
import type { KycCaseStore, StoredKycCase } from '../ports/kyc-cases.js';
import type { OrderBook } from '../ports/orders.js';
import type { TaskCallbacks, TaskTokenStore } from '../ports/task-tokens.js';
import { applicantCreated, expireCase, gatesPass, kycDue, recordReminder, startCase, type KycCase, type KycPolicy, type KycProvider, type KycStatus } from './kyc.js';
import { kycTokenId } from './kyc-webhook.js';
import { WORKFLOW_ACTOR } from './purchase.js';
import { identityObserved, type KycEvent, type WorkflowPublication } from './workflow-events.js';

export interface KycPorts {
  readonly tenant: string;
  readonly cases: KycCaseStore;
  readonly provider: KycProvider;
  readonly orders: OrderBook;
  readonly tokens: TaskTokenStore;
  readonly callbacks: TaskCallbacks;
  readonly mailer: Mailer;
  /** The Kyc* events, and an approved trader's IdentityObserved (source propdesk.workflows). */
  readonly events: EventPublisher<WorkflowPublication>;
  readonly audit: AuditLog;
  readonly policy: KycPolicy;
  readonly now: () => number;
}

/** What the workflow carries between steps. */
export const KycProgress = z.object({
  traderId: z.string(),
  status: z.enum(['notStarted', 'pending', 'approved', 'rejected', 'resubmissionRequested', 'expired', 'alreadyOpen']),
  /** Decisions the workflow has acted on: a later one is news. */
  handledDecisions: z.int().nonnegative(),
});
export type KycProgress = z.output<typeof KycProgress>;

/** What a resumed decision wait answers with (the webhook, or awaitDecision itself when the decision came first). */
export interface KycVerdict {
  /** alreadyWaiting: another execution waits for this trader's verdict; this one ends. */
  readonly outcome: 'approved' | 'rejected' | 'resubmissionRequested' | 'alreadyWaiting';
  readonly reasons: readonly string[];
}

/** The gate's id for an account waiting to activate: its task token is parked under it. */
export const kycGateId = (accountId: string) => `kyc-gate:${accountId}`;

const FINAL: ReadonlySet<KycStatus> = new Set(['approved', 'rejected']);

/** Where the abuse engine is told a verified identity was seen (the observation's `source`). */
export const KYC_IDENTITY_SOURCE = 'propdesk.kyc';

/** One per approval: a retried conclusion publishes the same event. */
export const kycIdentityIdOf = (traderId: string, eventId: string) => `identity:kyc:${traderId}:${eventId}`;
const iso = (time: number) => new Date(time).toISOString();

export class KycSteps {
  constructor(private readonly ports: KycPorts) {}

  /** Opens a case (a new one after an expiry), creates the applicant and mails the link; a final or open case is left alone. */
  async openCase(traderId: string): Promise<KycProgress> {
    const now = this.ports.now();
    const stored = await this.ports.cases.load(traderId);
    if (stored !== undefined && stored.case.status !== 'expired' && stored.case.status !== 'notStarted') {
      const handledDecisions = stored.case.decisions.length;
      if (FINAL.has(stored.case.status)) return { traderId, status: stored.case.status, handledDecisions };
      // Open, and a workflow waits for it: that one concludes. Open with nobody waiting (its execution failed
      // or timed out): this execution takes the wait over, from the decisions already made.
      if (await this.workflowWaits(traderId)) return { traderId, status: 'alreadyOpen', handledDecisions };
      return { traderId, status: stored.case.status === 'resubmissionRequested' ? 'resubmissionRequested' : 'pending', handledDecisions };
    }
    const trader = await this.ports.orders.trader(traderId);
    if (trader === undefined) throw Object.assign(new Error(`trader ${traderId} has no profile to verify`), { name: 'UnknownTrader' });
    const opened = startCase(traderId, this.ports.provider.name, now).case;
    // Claimed before the provider is called: a second execution for this trader stops here.
    if ((await this.ports.cases.save(opened, stored?.version ?? null)) === 'conflict') return { traderId, status: 'alreadyOpen', handledDecisions: 0 };
    // The provider answers a second create for the same trader with the same applicant, so a retry is harmless.
    const { applicantId, verificationUrl } = await this.ports.provider.createApplicant({ traderId, email: trader.email, name: trader.name });
    await this.change(traderId, (kycCase) => applicantCreated(kycCase, applicantId, now).case);
    await this.ports.mailer.send({
      to: trader.email,
      subject: 'Verify your identity to trade a funded account',
      text: `${trader.name === null ? 'Hello,' : `Hello ${trader.name},`}\n\nbefore your funded account can open, and before any payout, we need to verify your identity. It takes a few minutes:\n\n${verificationUrl}\n\nThe link is personal; do not share it.`,
    });
    await this.publish({ type: 'KycRequested', id: `${this.ports.tenant}:kyc:${traderId}:${now}`, time: iso(now), traderId, applicantId, provider: this.ports.provider.name });
    await this.auditEntry(`kyc.opened:${traderId}:${opened.createdAt}`, 'kyc.opened', traderId, now, { applicantId, provider: this.ports.provider.name });
    return { traderId, status: 'pending', handledDecisions: 0 };
  }

  /**
   * Parks the token for the webhook; a decision the workflow has not acted on yet resumes it at once. Another
   * execution already waiting for this trader (two gates started two) keeps waiting, and this one ends.
   */
  async awaitDecision(progress: KycProgress, taskToken: string, waitSeconds: number): Promise<void> {
    const id = kycTokenId(progress.traderId);
    const now = this.ports.now();
    if (!(await this.ports.tokens.saveIfFree(id, taskToken, now + waitSeconds * 1000, now))) {
      const verdict: KycVerdict = { outcome: 'alreadyWaiting', reasons: [] };
      await this.ports.callbacks.succeed(taskToken, verdict);
      return;
    }
    const kycCase = (await this.ports.cases.load(progress.traderId))?.case;
    const latest = kycCase?.decisions.at(-1);
    if (kycCase !== undefined && latest !== undefined && kycCase.decisions.length > progress.handledDecisions) {
      const verdict: KycVerdict = { outcome: latest.outcome, reasons: latest.reasons };
      await this.ports.callbacks.succeed(taskToken, verdict);
      await this.ports.tokens.discard(id);
    }
  }

  /** The wait ran out: expire the case, remind the trader, or (nothing due yet) wait again. */
  async remindOrExpire(progress: KycProgress): Promise<KycProgress> {
    const now = this.ports.now();
    const { case: kycCase } = await this.loadCase(progress.traderId);
    const due = kycDue(kycCase, this.ports.policy, now);
    if (due === 'expire') {
      await this.change(progress.traderId, (current) => expireCase(current, now).case);
      return { ...progress, status: 'expired' };
    }
    if (due === 'remind') {
      const reminded = await this.change(progress.traderId, (current) => recordReminder(current, now).case);
      const trader = await this.ports.orders.trader(progress.traderId);
      if (trader !== undefined) {
        const { verificationUrl } = await this.ports.provider.createApplicant({ traderId: trader.traderId, email: trader.email, name: trader.name });
        await this.ports.mailer.send({ to: trader.email, subject: 'Reminder: verify your identity', text: `Your identity verification is still open. Continue here:\n\n${verificationUrl}` });
      }
      await this.auditEntry(`kyc.reminded:${progress.traderId}:${now}`, 'kyc.reminded', progress.traderId, now, { remindersSent: reminded.remindersSent });
    }
    return { ...progress, status: kycCase.status === 'resubmissionRequested' ? 'resubmissionRequested' : 'pending' };
  }

  /** The provider wants new documents: the trader learns why, and the workflow waits for the next decision. */
  async requestResubmission(progress: KycProgress, reasons: readonly string[]): Promise<KycProgress> {
    const now = this.ports.now();
    const { case: kycCase } = await this.loadCase(progress.traderId);
    const trader = await this.ports.orders.trader(progress.traderId);
    if (trader !== undefined) {
      const { verificationUrl } = await this.ports.provider.createApplicant({ traderId: trader.traderId, email: trader.email, name: trader.name });
      const why = reasons.length === 0 ? '' : `\n\nThe reviewer noted: ${reasons.join('; ')}.`;
      await this.ports.mailer.send({ to: trader.email, subject: 'Your identity verification needs another document', text: `Please submit again.${why}\n\n${verificationUrl}` });
    }
    await this.auditEntry(`kyc.resubmissionRequested:${progress.traderId}:${kycCase.decisions.length}`, 'kyc.resubmissionRequested', progress.traderId, now, { reasons: [...reasons] });
    return { traderId: progress.traderId, status: 'resubmissionRequested', handledDecisions: kycCase.decisions.length };
  }

  /** A final status: every gate waiting for it is released (or failed), and the outcome published and audited. */
  async conclude(progress: KycProgress): Promise<KycProgress> {
    const { case: kycCase } = await this.loadCase(progress.traderId);
    await this.releaseGates(kycCase);
    const type = kycCase.status === 'approved' ? 'KycApproved' : kycCase.status === 'rejected' ? 'KycRejected' : 'KycExpired';
    const reasons = [...(kycCase.decisions.at(-1)?.reasons ?? [])];
    const id = `${this.ports.tenant}:kyc:${progress.traderId}:${kycCase.status}:${kycCase.updatedAt}`;
    await this.publish({ type, id, time: iso(kycCase.updatedAt), traderId: progress.traderId, applicantId: kycCase.applicantId, reasons });
    await this.auditEntry(id, `kyc.${kycCase.status}`, progress.traderId, kycCase.updatedAt, { applicantId: kycCase.applicantId, reasons });
    if (kycCase.status === 'approved') await this.observeVerifiedIdentity(kycCase);
    return { traderId: progress.traderId, status: kycCase.status === 'approved' || kycCase.status === 'rejected' ? kycCase.status : 'expired', handledDecisions: kycCase.decisions.length };
  }

  /**
   * The KYC gate: resumes at once for a verified trader, fails at once for a rejected one; otherwise parks the
   * token, registers the gate with the case, and opens verification (the KycRequested start). A verdict that
   * lands between the read and the registration is caught by reading the case again.
   */
  async awaitApproval(traderId: string, accountId: string, taskToken: string, waitSeconds: number): Promise<void> {
    const gateId = kycGateId(accountId);
    const verdictNow = async (kycCase: KycCase | undefined): Promise<boolean> => {
      if (kycCase === undefined || !FINAL.has(kycCase.status)) return false;
      if (gatesPass(kycCase.status)) await this.ports.callbacks.succeed(taskToken, { kyc: 'approved' });
      else await this.ports.callbacks.fail(taskToken, 'KycRejected', `the trader's identity verification was rejected: ${kycCase.decisions.at(-1)?.reasons.join('; ') ?? ''}`);
      await this.ports.tokens.discard(gateId);
      return true;
    };
    const now = this.ports.now();
    if (await verdictNow((await this.ports.cases.load(traderId))?.case)) return;
    await this.ports.tokens.save(gateId, taskToken, now + waitSeconds * 1000);
    await this.ports.cases.addGate(traderId, gateId);
    const after = await this.ports.cases.load(traderId);
    if (await verdictNow(after?.case)) return;
    // A case a workflow waits for concludes and releases this gate with the others; otherwise verification
    // (re)starts: a new case, or an open one whose workflow ended.
    const waited = after !== undefined && after.case.status !== 'expired' && after.case.status !== 'notStarted' && (await this.workflowWaits(traderId));
    if (!waited) await this.publish({ type: 'KycNeeded', id: `${this.ports.tenant}:${gateId}`, time: iso(now), traderId, accountId });
  }

  /**
   * The identity the provider verified, to the abuse engine, at the approval's time and under the approving
   * webhook's event id. Asked of the provider after the verdict has released the gates and been published: a
   * provider that fails here fails the step, whose retry repeats nothing but this, and never holds a verdict up.
   * The identity goes on the bus only: not in the case, the audit entry or the step's output.
   */
  private async observeVerifiedIdentity(kycCase: KycCase): Promise<void> {
    const { provider } = this.ports;
    const approval = kycCase.decisions.at(-1);
    // A case opened with another provider (the firm switched since) has its applicant there.
    if (provider.verifiedIdentity === undefined || kycCase.provider !== provider.name || kycCase.applicantId === null || approval === undefined) return;
    const trader = await this.ports.orders.trader(kycCase.traderId);
    const identity = await provider.verifiedIdentity({ applicantId: kycCase.applicantId, traderId: kycCase.traderId, name: trader?.name ?? null });
    if (identity === null) return;
    const observed = identityObserved(kycIdentityIdOf(kycCase.traderId, approval.eventId), {
      traderId: kycCase.traderId,
      accountId: null,
      observedAt: approval.decidedAt,
      source: KYC_IDENTITY_SOURCE,
      signals: { kycIdentity: identity },
    });
    if (observed !== null) await this.ports.events.publish([observed]);
  }

  private async workflowWaits(traderId: string): Promise<boolean> {
    return (await this.ports.tokens.find(kycTokenId(traderId), this.ports.now())) !== undefined;
  }

  private async releaseGates(kycCase: KycCase): Promise<void> {
    for (const gateId of await this.ports.cases.takeGates(kycCase.traderId)) {
      const token = await this.ports.tokens.find(gateId);
      if (token === undefined) continue;
      if (kycCase.status === 'approved') await this.ports.callbacks.succeed(token, { kyc: 'approved' });
      else {
        const reasons = kycCase.status === 'rejected' ? (kycCase.decisions.at(-1)?.reasons ?? []) : [];
        await this.ports.callbacks.fail(token, kycCase.status === 'rejected' ? 'KycRejected' : 'KycExpired', `the trader's identity verification ended ${kycCase.status}${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''}`);
      }
      await this.ports.tokens.discard(gateId);
    }
  }

  private async loadCase(traderId: string): Promise<StoredKycCase> {
    const stored = await this.ports.cases.load(traderId);
    if (stored === undefined) throw Object.assign(new Error(`trader ${traderId} has no KYC case`), { name: 'UnknownTrader' });
    return stored;
  }

  /** Applies `transition` to the case as stored; a webhook saving meanwhile fails the step with CaseChanged, and its retry starts over. */
  private async change(traderId: string, transition: (kycCase: KycCase) => KycCase): Promise<KycCase> {
    const stored = await this.loadCase(traderId);
    const changed = transition(stored.case);
    if ((await this.ports.cases.save(changed, stored.version)) === 'conflict') {
      throw Object.assign(new Error(`trader ${traderId}'s KYC case changed meanwhile`), { name: 'CaseChanged' });
    }
    return changed;
  }

  private publish(event: KycEvent): Promise<void> {
    return this.ports.events.publish([event]);
  }

  /** `id` is stable across retries of the step, so a retry appends nothing new. */
  private auditEntry(id: string, action: string, traderId: string, at: number, details: Record<string, unknown>): Promise<void> {
    return this.ports.audit.append({ id, time: iso(at), actor: WORKFLOW_ACTOR, action, target: { kind: 'trader', id: traderId }, reason: null, details });
  }
}
