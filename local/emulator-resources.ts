/**
 * Creating the tenant table and the trade stream on the emulators. DynamoDB and Kinesis (and dynalite and
 * kinesalite) answer a create while the resource is still CREATING and refuse reads and writes until it is
 * ACTIVE, so whoever creates one waits for it.
 */
import { CreateTableCommand, DescribeTableCommand, waitUntilTableExists, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand, waitUntilStreamExists, type KinesisClient } from '@aws-sdk/client-kinesis';
import { tableDefinition } from '../shared/adapters/dynamodb/table.js';

// The SDK waiters' defaults poll every 5 to 20 s; an emulator is ready within milliseconds.
const EMULATOR_WAIT = { maxWaitTime: 30, minDelay: 0.01, maxDelay: 0.5 };

/** Creates the tenant table unless it exists, then waits until it is ACTIVE. */
export async function ensureTable(dynamo: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    await dynamo.send(new CreateTableCommand(tableDefinition(tableName)));
  }
  await waitUntilTableExists({ client: dynamo, ...EMULATOR_WAIT }, { TableName: tableName });
}

/** Creates the stream unless it exists, then waits until it is ACTIVE. */
export async function ensureStream(kinesis: KinesisClient, streamName: string, shards: number): Promise<void> {
  try {
    await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
  }
  await waitUntilStreamExists({ client: kinesis, ...EMULATOR_WAIT }, { StreamName: streamName });
}
