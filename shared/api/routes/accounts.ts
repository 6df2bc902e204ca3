/**
 * Accounts and their records. A caller who is only a trader sees their own accounts, and another trader's
 * answers as missing; the risk desk and admins see the firm's.
 */
import { z } from 'zod';
import type { AccountState } from '../../domain/state.js';
import { RECORD_KINDS, type RecordKind } from '../../ports/account-reader.js';
import { DomainEvent } from '../../stream/domain-events.js';
import { notFound, type PageBody, pageAnswer, pageOf, PageQuery } from '../answers.js';
import { type Caller, route } from '../route.js';
import type { ApiDeps } from '../routes.js';

const ACCOUNT_READERS = ['trader', 'risk', 'admin'] as const;
const AccountStatus = z.enum(['active', 'passed', 'failed']);
const AccountParams = z.strictObject({ accountId: z.string().min(1).max(128) });

/** An account as the API shows it. Money in minor units (cents) as integers; times ISO 8601. */
const AccountSummary = z.object({
  accountId: z.string(),
  traderId: z.string().nullable(),
  programId: z.string(),
  programVersion: z.int(),
  phaseId: z.string(),
  status: AccountStatus,
  endReason: z.string().nullable(),
  initialBalance: z.int(),
  balance: z.int(),
  equity: z.int(),
  equityEstimated: z.boolean(),
  highWater: z.int(),
  dailyFloor: z.int().nullable(),
  maxLossFloor: z.int().nullable(),
  lastEventAt: z.iso.datetime(),
});
type AccountSummary = z.output<typeof AccountSummary>;

const summaryOf = (state: AccountState): AccountSummary => ({
  accountId: state.accountId,
  traderId: state.traderId ?? null,
  programId: state.programId,
  programVersion: state.programVersion,
  phaseId: state.phaseId,
  status: state.status,
  endReason: state.endReason,
  initialBalance: state.initialBalance,
  balance: state.balance,
  equity: state.equity,
  equityEstimated: state.equityEstimated,
  highWater: state.highWater,
  dailyFloor: state.dailyFloor,
  maxLossFloor: state.maxLossFloor,
  lastEventAt: new Date(state.clock).toISOString(),
});

const seesOnlyOwn = (caller: Caller) => !caller.roles.some((role) => role === 'risk' || role === 'admin');

/** The account's state, if this caller may see it; another trader's is as missing as an unknown one. */
async function visibleAccount(accountId: string, caller: Caller, { accounts }: ApiDeps): Promise<AccountState | undefined> {
  const state = (await accounts.load([accountId])).get(accountId)?.state;
  return state === undefined || (seesOnlyOwn(caller) && state.traderId !== caller.subject) ? undefined : state;
}

const RECORD_SUMMARIES: Record<RecordKind, string> = {
  trades: 'closed trades (net profit, hold time, evidence for payouts and abuse review)',
  days: 'closed firm days (daily statistics)',
  verdicts: 'verdicts: violations, warnings, failure and passes, each with its evidence',
  objectives: 'objective changes (progress toward target, trading days and the like)',
  overrides: 'staff overrides, applied or rejected, with who decided, why, and the figures before and after',
};

export const accountRoutes = [
  route<ApiDeps, undefined, PageQuery, undefined, PageBody<DomainEvent>>({
    method: 'GET',
    path: '/v1/risk/verdicts',
    summary: "Every account's verdicts (violations, warnings, failures, passes) with their evidence, newest first: the risk desk's feed",
    tag: 'Risk desk',
    access: ['risk', 'admin'],
    query: PageQuery,
    response: pageOf(DomainEvent),
    handle: async ({ query }, { accounts }) => pageAnswer(query, (page) => accounts.verdicts(page), (events) => [...events]),
  }),

  route<ApiDeps, undefined, PageQuery & { status?: AccountState['status'] }, undefined, PageBody<AccountSummary>>({
    method: 'GET',
    path: '/v1/accounts',
    summary: "Accounts a page at a time: a trader's own (optionally of one status), or the firm's of one status (active by default)",
    tag: 'Accounts',
    access: ACCOUNT_READERS,
    query: PageQuery.extend({ status: AccountStatus.optional() }),
    response: pageOf(AccountSummary),
    handle: async ({ query, caller }, { accounts }) =>
      pageAnswer(
        query,
        (page) => (seesOnlyOwn(caller!) ? accounts.listByTrader(caller!.subject, page) : accounts.listByStatus(query.status ?? 'active', page)),
        async (ids) => {
          const stored = await accounts.load(ids);
          return ids.flatMap((id) => {
            const state = stored.get(id)?.state;
            return state && (query.status === undefined || state.status === query.status) ? [summaryOf(state)] : [];
          });
        },
      ),
  }),

  route<ApiDeps, { accountId: string }, undefined, undefined, AccountSummary>({
    method: 'GET',
    path: '/v1/accounts/{accountId}',
    summary: 'One account: phase, status, balance, equity and its floors',
    tag: 'Accounts',
    access: ACCOUNT_READERS,
    params: AccountParams,
    response: AccountSummary,
    handle: async ({ params, caller }, deps) => {
      const state = await visibleAccount(params.accountId, caller!, deps);
      return state ? { ok: summaryOf(state) } : notFound(`Account ${params.accountId}`);
    },
  }),

  // One listing per kind of record, newest first.
  ...RECORD_KINDS.map((kind) =>
    route<ApiDeps, { accountId: string }, PageQuery, undefined, PageBody<DomainEvent>>({
      method: 'GET',
      path: `/v1/accounts/{accountId}/${kind}`,
      summary: `The account's ${RECORD_SUMMARIES[kind]}, newest first, a page at a time`,
      tag: 'Accounts',
      access: ACCOUNT_READERS,
      params: AccountParams,
      query: PageQuery,
      response: pageOf(DomainEvent),
      handle: async ({ params, query, caller }, deps) => {
        // Staff may read the records of an account whose state is gone; a trader only their own.
        if (seesOnlyOwn(caller!) && (await visibleAccount(params.accountId, caller!, deps)) === undefined) return notFound(`Account ${params.accountId}`);
        return pageAnswer(query, (page) => deps.accounts.records(params.accountId, kind, page), (events) => [...events]);
      },
    }),
  ),
];
