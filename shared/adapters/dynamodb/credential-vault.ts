/** CredentialVault on the tenant table (encrypted with the firm's key), each password expiring by TTL if never mailed. */
import { GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CredentialVault, TradingCredentials } from '../../ports/credentials.js';
import { EXPIRES_AT, keys } from './table.js';

type Sender = Pick<DynamoDBClient, 'send'>;

export class DynamoDbCredentialVault implements CredentialVault {
  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
  ) {}

  private key(accountId: string) {
    const { pk, sk } = keys.credentials(accountId);
    return { pk: { S: pk }, sk: { S: sk } };
  }

  async stash(accountId: string, credentials: TradingCredentials, expiresAt: number): Promise<void> {
    await this.db.send(
      new PutItemCommand({ TableName: this.tableName, Item: { ...this.key(accountId), credentials: { S: JSON.stringify(credentials) }, [EXPIRES_AT]: { N: String(Math.ceil(expiresAt / 1000)) } } }),
    );
  }

  async read(accountId: string): Promise<TradingCredentials | 'delivered' | undefined> {
    const { Item } = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: this.key(accountId), ConsistentRead: true }));
    if (Item === undefined) return undefined;
    return Item['credentials']?.S === undefined ? 'delivered' : (JSON.parse(Item['credentials'].S) as TradingCredentials);
  }

  async markDelivered(accountId: string): Promise<void> {
    await this.db.send(new UpdateItemCommand({ TableName: this.tableName, Key: this.key(accountId), UpdateExpression: 'REMOVE credentials SET delivered = :yes', ExpressionAttributeValues: { ':yes': { BOOL: true } } }));
  }
}
