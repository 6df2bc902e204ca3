/**
 * IdempotencyStore on the tenant table: one item per caller and key, claimed with a conditional put, the
 * answer written once the request is done, deleted by DynamoDB's TTL a day later. A released key keeps
 * its item, marked released, so the resend that claims it again learns when it was first claimed.
 */
import { GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HttpResponse } from '../../http/problem.js';
import type { IdempotencyClaim, IdempotencyStore } from '../../ports/idempotency-store.js';
import { EXPIRES_AT, keys } from './table.js';

type Sender = Pick<DynamoDBClient, 'send'>;

/** How long a key is remembered: a client retrying after a day sends a new request, as Stripe's keys do. */
export const IDEMPOTENCY_RETENTION_SECONDS = 24 * 60 * 60;

export class DynamoDbIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
  ) {}

  private keyOf(subject: string, key: string): Record<string, AttributeValue> {
    const { pk, sk } = keys.idempotency(subject, key);
    return { pk: { S: pk }, sk: { S: sk } };
  }

  async claim(subject: string, key: string, fingerprint: string, now: number): Promise<IdempotencyClaim> {
    const Key = this.keyOf(subject, key);
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { ...Key, fingerprint: { S: fingerprint }, firstClaimedAt: { N: String(now) }, [EXPIRES_AT]: { N: String(Math.floor(now / 1000) + IDEMPOTENCY_RETENTION_SECONDS) } },
          // An item TTL has expired but not yet deleted counts as absent.
          ConditionExpression: 'attribute_not_exists(pk) OR #expiresAt < :now',
          ExpressionAttributeNames: { '#expiresAt': EXPIRES_AT },
          ExpressionAttributeValues: { ':now': { N: String(Math.floor(now / 1000)) } },
        }),
      );
      return { state: 'new', firstClaimedAt: now };
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
    const { Item } = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key, ConsistentRead: true }));
    if (Item === undefined) return this.claim(subject, key, fingerprint, now);
    if (Item['fingerprint']?.S !== fingerprint) return { state: 'mismatch' };
    if (Item['released']?.BOOL === true) return this.reclaim(Key, Number(Item['firstClaimedAt']?.N ?? now));
    const stored = Item['response']?.S;
    return stored === undefined ? { state: 'in-progress' } : { state: 'done', response: JSON.parse(stored) as HttpResponse };
  }

  async complete(subject: string, key: string, response: HttpResponse): Promise<void> {
    await this.db.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: this.keyOf(subject, key),
        UpdateExpression: 'SET #response = :response',
        ExpressionAttributeNames: { '#response': 'response' },
        ExpressionAttributeValues: { ':response': { S: JSON.stringify(response) } },
      }),
    );
  }

  async release(subject: string, key: string): Promise<void> {
    await this.db.send(new UpdateItemCommand({ TableName: this.tableName, Key: this.keyOf(subject, key), UpdateExpression: 'SET released = :yes', ExpressionAttributeValues: { ':yes': { BOOL: true } } }));
  }

  /** Claims a released key again; of two resends racing for it, one wins and the other is told it is in progress. */
  private async reclaim(Key: Record<string, AttributeValue>, firstClaimedAt: number): Promise<IdempotencyClaim> {
    try {
      await this.db.send(new UpdateItemCommand({ TableName: this.tableName, Key, UpdateExpression: 'REMOVE released', ConditionExpression: 'released = :yes', ExpressionAttributeValues: { ':yes': { BOOL: true } } }));
      return { state: 'new', firstClaimedAt };
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      return { state: 'in-progress' };
    }
  }
}
