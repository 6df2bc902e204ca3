import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { ApiRouter, type ApiRequest } from '../../shared/api/router.js';
import { API_ROUTES, type ApiDeps, describeApi } from '../../shared/api/routes.js';
import { ROLES, type Role } from '../../shared/auth/roles.js';
import type { Program } from '../../shared/domain/program.js';
import type { ProgramStore } from '../../shared/ports/program-store.js';
import { getPreset } from '../../shared/presets/index.js';

const stored = getPreset('two-step-static')!;

class MemoryPrograms implements ProgramStore {
  private readonly programs = new Map<string, Program>([[`${stored.id}@${stored.version}`, stored]]);
  async get(programId: string, version: number): Promise<Program | null> {
    return this.programs.get(`${programId}@${version}`) ?? null;
  }
  async put(program: Program): Promise<'stored' | 'exists'> {
    const key = `${program.id}@${program.version}`;
    if (this.programs.has(key)) return 'exists';
    this.programs.set(key, program);
    return 'stored';
  }
}

const router = new ApiRouter<ApiDeps>(API_ROUTES, { tenant: 'acme', programs: new MemoryPrograms() }, { rolesClaim: 'cognito:groups' });

/** A request as API Gateway passes it: claims flattened, an array claim as "[a b]". */
function request(method: string, path: string, options: { roles?: readonly Role[]; query?: Record<string, string>; token?: boolean } = {}): ApiRequest {
  const { roles = [], query = {}, token = true } = options;
  return {
    method,
    path,
    query,
    headers: {},
    body: undefined,
    isBase64Encoded: false,
    claims: token ? { sub: 'user-1', 'cognito:groups': `[${roles.join(' ')}]` } : undefined,
  };
}

/** Each route with concrete parameters that exist. */
const concrete = (path: string) =>
  path.replace('{presetId}', stored.id).replace('{programId}', stored.id).replace('{version}', String(stored.version));

const body = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;

describe('the API router', () => {
  describe.each(API_ROUTES.filter((route) => route.access !== 'public'))('$method $path', (route) => {
    const path = concrete(route.path);
    const allowed = route.access as readonly Role[];

    it('refuses a request without a token with 401', async () => {
      const response = await router.answer(request(route.method, path, { token: false }));
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
    });

    it.each(ROLES.filter((role) => !allowed.includes(role)))('refuses the role %s with 403', async (role) => {
      const response = await router.answer(request(route.method, path, { roles: [role] }));
      expect(response.status).toBe(403);
      expect(body(response)).toMatchObject({ type: 'urn:propdesk:problem:forbidden' });
    });

    it('refuses a token with no Propdesk role with 403', async () => {
      const response = await router.answer(request(route.method, path, { roles: [] }));
      expect(response.status).toBe(403);
    });

    it.each(allowed)('answers the role %s', async (role) => {
      expect((await router.answer(request(route.method, path, { roles: [role] }))).status).toBe(route.status ?? 200);
    });
  });

  it('answers an unknown path with 404 and a known path with the wrong method with 405 and Allow', async () => {
    expect((await router.answer(request('GET', '/v1/nothing', { roles: ['admin'] }))).status).toBe(404);
    const wrongMethod = await router.answer(request('DELETE', '/v1/presets', { roles: ['admin'] }));
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers['allow']).toBe('GET');
  });

  it('names every parameter and query field at fault with a JSON Pointer', async () => {
    const response = await router.answer(request('GET', '/v1/programs/Bad_Id/versions/zero', { roles: ['risk'], query: { page: '2' } }));
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toBe('application/problem+json');
    const pointers = (body(response).errors as Array<{ pointer: string }>).map((error) => error.pointer).sort();
    expect(pointers).toEqual(['/params/programId', '/params/version', '/query']);
  });

  it('tells callers who they are, with the roles their token grants and no others', async () => {
    const response = await router.answer({ ...request('GET', '/v1/me'), claims: { sub: 'ops-7', 'cognito:groups': '[risk root admin]' } });
    expect(body(response)).toEqual({ tenant: 'acme', subject: 'ops-7', roles: ['risk', 'admin'] });
  });

  it('serves stored program versions and presets, and 404 for what does not exist', async () => {
    const version = await router.answer(request('GET', `/v1/programs/${stored.id}/versions/${stored.version}`, { roles: ['trader'] }));
    expect(body(version)).toEqual(JSON.parse(JSON.stringify(stored)));
    expect((await router.answer(request('GET', `/v1/programs/${stored.id}/versions/99`, { roles: ['trader'] }))).status).toBe(404);
    const presets = body(await router.answer(request('GET', '/v1/presets', { roles: ['admin'] }))).presets as Array<{ id: string }>;
    expect(presets.map((preset) => preset.id)).toContain(stored.id);
    expect((await router.answer(request('GET', '/v1/presets/nope', { roles: ['admin'] }))).status).toBe(404);
  });

  it('serves health and its own OpenAPI 3.1 description without a token', async () => {
    expect(body(await router.answer(request('GET', '/v1/health', { token: false })))).toEqual({ status: 'ok', tenant: 'acme' });
    const document = body(await router.answer(request('GET', '/openapi.json', { token: false })));
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths as object).sort()).toEqual([...new Set(API_ROUTES.map((route) => route.path))].sort());
  });

  it('answers every route with a body its OpenAPI description accepts', async () => {
    const document = describeApi() as { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: object }> }> }>> };
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    for (const route of API_ROUTES) {
      const roles = route.access === 'public' ? [] : route.access;
      const response = await router.answer(request(route.method, concrete(route.path), { roles, token: route.access !== 'public' }));
      const schema = document.paths[route.path]![route.method.toLowerCase()]!.responses[String(response.status)]!.content['application/json']!.schema;
      const validate = ajv.compile(schema);
      expect(validate(JSON.parse(response.body)), `${route.method} ${route.path}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });
});
