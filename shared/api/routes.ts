/**
 * The routes of the staff and trader API. Each is a row: path, who may call it, its schemas, its answer.
 * Traders see only what is theirs; the risk desk and admins see the firm.
 */
import { z } from 'zod';
import { ROLES } from '../auth/roles.js';
import type { Caller } from './route.js';
import { PROBLEM, problem } from '../http/problem.js';
import { Program } from '../domain/program.js';
import type { AccountState } from '../domain/state.js';
import { type AccountReader, RECORD_KINDS, type RecordKind } from '../ports/account-reader.js';
import { DomainEvent } from '../stream/domain-events.js';
import { InvalidCursorError, type Page } from '../ports/page.js';
import type { ProgramStore } from '../ports/program-store.js';
import { getPreset, presetIds } from '../presets/index.js';
import { renderDocsPage } from './docs-page.js';
import { openApiDocument } from './openapi.js';
import { route, type Route } from './route.js';

export interface ApiDeps {
  readonly tenant: string;
  readonly programs: ProgramStore;
  readonly accounts: AccountReader;
}

const STAFF = ['risk', 'admin'] as const;
const EVERYONE = ROLES;

const ProgramId = Program.shape.id;

const invalid = (pointer: string, message: string) => ({
  response: problem({ type: `${PROBLEM}validation-failed`, title: 'Validation failed', status: 422, detail: `${pointer}: ${message}.`, errors: [{ pointer, message }] }),
});

const notFound = (what: string) => ({ response: problem({ type: `${PROBLEM}not-found`, title: 'Not found', status: 404, detail: `${what} does not exist.` }) });

const health = route<ApiDeps, undefined, undefined, undefined, { status: 'ok'; tenant: string }>({
  method: 'GET',
  path: '/v1/health',
  summary: 'The API is serving, for this firm',
  tag: 'Operations',
  access: 'public',
  response: z.object({ status: z.literal('ok'), tenant: z.string() }),
  handle: async (_, { tenant }) => ({ ok: { status: 'ok', tenant } }),
});

const me = route<ApiDeps, undefined, undefined, undefined, { tenant: string; subject: string; roles: string[] }>({
  method: 'GET',
  path: '/v1/me',
  summary: 'Who the API thinks the caller is, and the roles their token grants',
  tag: 'Identity',
  access: EVERYONE,
  response: z.object({ tenant: z.string(), subject: z.string(), roles: z.array(z.enum(ROLES)) }),
  handle: async ({ caller }, { tenant }) => ({ ok: { tenant, subject: caller!.subject, roles: [...caller!.roles] } }),
});

const PresetSummary = z.object({ id: z.string(), name: z.string(), phases: z.array(z.string()) });

const presetList = route<ApiDeps, undefined, undefined, undefined, { presets: z.output<typeof PresetSummary>[] }>({
  method: 'GET',
  path: '/v1/presets',
  summary: "The preset programs, in the style of published firms' rulebooks",
  tag: 'Programs',
  access: STAFF,
  response: z.object({ presets: z.array(PresetSummary) }),
  handle: async () => ({
    ok: {
      presets: presetIds().map((id) => {
        const preset = getPreset(id)!;
        return { id, name: preset.name, phases: preset.phases.map((phase) => phase.id) };
      }),
    },
  }),
});

const presetGet = route<ApiDeps, { presetId: string }, undefined, undefined, Program>({
  method: 'GET',
  path: '/v1/presets/{presetId}',
  summary: 'One preset program, whole',
  tag: 'Programs',
  access: STAFF,
  params: z.strictObject({ presetId: ProgramId }),
  response: Program,
  handle: async ({ params }) => {
    const preset = getPreset(params.presetId);
    return preset ? { ok: preset } : notFound(`Preset ${params.presetId}`);
  },
});

const ProgramVersionSummary = z.object({ programId: z.string(), version: z.int(), name: z.string() });

const programList = route<ApiDeps, undefined, { limit: number; cursor?: string }, undefined, { items: z.output<typeof ProgramVersionSummary>[]; cursor?: string }>({
  method: 'GET',
  path: '/v1/programs',
  summary: 'Every stored program version, by id then version, a page at a time',
  tag: 'Programs',
  access: STAFF,
  query: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().max(4096).optional() }),
  response: z.object({ items: z.array(ProgramVersionSummary), cursor: z.string().optional() }),
  handle: async ({ query }, { programs }) => {
    let page;
    try {
      page = await programs.list({ limit: query.limit, ...(query.cursor === undefined ? {} : { cursor: query.cursor }) });
    } catch (error) {
      if (error instanceof InvalidCursorError) return invalid('/query/cursor', error.message);
      throw error;
    }
    const items = await Promise.all(page.items.map(async ({ programId, version }) => ({ programId, version, name: (await programs.get(programId, version))?.name ?? '' })));
    return { ok: { items, ...(page.cursor === undefined ? {} : { cursor: page.cursor }) } };
  },
});

const programCreate = route<ApiDeps, undefined, undefined, Program, Program>({
  method: 'POST',
  path: '/v1/programs',
  summary: 'Publish a new program version (a stored version never changes: publish version n+1 to change rules)',
  tag: 'Programs',
  access: ['admin'],
  body: Program,
  response: Program,
  status: 201,
  handle: async ({ body }, { programs }) => {
    if ((await programs.put(body)) === 'exists') {
      return {
        response: problem({
          type: `${PROBLEM}version-exists`,
          title: 'Version exists',
          status: 409,
          detail: `Program ${body.id} version ${body.version} is already published and never changes; publish version ${body.version + 1}.`,
        }),
      };
    }
    return { ok: body };
  },
});

const programVersionGet = route<ApiDeps, { programId: string; version: number }, undefined, undefined, Program>({
  method: 'GET',
  path: '/v1/programs/{programId}/versions/{version}',
  summary: 'One version of a program, as stored (a stored version never changes)',
  tag: 'Programs',
  // Traders read their program's rules too.
  access: EVERYONE,
  params: z.strictObject({ programId: ProgramId, version: z.coerce.number().int().min(1) }),
  response: Program,
  handle: async ({ params }, { programs }) => {
    const program = await programs.get(params.programId, params.version);
    return program ? { ok: program } : notFound(`Program ${params.programId} version ${params.version}`);
  },
});

/** An account as the API shows it. Money in minor units (cents) as integers; times ISO 8601. */
const AccountSummary = z.object({
  accountId: z.string(),
  traderId: z.string().nullable(),
  programId: z.string(),
  programVersion: z.int(),
  phaseId: z.string(),
  status: z.enum(['active', 'passed', 'failed']),
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

/** A caller who is only a trader sees their own accounts; the risk desk and admins see the firm's. */
const seesOnlyOwn = (caller: Caller) => !caller.roles.some((role) => role === 'risk' || role === 'admin');

const ACCOUNT_READERS = ['trader', 'risk', 'admin'] as const;

const AccountStatusQuery = z.enum(['active', 'passed', 'failed']);

const accountList = route<ApiDeps, undefined, { status?: AccountState['status']; limit: number; cursor?: string }, undefined, { items: AccountSummary[]; cursor?: string }>({
  method: 'GET',
  path: '/v1/accounts',
  summary: "Accounts a page at a time: a trader's own (optionally of one status), or the firm's of one status (active by default)",
  tag: 'Accounts',
  access: ACCOUNT_READERS,
  query: z.strictObject({ status: AccountStatusQuery.optional(), limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().max(4096).optional() }),
  response: z.object({ items: z.array(AccountSummary), cursor: z.string().optional() }),
  handle: async ({ query, caller }, { accounts }) => {
    const request = { limit: query.limit, ...(query.cursor === undefined ? {} : { cursor: query.cursor }) };
    let page: Page<string>;
    try {
      page = seesOnlyOwn(caller!) ? await accounts.listByTrader(caller!.subject, request) : await accounts.listByStatus(query.status ?? 'active', request);
    } catch (error) {
      if (error instanceof InvalidCursorError) return invalid('/query/cursor', error.message);
      throw error;
    }
    const stored = await accounts.load(page.items);
    const items = page.items.flatMap((id) => {
      const state = stored.get(id)?.state;
      return state && (query.status === undefined || state.status === query.status) ? [summaryOf(state)] : [];
    });
    return { ok: { items, ...(page.cursor === undefined ? {} : { cursor: page.cursor }) } };
  },
});

const accountGet = route<ApiDeps, { accountId: string }, undefined, undefined, AccountSummary>({
  method: 'GET',
  path: '/v1/accounts/{accountId}',
  summary: 'One account: phase, status, balance, equity and its floors',
  tag: 'Accounts',
  access: ACCOUNT_READERS,
  params: z.strictObject({ accountId: z.string().min(1).max(128) }),
  response: AccountSummary,
  handle: async ({ params, caller }, { accounts }) => {
    const state = (await accounts.load([params.accountId])).get(params.accountId)?.state;
    // Another trader's account answers as a missing one: its existence is not theirs to learn.
    if (state === undefined || (seesOnlyOwn(caller!) && state.traderId !== caller!.subject)) return notFound(`Account ${params.accountId}`);
    return { ok: summaryOf(state) };
  },
});

const RECORD_SUMMARIES: Record<RecordKind, string> = {
  trades: 'closed trades (net profit, hold time, evidence for payouts and abuse review)',
  days: 'closed firm days (daily statistics)',
  verdicts: 'verdicts: violations, warnings, failure and passes, each with its evidence',
  objectives: 'objective changes (progress toward target, trading days and the like)',
};

/** One listing route per kind of record, newest first; a trader reads only their own account's. */
const accountRecords = RECORD_KINDS.map((kind) =>
  route<ApiDeps, { accountId: string }, { limit: number; cursor?: string }, undefined, { items: DomainEvent[]; cursor?: string }>({
    method: 'GET',
    path: `/v1/accounts/{accountId}/${kind}`,
    summary: `The account's ${RECORD_SUMMARIES[kind]}, newest first, a page at a time`,
    tag: 'Accounts',
    access: ACCOUNT_READERS,
    params: z.strictObject({ accountId: z.string().min(1).max(128) }),
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().max(4096).optional() }),
    response: z.object({ items: z.array(DomainEvent), cursor: z.string().optional() }),
    handle: async ({ params, query, caller }, { accounts }) => {
      if (seesOnlyOwn(caller!)) {
        const state = (await accounts.load([params.accountId])).get(params.accountId)?.state;
        if (state?.traderId !== caller!.subject) return notFound(`Account ${params.accountId}`);
      }
      try {
        const page = await accounts.records(params.accountId, kind, { limit: query.limit, ...(query.cursor === undefined ? {} : { cursor: query.cursor }) });
        return { ok: { items: [...page.items], ...(page.cursor === undefined ? {} : { cursor: page.cursor }) } };
      } catch (error) {
        if (error instanceof InvalidCursorError) return invalid('/query/cursor', error.message);
        throw error;
      }
    },
  }),
);


const openApi = route<ApiDeps, undefined, undefined, undefined, object>({
  method: 'GET',
  path: '/openapi.json',
  summary: 'This description of the API (OpenAPI 3.1)',
  tag: 'Operations',
  access: 'public',
  response: z.object({ openapi: z.string() }).loose(),
  handle: async () => ({ ok: describeApi() }),
});

const docs = route<ApiDeps, undefined, undefined, undefined, string>({
  method: 'GET',
  path: '/docs',
  summary: 'This documentation as a page to read: every route, its roles, parameters and schemas',
  tag: 'Operations',
  access: 'public',
  produces: 'text/html',
  response: z.string(),
  handle: async () => ({ response: { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'max-age=300' }, body: docsPage() } }),
});

export const API_ROUTES: readonly Route<ApiDeps>[] = [
  health,
  openApi,
  docs,
  me,
  presetList,
  presetGet,
  programList,
  programCreate,
  programVersionGet,
  accountList,
  accountGet,
  ...accountRecords,
];

let description: object | undefined;
let page: string | undefined;

function docsPage(): string {
  page ??= renderDocsPage(describeApi());
  return page;
}

/** Built once, on first use: the document describes the table above. */
export function describeApi(): object {
  description ??= openApiDocument(API_ROUTES as readonly Route<unknown>[], {
    title: 'Propdesk API',
    version: '1',
    description: "A prop firm's back office: programs, accounts, the risk desk. Every route but health and this documentation needs a bearer token.",
  });
  return description;
}
