/** Reading a whole query's result, page after page. */
import { QueryCommand, type AttributeValue, type DynamoDBClient, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/client-dynamodb';

/** Every item a query finds, page after page, strongly consistent (a caller reads what it just wrote). */
export async function queryAll(
  db: Pick<DynamoDBClient, 'send'>,
  tableName: string,
  input: Omit<QueryCommandInput, 'TableName' | 'ConsistentRead' | 'ExclusiveStartKey'>,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page: QueryCommandOutput = await db.send(new QueryCommand({ TableName: tableName, ...input, ConsistentRead: true, ...(start === undefined ? {} : { ExclusiveStartKey: start }) }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}
