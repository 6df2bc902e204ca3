/**
 * RiskQueue on the tenant table. A queue item is the verdict's own record (written by the evaluator with
 * queueEntry below): its listing `QUEUE#<state>` in the byListing index orders each state newest first,
 * and a move rewrites the listing on the condition that the state is still the one it moved from.
 */
import { GetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import type { Page, PageRequest } from '../../ports/page.js';
import { QUEUE_MOVES, type MoveOutcome, type QueueItem, type QueueMove, type QueueState, type RiskQueue } from '../../ports/risk-queue.js';
import type { DomainEvent } from '../../stream/domain-events.js';
import { sleep, type Pause } from '../backoff.js';
import { listingPage } from './listing.js';
import { LISTING_KEY, LISTING_SORT_KEY, listings } from './table.js';

type Sender = Pick<DynamoDBClient, 'send'>;

/** The attributes that put a freshly recorded verdict in the queue, open. */
export function queueEntry(verdict: DomainEvent): Record<string, AttributeValue> {
  return { [LISTING_KEY]: { S: listings.riskQueue('open') }, [LISTING_SORT_KEY]: { S: `${verdict.time}#${verdict.id}` }, queueState: { S: 'open' } };
}

const ItemKey = z.tuple([z.string().startsWith('ACCOUNT#'), z.string().startsWith('VERDICT#')]);

const itemIdOf = (item: Record<string, AttributeValue>): string => Buffer.from(JSON.stringify([item['pk']!.S, item['sk']!.S])).toString('base64url');

/** The record an item id names, or null for an id this queue never gave out. */
function keyOf(itemId: string): Record<string, AttributeValue> | null {
  try {
    const [pk, sk] = ItemKey.parse(JSON.parse(Buffer.from(itemId, 'base64url').toString('utf8')));
    return { pk: { S: pk }, sk: { S: sk } };
  } catch {
    return null;
  }
}

function queueItemOf(item: Record<string, AttributeValue>): QueueItem {
  return {
    itemId: itemIdOf(item),
    state: (item['queueState']?.S ?? 'open') as QueueState,
    verdict: JSON.parse(item['event']!.S!) as DomainEvent,
    handledBy: item['handledBy']?.S ?? null,
    handledAt: item['handledAt']?.S ?? null,
    note: item['note']?.S ?? null,
    decisionId: item['decisionId']?.S ?? null,
  };
}

const ITEM_PROJECTION = { ProjectionExpression: 'pk, sk, #event, queueState, handledBy, handledAt, note, decisionId', ExpressionAttributeNames: { '#event': 'event' } };

export class DynamoDbRiskQueue implements RiskQueue {
  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
    private readonly pause: Pause = sleep,
  ) {}

  async list(state: QueueState, page: PageRequest): Promise<Page<QueueItem>> {
    return listingPage(this.db, this.tableName, listings.riskQueue(state), page, {
      newestFirst: true,
      projection: ITEM_PROJECTION,
      parse: (item) => {
        const queued = queueItemOf(item);
        return queued.state === state ? queued : null;
      },
      pause: this.pause,
    });
  }

  async get(itemId: string): Promise<QueueItem | null> {
    const key = keyOf(itemId);
    if (key === null) return null;
    const { Item } = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true, ...ITEM_PROJECTION }));
    return Item === undefined ? null : queueItemOf(Item);
  }

  async move(itemId: string, move: QueueMove): Promise<MoveOutcome> {
    const current = await this.get(itemId);
    if (current === null) return { moved: false, reason: 'notFound' };
    if (!QUEUE_MOVES[current.state].includes(move.to)) return { moved: false, reason: 'notAllowed', item: current };
    try {
      const { Attributes } = await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(itemId)!,
          UpdateExpression: 'SET queueState = :to, #listing = :listing, handledBy = :by, handledAt = :at, note = :note, decisionId = :decision',
          // Items still open were written without a state before the queue existed: none are, but absent means open.
          ConditionExpression: current.state === 'open' ? '(queueState = :from OR attribute_not_exists(queueState))' : 'queueState = :from',
          ExpressionAttributeNames: { '#listing': LISTING_KEY },
          ExpressionAttributeValues: {
            ':from': { S: current.state },
            ':to': { S: move.to },
            ':listing': { S: listings.riskQueue(move.to) },
            ':by': { S: move.by },
            ':at': { S: move.at },
            ':note': { S: move.note },
            ':decision': { S: move.decisionId },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { moved: true, item: queueItemOf(Attributes!) };
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      // Someone moved it first: answer with what it is now.
      const now = await this.get(itemId);
      return now === null ? { moved: false, reason: 'notFound' } : { moved: false, reason: 'notAllowed', item: now };
    }
  }
}
