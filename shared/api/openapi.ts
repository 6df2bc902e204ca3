/**
 * The OpenAPI 3.1 description of the staff and trader API, generated from the route table by
 * zod-to-openapi: every path, parameter, body, answer and problem comes from the schemas the router parses
 * with, so the document cannot drift from what is served.
 */
import { OpenApiGeneratorV31, OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { Route } from './route.js';

const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    errors: z.array(z.object({ pointer: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details; `errors` names every field at fault by JSON Pointer' });

const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: Problem } } });

export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
  readonly description: string;
}

export function openApiDocument(routes: readonly Route<unknown>[], info: OpenApiInfo): object {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: "An access token from the firm's identity provider; its roles claim names trader, risk, admin or service",
  });
  for (const route of routes) {
    const secured = route.access !== 'public';
    registry.registerPath({
      method: route.method.toLowerCase() as Lowercase<Route<unknown>['method']>,
      path: route.path,
      summary: route.summary,
      tags: [route.tag],
      ...(secured ? { security: [{ [bearer.name]: [] }], description: `Roles: ${(route.access as readonly string[]).join(', ')}.` } : {}),
      request: {
        ...(route.params ? { params: route.params as z.ZodObject } : {}),
        ...(route.query ? { query: route.query as z.ZodObject } : {}),
        ...(route.body ? { body: { required: true, content: { 'application/json': { schema: route.body } } } } : {}),
      },
      responses: {
        [route.status ?? 200]: { description: 'Success', content: { [route.produces ?? 'application/json']: { schema: route.response } } },
        ...(route.params || route.query || route.body ? { 422: problemResponse('A parameter, the query or the body failed validation') } : {}),
        ...(secured ? { 401: problemResponse('No valid token'), 403: problemResponse("The token's roles may not call this route") } : {}),
        500: problemResponse('A fault of ours; resending is safe'),
      },
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({ openapi: '3.1.0', info: { ...info } });
}
