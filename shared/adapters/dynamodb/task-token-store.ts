/** TaskTokenStore on the tenant table: one item per correlation id, deleted by the answer that takes it or by TTL. */
import { DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TaskTokenStore } from '../../ports/task-tokens.js';
import { EXPIRES_AT, keys } from './table.js';

type Sender = Pick<DynamoDBClient, 'send'>;

export class DynamoDbTaskTokenStore implements TaskTokenStore {
  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
  ) {}

  async save(correlationId: string, token: string, expiresAt: number): Promise<void> {
    const { pk, sk } = keys.taskToken(correlationId);
    await this.db.send(
      new PutItemCommand({ TableName: this.tableName, Item: { pk: { S: pk }, sk: { S: sk }, token: { S: token }, [EXPIRES_AT]: { N: String(Math.ceil(expiresAt / 1000)) } } }),
    );
  }

  /** One delete returns the token and removes it: of two answers racing, exactly one gets it. */
  async take(correlationId: string): Promise<string | undefined> {
    const { pk, sk } = keys.taskToken(correlationId);
    const { Attributes } = await this.db.send(new DeleteItemCommand({ TableName: this.tableName, Key: { pk: { S: pk }, sk: { S: sk } }, ReturnValues: 'ALL_OLD' }));
    return Attributes?.['token']?.S;
  }
}
