/**
 * Helpers for testing the local Kinesis poller against kinesalite: put named records, read back what
 * a handler was given, start pollers with fast test defaults, and wait for something to happen.
 */
import { DescribeStreamSummaryCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { InMemoryCheckpointStore } from '../../local/checkpoints.js';
import { KinesisPoller, type KinesisOnFailureRecord, type KinesisPollerOptions } from '../../local/kinesis-poller.js';
import type { LocalKinesis } from './kinesalite.js';

export interface PutResult {
  readonly payload: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
}

/** Puts one record per payload, in order; the partition key is the payload unless `partitionKey` says otherwise. */
export async function put(kinesis: LocalKinesis, payloads: readonly string[], partitionKey: (payload: string) => string = (payload) => payload): Promise<PutResult[]> {
  const output = await kinesis.client.send(
    new PutRecordsCommand({
      StreamName: kinesis.streamName,
      Records: payloads.map((payload) => ({ PartitionKey: partitionKey(payload), Data: Buffer.from(payload, 'utf8') })),
    }),
  );
  if (output.FailedRecordCount) throw new Error(`${output.FailedRecordCount} records not put`);
  return payloads.map((payload, index) => {
    const result = output.Records![index]!;
    return { payload, shardId: result.ShardId!, sequenceNumber: result.SequenceNumber! };
  });
}

export async function streamArnOf(kinesis: LocalKinesis): Promise<string> {
  const { StreamDescriptionSummary } = await kinesis.client.send(new DescribeStreamSummaryCommand({ StreamName: kinesis.streamName }));
  return StreamDescriptionSummary!.StreamARN!;
}

/** The decoded data of each record of an invocation. */
export const payloadsOf = (event: KinesisStreamEvent): string[] => event.Records.map((record) => Buffer.from(record.kinesis.data, 'base64').toString('utf8'));

export const names = (prefix: string, count: number, from = 1): string[] => Array.from({ length: count }, (_, index) => `${prefix}${from + index}`);

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `condition` holds; fails the test after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Starts pollers with fast test settings and stops every one of them at the end of a test. */
export class Pollers {
  private readonly started: KinesisPoller[] = [];
  /** Everything any poller sent to its on-failure destination, and every error outside the handler. */
  readonly failures: KinesisOnFailureRecord[] = [];
  readonly errors: unknown[] = [];

  async start(kinesis: LocalKinesis, settings: Partial<KinesisPollerOptions> & Pick<KinesisPollerOptions, 'handler'>): Promise<KinesisPoller> {
    const poller = new KinesisPoller({
      client: kinesis.client,
      streamName: kinesis.streamName,
      batchSize: 10,
      maximumBatchingWindowInSeconds: 0,
      maximumRetryAttempts: -1,
      maximumRecordAgeInSeconds: -1,
      bisectBatchOnFunctionError: false,
      reportBatchItemFailures: true,
      startingPosition: 'TRIM_HORIZON',
      checkpoints: new InMemoryCheckpointStore(),
      onFailure: (failure) => void this.failures.push(failure),
      onError: (error) => void this.errors.push(error),
      pollIntervalMs: 10,
      ...settings,
    });
    this.started.push(poller);
    await poller.start();
    return poller;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.started.map((poller) => poller.stop()));
  }
}
