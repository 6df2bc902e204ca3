/**
 * AccountHistory on the tenant table: each chunk is an item under the account's partition, keyed by the
 * revision whose save it precedes. The events are stored as the stream carried them, one JSON per line,
 * gzipped at the fastest level (trade events compress about tenfold, and an item is billed and limited
 * by its size); the opening is a plain attribute. A chunk too large for one item is stored as numbered
 * parts, which read back in order like any other chunks.
 */
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { QueryCommand, type AttributeValue, type DynamoDBClient, type QueryCommandOutput, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { eventOfJson, HistoryTooLongError, joinChunks, type AccountChunk, type AccountEventHistory, type AccountHistory, type ReadChunk } from '../../ports/account-history.js';
import { sleep, type Pause } from '../backoff.js';
import { batchWrite } from './batch.js';
import { EXPIRES_AT, keys } from './table.js';

type Sender = Pick<DynamoDBClient, 'send'>;

/** DynamoDB refuses items over 400 KB; this leaves room for the key and the other attributes. */
export const MAX_CHUNK_GZIP_BYTES = 350_000;

const HISTORY_PREFIX = 'HISTORY#';
const NEWLINE = 0x0a;
const SPACE = 0x20;
const LINE_BREAK = Buffer.from([NEWLINE]);

/** The records' JSON, one per line: a line break inside valid JSON can only be whitespace, so it becomes a space. */
function lines(records: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const record of records) {
    const json = Buffer.from(record, 'base64');
    if (json.includes(NEWLINE)) for (let i = 0; i < json.length; i++) if (json[i] === NEWLINE) json[i] = SPACE;
    if (parts.length > 0) parts.push(LINE_BREAK);
    parts.push(json);
  }
  return Buffer.concat(parts);
}

interface EncodedPart {
  readonly gzipped: Uint8Array;
  readonly events: number;
}

/** The records gzipped, split in halves (and those in halves) until each part fits in an item. */
export function encode(records: readonly string[], accountId: string): EncodedPart[] {
  // The fastest level: this runs on the evaluator's hot path, and compresses nearly as well here.
  const gzipped = gzipSync(lines(records), { level: constants.Z_BEST_SPEED });
  if (gzipped.length <= MAX_CHUNK_GZIP_BYTES) return [{ gzipped, events: records.length }];
  if (records.length === 1) throw new RangeError(`an event of account ${accountId} takes ${gzipped.length} bytes gzipped, more than an item holds`);
  const middle = Math.ceil(records.length / 2);
  return [...encode(records.slice(0, middle), accountId), ...encode(records.slice(middle), accountId)];
}

function decode(item: Record<string, AttributeValue>): ReadChunk {
  const text = gunzipSync(item['chunk']!.B!).toString('utf8');
  return { opening: JSON.parse(item['opening']!.S!) as ReadChunk['opening'], events: text.split('\n').map(eventOfJson) };
}

export class DynamoDbAccountHistory implements AccountHistory {
  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
    private readonly pause: Pause = sleep,
  ) {}

  /** Every chunk's parts in BatchWriteItem calls of 25, retrying what DynamoDB left unprocessed. */
  async append(chunks: readonly AccountChunk[]): Promise<void> {
    const requests: WriteRequest[] = [];
    for (const chunk of chunks) {
      if (chunk.records.length === 0) throw new RangeError(`a history chunk of account ${chunk.accountId} holds no event`);
      const opening = JSON.stringify(chunk.opening);
      const expiresAt = String(Math.ceil(chunk.keepUntil / 1000));
      for (const [index, part] of encode(chunk.records, chunk.accountId).entries()) {
        const { pk, sk } = keys.historyChunk(chunk.accountId, chunk.revision, index);
        // A put, not a conditional one: a chunk written again before the same save replaces the earlier one.
        requests.push({
          PutRequest: { Item: { pk: { S: pk }, sk: { S: sk }, opening: { S: opening }, chunk: { B: part.gzipped }, events: { N: String(part.events) }, [EXPIRES_AT]: { N: expiresAt } } },
        });
      }
    }
    await batchWrite(this.db, this.tableName, requests, 'history chunks', this.pause);
  }

  async read(accountId: string, maxEvents: number): Promise<AccountEventHistory | null> {
    const chunks: ReadChunk[] = [];
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
        chunks.push(decode(item));
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return joinChunks(chunks);
  }
}
