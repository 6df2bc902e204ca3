/**
 * The steps of the payout workflow (cdk/constructs/payout-workflow.ts): a trader's request (made through the
 * API, which stored it and published PayoutRequested) becomes money paid, a booked ledger entry and a balance
 * operation on the trading platform, or a refusal with every reason.
 *
 *   evaluate          every eligibility gate (shared/workflows/payouts.ts) on the account as it stands, the
 *                     split ladder, and the approval route: rejected, approved (auto), or awaiting an analyst;
 *                     the risk gates read the verdict queue and the abuse engine's scores and flags
 *   awaitApproval     parks the task token where the API's decision route finds it
 *   recordApproval    the analyst approved
 *   recordRejection   the analyst declined, or nobody decided in time
 *   instruct          the processor command (the trader's share, to the trader's destination); the token waits
 *                     for the processor's settlement answer (callbacks.ts)
 *   settle            the settled record is the ledger entry; the balance operation goes to the bridge (the
 *                     bridge's balance event on the trade stream applies the floor-after-payout rule); the
 *                     scaling plan is reviewed
 *   recordFailure     the processor failed or never answered: nothing was booked, the balance is untouched
 *
 * Each step moves the payout record forward on the condition of the state it expects, so a retried step finds
 * its own earlier move and goes on. Time comes from `now`.
 */
import { compilePhase } from '../domain/compile.js';
import type { AccountState } from '../domain/state.js';
import type { FlagDesk } from '../ports/abuse.js';
import type { AccountStore } from '../ports/account-store.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { EventPublisher } from '../ports/event-publisher.js';
import type { KycCaseStore } from '../ports/kyc-cases.js';
import type { OrderBook } from '../ports/orders.js';
import { payoutApprovalTokenId, payoutSettlementTokenId, type PayoutChange, type PayoutLedger, type PayoutRecord, type PayoutState } from '../ports/payouts.js';
import type { ProgramStore } from '../ports/program-store.js';
import type { RiskQueue } from '../ports/risk-queue.js';
import type { TaskTokenStore } from '../ports/task-tokens.js';
import type { KycStatus as CaseStatus } from './kyc.js';
import { approvalRoute, eligible, payoutEligibility, payoutFactsOf, scalingReview, splitPayout, type KycStatus } from './payouts.js';
import { WORKFLOW_ACTOR } from './purchase.js';
import type { PayoutEvent } from './workflow-events.js';

export interface PayoutPorts {
  readonly tenant: string;
  readonly payouts: PayoutLedger;
  readonly accounts: Pick<AccountStore, 'load'>;
  readonly programs: ProgramStore;
  readonly cases: KycCaseStore;
  readonly orders: OrderBook;
  readonly riskQueue: RiskQueue;
  /** The abuse engine's results: the account's and its owner's latest risk scores, the account's flags. */
  readonly flags: Pick<FlagDesk, 'score' | 'flagsOfAccount'>;
  readonly tokens: TaskTokenStore;
  readonly events: EventPublisher<PayoutEvent>;
  readonly audit: AuditLog;
  readonly now: () => number;
}

/** What the evaluation decided; the state machine branches on `outcome`. */
export interface Evaluation {
  readonly payoutId: string;
  /** alreadyHandled: another execution evaluated this request (the bus delivered PayoutRequested twice). */
  readonly outcome: 'rejected' | 'awaitingApproval' | 'approved' | 'alreadyHandled';
}

/** How far the risk queue is read for an account's unresolved verdicts: a page of 100, this many pages per state. */
const RISK_QUEUE_PAGES = 20;
/** How far an account's abuse flags are read for unresolved ones: a page of 100, this many pages. */
const FLAG_PAGES = 20;

const iso = (time: number) => new Date(time).toISOString();

/** The analyst and note the API's decision route sends as the failure's cause; a plain cause is only a note. */
function declineOf(cause: string): { readonly rejectedBy: string; readonly note: string } {
  try {
    const parsed = JSON.parse(cause) as { rejectedBy?: unknown; note?: unknown };
    if (typeof parsed.rejectedBy === 'string' && typeof parsed.note === 'string') return { rejectedBy: parsed.rejectedBy, note: parsed.note };
  } catch {
    // Not JSON: someone failed the task by hand (the console, the CLI).
  }
  return { rejectedBy: 'analyst', note: cause };
}
const kycStatusOf = (status: CaseStatus | undefined): KycStatus =>
  status === undefined || status === 'notStarted' || status === 'expired' ? 'notStarted' : status === 'resubmissionRequested' ? 'pending' : status;

export class PayoutSteps {
  constructor(private readonly ports: PayoutPorts) {}

  async evaluate(payoutId: string, executionId: string): Promise<Evaluation> {
    const now = this.ports.now();
    const payout = await this.record(payoutId);
    if (payout.state !== 'requested') {
      // Another execution's move: stop. This execution's own earlier attempt: finish what it may not have.
      if (payout.executionId !== executionId) return { payoutId, outcome: 'alreadyHandled' };
      return this.announceEvaluation(payout);
    }
    const evaluated = { executionId };
    const state = (await this.ports.accounts.load([payout.accountId])).get(payout.accountId)?.state;
    if (state === undefined) return this.rejectByGates(payout, [], [`account ${payout.accountId} is not provisioned`], now, executionId);
    const program = await this.ports.programs.get(state.programId, state.programVersion);
    const phaseIndex = program?.phases.findIndex((phase) => phase.id === state.phaseId) ?? -1;
    const phase = program?.phases[phaseIndex];
    const policy = phase?.payouts;
    if (program === null || phase === undefined || policy === undefined) {
      return this.rejectByGates(payout, [], [`phase ${state.phaseId} of program ${state.programId} v${state.programVersion} has no payout policy`], now, executionId);
    }

    const earlier = await this.earlierPayouts(payout);
    const last = earlier.find((record) => record.state === 'settled' || record.state === 'instructed' || record.state === 'approved');
    const payoutGates = compilePhase(program, phaseIndex).payoutGates;
    const risk = await this.unresolvedVerdicts(payout.accountId);
    const facts = payoutFactsOf(state, {
      requestedAt: payout.requestedAt,
      amount: payout.amount,
      kyc: kycStatusOf((await this.ports.cases.load(payout.traderId))?.case.status),
      unresolvedHardViolations: risk.hard,
      riskScore: await this.riskScore(payout.accountId, state.traderId ?? payout.traderId),
      openHighRiskFlags: risk.flags + (await this.unresolvedAbuseFlags(payout.accountId)),
      consistencyHolds: payoutGates.length === 0 ? null : payoutGates.every((gate) => gate.status(state).met),
      fundedPhase: phase.kind === 'funded',
      lastPayoutAt: last?.requestedAt ?? null,
      cycleTradingDays: Math.max(0, state.tradingDays - (last?.daysAtRequest.trading ?? 0)),
      cycleProfitableDays: Math.max(0, state.profitableDays - (last?.daysAtRequest.profitable ?? 0)),
    });
    const gates = payoutEligibility(policy, facts);
    if (!eligible(gates)) return this.rejectByGates(payout, gates, gates.filter((gate) => !gate.passed).map((gate) => gate.reason), now, executionId);

    const split = splitPayout(policy, payout.amount, earlier.filter((record) => record.state === 'settled').length + 1);
    const route = approvalRoute(policy, payout.amount, facts.riskScore);
    const decision = route.route === 'auto' ? { by: 'auto', note: route.reason, at: now } : { by: 'analyst', note: route.reason, at: now };
    const moved = await this.move(payout, 'requested', route.route === 'auto' ? 'approved' : 'awaitingApproval', { ...evaluated, gates, split, ...(route.route === 'auto' ? { decision } : {}) }, now);
    return this.announceEvaluation(moved, decision.note);
  }

  /** The evaluation's event and audit entry, with ids and times from the record: a retried step writes them again, not anew. */
  private async announceEvaluation(payout: PayoutRecord, routeReason?: string): Promise<Evaluation> {
    const { payoutId, state, split, decision, updatedAt } = payout;
    if (state === 'rejected') {
      const failed = (payout.gates ?? []).filter((gate) => !gate.passed).map((gate) => gate.reason);
      const reasons = failed.length > 0 ? failed : [decision?.note ?? ''];
      await this.publish({ type: 'PayoutRejected', ...this.eventBase(payout, 'rejected', decision?.at ?? updatedAt), by: 'gates', reasons });
      await this.auditEntry(payout, 'payout.rejected', decision?.at ?? updatedAt, decision?.note ?? null, { by: 'gates' });
      return { payoutId, outcome: 'rejected' };
    }
    if (state === 'awaitingApproval') {
      await this.auditEntry(payout, 'payout.awaitingApproval', updatedAt, routeReason ?? 'over the auto-approval limits', { split });
      return { payoutId, outcome: 'awaitingApproval' };
    }
    await this.auditEntry(payout, 'payout.approved', decision?.at ?? updatedAt, decision?.note ?? null, { by: decision?.by ?? 'auto', split });
    return { payoutId, outcome: 'approved' };
  }

  async awaitApproval(payoutId: string, taskToken: string, waitSeconds: number): Promise<void> {
    await this.ports.tokens.save(payoutApprovalTokenId(payoutId), taskToken, this.ports.now() + waitSeconds * 1000);
  }

  async recordApproval(payoutId: string, approval: { readonly approvedBy: string; readonly note: string }): Promise<void> {
    const now = this.ports.now();
    await this.move(await this.record(payoutId), 'awaitingApproval', 'approved', { decision: { by: approval.approvedBy, note: approval.note, at: now } }, now);
  }

  /** Declined by an analyst (PayoutDeclined, the cause `{ rejectedBy, note }` from the API) or undecided in time (States.Timeout). */
  async recordRejection(payoutId: string, error: string, cause: string): Promise<void> {
    const now = this.ports.now();
    const payout = await this.record(payoutId);
    await this.ports.tokens.discard(payoutApprovalTokenId(payoutId));
    const declined = error === 'PayoutDeclined' ? declineOf(cause) : undefined;
    const by = declined?.rejectedBy ?? 'timeout';
    const note = declined?.note ?? 'no analyst decided within the approval window';
    await this.move(payout, 'awaitingApproval', 'rejected', { decision: { by, note, at: now } }, now);
    await this.publish({ type: 'PayoutRejected', ...this.eventBase(payout, 'rejected', now), by, reasons: [note] });
  }

  /** Sends the processor command and parks the token for its answer; the amount paid is the trader's share. */
  async instruct(payoutId: string, taskToken: string, waitSeconds: number): Promise<void> {
    const now = this.ports.now();
    const payout = await this.move(await this.record(payoutId), 'approved', 'instructed', {}, now);
    if (payout.split === null) throw new Error(`payout ${payoutId} was approved without a split`);
    const requestId = payoutSettlementTokenId(payoutId);
    await this.ports.tokens.save(requestId, taskToken, now + waitSeconds * 1000);
    const trader = await this.ports.orders.trader(payout.traderId);
    await this.publish({
      type: 'PayoutInstructed',
      ...this.eventBase(payout, 'instructed', now),
      // The same id on a resend: the processor pays a request once.
      id: requestId,
      requestId,
      rail: payout.rail,
      destination: payout.destination,
      amount: payout.split.traderAmount,
      currency: payout.currency,
      trader: { email: trader?.email ?? '', name: trader?.name ?? null },
    });
  }

  /** Books the payout, asks the bridge for the balance operation, and reviews the scaling plan. */
  async settle(payoutId: string, settlement: { readonly reference: string }): Promise<void> {
    const now = this.ports.now();
    const payout = await this.move(await this.record(payoutId), 'instructed', 'settled', { settlement: { reference: settlement.reference, failure: null, at: now } }, now);
    const split = payout.split!;
    const at = payout.settlement?.at ?? now;
    await this.publish({
      type: 'PayoutSettled',
      ...this.eventBase(payout, 'settled', at),
      amount: payout.amount,
      traderAmount: split.traderAmount,
      firmAmount: split.firmAmount,
      currency: payout.currency,
      reference: payout.settlement?.reference ?? null,
    });
    // The gross amount leaves the account: the bridge's balance event (kind payout) applies the floor rule.
    await this.publish({ type: 'BalanceOperationRequested', id: `balance:${payoutId}`, time: iso(at), operationId: `payout-${payoutId}`, accountId: payout.accountId, kind: 'payout', amount: -payout.amount });
    await this.auditEntry(payout, 'payout.settled', at, null, { reference: payout.settlement?.reference ?? null, split });
    await this.reviewScaling(payout, at);
  }

  async recordFailure(payoutId: string, error: string, cause: string): Promise<void> {
    const now = this.ports.now();
    const payout = await this.record(payoutId);
    await this.ports.tokens.discard(payoutSettlementTokenId(payoutId));
    const failed = payout.state === 'approved' ? await this.move(payout, 'approved', 'instructed', {}, now) : payout;
    await this.move(failed, 'instructed', 'failed', { settlement: { reference: null, failure: `${error}: ${cause}`, at: now } }, now);
    await this.publish({ type: 'PayoutFailed', ...this.eventBase(payout, 'failed', now), error, cause });
    await this.auditEntry(payout, 'payout.failed', now, `${error}: ${cause}`, {});
  }

  private async reviewScaling(payout: PayoutRecord, at: number): Promise<void> {
    const state = (await this.ports.accounts.load([payout.accountId])).get(payout.accountId)?.state;
    const policy = state === undefined ? undefined : await this.policyOf(state);
    if (state === undefined || policy?.scaling === undefined) return;
    const settled = [payout, ...(await this.earlierPayouts(payout)).filter((record) => record.state === 'settled')];
    // Profit realised since opening: what the balance still holds above the start, plus what was paid out of it
    // (this payout's balance operation has not reached the balance yet, the earlier ones have).
    const paidBefore = settled.slice(1).reduce((sum, record) => sum + record.amount, 0);
    const review = scalingReview(policy, {
      now: at,
      cycleStartedAt: state.openedAt,
      initialBalance: state.initialBalance,
      balance: state.balance,
      payoutsSinceScale: settled.length,
      profitSinceScale: state.balance - state.initialBalance + paidBefore,
    });
    if (!review.due || review.newInitialBalance === null) return;
    await this.publish({
      type: 'ScalingDue',
      id: `${this.ports.tenant}:${payout.accountId}:scaling:${settled.length}`,
      time: iso(at),
      accountId: payout.accountId,
      traderId: payout.traderId,
      initialBalance: state.initialBalance,
      newInitialBalance: review.newInitialBalance,
      reasons: [...review.reasons],
    });
    await this.auditEntry(payout, 'account.scalingDue', at, null, { newInitialBalance: review.newInitialBalance });
  }

  private async policyOf(state: AccountState) {
    const program = await this.ports.programs.get(state.programId, state.programVersion);
    return program?.phases.find((phase) => phase.id === state.phaseId)?.payouts;
  }

  private async rejectByGates(payout: PayoutRecord, gates: PayoutRecord['gates'] & object, reasons: readonly string[], now: number, executionId: string): Promise<Evaluation> {
    const moved = await this.move(payout, 'requested', 'rejected', { executionId, gates, decision: { by: 'gates', note: reasons.join(' '), at: now } }, now);
    return this.announceEvaluation(moved);
  }

  /** The account's other payouts requested before this one, newest first. */
  private async earlierPayouts(payout: PayoutRecord): Promise<PayoutRecord[]> {
    const found: PayoutRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.ports.payouts.listForAccount(payout.accountId, { limit: 100, ...(cursor === undefined ? {} : { cursor }) });
      found.push(...page.items.filter((record) => record.number < payout.number));
      cursor = page.cursor;
    } while (cursor !== undefined);
    return found;
  }

  /** Open or acknowledged verdicts of the account: hard violations (and failures), and soft flags. */
  private async unresolvedVerdicts(accountId: string): Promise<{ hard: number; flags: number }> {
    const counts = { hard: 0, flags: 0 };
    for (const queueState of ['open', 'acknowledged'] as const) {
      let cursor: string | undefined;
      for (let page = 0; page < RISK_QUEUE_PAGES; page++) {
        const listed = await this.ports.riskQueue.list(queueState, { limit: 100, ...(cursor === undefined ? {} : { cursor }) });
        for (const { verdict } of listed.items) {
          if (verdict.accountId !== accountId) continue;
          if (verdict.type === 'AccountFailed' || (verdict.type === 'ViolationRecorded' && verdict.severity === 'hard')) counts.hard += 1;
          else if (verdict.type === 'ViolationRecorded' && verdict.action === 'flag') counts.flags += 1;
        }
        cursor = listed.cursor;
        if (cursor === undefined) break;
      }
    }
    return counts;
  }

  /** The higher of the account's and its owner's latest abuse risk scores; null when neither is scored. */
  private async riskScore(accountId: string, traderId: string): Promise<number | null> {
    const [account, trader] = await Promise.all([this.ports.flags.score('account', accountId), this.ports.flags.score('trader', traderId)]);
    if (account === null && trader === null) return null;
    return Math.max(account?.score ?? 0, trader?.score ?? 0);
  }

  /** The account's abuse flags the risk desk has not resolved yet (open or acknowledged). */
  private async unresolvedAbuseFlags(accountId: string): Promise<number> {
    let count = 0;
    let cursor: string | undefined;
    for (let page = 0; page < FLAG_PAGES; page++) {
      const listed = await this.ports.flags.flagsOfAccount(accountId, { limit: 100, ...(cursor === undefined ? {} : { cursor }) });
      for (const { state } of listed.items) if (state !== 'resolved') count += 1;
      cursor = listed.cursor;
      if (cursor === undefined) break;
    }
    return count;
  }

  private async record(payoutId: string): Promise<PayoutRecord> {
    const payout = await this.ports.payouts.get(payoutId);
    if (payout === undefined) throw Object.assign(new Error(`no payout ${payoutId}`), { name: 'UnknownPayout' });
    return payout;
  }

  /** Moves forward; finding the record already where this move leads (a retried step) is success too. */
  private async move(payout: PayoutRecord, from: PayoutState, to: PayoutState, change: PayoutChange, at: number): Promise<PayoutRecord> {
    const result = await this.ports.payouts.move(payout.payoutId, from, to, change, at);
    if (result.moved) return result.record;
    if (result.record?.state === to) return result.record;
    throw Object.assign(new Error(`payout ${payout.payoutId} is ${result.record?.state ?? 'gone'}, not ${from}`), { name: 'PayoutMoved' });
  }

  private eventBase(payout: PayoutRecord, what: string, at: number) {
    return { id: `${this.ports.tenant}:${payout.payoutId}:${what}`, time: iso(at), payoutId: payout.payoutId, accountId: payout.accountId, traderId: payout.traderId };
  }

  private publish(event: PayoutEvent): Promise<void> {
    return this.ports.events.publish([event]);
  }

  private auditEntry(payout: PayoutRecord, action: string, at: number, reason: string | null, details: Record<string, unknown>): Promise<void> {
    return this.ports.audit.append({
      id: `${action}:${payout.payoutId}`,
      time: iso(at),
      actor: WORKFLOW_ACTOR,
      action,
      target: { kind: 'payout', id: payout.payoutId },
      reason,
      details: { accountId: payout.accountId, amount: payout.amount, ...details },
    });
  }
}
