import { PutItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import dynalite from 'dynalite';
import kinesalite from 'kinesalite';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureStream, ensureTable } from '../../local/emulator-resources.js';

/** Emulators that take a while to make a resource ACTIVE, as the real services do. */
const SLOW_CREATE_MS = 150;
const servers: Server[] = [];
const clients: { destroy(): void }[] = [];

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const local = { region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('creating the emulators resources', () => {
  it('returns once a new stream takes records, and leaves an existing one as it is', async () => {
    const client = new KinesisClient({ ...local, endpoint: await listen(kinesalite({ createStreamMs: SLOW_CREATE_MS })), requestHandler: new NodeHttpHandler() });
    clients.push(client);
    await ensureStream(client, 'trades', 2);
    await expect(client.send(new PutRecordCommand({ StreamName: 'trades', PartitionKey: 'a', Data: Buffer.from('x') }))).resolves.toMatchObject({ ShardId: expect.any(String) });
    await expect(ensureStream(client, 'trades', 2)).resolves.toBeUndefined();
  });

  it('returns once a new table takes items, and leaves an existing one as it is', async () => {
    const client = new DynamoDBClient({ ...local, endpoint: await listen(dynalite({ createTableMs: SLOW_CREATE_MS })) });
    clients.push(client);
    await ensureTable(client, 'tenant');
    await expect(client.send(new PutItemCommand({ TableName: 'tenant', Item: { pk: { S: 'p' }, sk: { S: 's' } } }))).resolves.toBeDefined();
    await expect(ensureTable(client, 'tenant')).resolves.toBeUndefined();
  });
});
