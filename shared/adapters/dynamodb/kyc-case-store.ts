/**
 * KycCaseStore on the tenant table. A trader's case is one item (keys.kycCase): the case as JSON, its
 * version (the condition of the next save) and its status, for an operator filtering items. The gates
 * waiting for the verdict are items beside it (keys.kycGate), in the same partition, so one query lists
 * them. A gate is taken by the DeleteItem that removes it: two callers taking gates at once may both list
 * a gate, but only the one whose delete returned the old item releases it.
 */
import { DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient, type QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import type { KycCaseStore, StoredKycCase } from '../../ports/kyc-cases.js';
import type { KycCase } from '../../workflows/kyc.js';
import { keys, PARTITION_KEY, SORT_KEY } from './table.js';

type Sender = Pick<DynamoDBClient, 'send'>;

const GATE_PREFIX = 'GATE#';

const keyOf = ({ pk, sk }: { pk: string; sk: string }): Record<string, AttributeValue> => ({ [PARTITION_KEY]: { S: pk }, [SORT_KEY]: { S: sk } });
const isConditionFailure = (error: unknown) => (error as Error).name === 'ConditionalCheckFailedException';

export class DynamoDbKycCaseStore implements KycCaseStore {
  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
  ) {}

  async load(traderId: string): Promise<StoredKycCase | undefined> {
    const { Item } = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf(keys.kycCase(traderId)), ConsistentRead: true }));
    if (Item === undefined) return undefined;
    const json = Item['kycCase']?.S;
    const version = Number(Item['version']?.N);
    if (json === undefined || !Number.isInteger(version)) throw new Error(`stored KYC case of trader ${traderId} has no case or no version`);
    return { case: JSON.parse(json) as KycCase, version };
  }

  async save(kycCase: KycCase, version: number | null): Promise<'saved' | 'conflict'> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(keys.kycCase(kycCase.traderId)),
            kycCase: { S: JSON.stringify(kycCase) },
            version: { N: String((version ?? 0) + 1) },
            status: { S: kycCase.status },
          },
          ...(version === null
            ? { ConditionExpression: `attribute_not_exists(${PARTITION_KEY})` }
            : { ConditionExpression: 'version = :loaded', ExpressionAttributeValues: { ':loaded': { N: String(version) } } }),
        }),
      );
      return 'saved';
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      throw error;
    }
  }

  async addGate(traderId: string, gateId: string): Promise<void> {
    // The same key each time: adding a gate again replaces it with the same item.
    await this.db.send(new PutItemCommand({ TableName: this.tableName, Item: { ...keyOf(keys.kycGate(traderId, gateId)), gateId: { S: gateId } } }));
  }

  async takeGates(traderId: string): Promise<readonly string[]> {
    const taken: string[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :gate)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
          ExpressionAttributeValues: { ':pk': { S: keys.kycCase(traderId).pk }, ':gate': { S: GATE_PREFIX } },
          ProjectionExpression: '#pk, #sk',
          ConsistentRead: true,
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      const sortKeys = (page.Items ?? []).flatMap((item) => (item[SORT_KEY]?.S === undefined ? [] : [item[SORT_KEY].S]));
      // Listed is not taken: another caller may have deleted the gate since the query.
      const deleted = await Promise.all(sortKeys.map((sk) => this.takeGate(traderId, sk)));
      taken.push(...deleted.flatMap((gateId) => (gateId === undefined ? [] : [gateId])));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return taken;
  }

  /** The gate's id when this delete removed it; undefined when it was already gone. */
  private async takeGate(traderId: string, sortKey: string): Promise<string | undefined> {
    const { Attributes } = await this.db.send(
      new DeleteItemCommand({ TableName: this.tableName, Key: keyOf({ pk: keys.kycCase(traderId).pk, sk: sortKey }), ReturnValues: 'ALL_OLD' }),
    );
    return Attributes === undefined ? undefined : sortKey.slice(GATE_PREFIX.length);
  }
}
