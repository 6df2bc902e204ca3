/** Who the caller is: how a firm checks its identity setup end to end. */
import { z } from 'zod';
import { ROLES } from '../../auth/roles.js';
import { route } from '../route.js';
import type { ApiDeps } from '../routes.js';

export const me = route<ApiDeps, undefined, undefined, undefined, { tenant: string; subject: string; roles: string[] }>({
  method: 'GET',
  path: '/v1/me',
  summary: 'Who the API thinks the caller is, and the roles their token grants',
  tag: 'Identity',
  access: ROLES,
  response: z.object({ tenant: z.string(), subject: z.string(), roles: z.array(z.enum(ROLES)) }),
  handle: async ({ caller }, { tenant }) => ({ ok: { tenant, subject: caller!.subject, roles: [...caller!.roles] } }),
});
