/**
 * QuarantineSink on the tenant table, for an operator to list, correct and replay entries: one item
 * per record under one partition, sorted by arrival. An entry is written only if absent, so a batch the
 * evaluator quarantines again does not reopen an entry already replayed.
 * CompositeQuarantine sends entries to several sinks: the evaluator keeps them here and alerts on SQS.
 */
import { GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient, type QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import type { Problem } from '../../parsing.js';
import type { QuarantineSink } from '../../ports/quarantine.js';
import type { Quarantined } from '../../stream/decode-record.js';
import { keys } from './table.js';

/** A DynamoDB item holds at most 400 KB: a larger payload is cut to this, leaving room for the rest of the entry. */
export const MAX_STORED_PAYLOAD_BYTES = 300 * 1024;
/** Puts in flight at once: a batch may quarantine thousands of records. */
const CONCURRENT_PUTS = 25;

type Sender = Pick<DynamoDBClient, 'send'>;

export type QuarantineStatus = 'open' | 'replayed';

export interface QuarantineEntry extends Quarantined {
  /** For get, markReplayed and the CLI: the arrival time (ISO) and the record id, as `<time>#<recordId>`. */
  readonly id: string;
  readonly status: QuarantineStatus;
  /** ISO time of the replay, or null while open. */
  readonly replayedAt: string | null;
  /** The payload's size in bytes when only its start is stored; null when the payload is whole. */
  readonly payloadTruncatedFrom: number | null;
}

export interface QuarantinePage {
  /** Oldest first. */
  readonly entries: QuarantineEntry[];
  /** The `after` of the next page; null when there is none. */
  readonly next: string | null;
}

/** The first `maxBytes` of the text's UTF-8, cut before a character rather than through it. */
function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  let end = maxBytes;
  // 10xxxxxx is a continuation byte: the character it belongs to started before `end`.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

function itemOf(entry: Quarantined): Record<string, AttributeValue> {
  const key = keys.quarantined(new Date(entry.arrivedAt).toISOString(), entry.recordId);
  const payloadBytes = Buffer.byteLength(entry.payload, 'utf8');
  const truncated = payloadBytes > MAX_STORED_PAYLOAD_BYTES;
  return {
    pk: { S: key.pk },
    sk: { S: key.sk },
    recordId: { S: entry.recordId },
    sequenceNumber: { S: entry.sequenceNumber },
    partitionKey: { S: entry.partitionKey },
    arrivedAt: { N: String(entry.arrivedAt) },
    reason: { S: entry.reason },
    problems: { S: JSON.stringify(entry.problems) },
    payload: { S: truncated ? truncateUtf8(entry.payload, MAX_STORED_PAYLOAD_BYTES) : entry.payload },
    ...(truncated && { payloadTruncatedFrom: { N: String(payloadBytes) } }),
    status: { S: 'open' },
  };
}

function entryOf(item: Record<string, AttributeValue>): QuarantineEntry {
  const text = (name: string): string => item[name]?.S ?? '';
  const truncatedFrom = item['payloadTruncatedFrom']?.N;
  return {
    id: text('sk'),
    recordId: text('recordId'),
    sequenceNumber: text('sequenceNumber'),
    partitionKey: text('partitionKey'),
    arrivedAt: Number(item['arrivedAt']?.N),
    reason: text('reason'),
    problems: JSON.parse(text('problems')) as Problem[],
    payload: text('payload'),
    status: text('status') === 'replayed' ? 'replayed' : 'open',
    replayedAt: item['replayedAt']?.S ?? null,
    payloadTruncatedFrom: truncatedFrom === undefined ? null : Number(truncatedFrom),
  };
}

/** The key of an entry id, or null when the text is not one. */
function keyOfId(id: string): Record<string, AttributeValue> | null {
  const at = id.indexOf('#');
  if (at < 0) return null;
  const key = keys.quarantined(id.slice(0, at), id.slice(at + 1));
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}

const PARTITION = keys.quarantined('', '').pk;

export class DynamoDbQuarantineStore implements QuarantineSink {
  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
  ) {}

  async quarantine(entries: readonly Quarantined[]): Promise<void> {
    for (let from = 0; from < entries.length; from += CONCURRENT_PUTS) {
      await Promise.all(entries.slice(from, from + CONCURRENT_PUTS).map((entry) => this.putIfAbsent(entry)));
    }
  }

  /** A page of entries, oldest first, starting after the entry `after` (a page's `next`). */
  async list(page: { readonly limit: number; readonly after?: string }): Promise<QuarantinePage> {
    const start = page.after === undefined ? null : keyOfId(page.after);
    if (page.after !== undefined && start === null) throw new Error(`"${page.after}" is not a quarantine entry id`);
    const output: QueryCommandOutput = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: PARTITION } },
        Limit: page.limit,
        ...(start !== null && { ExclusiveStartKey: start }),
      }),
    );
    return { entries: (output.Items ?? []).map(entryOf), next: output.LastEvaluatedKey?.['sk']?.S ?? null };
  }

  /** The entry, or null when there is none of that id. */
  async get(id: string): Promise<QuarantineEntry | null> {
    const key = keyOfId(id);
    if (key === null) return null;
    const { Item } = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return Item === undefined ? null : entryOf(Item);
  }

  /** Marks the entry replayed at `now`; 'missing' when there is none of that id. */
  async markReplayed(id: string, now: Date = new Date()): Promise<'replayed' | 'missing'> {
    const key = keyOfId(id);
    if (key === null) return 'missing';
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET #status = :replayed, replayedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          // STATUS is a DynamoDB reserved word.
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':replayed': { S: 'replayed' }, ':now': { S: now.toISOString() } },
        }),
      );
      return 'replayed';
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return 'missing';
      throw error;
    }
  }

  private async putIfAbsent(entry: Quarantined): Promise<void> {
    try {
      await this.db.send(new PutItemCommand({ TableName: this.tableName, Item: itemOf(entry), ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (error) {
      // Kept already, perhaps replayed since: keeping it twice is harmless, reopening it would not be.
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }
}

/** Keeps entries in every sink; throws, once all have answered, if any failed (a retry re-keeps them harmlessly). */
export class CompositeQuarantine implements QuarantineSink {
  private readonly sinks: readonly QuarantineSink[];

  constructor(...sinks: QuarantineSink[]) {
    this.sinks = sinks;
  }

  async quarantine(entries: readonly Quarantined[]): Promise<void> {
    const results = await Promise.allSettled(this.sinks.map((sink) => sink.quarantine(entries)));
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) {
      const messages = failures.map((failure) => (failure instanceof Error ? failure.message : String(failure))).join('; ');
      throw new AggregateError(failures, `${failures.length} of ${this.sinks.length} quarantine sinks failed: ${messages}`);
    }
  }
}
