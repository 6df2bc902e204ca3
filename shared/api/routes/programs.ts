/** Challenge programs: the presets, the stored versions, publishing a new one. */
import { z } from 'zod';
import { ROLES } from '../../auth/roles.js';
import { Program } from '../../domain/program.js';
import { PROBLEM, problem } from '../../http/problem.js';
import { HistoryTooLongError } from '../../ports/account-history.js';
import { getPreset, presetIds } from '../../presets/index.js';
import { compare, subjectOf, type TimelineEntry } from '../../replay/replay.js';
import { notFound, type PageBody, pageAnswer, pageOf, PageQuery } from '../answers.js';
import { route } from '../route.js';
import type { ApiDeps } from '../routes.js';
import { auditEntry } from './audit.js';

const STAFF = ['risk', 'admin'] as const;
const ProgramId = Program.shape.id;

const PresetSummary = z.object({ id: z.string(), name: z.string(), phases: z.array(z.string()) });
const ProgramVersionSummary = z.object({ programId: z.string(), version: z.int(), name: z.string() });


/** Enough for a year of a busy account's events; a longer history is refused rather than exhausting memory. */
const MAX_DRY_RUN_EVENTS = 500_000;

const Outcome = z.object({ status: z.enum(['active', 'passed', 'failed']), endReason: z.string().nullable(), failedAt: z.iso.datetime().nullable(), passedAt: z.iso.datetime().nullable() });
const VerdictChange = z.object({
  time: z.iso.datetime(),
  eventIndex: z.int().describe("position of the causing event in the account's history, from 0"),
  type: z.enum(['violation', 'warning', 'objective', 'phasePassed', 'accountFailed']),
  subject: z.string().describe('the rule, objective or phase it is about'),
  verdict: z.record(z.string(), z.unknown()).describe("the reducer's verdict, with its evidence (times in epoch milliseconds)"),
});
const AccountDryRun = z.object({
  accountId: z.string(),
  current: z.object({ programId: z.string(), version: z.int() }),
  events: z.int().describe('events of its stored history replayed'),
  outcome: z.object({ current: Outcome, candidate: Outcome }),
  changed: z.boolean().describe('status, reason or end time differ'),
  onlyUnderCurrent: z.array(VerdictChange).describe('verdicts the candidate would not give'),
  onlyUnderCandidate: z.array(VerdictChange).describe('verdicts only the candidate would give'),
});
const DryRunReport = z.object({
  candidate: z.object({ programId: z.string(), version: z.int() }),
  accounts: z.array(AccountDryRun),
  skipped: z.array(z.object({ accountId: z.string(), reason: z.string() })),
  summary: z.object({ accounts: z.int(), changed: z.int(), verdictsOnlyUnderCurrent: z.int(), verdictsOnlyUnderCandidate: z.int() }),
});
type DryRunReport = z.output<typeof DryRunReport>;
const DryRunRequest = z.strictObject({ accountIds: z.array(z.string().min(1).max(128)).min(1).max(20).describe('the accounts whose stored history to replay: at most 20, so a dry-run of long histories answers within the function timeout') });

function verdictChanges(entries: readonly TimelineEntry[]): z.output<typeof VerdictChange>[] {
  return entries.map(({ index, time, effect }) => ({ time, eventIndex: index, type: effect.type, subject: subjectOf(effect), verdict: { ...effect } }));
}

/** One account's history under its current program and under the candidate, or why it cannot be compared. */
async function dryRunAccount(accountId: string, candidate: Program, { accounts, programs, history, news }: ApiDeps): Promise<z.output<typeof AccountDryRun> | string> {
  const state = (await accounts.load([accountId])).get(accountId)?.state;
  if (state === undefined) return 'no such account';
  const current = await programs.get(state.programId, state.programVersion);
  if (current === null) return `its program ${state.programId} v${state.programVersion} is not stored`;
  let stored;
  try {
    stored = await history.read(accountId, MAX_DRY_RUN_EVENTS);
  } catch (error) {
    if (error instanceof HistoryTooLongError) return error.message;
    throw error;
  }
  if (stored === null) return 'no stored history yet';
  const { opening, events } = stored;
  if (!candidate.phases.some((phase) => phase.id === opening.phaseId)) return `the candidate has no phase ${opening.phaseId}`;
  const comparison = compare(current, candidate, events, { phaseId: opening.phaseId, news: await news(), opening: () => opening });
  const [account] = comparison.accounts;
  if (account === undefined) return 'no stored history yet';
  return {
    accountId,
    current: { programId: current.id, version: current.version },
    events: events.length,
    outcome: { current: account.a, candidate: account.b },
    changed: account.changed,
    onlyUnderCurrent: verdictChanges(comparison.onlyUnderA),
    onlyUnderCandidate: verdictChanges(comparison.onlyUnderB),
  };
}

export const programRoutes = [
  route<ApiDeps, undefined, undefined, undefined, { presets: z.output<typeof PresetSummary>[] }>({
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
  }),

  route<ApiDeps, { presetId: string }, undefined, undefined, Program>({
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
  }),

  route<ApiDeps, undefined, PageQuery, undefined, PageBody<z.output<typeof ProgramVersionSummary>>>({
    method: 'GET',
    path: '/v1/programs',
    summary: 'Every stored program version, by id then version, a page at a time',
    tag: 'Programs',
    access: STAFF,
    query: PageQuery,
    response: pageOf(ProgramVersionSummary),
    handle: async ({ query }, { programs }) =>
      pageAnswer(query, (page) => programs.list(page), (refs) =>
        Promise.all(refs.map(async ({ programId, version }) => ({ programId, version, name: (await programs.get(programId, version))?.name ?? '' }))),
      ),
  }),

  route<ApiDeps, undefined, undefined, Program, Program>({
    method: 'POST',
    path: '/v1/programs',
    summary: 'Publish a new program version (a stored version never changes: publish version n+1 to change rules)',
    tag: 'Programs',
    access: ['admin'],
    body: Program,
    response: Program,
    status: 201,
    handle: async ({ body, caller, decision }, { programs, audit }) => {
      if ((await programs.put(body)) === 'stored') {
        const details = { version: body.version, name: body.name, phases: body.phases.map((phase) => phase.id) };
        await audit.append(auditEntry(caller!, decision!, { action: 'program.versionCreated', target: { kind: 'program', id: body.id }, reason: null, details }));
        return { ok: body };
      }
      return {
        response: problem({
          type: `${PROBLEM}version-exists`,
          title: 'Version exists',
          status: 409,
          detail: `Program ${body.id} version ${body.version} is already published and never changes; publish version ${body.version + 1}.`,
        }),
      };
    },
  }),

  route<ApiDeps, { programId: string; version: number }, undefined, undefined, Program>({
    method: 'GET',
    path: '/v1/programs/{programId}/versions/{version}',
    summary: 'One version of a program, as stored (a stored version never changes)',
    tag: 'Programs',
    // Traders read their program's rules too.
    access: ROLES,
    params: z.strictObject({ programId: ProgramId, version: z.coerce.number().int().min(1) }),
    response: Program,
    handle: async ({ params }, { programs }) => {
      const program = await programs.get(params.programId, params.version);
      return program ? { ok: program } : notFound(`Program ${params.programId} version ${params.version}`);
    },
  }),

  route<ApiDeps, { programId: string; version: number }, undefined, z.output<typeof DryRunRequest>, DryRunReport>({
    method: 'POST',
    path: '/v1/programs/{programId}/versions/{version}/dry-run',
    summary: "What-if: replay chosen accounts' stored histories under this program version and under their own, and report which verdicts and outcomes would change (nothing is changed)",
    tag: 'Programs',
    access: STAFF,
    params: z.strictObject({ programId: ProgramId, version: z.coerce.number().int().min(1) }),
    body: DryRunRequest,
    response: DryRunReport,
    handle: async ({ params, body }, deps) => {
      const candidate = await deps.programs.get(params.programId, params.version);
      if (candidate === null) return notFound(`Program ${params.programId} version ${params.version}`);
      const report: DryRunReport = { candidate: { programId: candidate.id, version: candidate.version }, accounts: [], skipped: [], summary: { accounts: 0, changed: 0, verdictsOnlyUnderCurrent: 0, verdictsOnlyUnderCandidate: 0 } };
      for (const accountId of new Set(body.accountIds)) {
        const result = await dryRunAccount(accountId, candidate, deps);
        if (typeof result === 'string') report.skipped.push({ accountId, reason: result });
        else report.accounts.push(result);
      }
      report.summary = {
        accounts: report.accounts.length,
        changed: report.accounts.filter((account) => account.changed).length,
        verdictsOnlyUnderCurrent: report.accounts.reduce((sum, account) => sum + account.onlyUnderCurrent.length, 0),
        verdictsOnlyUnderCandidate: report.accounts.reduce((sum, account) => sum + account.onlyUnderCandidate.length, 0),
      };
      return { ok: report };
    },
  }),
];
