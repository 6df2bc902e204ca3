/** TaskTokenStore on the tenant table: one item per correlation id, deleted once answered, or by TTL. */
import { DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TaskTokenStore } from '../../ports/task-tokens.js';
import { EXPIRES_AT, keys } from './table.js';

type Sender = Pick<DynamoDBClient, 'send'>;

export class DynamoDbTaskTokenStore implements TaskTokenStore {
  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
  ) {}

  async save(correlationId: string, token: string, expiresAt: number): Promise<void> {
    await this.db.send(
      new PutItemCommand({ TableName: this.tableName, Item: { ...this.key(correlationId), token: { S: token }, [EXPIRES_AT]: { N: String(Math.ceil(expiresAt / 1000)) } } }),
    );
  }

  async saveIfFree(correlationId: string, token: string, expiresAt: number, now: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { ...this.key(correlationId), token: { S: token }, [EXPIRES_AT]: { N: String(Math.ceil(expiresAt / 1000)) } },
          // TTL deletes late: an expired token still stored counts as gone.
          ConditionExpression: 'attribute_not_exists(pk) OR #expiresAt <= :now',
          ExpressionAttributeNames: { '#expiresAt': EXPIRES_AT },
          ExpressionAttributeValues: { ':now': { N: String(Math.floor(now / 1000)) } },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async find(correlationId: string, now?: number): Promise<string | undefined> {
    const { Item } = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: this.key(correlationId), ConsistentRead: true }));
    if (now !== undefined && Number(Item?.[EXPIRES_AT]?.N ?? 0) <= Math.floor(now / 1000)) return undefined;
    return Item?.['token']?.S;
  }

  async discard(correlationId: string): Promise<void> {
    await this.db.send(new DeleteItemCommand({ TableName: this.tableName, Key: this.key(correlationId) }));
  }

  private key(correlationId: string) {
    const { pk, sk } = keys.taskToken(correlationId);
    return { pk: { S: pk }, sk: { S: sk } };
  }
}
