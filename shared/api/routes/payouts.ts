/**
 * Payouts: a trader asks for profit from an active account, the payout workflow judges the request on its
 * gates (shared/workflows/payouts.ts) and, when it wants an analyst, parks itself on a task token; the
 * risk desk lists that queue and approves or rejects with a note, which resumes the workflow. The workflow
 * moves the payout record through its states; these routes create it, show it and answer the wait.
 *
 * A trader sees and requests payouts of their own accounts only (another trader's answer as missing); the
 * risk desk and admins see the firm's.
 */
import { z } from 'zod';
import { MAX_MONEY } from '../../domain/money.js';
import type { AccountState } from '../../domain/state.js';
import { PROBLEM, problem } from '../../http/problem.js';
import { PAYOUT_RAILS, PAYOUT_STATES, payoutApprovalTokenId, payoutIdOf, parsePayoutId, type PayoutRecord, type PayoutState } from '../../ports/payouts.js';
import { GATE_NAMES } from '../../workflows/payouts.js';
import { PayoutRequested } from '../../workflows/workflow-events.js';
import { notFound, type PageBody, pageAnswer, pageOf, PageQuery } from '../answers.js';
import { type Caller, route, type RouteAnswer } from '../route.js';
import type { ApiDeps } from '../routes.js';
import { auditEntry } from './audit.js';

/** Where the payout workflow parks the token of its wait for an analyst (`approve:<payoutId>`); defined with the port. */
export { payoutApprovalTokenId };

const READERS = ['trader', 'risk', 'admin'] as const;
const DESK = ['risk', 'admin'] as const;
const TAG = 'Payouts';

/** How many times a request tries a number: the first, then the next one up three times when a concurrent request took it. */
const NUMBER_ATTEMPTS = 4;
/** The newest payouts a request looks through for one its own earlier attempt created. */
const RECENT_PAYOUTS = 10;

const iso = (at: number) => new Date(at).toISOString();

const PayoutGateView = z.object({
  gate: z.enum(GATE_NAMES),
  passed: z.boolean(),
  reason: z.string().describe('why it passed or failed, in words'),
  evidence: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])).describe('the figures it was judged on'),
});

/** A payout as the API shows it: the record with its times as ISO 8601; money in minor units of `currency`. */
const PayoutView = z.object({
  payoutId: z.string().describe('<accountId>:<number>'),
  accountId: z.string(),
  traderId: z.string(),
  number: z.int().describe("1 for the account's first payout request"),
  state: z.enum(PAYOUT_STATES).describe('requested → awaitingApproval (an analyst decides) or approved or rejected; approved → instructed → settled or failed'),
  requestedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  amount: z.int().describe('gross profit withdrawn, minor units'),
  currency: z.string(),
  rail: z.enum(PAYOUT_RAILS),
  destination: z.string().describe('the IBAN or wallet address the trader gave'),
  gates: z.array(PayoutGateView).nullable().describe('every gate the request was judged on, with its reason; null until judged'),
  split: z
    .object({ payoutNumber: z.int(), traderShareBps: z.int(), traderAmount: z.int(), firmAmount: z.int() })
    .nullable()
    .describe("the trader's and the firm's shares of the amount; null until judged"),
  decision: z
    .object({ by: z.string().describe("'auto', 'gates', or the analyst's subject"), note: z.string(), at: z.iso.datetime() })
    .nullable()
    .describe('who approved or rejected, and why'),
  settlement: z
    .object({ reference: z.string().nullable().describe("the processor's reference"), failure: z.string().nullable(), at: z.iso.datetime() })
    .nullable()
    .describe('the outcome at the processor'),
  daysAtRequest: z.object({ trading: z.int(), profitable: z.int() }).describe("the account's trading and profitable days when requested"),
});
type PayoutView = z.output<typeof PayoutView>;

export function payoutView(record: PayoutRecord): PayoutView {
  return {
    payoutId: record.payoutId,
    accountId: record.accountId,
    traderId: record.traderId,
    number: record.number,
    state: record.state,
    requestedAt: iso(record.requestedAt),
    updatedAt: iso(record.updatedAt),
    amount: record.amount,
    currency: record.currency,
    rail: record.rail,
    destination: record.destination,
    gates: record.gates === null ? null : record.gates.map((gate) => ({ gate: gate.gate, passed: gate.passed, reason: gate.reason, evidence: { ...gate.evidence } })),
    split: record.split === null ? null : { ...record.split },
    decision: record.decision === null ? null : { by: record.decision.by, note: record.decision.note, at: iso(record.decision.at) },
    settlement: record.settlement === null ? null : { reference: record.settlement.reference, failure: record.settlement.failure, at: iso(record.settlement.at) },
    daysAtRequest: { ...record.daysAtRequest },
  };
}

const AccountParams = z.strictObject({ accountId: z.string().min(1).max(128) });
/** The workflow events' account id: a payout is only requested for an account its events can name. */
const RequestParams = z.strictObject({ accountId: PayoutRequested.shape.accountId });
const PayoutParams = z.strictObject({ payoutId: z.string().min(1).max(200) });

const PayoutRequest = z.strictObject({
  amount: z.int().positive().max(MAX_MONEY).describe('gross profit to withdraw, integer minor units of the account currency'),
  rail: z.enum(PAYOUT_RAILS).describe('bank transfer or crypto'),
  destination: z.string().trim().min(4).max(200).describe('the IBAN or wallet address to pay to; the payout processor validates it'),
});
type PayoutRequest = z.output<typeof PayoutRequest>;

const DECISIONS = ['approve', 'reject'] as const;
const PayoutDecision = z.strictObject({
  decision: z.enum(DECISIONS),
  note: z.string().trim().min(3).max(1000).describe('mandatory: why; the trader is told on a rejection'),
});
type PayoutDecision = z.output<typeof PayoutDecision>;

const PayoutDecided = z.object({
  payoutId: z.string(),
  decision: z.enum(DECISIONS),
  by: z.string(),
  at: z.iso.datetime(),
});
type PayoutDecided = z.output<typeof PayoutDecided>;

const seesOnlyOwn = (caller: Caller) => !caller.roles.some((role) => role === 'risk' || role === 'admin');

/** The account's state, if this caller may see it; another trader's is as missing as an unknown one. */
async function visibleAccount(accountId: string, caller: Caller, { accounts }: ApiDeps): Promise<AccountState | undefined> {
  const state = (await accounts.load([accountId])).get(accountId)?.state;
  return state === undefined || (seesOnlyOwn(caller) && state.traderId !== caller.subject) ? undefined : state;
}

/** The payout, if this caller may see it; another trader's is as missing as an unknown one. */
async function visiblePayout(payoutId: string, caller: Caller, { payouts }: ApiDeps): Promise<PayoutRecord | undefined> {
  if (parsePayoutId(payoutId) === undefined) return undefined;
  const record = await payouts.get(payoutId);
  return record === undefined || (seesOnlyOwn(caller) && record.traderId !== caller.subject) ? undefined : record;
}

const conflict = (type: string, title: string, detail: string): RouteAnswer<never> => ({ response: problem({ type: `${PROBLEM}${type}`, title, status: 409, detail }) });

/** What this request creates, but for its number. */
type Draft = Omit<PayoutRecord, 'payoutId' | 'number'>;

/**
 * The payout a request created: one of the account's newest made at the decision's time with the same
 * trader and fields, which is what an earlier attempt of this request (its Idempotency-Key released after
 * a failure) left; otherwise a new one under the next number, trying higher ones while concurrent
 * requests take them. Undefined when every number tried was taken.
 */
async function createPayout(draft: Draft, payouts: ApiDeps['payouts']): Promise<PayoutRecord | undefined> {
  const { items: recent } = await payouts.listForAccount(draft.accountId, { limit: RECENT_PAYOUTS });
  const earlier = recent.find(
    (record) =>
      record.requestedAt === draft.requestedAt &&
      record.traderId === draft.traderId &&
      record.amount === draft.amount &&
      record.rail === draft.rail &&
      record.destination === draft.destination,
  );
  if (earlier !== undefined) return earlier;
  let number = Math.max(0, ...recent.map((record) => record.number)) + 1;
  for (let attempt = 1; attempt <= NUMBER_ATTEMPTS; attempt++, number++) {
    const record: PayoutRecord = { ...draft, payoutId: payoutIdOf(draft.accountId, number), number };
    if (await payouts.create(record)) return record;
  }
  return undefined;
}

export const payoutRoutes = [
  route<ApiDeps, { accountId: string }, undefined, PayoutRequest, PayoutView>({
    method: 'POST',
    path: '/v1/accounts/{accountId}/payouts',
    summary: "Request a payout of an active account's profit to a bank account or wallet; the payout workflow judges it on its gates, and an analyst may have to approve it",
    tag: TAG,
    access: ['trader', 'admin'],
    params: RequestParams,
    body: PayoutRequest,
    response: PayoutView,
    status: 202,
    handle: async ({ params, body, caller, decision }, deps) => {
      const state = await visibleAccount(params.accountId, caller!, deps);
      if (state === undefined) return notFound(`Account ${params.accountId}`);
      if (state.status !== 'active') {
        return conflict('payout-not-allowed', 'Payout not allowed', `Account ${params.accountId} is ${state.status}; payouts are requested from active accounts only.`);
      }
      if (state.traderId === null) return conflict('payout-not-allowed', 'Payout not allowed', `Account ${params.accountId} has no trader to pay.`);
      const program = await deps.programs.get(state.programId, state.programVersion);
      // The account trades under this version: it is stored, or the firm's data is broken (a 500, the key released).
      if (program === null) throw new Error(`account ${state.accountId} trades under program ${state.programId} version ${state.programVersion}, which is not stored`);
      const { at } = decision!;
      const record = await createPayout(
        {
          accountId: state.accountId,
          traderId: state.traderId,
          state: 'requested',
          requestedAt: at,
          updatedAt: at,
          amount: body.amount,
          currency: program.currency,
          rail: body.rail,
          destination: body.destination,
          gates: null,
          split: null,
          decision: null,
          settlement: null,
          daysAtRequest: { trading: state.tradingDays, profitable: state.profitableDays },
        },
        deps.payouts,
      );
      if (record === undefined) {
        // A 5xx: the router forgets the key, so resending this very request is safe and likely to succeed.
        return {
          response: problem(
            { type: `${PROBLEM}payout-contended`, title: 'Try again', status: 503, detail: `Other payout requests for account ${params.accountId} are being made at the same moment; resend this one.` },
            { 'retry-after': '1' },
          ),
        };
      }
      const { payoutId, accountId, traderId, amount, currency, rail } = record;
      // The event's id is the payout's: a resend that publishes it again starts no second workflow.
      await deps.workflowEvents.publish([{ type: 'PayoutRequested', id: payoutId, time: iso(record.requestedAt), payoutId, accountId, traderId, amount, currency, rail }]);
      await deps.audit.append(
        auditEntry(caller!, decision!, {
          action: 'payout.requested',
          target: { kind: 'payout', id: payoutId },
          reason: null,
          details: { accountId, traderId, number: record.number, amount, currency, rail },
        }),
      );
      return { ok: payoutView(record) };
    },
  }),

  route<ApiDeps, { accountId: string }, PageQuery, undefined, PageBody<PayoutView>>({
    method: 'GET',
    path: '/v1/accounts/{accountId}/payouts',
    summary: "The account's payout requests, newest first, a page at a time, with their state, gates, split and decision",
    tag: TAG,
    access: READERS,
    params: AccountParams,
    query: PageQuery,
    response: pageOf(PayoutView),
    handle: async ({ params, query, caller }, deps) => {
      // Staff may read the payouts of an account whose state is gone; a trader only their own account's.
      if (seesOnlyOwn(caller!) && (await visibleAccount(params.accountId, caller!, deps)) === undefined) return notFound(`Account ${params.accountId}`);
      return pageAnswer(query, (page) => deps.payouts.listForAccount(params.accountId, page), (records) => records.map(payoutView));
    },
  }),

  route<ApiDeps, undefined, PageQuery & { state: PayoutState }, undefined, PageBody<PayoutView>>({
    method: 'GET',
    path: '/v1/payouts',
    summary: "The firm's payouts in one state, oldest first: by default the analysts' queue (awaitingApproval)",
    tag: TAG,
    access: DESK,
    query: PageQuery.extend({ state: z.enum(PAYOUT_STATES).default('awaitingApproval') }),
    response: pageOf(PayoutView),
    handle: async ({ query }, { payouts }) => pageAnswer(query, (page) => payouts.listByState(query.state, page), (records) => records.map(payoutView)),
  }),

  route<ApiDeps, { payoutId: string }, undefined, undefined, PayoutView>({
    method: 'GET',
    path: '/v1/payouts/{payoutId}',
    summary: 'One payout: its state, gates with their reasons, split, decision and settlement',
    tag: TAG,
    access: READERS,
    params: PayoutParams,
    response: PayoutView,
    handle: async ({ params, caller }, deps) => {
      const record = await visiblePayout(params.payoutId, caller!, deps);
      return record === undefined ? notFound(`Payout ${params.payoutId}`) : { ok: payoutView(record) };
    },
  }),

  route<ApiDeps, { payoutId: string }, undefined, PayoutDecision, PayoutDecided>({
    method: 'POST',
    path: '/v1/payouts/{payoutId}/decision',
    summary: 'Approve or reject a payout awaiting approval, with a note; the payout workflow resumes and moves the payout; audited',
    tag: TAG,
    access: DESK,
    params: PayoutParams,
    body: PayoutDecision,
    response: PayoutDecided,
    handle: async ({ params, body, caller, decision }, { payouts, taskTokens, taskCallbacks, audit }) => {
      const { payoutId } = params;
      const record = parsePayoutId(payoutId) === undefined ? undefined : await payouts.get(payoutId);
      if (record === undefined) return notFound(`Payout ${payoutId}`);
      const by = caller!.subject;
      const decided = body.decision === 'approve' ? 'approved' : 'rejected';
      const finish = async (): Promise<RouteAnswer<PayoutDecided>> => {
        await audit.append(
          auditEntry(caller!, decision!, {
            action: `payout.${decided}`,
            target: { kind: 'payout', id: payoutId },
            reason: body.note,
            details: { accountId: record.accountId, traderId: record.traderId, amount: record.amount, currency: record.currency },
          }),
        );
        return { ok: { payoutId, decision: body.decision, by, at: iso(decision!.at) } };
      };
      if (record.state !== 'awaitingApproval') {
        // A resend whose first attempt resumed the workflow (which has moved the payout since) but failed before answering: finish it.
        if (record.state === decided && record.decision?.by === by && record.decision.note === body.note) {
          await taskTokens.discard(payoutApprovalTokenId(payoutId));
          return finish();
        }
        const who = record.decision === null ? '' : ` (by ${record.decision.by})`;
        return conflict('payout-not-awaiting-approval', 'Not awaiting approval', `Payout ${payoutId} is ${record.state}${who}; only a payout awaiting approval is approved or rejected.`);
      }
      const tokenId = payoutApprovalTokenId(payoutId);
      const token = await taskTokens.find(tokenId);
      if (token === undefined) {
        return conflict('payout-not-waiting', 'Workflow not waiting', `Payout ${payoutId}: the payout workflow is not waiting for a decision (yet or any more).`);
      }
      const answered = body.decision === 'approve' ? await taskCallbacks.succeed(token, { approvedBy: by, note: body.note }) : await taskCallbacks.fail(token, 'PayoutDeclined', JSON.stringify({ rejectedBy: by, note: body.note }));
      // Answered or not, nobody waits on this token any more.
      await taskTokens.discard(tokenId);
      if (!answered) {
        return conflict('payout-not-waiting', 'Workflow not waiting', `Payout ${payoutId}: the payout workflow's wait for a decision has ended (timed out or answered); it was not ${decided}.`);
      }
      return finish();
    },
  }),
];
