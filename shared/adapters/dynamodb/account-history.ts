/**
 * AccountHistory on the tenant table: each chunk is an item under the account's partition, keyed by the
 * revision whose save it precedes, holding the chunk as gzipped JSON (trade events compress about
 * tenfold, and an item is billed and limited by its size). A chunk too large for one item is stored as
 * numbered parts, which read back in order like any other chunks.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient, type QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import { HistoryTooLongError, joinChunks, type AccountEventHistory, type AccountHistory, type HistoryChunk } from '../../ports/account-history.js';
import { keys } from './table.js';

type Sender = Pick<DynamoDBClient, 'send'>;

/** DynamoDB refuses items over 400 KB; this leaves room for the key and the other attributes. */
export const MAX_CHUNK_GZIP_BYTES = 350_000;

const HISTORY_PREFIX = 'HISTORY#';

const decode = (gzipped: Uint8Array): HistoryChunk => JSON.parse(gunzipSync(gzipped).toString('utf8')) as HistoryChunk;

interface EncodedPart {
  readonly gzipped: Uint8Array;
  readonly events: number;
}

/** The chunk gzipped, its events split in halves (and those in halves) until each part fits in an item. */
function encode(chunk: HistoryChunk, accountId: string): EncodedPart[] {
  const gzipped = gzipSync(JSON.stringify(chunk));
  if (gzipped.length <= MAX_CHUNK_GZIP_BYTES) return [{ gzipped, events: chunk.events.length }];
  if (chunk.events.length === 1) throw new RangeError(`an event of account ${accountId} takes ${gzipped.length} bytes gzipped, more than an item holds`);
  const middle = Math.ceil(chunk.events.length / 2);
  return [...encode({ ...chunk, events: chunk.events.slice(0, middle) }, accountId), ...encode({ ...chunk, events: chunk.events.slice(middle) }, accountId)];
}

export class DynamoDbAccountHistory implements AccountHistory {
  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
  ) {}

  async append(accountId: string, chunk: HistoryChunk): Promise<void> {
    if (chunk.events.length === 0) throw new RangeError(`a history chunk of account ${accountId} holds no event`);
    for (const [index, part] of encode(chunk, accountId).entries()) {
      const { pk, sk } = keys.historyChunk(accountId, chunk.revision, index);
      // No condition: a chunk written again before the same save replaces the earlier one.
      await this.db.send(new PutItemCommand({ TableName: this.tableName, Item: { pk: { S: pk }, sk: { S: sk }, chunk: { B: part.gzipped }, events: { N: String(part.events) } } }));
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
        chunks.push(decode(item['chunk']!.B!));
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return joinChunks(chunks);
  }
}
