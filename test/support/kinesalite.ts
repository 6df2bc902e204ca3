/**
 * A real Kinesis API server for integration tests: kinesalite, in memory, on a free loopback port.
 * The SDK must use an HTTP/1.1 handler with it (its default HTTP/2 fails against kinesalite).
 */
import type { AddressInfo } from 'node:net';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import kinesalite from 'kinesalite';
import { ensureStream } from '../../local/emulator-resources.js';
import type { StreamRecord } from '../../shared/stream/decode-record.js';

export interface LocalKinesis {
  readonly client: KinesisClient;
  readonly streamName: string;
  /** Every record on the stream, shard by shard, in each shard's order. */
  readAll(): Promise<(StreamRecord & { shardId: string })[]>;
  close(): Promise<void>;
}

export async function startKinesis(streamName = 'propdesk-trades', shards = 2): Promise<LocalKinesis> {
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new KinesisClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
  await ensureStream(client, streamName, shards);
  return {
    client,
    streamName,
    readAll: async () => {
      const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamName: streamName }));
      const records = [];
      for (const shard of StreamDescription?.Shards ?? []) {
        const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
        const { Records } = await client.send(new GetRecordsCommand({ ShardIterator }));
        for (const record of Records ?? []) {
          records.push({
            shardId: shard.ShardId!,
            recordId: `${shard.ShardId!}:${record.SequenceNumber!}`,
            partitionKey: record.PartitionKey!,
            sequenceNumber: record.SequenceNumber!,
            arrivedAt: record.ApproximateArrivalTimestamp!.getTime(),
            data: Buffer.from(record.Data!).toString('base64'),
          });
        }
      }
      return records;
    },
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
