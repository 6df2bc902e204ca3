/** The API about itself: health, its OpenAPI description and the documentation page. All public. */
import { z } from 'zod';
import { renderDocsPage } from '../docs-page.js';
import { route, type Route } from '../route.js';
import type { ApiDeps } from '../routes.js';

/** `describe` builds the OpenAPI description of the whole table (routes.ts owns the table). */
export function operationRoutes(describe: () => object): Route<ApiDeps>[] {
  let page: string | undefined;
  return [
    route<ApiDeps, undefined, undefined, undefined, { status: 'ok'; tenant: string }>({
      method: 'GET',
      path: '/v1/health',
      summary: 'The API is serving, for this firm',
      tag: 'Operations',
      access: 'public',
      response: z.object({ status: z.literal('ok'), tenant: z.string() }),
      handle: async (_, { tenant }) => ({ ok: { status: 'ok', tenant } }),
    }),
    route<ApiDeps, undefined, undefined, undefined, object>({
      method: 'GET',
      path: '/openapi.json',
      summary: 'This description of the API (OpenAPI 3.1)',
      tag: 'Operations',
      access: 'public',
      response: z.object({ openapi: z.string() }).loose(),
      handle: async () => ({ ok: describe() }),
    }),
    route<ApiDeps, undefined, undefined, undefined, string>({
      method: 'GET',
      path: '/docs',
      summary: 'This documentation as a page to read: every route, its roles, parameters and schemas',
      tag: 'Operations',
      access: 'public',
      produces: 'text/html',
      response: z.string(),
      handle: async () => {
        page ??= renderDocsPage(describe());
        return { response: { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'max-age=300' }, body: page } };
      },
    }),
  ];
}
