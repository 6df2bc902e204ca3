/**
 * The risk desk's queue: verdicts to review, open, acknowledged or resolved. Moving an item records who
 * handled it and why, in the item and in the audit log; it never changes an account (that is an override).
 */
import { z } from 'zod';
import { QUEUE_MOVES, QUEUE_STATES, type QueueItem as StoredQueueItem, type QueueState } from '../../ports/risk-queue.js';
import { DomainEvent } from '../../stream/domain-events.js';
import { moveNotAllowed, notFound, type PageBody, pageAnswer, pageOf, PageQuery } from '../answers.js';
import { route } from '../route.js';
import type { ApiDeps } from '../routes.js';
import { auditEntry } from './audit.js';

const DESK = ['risk', 'admin'] as const;
const State = z.enum(QUEUE_STATES);

const QueueItem = z.object({
  itemId: z.string().describe('opaque: use it in the item routes'),
  state: State,
  verdict: DomainEvent,
  handledBy: z.string().nullable(),
  handledAt: z.iso.datetime().nullable(),
  note: z.string().nullable(),
  decisionId: z.string().nullable().describe('the audit entry of the last move'),
});

const ItemParams = z.strictObject({ itemId: z.string().min(1).max(1024) });
const Move = z.strictObject({
  state: z.enum(['acknowledged', 'resolved']).describe('acknowledged: someone is looking into it; resolved: done, with the note saying how'),
  note: z.string().trim().min(1).max(2000).describe('mandatory: what was found or decided'),
});

export const riskDeskRoutes = [
  route<ApiDeps, undefined, PageQuery & { state: QueueState }, undefined, PageBody<StoredQueueItem>>({
    method: 'GET',
    path: '/v1/risk/queue',
    summary: "The risk desk's queue: every account's verdicts (violations, warnings, failures, passes) with their evidence, in one state (open by default), newest first",
    tag: 'Risk desk',
    access: DESK,
    query: PageQuery.extend({ state: State.default('open') }),
    response: pageOf(QueueItem),
    handle: async ({ query }, { riskQueue }) => pageAnswer(query, (page) => riskQueue.list(query.state, page), (items) => [...items]),
  }),

  route<ApiDeps, { itemId: string }, undefined, undefined, StoredQueueItem>({
    method: 'GET',
    path: '/v1/risk/queue/{itemId}',
    summary: 'One queue item: the verdict, its state and who handled it',
    tag: 'Risk desk',
    access: DESK,
    params: ItemParams,
    response: QueueItem,
    handle: async ({ params }, { riskQueue }) => {
      const item = await riskQueue.get(params.itemId);
      return item ? { ok: item } : notFound(`Queue item ${params.itemId}`);
    },
  }),

  route<ApiDeps, { itemId: string }, undefined, z.output<typeof Move>, StoredQueueItem>({
    method: 'POST',
    path: '/v1/risk/queue/{itemId}',
    summary: 'Acknowledge or resolve a queue item, with a note (open → acknowledged → resolved; resolved is final); audited',
    tag: 'Risk desk',
    access: DESK,
    params: ItemParams,
    body: Move,
    response: QueueItem,
    handle: async ({ params, body, caller, decision }, { riskQueue, audit }) => {
      const at = new Date(decision!.at).toISOString();
      const outcome = await riskQueue.move(params.itemId, { to: body.state, by: caller!.subject, at, note: body.note, decisionId: decision!.id });
      if (!outcome.moved && outcome.reason === 'notFound') return notFound(`Queue item ${params.itemId}`);
      // A resend whose first attempt moved the item but failed before answering: finish it (the audit entry).
      const item = outcome.moved || outcome.item.decisionId === decision!.id ? outcome.item : null;
      if (item === null) {
        return moveNotAllowed('queue', `The item is ${outcome.item.state}${outcome.item.handledBy === null ? '' : ` (by ${outcome.item.handledBy})`}`, QUEUE_MOVES[outcome.item.state]);
      }
      const { verdict } = item;
      await audit.append(
        auditEntry(caller!, decision!, {
          action: 'riskQueue.itemMoved',
          target: { kind: 'queueItem', id: params.itemId },
          reason: body.note,
          details: { to: body.state, accountId: verdict.accountId, verdictId: verdict.id, verdictType: verdict.type },
        }),
      );
      return { ok: item };
    },
  }),
];
