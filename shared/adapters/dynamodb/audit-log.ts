/**
 * AuditLog on the tenant table: a partition per UTC day, an item per entry sorted by `<time>#<id>`, the
 * entry as one JSON attribute plus copies of the fields a query filters on. Entries are written only if
 * absent and never expire. A query walks its days newest first, so a page can span several of them.
 */
import { PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient, type QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { auditQueryDays, type AuditEntry, type AuditLog, type AuditQuery } from '../../ports/audit-log.js';
import { InvalidCursorError, type Page, type PageRequest } from '../../ports/page.js';
import { keys } from './table.js';

type Sender = Pick<DynamoDBClient, 'send'>;

/** Where the next page starts: in `day`, after `key` when given, else at the day's newest entry. */
interface Position {
  readonly day: string;
  readonly key?: Record<string, AttributeValue>;
}

const partitionOf = (day: string): string => keys.audit(day, '', '').pk;

const StoredPosition = z.strictObject({
  day: z.string(),
  key: z.strictObject({ pk: z.strictObject({ S: z.string().max(64) }), sk: z.strictObject({ S: z.string().max(2048) }) }).optional(),
});

/** The item's key; its time normalised, so that `12:00:00Z` and `12:00:00.000Z` sort as the same instant. */
function keyOf(entry: AuditEntry): Record<string, AttributeValue> {
  const time = new Date(entry.time);
  if (Number.isNaN(time.getTime())) throw new RangeError(`audit entry ${entry.id} has no valid time: "${entry.time}"`);
  const instant = time.toISOString();
  const { pk, sk } = keys.audit(instant.slice(0, 10), instant, entry.id);
  return { pk: { S: pk }, sk: { S: sk } };
}

function encodePosition(position: Position): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The cursor's position, refused unless it is in one of the query's days and its key in that day's partition. */
function decodePosition(cursor: string, days: readonly string[]): Position {
  let position: Position;
  try {
    position = StoredPosition.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidCursorError();
  }
  if (!days.includes(position.day)) throw new InvalidCursorError();
  if (position.key !== undefined && position.key['pk']?.S !== partitionOf(position.day)) throw new InvalidCursorError();
  return position;
}

/** The query's optional filters as a FilterExpression on the plain attributes `append` writes. */
function filterOf(query: AuditQuery): { FilterExpression?: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues: Record<string, AttributeValue> } {
  const filters = (['actor', 'targetId', 'action'] as const).flatMap((name) => (query[name] === undefined ? [] : [{ name, value: query[name] }]));
  if (filters.length === 0) return { ExpressionAttributeValues: {} };
  return {
    // Placeholders for the names: ACTION is a DynamoDB reserved word.
    FilterExpression: filters.map(({ name }) => `#${name} = :${name}`).join(' AND '),
    ExpressionAttributeNames: Object.fromEntries(filters.map(({ name }) => [`#${name}`, name])),
    ExpressionAttributeValues: Object.fromEntries(filters.map(({ name, value }) => [`:${name}`, { S: value }])),
  };
}

export class DynamoDbAuditLog implements AuditLog {
  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
  ) {}

  async append(entry: AuditEntry): Promise<void> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(entry),
            entry: { S: JSON.stringify(entry) },
            actor: { S: entry.actor.subject },
            targetId: { S: entry.target.id },
            action: { S: entry.action },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      // Appended already, by the request this one retries: the first stays.
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  async query(query: AuditQuery, { limit, cursor }: PageRequest): Promise<Page<AuditEntry>> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a page holds at least one entry; the limit was ${limit}`);
    const days = auditQueryDays(query);
    const filter = filterOf(query);
    const items: AuditEntry[] = [];
    let position: Position = cursor === undefined ? { day: days[0]! } : decodePosition(cursor, days);
    // Every read either fills the page, moves on within the day, or moves to an older day: it ends.
    for (;;) {
      const wanted = limit - items.length;
      const { Items = [], LastEvaluatedKey }: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :day',
          ...filter,
          ExpressionAttributeValues: { ':day': { S: partitionOf(position.day) }, ...filter.ExpressionAttributeValues },
          ScanIndexForward: false,
          // Unfiltered, read exactly what the page lacks. Filtered, Limit would count the entries read, not
          // those kept: let DynamoDB read up to its 1 MB and keep what the page lacks.
          ...(filter.FilterExpression === undefined ? { Limit: wanted } : {}),
          ...(position.key === undefined ? {} : { ExclusiveStartKey: position.key }),
        }),
      );
      const kept = Items.slice(0, wanted).map((item) => JSON.parse(item['entry']!.S!) as AuditEntry);
      items.push(...kept);
      if (kept.length < Items.length) return { items, cursor: encodePosition({ day: position.day, key: keyOf(kept.at(-1)!) }) };
      if (LastEvaluatedKey !== undefined) {
        position = { day: position.day, key: LastEvaluatedKey };
      } else {
        const older = days[days.indexOf(position.day) + 1];
        if (older === undefined) return { items };
        position = { day: older };
      }
      if (items.length === limit) return { items, cursor: encodePosition(position) };
    }
  }
}
