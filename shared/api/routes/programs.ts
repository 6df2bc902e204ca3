/** Challenge programs: the presets, the stored versions, publishing a new one. */
import { z } from 'zod';
import { ROLES } from '../../auth/roles.js';
import { Program } from '../../domain/program.js';
import { PROBLEM, problem } from '../../http/problem.js';
import { getPreset, presetIds } from '../../presets/index.js';
import { notFound, type PageBody, pageAnswer, pageOf, PageQuery } from '../answers.js';
import { route } from '../route.js';
import type { ApiDeps } from '../routes.js';

const STAFF = ['risk', 'admin'] as const;
const ProgramId = Program.shape.id;

const PresetSummary = z.object({ id: z.string(), name: z.string(), phases: z.array(z.string()) });
const ProgramVersionSummary = z.object({ programId: z.string(), version: z.int(), name: z.string() });

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
    handle: async ({ body }, { programs }) => {
      if ((await programs.put(body)) === 'stored') return { ok: body };
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
];
