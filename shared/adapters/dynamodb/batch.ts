/**
 * The batch calls in chunks of their limits, retrying what DynamoDB left unprocessed with backoff: shared by
 * every adapter that reads or writes many items of the tenant table at once.
 */
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type AttributeValue,
  type BatchGetItemCommandOutput,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
  type KeysAndAttributes,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { backOff, MAX_ATTEMPTS, type Pause } from '../backoff.js';

/** BatchGetItem takes at most 100 keys, BatchWriteItem 25 items. */
const BATCH_GET_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;
const BASE_BACKOFF_MS = 25;

type Sender = Pick<DynamoDBClient, 'send'>;
type Projection = Pick<KeysAndAttributes, 'ProjectionExpression' | 'ExpressionAttributeNames'>;

async function attempt(number: number, what: string, pause: Pause): Promise<void> {
  if (number > MAX_ATTEMPTS) throw new Error(`DynamoDB left ${what} unprocessed after ${MAX_ATTEMPTS} attempts`);
  await backOff(number, BASE_BACKOFF_MS, pause);
}

/** The items found among `itemKeys`, strongly consistent, in no particular order; absent keys are absent. */
export async function batchGet(db: Sender, tableName: string, itemKeys: readonly Record<string, AttributeValue>[], projection: Projection, pause: Pause): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  for (let from = 0; from < itemKeys.length; from += BATCH_GET_LIMIT) {
    let pending: Record<string, KeysAndAttributes> | undefined = {
      [tableName]: { Keys: itemKeys.slice(from, from + BATCH_GET_LIMIT), ConsistentRead: true, ...projection },
    };
    for (let number = 1; pending !== undefined; number++) {
      await attempt(number, 'keys', pause);
      const output: BatchGetItemCommandOutput = await db.send(new BatchGetItemCommand({ RequestItems: pending }));
      items.push(...(output.Responses?.[tableName] ?? []));
      const unprocessed: Record<string, KeysAndAttributes> | undefined = output.UnprocessedKeys;
      pending = unprocessed !== undefined && Object.keys(unprocessed).length > 0 ? unprocessed : undefined;
    }
  }
  return items;
}

/** Writes every request; `what` names them in the error when DynamoDB keeps leaving some unprocessed. */
export async function batchWrite(db: Sender, tableName: string, requests: readonly WriteRequest[], what: string, pause: Pause): Promise<void> {
  for (let from = 0; from < requests.length; from += BATCH_WRITE_LIMIT) {
    let pending: WriteRequest[] = requests.slice(from, from + BATCH_WRITE_LIMIT);
    for (let number = 1; pending.length > 0; number++) {
      await attempt(number, what, pause);
      const output: BatchWriteItemCommandOutput = await db.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
      pending = output.UnprocessedItems?.[tableName] ?? [];
    }
  }
}
