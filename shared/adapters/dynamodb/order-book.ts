/**
 * OrderBook on the tenant table: an order item per order key, claimed with a conditional put; a trader
 * profile item beside the trader's account links, created with a conditional put (the id derives from the
 * email, so two purchases racing for one new email write the same item and the first name stays).
 */
import { GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ClaimOutcome, OrderBook, OrderRecord, OrderStatus, TraderProfile } from '../../ports/orders.js';
import { keys } from './table.js';

type Sender = Pick<DynamoDBClient, 'send'>;

const keyOf = ({ pk, sk }: { pk: string; sk: string }): Record<string, AttributeValue> => ({ pk: { S: pk }, sk: { S: sk } });
const isConditionFailure = (error: unknown) => (error as Error).name === 'ConditionalCheckFailedException';

function orderOf(item: Record<string, AttributeValue>): OrderRecord {
  const stored = JSON.parse(item['order']!.S!) as OrderRecord;
  // Status, reason and time move on by update; the rest is as claimed.
  return { ...stored, status: item['status']!.S as OrderStatus, reason: item['reason']?.S ?? null, updatedAt: Number(item['updatedAt']!.N) };
}

export class DynamoDbOrderBook implements OrderBook {
  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
  ) {}

  async traderByEmail(profile: TraderProfile): Promise<TraderProfile> {
    try {
      await this.db.send(
        new PutItemCommand({ TableName: this.tableName, Item: { ...keyOf(keys.traderProfile(profile.traderId)), profile: { S: JSON.stringify(profile) } }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return profile;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const stored = await this.trader(profile.traderId);
      if (stored === undefined) throw new Error(`trader ${profile.traderId} exists and cannot be read`, { cause: error });
      return stored;
    }
  }

  async trader(traderId: string): Promise<TraderProfile | undefined> {
    const { Item } = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf(keys.traderProfile(traderId)), ConsistentRead: true }));
    return Item?.['profile']?.S === undefined ? undefined : (JSON.parse(Item['profile'].S) as TraderProfile);
  }

  async claim(order: OrderRecord): Promise<ClaimOutcome> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(keys.order(order.orderKey)),
            order: { S: JSON.stringify(order) },
            status: { S: order.status },
            updatedAt: { N: String(order.updatedAt) },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.order(order.orderKey);
      if (existing === undefined) throw new Error(`order ${order.orderKey} is claimed and cannot be read`, { cause: error });
      return { claimed: false, existing };
    }
  }

  async settle(orderKey: string, status: Exclude<OrderStatus, 'provisioning'>, reason: string | null, at: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.order(orderKey)),
          UpdateExpression: reason === null ? 'SET #status = :status, updatedAt = :at REMOVE reason' : 'SET #status = :status, updatedAt = :at, reason = :reason',
          // Only from provisioning, or a repeat of the same move: an active order never becomes failed.
          ConditionExpression: '#status = :provisioning OR #status = :status',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': { S: status },
            ':provisioning': { S: 'provisioning' },
            ':at': { N: String(at) },
            ...(reason === null ? {} : { ':reason': { S: reason } }),
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = await this.order(orderKey);
      throw new Error(`order ${orderKey} cannot become ${status}: it is ${current?.status ?? 'not claimed'}`, { cause: error });
    }
  }

  async order(orderKey: string): Promise<OrderRecord | undefined> {
    const { Item } = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf(keys.order(orderKey)), ConsistentRead: true }));
    return Item === undefined ? undefined : orderOf(Item);
  }
}
