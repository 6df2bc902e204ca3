/**
 * AccountHistory on the tenant table: each chunk is an item under the account's partition, keyed by where
 * it starts, holding the chunk as gzipped JSON (trade events compress about tenfold, and an item is
 * billed and limited by its size). A chunk too large for one item is stored as several, each keyed by
 * its own start, so they read back in stream order like any other chunks.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient, type QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import { HistoryTooLongError, joinChunks, seqOf, type AccountEventHistory, type AccountHistory, type HistoryChunk } from '../../ports/account-history.js';
import { keys } from './table.js';

type Sender = Pick<DynamoDBClient, 'send'>;

/** DynamoDB refuses items over 400 KB; this leaves room for the key and the other attributes. */
export const MAX_CHUNK_GZIP_BYTES = 350_000;

const HISTORY_PREFIX = 'HISTORY#';

interface EncodedChunk {
  readonly chunk: HistoryChunk;
  readonly gzipped: Uint8Array;
}

/** The chunk gzipped, split in halves (and those in halves) until each part fits in an item. */
function encode(chunk: HistoryChunk, accountId: string): EncodedChunk[] {
  const gzipped = gzipSync(JSON.stringify({ afterSeq: chunk.afterSeq, opening: chunk.opening, events: chunk.events }));
  if (gzipped.length <= MAX_CHUNK_GZIP_BYTES) return [{ chunk, gzipped }];
  if (chunk.events.length === 1) throw new RangeError(`an event of account ${accountId} takes ${gzipped.length} bytes gzipped, more than an item holds`);
  const middle = Math.ceil(chunk.events.length / 2);
  const firstEvents = chunk.events.slice(0, middle);
  // The second part starts after the first part's events: its own afterSeq keys it after the first.
  const afterFirst = firstEvents.reduce((highest, event) => Math.max(highest, seqOf(event) ?? highest), chunk.afterSeq);
  return [
    ...encode({ afterSeq: chunk.afterSeq, opening: chunk.opening, events: firstEvents }, accountId),
    ...encode({ afterSeq: afterFirst, opening: chunk.opening, events: chunk.events.slice(middle) }, accountId),
  ];
}

export class DynamoDbAccountHistory implements AccountHistory {
  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
  ) {}

  async append(accountId: string, chunk: HistoryChunk): Promise<void> {
    for (const part of encode(chunk, accountId)) {
      const firstEvent = part.chunk.events[0];
      if (firstEvent === undefined) throw new RangeError(`a history chunk of account ${accountId} holds no event`);
      const { pk, sk } = keys.historyChunk(accountId, part.chunk.afterSeq, firstEvent.time);
      // No condition: a chunk written again at the same start replaces the earlier one.
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { pk: { S: pk }, sk: { S: sk }, chunk: { B: part.gzipped }, events: { N: String(part.chunk.events.length) } },
        }),
      );
    }
  }

  async read(accountId: string, maxEvents: number): Promise<AccountEventHistory | null> {
    const chunks: HistoryChunk[] = [];
    let storedEvents = 0;
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :account AND begins_with(sk, :history)',
          ExpressionAttributeValues: { ':account': { S: keys.accountState(accountId).pk }, ':history': { S: HISTORY_PREFIX } },
          ScanIndexForward: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        // Counted before decompressing: a history over the limit costs no more than the limit.
        storedEvents += Number(item['events']!.N);
        if (storedEvents > maxEvents) throw new HistoryTooLongError(accountId, maxEvents);
        chunks.push(JSON.parse(gunzipSync(item['chunk']!.B!).toString('utf8')) as HistoryChunk);
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return joinChunks(chunks);
  }
}
