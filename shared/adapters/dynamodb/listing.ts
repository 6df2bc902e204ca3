/**
 * A page of one listing of the `byListing` index (the risk queue, payouts, abuse flags by state). The index
 * holds keys only, so the items are read back in bulk and put in the index's order. An item that moved to
 * another listing between the query and the read is left out (`parse` answers null for it), so a page never
 * shows an item under a state it has left.
 */
import { QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvalidCursorError, type Page, type PageRequest } from '../../ports/page.js';
import type { Pause } from '../backoff.js';
import { batchGet } from './batch.js';
import { decodeCursor, pageFrom } from './cursor.js';
import { LISTING_INDEX, LISTING_KEY, LISTING_SORT_KEY, PARTITION_KEY, SORT_KEY } from './table.js';

export interface ListingRead<T> {
  readonly newestFirst: boolean;
  /** What to read of each item, its keys included (they put the items back in the index's order). */
  readonly projection: { readonly ProjectionExpression: string; readonly ExpressionAttributeNames?: Record<string, string> };
  /** The item as the port answers it, or null when it no longer belongs to the listing. */
  readonly parse: (item: Record<string, AttributeValue>) => T | null;
  readonly pause: Pause;
}

const itemKeyOf = (item: Record<string, AttributeValue>): string => `${item[PARTITION_KEY]!.S}\u0000${item[SORT_KEY]!.S}`;

export async function listingPage<T>(
  db: Pick<DynamoDBClient, 'send'>,
  tableName: string,
  listing: string,
  { limit, cursor }: PageRequest,
  { newestFirst, projection, parse, pause }: ListingRead<T>,
): Promise<Page<T>> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a page holds at least one item; the limit was ${limit}`);
  const start = cursor === undefined ? undefined : decodeCursor(cursor);
  // A cursor of another listing (another state's queue) is refused rather than handed on.
  if (start !== undefined && (start[LISTING_KEY]?.S !== listing || start[LISTING_SORT_KEY] === undefined || start[PARTITION_KEY] === undefined || start[SORT_KEY] === undefined)) {
    throw new InvalidCursorError();
  }
  const page = await db.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: LISTING_INDEX,
      KeyConditionExpression: '#listing = :listing',
      ExpressionAttributeNames: { '#listing': LISTING_KEY },
      ExpressionAttributeValues: { ':listing': { S: listing } },
      ScanIndexForward: !newestFirst,
      Limit: limit,
      ...(start === undefined ? {} : { ExclusiveStartKey: start }),
    }),
  );
  const listed = (page.Items ?? []).map((item) => ({ [PARTITION_KEY]: item[PARTITION_KEY]!, [SORT_KEY]: item[SORT_KEY]! }));
  const read = await batchGet(db, tableName, listed, projection, pause);
  const byKey = new Map(read.map((item) => [itemKeyOf(item), item]));
  const items = listed.flatMap((key) => {
    const item = byKey.get(itemKeyOf(key));
    const parsed = item === undefined ? null : parse(item);
    return parsed === null ? [] : [parsed];
  });
  return pageFrom(items, page.LastEvaluatedKey);
}
