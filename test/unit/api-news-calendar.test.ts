/**
 * The news-calendar routes: the risk desk and admins read the stored calendar (empty before the first),
 * only admins replace it, whole, validated by the calendar's schema and audited; what is stored and
 * answered has every time as ISO 8601 in UTC and every impact spelled out.
 */
import { describe, expect, it } from 'vitest';
import { ApiRouter, type ApiRequest } from '../../shared/api/router.js';
import { API_ROUTES, type ApiDeps, describeApi } from '../../shared/api/routes.js';
import type { Role } from '../../shared/auth/roles.js';
import { NewsIndex } from '../../shared/domain/news.js';
import { memoryApiDeps, MemoryNewsCalendar } from '../support/api-deps.js';
import { MemoryAuditLog } from '../support/audit-log.js';
import { MemoryIdempotencyStore } from '../support/idempotency-store.js';

function desk() {
  const newsCalendar = new MemoryNewsCalendar();
  const audit = new MemoryAuditLog();
  const router = new ApiRouter<ApiDeps>(API_ROUTES, memoryApiDeps({ newsCalendar, audit }), { rolesClaim: 'roles', idempotency: new MemoryIdempotencyStore(), now: () => 0 });
  return { router, newsCalendar, audit };
}

let keys = 0;
function call(method: string, { roles = ['admin'], body, subject = 'root' }: { roles?: Role[]; body?: unknown; subject?: string } = {}): ApiRequest {
  return {
    method,
    path: '/v1/news-calendar',
    query: {},
    // A write takes an Idempotency-Key, a fresh one per call here.
    headers: body === undefined ? {} : { 'content-type': 'application/json', 'idempotency-key': `key-${++keys}` },
    body: body === undefined ? undefined : JSON.stringify(body),
    isBase64Encoded: false,
    claims: { sub: subject, roles: `[${roles.join(' ')}]` },
  };
}

const json = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;

const calendar = {
  events: [
    { id: 'nfp-2026-03', title: 'US non-farm payrolls', time: '2026-03-06T08:30:00-05:00', impact: 'high', symbols: ['EURUSD', 'US30'] },
    { id: 'ecb-2026-03', title: 'ECB rate decision', time: '2026-03-12T13:15:00Z', symbols: ['*'] },
  ],
};
/** As stored and answered: UTC, the default impact filled in. */
const stored = {
  events: [
    { id: 'nfp-2026-03', title: 'US non-farm payrolls', time: '2026-03-06T13:30:00.000Z', impact: 'high', symbols: ['EURUSD', 'US30'] },
    { id: 'ecb-2026-03', title: 'ECB rate decision', time: '2026-03-12T13:15:00.000Z', impact: 'high', symbols: ['*'] },
  ],
};

describe('the news calendar', () => {
  it('answers an empty calendar before the first is stored, to the risk desk and admins', async () => {
    const { router } = desk();
    for (const roles of [['risk'], ['admin']] as Role[][]) {
      const response = await router.answer(call('GET', { roles }));
      expect(response.status).toBe(200);
      expect(json(response)).toEqual({ events: [] });
    }
    expect((await router.answer(call('GET', { roles: ['trader'] }))).status).toBe(403);
  });

  it('replaces it whole: stored and answered in UTC, read back by GET and by the rules, audited', async () => {
    const { router, newsCalendar, audit } = desk();
    const response = await router.answer(call('PUT', { body: calendar }));
    expect(response.status).toBe(200);
    expect(json(response)).toEqual(stored);
    expect(json(await router.answer(call('GET', { roles: ['risk'] })))).toEqual(stored);
    // What the evaluator and the detectors parse from the store.
    const index = NewsIndex.parse(await newsCalendar.calendar());
    expect(index.size).toBe(2);
    expect(index.find(Date.parse('2026-03-06T13:31:00Z'), 'US30', 120_000, 120_000)?.id).toBe('nfp-2026-03');
    expect(audit.entries).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        actor: { subject: 'root', roles: ['admin'] },
        action: 'newsCalendar.replaced',
        target: { kind: 'newsCalendar', id: 'news-calendar' },
        reason: null,
        details: { events: 2 },
      },
    ]);

    // Replaced, not merged: an empty calendar clears it.
    expect(json(await router.answer(call('PUT', { body: { events: [] } })))).toEqual({ events: [] });
    expect(json(await router.answer(call('GET')))).toEqual({ events: [] });
    expect(audit.entries).toHaveLength(2);
  });

  it('refuses an invalid calendar naming every field at fault, keeping the stored one', async () => {
    const { router, audit } = desk();
    await router.answer(call('PUT', { body: calendar }));
    const invalid = await router.answer(
      call('PUT', {
        body: {
          events: [
            { id: 'a', title: 'No time zone', time: '2026-03-06T08:30:00', symbols: ['EURUSD'] },
            { id: 'b', title: 'Extreme', time: '2026-03-06T08:30:00Z', impact: 'extreme', symbols: [] },
            { id: 'c', title: 'Extra', time: '2026-03-06T08:30:00Z', symbols: ['EURUSD'], country: 'US' },
          ],
        },
      }),
    );
    expect(invalid.status).toBe(422);
    expect((json(invalid).errors as Array<{ pointer: string }>).map((error) => error.pointer).sort()).toEqual(['/body/events/0/time', '/body/events/1/impact', '/body/events/1/symbols', '/body/events/2']);
    expect((await router.answer(call('PUT', { body: { items: [] } }))).status).toBe(422);
    expect((await router.answer({ ...call('PUT', { body: calendar }), headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    // A write without an Idempotency-Key is refused before anything is stored.
    expect((await router.answer({ ...call('PUT', { body: calendar }), headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect(json(await router.answer(call('GET')))).toEqual(stored);
    expect(audit.entries).toHaveLength(1);
  });

  it('is replaced by admins only: the risk desk and traders may not', async () => {
    const { router, newsCalendar, audit } = desk();
    for (const roles of [['risk'], ['trader'], ['service']] as Role[][]) {
      const response = await router.answer(call('PUT', { roles, body: calendar }));
      expect(response.status).toBe(403);
      expect(json(response)).toMatchObject({ type: 'urn:propdesk:problem:forbidden', detail: 'PUT /v1/news-calendar is for admin.' });
    }
    expect(newsCalendar.stored).toBeNull();
    expect(audit.entries).toEqual([]);
  });

  it('is documented: GET for the desk, PUT for admins with the calendar as its body', () => {
    const path = (describeApi() as { paths: Record<string, Record<string, { description: string; requestBody?: { content: Record<string, { schema: { required: string[] } }> } }>> }).paths['/v1/news-calendar']!;
    expect(Object.keys(path).sort()).toEqual(['get', 'put']);
    expect(path['get']!.description).toBe('Roles: risk, admin.');
    expect(path['put']!.description).toBe('Roles: admin.');
    expect(path['put']!.requestBody!.content['application/json']!.schema.required).toEqual(['events']);
  });
});
