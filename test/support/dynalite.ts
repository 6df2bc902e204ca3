/**
 * A real DynamoDB API server for integration tests: dynalite, in memory, on a free loopback port,
 * spoken to through the real AWS SDK, with the tenant table created from the shared definition.
 */
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { ensureTable } from '../../local/emulator-resources.js';

export interface LocalDynamo {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Another empty tenant table on the same server, named `<prefix>-<n>`: for a test whose listings must see only its own items. */
  freshTable(prefix: string): Promise<string>;
  close(): Promise<void>;
}

export async function startDynamo(tableName = 'propdesk-test'): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(client, tableName);
  let tables = 0;
  return {
    client,
    tableName,
    freshTable: async (prefix) => {
      const name = `${prefix}-${++tables}`;
      await ensureTable(client, name);
      return name;
    },
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
