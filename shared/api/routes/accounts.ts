/**
 * Accounts and their records. A caller who is only a trader sees their own accounts, and another trader's
 * answers as missing; the risk desk and admins see the firm's.
 */
import { z } from 'zod';
import { dayLabel } from '../../domain/calendar.js';
import { phaseOf } from '../../domain/compile.js';
import type { ObjectiveStatus } from '../../domain/effects.js';
import { BPS, reachesShare } from '../../domain/money.js';
import type { AccountState } from '../../domain/state.js';
import { RECORD_KINDS, type RecordKind } from '../../ports/account-reader.js';
import { DomainEvent } from '../../stream/domain-events.js';
import { notFound, type PageBody, pageAnswer, pageOf, PageQuery } from '../answers.js';
import { type Caller, route } from '../route.js';
import type { ApiDeps } from '../routes.js';

const ACCOUNT_READERS = ['trader', 'risk', 'admin'] as const;
const RISK_BANDS = ['low', 'medium', 'high', 'breached'] as const;
type RiskBand = (typeof RISK_BANDS)[number];
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
  headroom: z.int().nullable().describe('money left before the nearer floor is crossed (equity minus the higher floor); null without floors'),
  risk: z.enum(RISK_BANDS).describe('how much of its loss allowance the account has used: low < 50%, medium < 80%, high < 100%, breached at or past a floor or failed'),
  lastEventAt: z.iso.datetime(),
});
type AccountSummary = z.output<typeof AccountSummary>;

/** A loss allowance: from the reference its floor was set against down to the floor. */
interface Allowance {
  readonly used: number;
  readonly limit: number;
}

/** The day's start for the daily floor; the high-water mark, or the initial balance, for the maximum. */
function allowancesOf(state: AccountState): Allowance[] {
  const allowances: Allowance[] = [];
  const add = (reference: number, floor: number | null) => {
    if (floor !== null) allowances.push({ used: reference - state.equity, limit: reference - floor });
  };
  add(Math.max(state.dayStartBalance, state.dayStartEquity), state.dailyFloor);
  add(Math.max(state.highWater, state.initialBalance), state.maxLossFloor);
  return allowances;
}

/** The bands follow the warnings most firms send, at half and four fifths of a limit. */
const RISK_LEVELS: readonly (readonly [RiskBand, number])[] = [
  ['breached', BPS],
  ['high', 8_000],
  ['medium', 5_000],
];

function riskOf(state: AccountState): RiskBand {
  if (state.status === 'failed') return 'breached';
  const allowances = allowancesOf(state);
  // The same share test the rules warn with; an allowance already gone counts as breached.
  const reached = (levelBps: number) => allowances.some(({ used, limit }) => limit <= 0 || reachesShare(used, limit, levelBps));
  return RISK_LEVELS.find(([, levelBps]) => reached(levelBps))?.[0] ?? 'low';
}

function headroomOf(state: AccountState): number | null {
  const floors = [state.dailyFloor, state.maxLossFloor].filter((floor): floor is number => floor !== null);
  return floors.length === 0 ? null : state.equity - Math.max(...floors);
}

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
  headroom: headroomOf(state),
  risk: riskOf(state),
  lastEventAt: new Date(state.clock).toISOString(),
});

const ObjectiveProgress = z.object({ objective: z.string(), met: z.boolean(), value: z.number(), required: z.number() });
const AccountDetail = AccountSummary.extend({
  objectives: z.array(ObjectiveProgress).describe("progress toward each of the phase's objectives (money in minor units, days as counts)"),
  payoutGates: z.array(ObjectiveProgress).describe('conditions a payout request is judged on now'),
  tradingDays: z.int(),
  closedTrades: z.int(),
  periodExtensionDays: z.int(),
});
type AccountDetail = z.output<typeof AccountDetail>;

const SeriesPoint = z.object({
  time: z.iso.datetime().describe("the firm day's close, or now for the running day"),
  day: z.iso.date(),
  closed: z.boolean(),
  balance: z.int(),
  equity: z.int(),
  dailyFloor: z.int().nullable(),
  maxLossFloor: z.int().nullable(),
  closedPnl: z.int(),
});
type SeriesPoint = z.output<typeof SeriesPoint>;

const AccountListQuery = PageQuery.extend({
  status: AccountStatus.optional(),
  programId: z.string().min(1).max(128).optional(),
  programVersion: z.coerce.number().int().min(1).optional(),
  phaseId: z.string().min(1).max(64).optional(),
  risk: z.enum(RISK_BANDS).optional(),
  idPrefix: z.string().min(1).max(128).optional().describe('accounts whose id starts with this (search)'),
  traderId: z.string().min(1).max(256).optional().describe("staff only: one trader's accounts, of any status unless `status` is given"),
});
type AccountListQuery = z.output<typeof AccountListQuery>;

function matches(state: AccountState, query: AccountListQuery): boolean {
  return (
    (query.status === undefined || state.status === query.status) &&
    (query.programId === undefined || state.programId === query.programId) &&
    (query.programVersion === undefined || state.programVersion === query.programVersion) &&
    (query.phaseId === undefined || state.phaseId === query.phaseId) &&
    (query.idPrefix === undefined || state.accountId.startsWith(query.idPrefix))
  );
}

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
  route<ApiDeps, undefined, AccountListQuery, undefined, PageBody<AccountSummary>>({
    method: 'GET',
    path: '/v1/accounts',
    summary:
      "Accounts a page at a time: a trader's own, one trader's (staff), or the firm's of one status (active by default), filtered by program, phase, risk band or id prefix (a filtered page may hold fewer than limit: follow the cursor)",
    tag: 'Accounts',
    access: ACCOUNT_READERS,
    query: AccountListQuery,
    response: pageOf(AccountSummary),
    handle: async ({ query, caller }, { accounts }) =>
      pageAnswer(
        query,
        (page) => {
          // A trader's own accounts whatever they ask for; staff name a trader, or list by status.
          const trader = seesOnlyOwn(caller!) ? caller!.subject : query.traderId;
          return trader !== undefined ? accounts.listByTrader(trader, page) : accounts.listByStatus(query.status ?? 'active', page);
        },
        async (ids) => {
          const stored = await accounts.load(ids);
          return ids.flatMap((id) => {
            const state = stored.get(id)?.state;
            if (state === undefined || !matches(state, query)) return [];
            const summary = summaryOf(state);
            return query.risk === undefined || summary.risk === query.risk ? [summary] : [];
          });
        },
      ),
  }),

  route<ApiDeps, { accountId: string }, undefined, undefined, AccountDetail>({
    method: 'GET',
    path: '/v1/accounts/{accountId}',
    summary: 'One account: phase, status, balance, equity, floors, risk band and progress toward its objectives',
    tag: 'Accounts',
    access: ACCOUNT_READERS,
    params: AccountParams,
    response: AccountDetail,
    handle: async ({ params, caller }, deps) => {
      const state = await visibleAccount(params.accountId, caller!, deps);
      if (state === undefined) return notFound(`Account ${params.accountId}`);
      const program = await deps.programs.get(state.programId, state.programVersion);
      const phase = program === null ? null : phaseOf(program, state.phaseId);
      const progress = (list: readonly { status(s: AccountState): ObjectiveStatus }[] | undefined) => (list ?? []).map((objective) => ({ ...objective.status(state) }));
      return {
        ok: {
          ...summaryOf(state),
          objectives: progress(phase?.objectives),
          payoutGates: progress(phase?.payoutGates),
          tradingDays: state.tradingDays,
          closedTrades: state.closedTrades,
          periodExtensionDays: state.periodExtensionDays ?? 0,
        },
      };
    },
  }),

  route<ApiDeps, { accountId: string }, PageQuery, undefined, PageBody<SeriesPoint>>({
    method: 'GET',
    path: '/v1/accounts/{accountId}/series',
    summary: "Balance, equity and floors day by day, newest first: the running day now, then each closed firm day's close",
    tag: 'Accounts',
    access: ACCOUNT_READERS,
    params: AccountParams,
    query: PageQuery,
    response: pageOf(SeriesPoint),
    handle: async ({ params, query, caller }, deps) => {
      const state = await visibleAccount(params.accountId, caller!, deps);
      if (state === undefined) return notFound(`Account ${params.accountId}`);
      const running: SeriesPoint[] = query.cursor === undefined && state.status === 'active' ? [runningPoint(state)] : [];
      return pageAnswer(query, (page) => deps.accounts.records(params.accountId, 'days', page), (days) => [...running, ...days.flatMap(closedPoint)]);
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

function runningPoint(state: AccountState): SeriesPoint {
  const time = new Date(state.clock).toISOString();
  return {
    time,
    day: dayLabel(state.day),
    closed: false,
    balance: state.balance,
    equity: state.equity,
    dailyFloor: state.dailyFloor,
    maxLossFloor: state.maxLossFloor,
    closedPnl: state.dayClosedPnl,
  };
}

function closedPoint(event: DomainEvent): SeriesPoint[] {
  if (event.type !== 'DayClosed') return [];
  return [
    {
      time: event.time,
      day: event.day,
      closed: true,
      balance: event.endBalance,
      equity: event.endEquity,
      dailyFloor: event.dailyFloor,
      maxLossFloor: event.maxLossFloor,
      closedPnl: event.closedPnl,
    },
  ];
}
