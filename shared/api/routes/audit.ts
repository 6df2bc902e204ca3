/** The audit log: every staff decision made through this API, who made it, when and why. */
import { z } from 'zod';
import { auditQueryDays, MAX_AUDIT_QUERY_DAYS, type AuditEntry as StoredAuditEntry } from '../../ports/audit-log.js';
import { invalid, type PageBody, pageAnswer, pageOf, PageQuery } from '../answers.js';
import { type Caller, type Decision, route } from '../route.js';
import type { ApiDeps } from '../routes.js';

export const AuditEntry = z.object({
  id: z.string().describe('the decision id: also the id of the override event or record it caused'),
  time: z.iso.datetime(),
  actor: z.object({ subject: z.string(), roles: z.array(z.string()) }),
  action: z.string().describe('program.versionCreated, account.overrideRequested, riskQueue.itemMoved'),
  target: z.object({ kind: z.string(), id: z.string() }),
  reason: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

/** The audit entry of a decision made by `caller`. */
export function auditEntry(caller: Caller, decision: Decision, fields: Pick<StoredAuditEntry, 'action' | 'target' | 'reason' | 'details'>): StoredAuditEntry {
  return { id: decision.id, time: new Date(decision.at).toISOString(), actor: { subject: caller.subject, roles: [...caller.roles] }, ...fields };
}

const Day = z.iso.date();
const AuditQuery = PageQuery.extend({
  from: Day.describe('first UTC day, YYYY-MM-DD'),
  to: Day.describe(`last UTC day, YYYY-MM-DD; at most ${MAX_AUDIT_QUERY_DAYS} days after from`),
  actor: z.string().min(1).max(256).optional().describe('only decisions of this subject'),
  targetId: z.string().min(1).max(256).optional().describe('only decisions about this account, program or queue item'),
  action: z.string().min(1).max(64).optional(),
});
type AuditQuery = z.output<typeof AuditQuery>;

export const auditRoutes = [
  route<ApiDeps, undefined, AuditQuery, undefined, PageBody<StoredAuditEntry>>({
    method: 'GET',
    path: '/v1/audit',
    summary: 'Staff decisions between two UTC days, newest first, filtered by actor, target or action',
    tag: 'Audit',
    access: ['risk', 'admin'],
    query: AuditQuery,
    response: pageOf(AuditEntry),
    handle: async ({ query }, { audit }) => {
      try {
        auditQueryDays(query);
      } catch (error) {
        if (error instanceof RangeError) return invalid('/query/to', error.message);
        throw error;
      }
      const { limit, cursor, ...filter } = query;
      return pageAnswer({ limit, cursor }, (page) => audit.query(filter, page), (entries) => [...entries]);
    },
  }),
];
