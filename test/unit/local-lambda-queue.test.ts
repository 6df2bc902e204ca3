import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LocalLambdaQueue, type LocalLambdaQueueOptions, type LocalMessage } from '../../local/lambda-queue.js';

function queueWith(handler: (event: SQSEvent) => Promise<SQSBatchResponse | void>, options: Partial<LocalLambdaQueueOptions> = {}) {
  const deadLetters: { body: string; receiveCount: number; reason: string }[] = [];
  const queue = new LocalLambdaQueue({
    queueArn: 'arn:aws:sqs:local:111111111111:AbuseDetectionQueue',
    region: 'local',
    handler,
    batchSize: 3,
    maxBatchingWindowMs: 20,
    reportBatchItemFailures: true,
    maxReceiveCount: 3,
    retryBaseMs: 5,
    onDeadLetter: (message: LocalMessage, reason) => void deadLetters.push({ body: message.body, receiveCount: message.receiveCount, reason }),
    ...options,
  });
  return { queue, deadLetters };
}

describe('the local Lambda-polled queue', () => {
  it('hands the function batches of at most batchSize records in the SQS event shape, in the order sent', async () => {
    const batches: SQSEvent[] = [];
    const { queue } = queueWith(async (event) => void batches.push(event));
    for (const n of [1, 2, 3, 4, 5]) queue.send(JSON.stringify({ n }));
    await queue.drain();
    expect(batches.map((event) => event.Records.map((record) => JSON.parse(record.body).n))).toEqual([[1, 2, 3], [4, 5]]);
    const [record] = batches[0]!.Records;
    expect(record).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:local:111111111111:AbuseDetectionQueue', awsRegion: 'local', attributes: { ApproximateReceiveCount: '1' } });
    expect(record!.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    expect(queue.depth).toBe(0);
  });

  it('waits up to the batching window for a batch to fill', async () => {
    const batches: number[] = [];
    const { queue } = queueWith(async (event) => void batches.push(event.Records.length), { batchSize: 100, maxBatchingWindowMs: 50 });
    queue.send('a');
    queue.send('b');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(batches).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(batches).toEqual([2]);
  });

  it('receives again only the records the function reports, with backoff, then dead-letters them after maxReceiveCount', async () => {
    const seen: string[] = [];
    const { queue, deadLetters } = queueWith(async (event) => {
      seen.push(...event.Records.map((record) => `${record.body}#${record.attributes.ApproximateReceiveCount}`));
      return { batchItemFailures: event.Records.filter((record) => record.body === 'poison').map((record) => ({ itemIdentifier: record.messageId })) };
    });
    queue.send('ok');
    queue.send('poison');
    await queue.drain();
    expect(seen).toEqual(['ok#1', 'poison#1', 'poison#2', 'poison#3']);
    expect(deadLetters).toEqual([{ body: 'poison', receiveCount: 3, reason: 'reported as failed by the function (batchItemFailures), 3 receives' }]);
  });

  it('receives the whole batch again when the invocation throws or names a record it was not given', async () => {
    let calls = 0;
    const seen: string[] = [];
    const { queue, deadLetters } = queueWith(async (event) => {
      calls += 1;
      seen.push(event.Records.map((record) => record.body).join(','));
      if (calls === 1) throw new Error('container crashed');
      if (calls === 2) return { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] };
      return { batchItemFailures: [] };
    });
    queue.send('a');
    queue.send('b');
    await queue.drain();
    // Both after the crash; then `a` alone again, its invocation naming a record it was not given.
    expect(seen).toEqual(['a,b', 'a', 'b', 'a']);
    expect(deadLetters).toEqual([]);
  });

  it('drains messages sent while it drains, and handles messages sent by the function itself', async () => {
    const bodies: string[] = [];
    const { queue } = queueWith(async (event) => {
      for (const record of event.Records) {
        bodies.push(record.body);
        if (record.body === 'first') queue.send('follow-up');
      }
    });
    queue.send('first');
    await queue.drain();
    expect(bodies).toEqual(['first', 'follow-up']);
  });
});
