/**
 * The risk desk's view of abuse detection: the flag queue (open, acknowledged, resolved as confirmed or
 * dismissed), accounts' and traders' risk scores with their explanations and histories, and the identities
 * a trader shares with other traders. Resolving a flag rescores its account and owner (a dismissed flag
 * stops counting) and announces the decision and the new scores on the bus. Moving a flag records who
 * handled it and why, in the flag and in the audit log; it never changes an account (that is an override).
 */
import { z } from 'zod';
import { AbuseFlagRaised, type AbuseEvent, alertRaised, flagRaised, RiskScoreChanged, scoreChanged } from '../../abuse/abuse-events.js';
import { IDENTITY_KINDS, type LinkEvidence } from '../../abuse/findings.js';
import { DEFAULT_ABUSE_POLICY, type AbusePolicy } from '../../abuse/policy.js';
import type { RiskScore } from '../../abuse/score.js';
import { RiskScorer } from '../../abuse/scorer.js';
import { FLAG_MOVES, FLAG_OUTCOMES, FLAG_STATES, type Flag, type FlagMove, type FlagState, type StoredFlag } from '../../ports/abuse.js';
import { moveNotAllowed, notFound, type PageBody, pageAnswer, pageOf, PageQuery } from '../answers.js';
import { route } from '../route.js';
import type { ApiDeps } from '../routes.js';
import { auditEntry } from './audit.js';

const DESK = ['risk', 'admin'] as const;
const TAG = 'Abuse';
const State = z.enum(FLAG_STATES);

const iso = (time: number): string => new Date(time).toISOString();

/** The flag as the bus announced it (AbuseFlagRaised), without the envelope: times ISO 8601. */
const FlagFinding = AbuseFlagRaised.omit({ type: true, id: true, tenant: true });

const FlagView = z.object({
  flagId: z.string().describe('one flag per detector, account and UTC day; use it in the flag routes'),
  state: State.describe('open → acknowledged → resolved, or open → resolved; resolved is final'),
  outcome: z.enum(FLAG_OUTCOMES).nullable().describe('set when resolved: a dismissed flag stops counting in the risk score, a confirmed one keeps counting'),
  handledBy: z.string().nullable(),
  handledAt: z.iso.datetime().nullable(),
  note: z.string().nullable(),
  decisionId: z.string().nullable().describe('the audit entry of the last move'),
  flag: FlagFinding,
});
type FlagView = z.output<typeof FlagView>;

/** A score with its explanation (RiskScoreChanged, without the envelope). */
const ScoreView = RiskScoreChanged.omit({ type: true, id: true, tenant: true });
type ScoreView = z.output<typeof ScoreView>;

const LinkView = z.object({
  kind: z.enum(IDENTITY_KINDS),
  shown: z.string().describe('the shared signal as an analyst may see it; personal data masked'),
  traderIds: z.tuple([z.string(), z.string()]),
  firstSeen: z.tuple([z.iso.datetime(), z.iso.datetime()]).describe('when each trader was first seen with it'),
});
type LinkView = z.output<typeof LinkView>;

const AccountRisk = z.object({
  score: ScoreView.nullable().describe("the account's latest score; null before the engine scored it"),
  flags: pageOf(FlagView).describe("the account's flags in every state, newest first; the query's limit and cursor page them"),
});
type AccountRisk = z.output<typeof AccountRisk>;

const TraderRisk = z.object({
  score: ScoreView.nullable().describe("the trader's latest score (the flags of all their accounts and the identities they share); null before the first"),
  links: z.array(LinkView).describe('every identity the trader shares with another trader'),
});
type TraderRisk = z.output<typeof TraderRisk>;

function flagView(tenant: string, stored: StoredFlag): FlagView {
  const { type: _type, id: _id, tenant: _tenant, ...flag } = flagRaised(tenant, stored.flag);
  return {
    flagId: stored.flag.flagId,
    state: stored.state,
    outcome: stored.outcome,
    handledBy: stored.handledBy,
    handledAt: stored.handledAt,
    note: stored.note,
    decisionId: stored.decisionId,
    flag,
  };
}

function scoreView(tenant: string, score: RiskScore): ScoreView {
  const { type: _type, id: _id, tenant: _tenant, ...view } = scoreChanged(tenant, score);
  return view;
}

const linkView = (link: LinkEvidence): LinkView => ({
  kind: link.kind,
  shown: link.shown,
  traderIds: [link.traderIds[0], link.traderIds[1]],
  firstSeen: [iso(link.firstSeen[0]), iso(link.firstSeen[1])],
});

const FlagParams = z.strictObject({ flagId: z.string().min(1).max(300) });
const AccountParams = z.strictObject({ accountId: z.string().min(1).max(128) });
const TraderParams = z.strictObject({ traderId: z.string().min(1).max(256) });

const Move = z
  .strictObject({
    state: z.enum(['acknowledged', 'resolved']).describe('acknowledged: someone is looking into it; resolved: decided, with an outcome'),
    outcome: z.enum(FLAG_OUTCOMES).optional().describe('required when resolving, and only then: confirmed (it keeps counting in the risk score) or dismissed (it stops counting)'),
    note: z.string().trim().min(1).max(2000).describe('mandatory: what was found or decided'),
  })
  .superRefine((move, context) => {
    if (move.state === 'resolved' && move.outcome === undefined) {
      context.addIssue({ code: 'custom', path: ['outcome'], message: 'a resolved flag needs an outcome: confirmed or dismissed' });
    }
    if (move.state === 'acknowledged' && move.outcome !== undefined) {
      context.addIssue({ code: 'custom', path: ['outcome'], message: 'only a resolve takes an outcome; acknowledge without one' });
    }
  });
type Move = z.output<typeof Move>;

/**
 * The abuse policy the flag's program judges by: the version of the flag's account when it is still on that
 * program, otherwise the program's latest; the defaults when the program is gone.
 */
async function policyOf(flag: Flag, { accounts, programs }: ApiDeps): Promise<AbusePolicy> {
  const state = (await accounts.load([flag.accountId])).get(flag.accountId)?.state;
  const exact = state !== undefined && state.programId === flag.programId ? await programs.get(state.programId, state.programVersion) : null;
  const program = exact ?? (await programs.latest(flag.programId));
  return program?.abuse ?? DEFAULT_ABUSE_POLICY;
}

export const abuseRoutes = [
  route<ApiDeps, undefined, PageQuery & { state: FlagState }, undefined, PageBody<FlagView>>({
    method: 'GET',
    path: '/v1/risk/flags',
    summary: "The risk desk's flag queue: abuse findings (hedging, copy trading, HFT, martingale and the others) with their evidence, in one state (open by default), newest first",
    tag: TAG,
    access: DESK,
    query: PageQuery.extend({ state: State.default('open') }),
    response: pageOf(FlagView),
    handle: async ({ query }, { flags, tenant }) =>
      pageAnswer(query, (page) => flags.listFlags(query.state, page), (items) => items.map((stored) => flagView(tenant, stored))),
  }),

  route<ApiDeps, { flagId: string }, undefined, undefined, FlagView>({
    method: 'GET',
    path: '/v1/risk/flags/{flagId}',
    summary: 'One flag: the finding with its evidence, its state and who handled it',
    tag: TAG,
    access: DESK,
    params: FlagParams,
    response: FlagView,
    handle: async ({ params }, { flags, tenant }) => {
      const stored = await flags.getFlag(params.flagId);
      return stored ? { ok: flagView(tenant, stored) } : notFound(`Flag ${params.flagId}`);
    },
  }),

  route<ApiDeps, { flagId: string }, undefined, Move, FlagView>({
    method: 'POST',
    path: '/v1/risk/flags/{flagId}',
    summary:
      'Acknowledge a flag, or resolve it as confirmed or dismissed, with a note (open → acknowledged → resolved; resolved is final); a resolve rescores the account and its owner; audited',
    tag: TAG,
    access: DESK,
    params: FlagParams,
    body: Move,
    response: FlagView,
    handle: async ({ params, body, caller, decision }, deps) => {
      const { flags, audit, abuseEvents, tenant } = deps;
      const at = iso(decision!.at);
      const common = { by: caller!.subject, at, note: body.note, decisionId: decision!.id };
      const move: FlagMove = body.state === 'resolved' ? { to: 'resolved', outcome: body.outcome!, ...common } : { to: 'acknowledged', ...common };
      const outcome = await flags.moveFlag(params.flagId, move);
      if (!outcome.moved && outcome.reason === 'notFound') return notFound(`Flag ${params.flagId}`);
      // A resend whose first attempt moved the flag but failed before answering: finish it (audit, scores, events).
      const stored = outcome.moved || outcome.flag.decisionId === decision!.id ? outcome.flag : null;
      if (stored === null) {
        const current = outcome.flag;
        const where = `The flag is ${current.state}${current.outcome === null ? '' : ` as ${current.outcome}`}${current.handledBy === null ? '' : ` (by ${current.handledBy})`}`;
        return moveNotAllowed('flag', where, FLAG_MOVES[current.state]);
      }
      const { flag } = stored;
      await audit.append(
        auditEntry(caller!, decision!, {
          action: 'abuseFlag.moved',
          target: { kind: 'abuseFlag', id: flag.flagId },
          reason: body.note,
          details: { to: body.state, outcome: stored.outcome, accountId: flag.accountId, traderId: flag.traderId, detector: flag.detector, programId: flag.programId },
        }),
      );
      if (stored.state === 'resolved') {
        const policy = await policyOf(flag, deps);
        // A request finishing an earlier attempt of this decision announces what that attempt may have saved and not announced.
        const changes = await new RiskScorer(deps.flags, deps.identities).afterDecision(flag.accountId, flag.traderId, policy, decision!.at, !outcome.moved);
        const events: AbuseEvent[] = [
          {
            type: 'AbuseFlagResolved',
            id: decision!.id,
            tenant,
            flagId: flag.flagId,
            accountId: flag.accountId,
            outcome: stored.outcome ?? body.outcome!,
            resolvedBy: stored.handledBy ?? caller!.subject,
            note: stored.note ?? body.note,
            time: stored.handledAt ?? at,
          },
          ...changes.scores.map((score) => scoreChanged(tenant, score)),
          ...changes.alerts.map((alert) => alertRaised(tenant, alert)),
        ];
        await abuseEvents.publish(events);
      }
      return { ok: flagView(tenant, stored) };
    },
  }),

  route<ApiDeps, { accountId: string }, PageQuery, undefined, AccountRisk>({
    method: 'GET',
    path: '/v1/accounts/{accountId}/risk',
    summary: "An account's risk: its latest abuse risk score with what makes it up, and its flags, newest first",
    tag: TAG,
    access: DESK,
    params: AccountParams,
    query: PageQuery,
    response: AccountRisk,
    handle: async ({ params, query }, { flags, tenant }) => {
      const listed = await pageAnswer(query, (page) => flags.flagsOfAccount(params.accountId, page), (items) => items.map((stored) => flagView(tenant, stored)));
      if ('response' in listed) return listed;
      const score = await flags.score('account', params.accountId);
      return { ok: { score: score === null ? null : scoreView(tenant, score), flags: listed.ok } };
    },
  }),

  route<ApiDeps, { accountId: string }, PageQuery, undefined, PageBody<ScoreView>>({
    method: 'GET',
    path: '/v1/accounts/{accountId}/risk/history',
    summary: "An account's risk scores, newest first: each change with its explanation",
    tag: TAG,
    access: DESK,
    params: AccountParams,
    query: PageQuery,
    response: pageOf(ScoreView),
    handle: async ({ params, query }, { flags, tenant }) =>
      pageAnswer(query, (page) => flags.scoreHistory('account', params.accountId, page), (scores) => scores.map((score) => scoreView(tenant, score))),
  }),

  route<ApiDeps, { traderId: string }, undefined, undefined, TraderRisk>({
    method: 'GET',
    path: '/v1/traders/{traderId}/risk',
    summary: "A trader's risk: their latest risk score with what makes it up, and every identity (IP, device, payment card, KYC, contact details) they share with other traders",
    tag: TAG,
    access: DESK,
    params: TraderParams,
    response: TraderRisk,
    handle: async ({ params }, { flags, identities, tenant }) => {
      const [score, links] = await Promise.all([flags.score('trader', params.traderId), identities.linksOf(params.traderId)]);
      return { ok: { score: score === null ? null : scoreView(tenant, score), links: links.map(linkView) } };
    },
  }),

  route<ApiDeps, { traderId: string }, PageQuery, undefined, PageBody<ScoreView>>({
    method: 'GET',
    path: '/v1/traders/{traderId}/risk/history',
    summary: "A trader's risk scores, newest first: each change with its explanation",
    tag: TAG,
    access: DESK,
    params: TraderParams,
    query: PageQuery,
    response: pageOf(ScoreView),
    handle: async ({ params, query }, { flags, tenant }) =>
      pageAnswer(query, (page) => flags.scoreHistory('trader', params.traderId, page), (scores) => scores.map((score) => scoreView(tenant, score))),
  }),
];
