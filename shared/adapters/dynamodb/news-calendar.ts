/**
 * The firm's news calendar, one item, read by the evaluator on every batch through a short cache: an
 * edit reaches the rule engine within `maxAgeMs` without a read per batch. The API reads and replaces it
 * uncached (calendar, put).
 */
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NewsCalendar, NewsIndex, NO_NEWS } from '../../domain/news.js';
import { keys } from './table.js';

type Sender = Pick<DynamoDBClient, 'send'>;

export class DynamoDbNewsCalendar {
  private cached: { index: NewsIndex; readAt: number } | null = null;

  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
    private readonly maxAgeMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async current(): Promise<NewsIndex> {
    const now = this.now();
    if (this.cached !== null && now - this.cached.readAt < this.maxAgeMs) return this.cached.index;
    const text = await this.read(false);
    const index = text === undefined ? NO_NEWS : NewsIndex.parse(JSON.parse(text));
    this.cached = { index, readAt: now };
    return index;
  }

  /** The stored calendar as it was written (ISO times), read now, not from the cache; null before the first. */
  async calendar(): Promise<unknown | null> {
    // Strongly consistent: an admin who just replaced it reads their own edit.
    const text = await this.read(true);
    return text === undefined ? null : (JSON.parse(text) as unknown);
  }

  /** Replaces the calendar after validating it. */
  async put(calendar: unknown): Promise<void> {
    NewsCalendar.parse(calendar);
    const key = keys.newsCalendar();
    await this.db.send(new PutItemCommand({ TableName: this.tableName, Item: { pk: { S: key.pk }, sk: { S: key.sk }, calendar: { S: JSON.stringify(calendar) } } }));
    this.cached = null;
  }

  private async read(consistent: boolean): Promise<string | undefined> {
    const key = keys.newsCalendar();
    const { Item } = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: key.pk }, sk: { S: key.sk } }, ...(consistent ? { ConsistentRead: true } : {}) }));
    return Item?.['calendar']?.S;
  }
}
