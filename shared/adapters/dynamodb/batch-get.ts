/** BatchGetItem in chunks of its limit, strongly consistent, retrying the keys DynamoDB left unprocessed. */
import { BatchGetItemCommand, type AttributeValue, type BatchGetItemCommandOutput, type DynamoDBClient, type KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import { backOff, MAX_ATTEMPTS, type Pause } from '../backoff.js';

/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_LIMIT = 100;
const BASE_BACKOFF_MS = 25;

type Projection = Pick<KeysAndAttributes, 'ProjectionExpression' | 'ExpressionAttributeNames'>;

/** The items found among `itemKeys`, in no particular order; absent keys are absent. */
export async function batchGet(
  db: Pick<DynamoDBClient, 'send'>,
  tableName: string,
  itemKeys: readonly Record<string, AttributeValue>[],
  projection: Projection,
  pause: Pause,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  for (let from = 0; from < itemKeys.length; from += BATCH_GET_LIMIT) {
    let pending: Record<string, KeysAndAttributes> | undefined = {
      [tableName]: { Keys: itemKeys.slice(from, from + BATCH_GET_LIMIT), ConsistentRead: true, ...projection },
    };
    for (let attempt = 1; pending !== undefined; attempt++) {
      if (attempt > MAX_ATTEMPTS) throw new Error(`DynamoDB left keys unprocessed after ${MAX_ATTEMPTS} attempts`);
      await backOff(attempt, BASE_BACKOFF_MS, pause);
      const output: BatchGetItemCommandOutput = await db.send(new BatchGetItemCommand({ RequestItems: pending }));
      items.push(...(output.Responses?.[tableName] ?? []));
      const unprocessed: Record<string, KeysAndAttributes> | undefined = output.UnprocessedKeys;
      pending = unprocessed !== undefined && Object.keys(unprocessed).length > 0 ? unprocessed : undefined;
    }
  }
  return items;
}
