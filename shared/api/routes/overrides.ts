/**
 * Overrides: the risk desk changes an account (reinstate, fail, reset, extend its period, adjust its
 * balance) with a mandatory reason. The API writes the decision to the trade stream, where the evaluator
 * applies it in order with the account's trading, and to the audit log; the outcome (applied, or rejected
 * with why) becomes the account's override record and an AccountOverridden event.
 */
import { z } from 'zod';
import { OverrideChange, OverrideEvent } from '../../domain/events.js';
import { notFound } from '../answers.js';
import { route } from '../route.js';
import type { ApiDeps } from '../routes.js';
import { auditEntry } from './audit.js';

const OverrideRequest = z.strictObject({
  reason: OverrideEvent.shape.reason,
  change: OverrideChange,
});
type OverrideRequest = z.output<typeof OverrideRequest>;

const OverrideAccepted = z.object({
  overrideId: z.string().describe('also the id of its audit entry; the outcome is the override record with this id'),
  accountId: z.string(),
  change: OverrideChange,
  reason: z.string(),
  decidedAt: z.iso.datetime(),
  outcome: z.string().describe("the account's override records, where the outcome (applied, or rejected with why) appears within seconds"),
});
type OverrideAccepted = z.output<typeof OverrideAccepted>;

export const overrideRoutes = [
  route<ApiDeps, { accountId: string }, undefined, OverrideRequest, OverrideAccepted>({
    method: 'POST',
    path: '/v1/accounts/{accountId}/overrides',
    summary: 'Override an account (reinstate, fail, reset, extendPeriod, adjustBalance) with a mandatory reason; applied in order with its trading, audited',
    tag: 'Risk desk',
    access: ['risk', 'admin'],
    params: z.strictObject({ accountId: OverrideEvent.shape.accountId }),
    body: OverrideRequest,
    response: OverrideAccepted,
    status: 202,
    handle: async ({ params, body, caller, decision }, { tenant, accounts, tradeStream, audit }) => {
      if (!(await accounts.load([params.accountId])).has(params.accountId)) return notFound(`Account ${params.accountId}`);
      const { id: overrideId, at } = decision!;
      const event: OverrideEvent = { type: 'override', schemaVersion: 1, tenant, accountId: params.accountId, overrideId, time: at, actor: caller!.subject, ...body };
      // The stream first: a resend after a failed audit write puts the same override again, which the evaluator ignores.
      await tradeStream.put([event]);
      await audit.append(
        auditEntry(caller!, decision!, {
          action: 'account.overrideRequested',
          target: { kind: 'account', id: params.accountId },
          reason: body.reason,
          details: { overrideId, change: body.change },
        }),
      );
      const decidedAt = new Date(at).toISOString();
      return { ok: { overrideId, accountId: params.accountId, change: body.change, reason: body.reason, decidedAt, outcome: `/v1/accounts/${params.accountId}/overrides` } };
    },
  }),
];
