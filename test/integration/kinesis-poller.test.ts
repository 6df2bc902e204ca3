import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { FileCheckpointStore, InMemoryCheckpointStore } from '../../local/checkpoints.js';
import { FunctionTimeoutError, type BatchReport } from '../../local/kinesis-poller.js';
import { startKinesis, type LocalKinesis } from '../support/kinesalite.js';
import { names, payloadsOf, Pollers, put, sleep, streamArnOf, waitFor, type PutResult } from '../support/poller.js';

/** A fresh kinesalite per test, closed after it. */
let openStream: LocalKinesis | undefined;
let pollers = new Pollers();

async function stream(shards = 1): Promise<LocalKinesis> {
  openStream = await startKinesis('poller-test', shards);
  return openStream;
}

afterEach(async () => {
  await pollers.stopAll();
  expect(pollers.errors).toEqual([]);
  pollers = new Pollers();
  await openStream?.close();
  openStream = undefined;
});

const totalRecords = (deliveries: readonly string[][]) => deliveries.flat().length;
const sequenceOf = (sent: readonly PutResult[], payload: string) => sent.find((record) => record.payload === payload)!.sequenceNumber;

describe('polling and batching', () => {
  it('delivers each shard in sequence order, in batches of at most batchSize records from one shard, one batch in flight per shard', async () => {
    const kinesis = await stream(2);
    const sent = await put(kinesis, names('r', 30), (payload) => `account-${Number(payload.slice(1)) % 7}`);
    const events: KinesisStreamEvent[] = [];
    const inFlight = new Map<string, number>();
    let mostInFlightPerShard = 0;
    let mostInFlight = 0;
    await pollers.start(kinesis, {
      batchSize: 4,
      handler: async (event) => {
        const shardId = event.Records[0]!.eventID.split(':')[0]!;
        inFlight.set(shardId, (inFlight.get(shardId) ?? 0) + 1);
        mostInFlightPerShard = Math.max(mostInFlightPerShard, inFlight.get(shardId)!);
        mostInFlight = Math.max(mostInFlight, [...inFlight.values()].reduce((sum, count) => sum + count, 0));
        events.push(event);
        await sleep(25);
        inFlight.set(shardId, inFlight.get(shardId)! - 1);
      },
    });
    await waitFor(() => events.flatMap((event) => event.Records).length === 30, 'all 30 records');

    const shardIds = [...new Set(sent.map((record) => record.shardId))].sort();
    expect(shardIds).toHaveLength(2);
    for (const shardId of shardIds) {
      const batches = events.filter((event) => event.Records[0]!.eventID.startsWith(`${shardId}:`));
      for (const batch of batches) expect(batch.Records.every((record) => record.eventID.startsWith(`${shardId}:`))).toBe(true);
      // Every record was waiting before the poller started, so every batch but the shard's last is full.
      expect(batches.map((batch) => batch.Records.length).slice(0, -1).every((size) => size === 4)).toBe(true);
      expect(batches.at(-1)!.Records.length).toBeLessThanOrEqual(4);
      const delivered = batches.flatMap((batch) => batch.Records.map((record) => record.kinesis.sequenceNumber));
      expect(delivered).toEqual(sent.filter((record) => record.shardId === shardId).map((record) => record.sequenceNumber));
      expect(delivered.every((sequenceNumber, index) => index === 0 || BigInt(sequenceNumber) > BigInt(delivered[index - 1]!))).toBe(true);
    }
    expect(mostInFlightPerShard).toBe(1);
    expect(mostInFlight).toBe(2);
  });

  it('builds the event Lambda sends for Kinesis', async () => {
    const kinesis = await stream();
    const [sent] = await put(kinesis, ['{"hello":"world"}'], () => 'account-1');
    const events: KinesisStreamEvent[] = [];
    const before = Date.now();
    await pollers.start(kinesis, { handler: async (event) => void events.push(event) });
    await waitFor(() => events.length === 1, 'one invocation');
    const record = events[0]!.Records[0]!;
    expect(record).toEqual({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'account-1',
        sequenceNumber: sent!.sequenceNumber,
        data: Buffer.from('{"hello":"world"}').toString('base64'),
        approximateArrivalTimestamp: expect.any(Number),
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${sent!.shardId}:${sent!.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: expect.stringMatching(/^arn:aws:iam::\d{12}:role\//),
      awsRegion: 'local',
      eventSourceARN: await streamArnOf(kinesis),
    });
    // Epoch seconds, as in Lambda's event, not milliseconds.
    expect(Math.abs(record.kinesis.approximateArrivalTimestamp - before / 1000)).toBeLessThan(5);
  });

  it('starts after the newest record with LATEST', async () => {
    const kinesis = await stream();
    await put(kinesis, ['old-1', 'old-2']);
    const deliveries: string[][] = [];
    await pollers.start(kinesis, { startingPosition: 'LATEST', handler: async (event) => void deliveries.push(payloadsOf(event)) });
    await put(kinesis, ['new-1']);
    await waitFor(() => deliveries.length === 1, 'one invocation');
    expect(deliveries).toEqual([['new-1']]);
  });
});

describe('batching window', () => {
  async function pollWithWindow(window: number, batchSize = 100) {
    const kinesis = await stream();
    const deliveries: string[][] = [];
    const started = Date.now();
    const invokedAfterMs: number[] = [];
    await pollers.start(kinesis, {
      batchSize,
      maximumBatchingWindowInSeconds: window,
      handler: async (event) => {
        deliveries.push(payloadsOf(event));
        invokedAfterMs.push(Date.now() - started);
      },
    });
    return { kinesis, deliveries, invokedAfterMs };
  }

  it('gathers records that arrive within the window into one batch', async () => {
    const { kinesis, deliveries } = await pollWithWindow(1);
    for (const payload of names('r', 3)) {
      await put(kinesis, [payload]);
      await sleep(50);
    }
    await waitFor(() => totalRecords(deliveries) === 3, 'three records');
    expect(deliveries).toEqual([['r1', 'r2', 'r3']]);
  });

  it('without a window, invokes as soon as records are there', async () => {
    const { kinesis, deliveries } = await pollWithWindow(0);
    for (const payload of names('r', 3)) {
      await put(kinesis, [payload]);
      await sleep(100);
    }
    await waitFor(() => totalRecords(deliveries) === 3, 'three records');
    expect(deliveries).toEqual([['r1'], ['r2'], ['r3']]);
  });

  it('invokes a full batch without waiting for the window to end', async () => {
    const { kinesis, deliveries, invokedAfterMs } = await pollWithWindow(300, 3);
    await put(kinesis, ['r1']);
    await sleep(40);
    // Read while r1 waits in the window, these overfill the batch: r4 and r5 wait for the next one.
    await put(kinesis, names('r', 4, 2));
    await waitFor(() => deliveries.length === 1, 'one invocation');
    expect(deliveries).toEqual([['r1', 'r2', 'r3']]);
    expect(invokedAfterMs[0]).toBeLessThan(2000);
  });
});

describe('ReportBatchItemFailures', () => {
  it('checkpoints before the lowest failed record and redelivers everything from it, successes after it included', async () => {
    const kinesis = await stream();
    const sent = await put(kinesis, names('r', 10));
    const checkpoints = new InMemoryCheckpointStore();
    const deliveries: string[][] = [];
    await pollers.start(kinesis, {
      checkpoints,
      handler: async (event): Promise<KinesisStreamBatchResponse> => {
        deliveries.push(payloadsOf(event));
        const failed = deliveries.length === 1 ? ['r6', 'r4', 'r8'] : [];
        return { batchItemFailures: failed.map((payload) => ({ itemIdentifier: sequenceOf(sent, payload) })) };
      },
    });
    await waitFor(async () => (await checkpoints.load(sent[0]!.shardId)) === sequenceOf(sent, 'r10'), 'the checkpoint after r10');
    expect(deliveries).toEqual([names('r', 10), names('r', 7, 4)]);
    expect(pollers.failures).toEqual([]);
  });

  it('retries the whole batch when an itemIdentifier is empty', async () => {
    const kinesis = await stream();
    await put(kinesis, names('r', 3));
    const deliveries: string[][] = [];
    await pollers.start(kinesis, {
      handler: async (event) => {
        deliveries.push(payloadsOf(event));
        return { batchItemFailures: deliveries.length === 1 ? [{ itemIdentifier: '' }] : [] };
      },
    });
    await waitFor(() => deliveries.length === 2, 'a retry');
    await sleep(50);
    expect(deliveries).toEqual([names('r', 3), names('r', 3)]);
  });

  it('ignores the response when the mapping does not report batch item failures', async () => {
    const kinesis = await stream();
    const sent = await put(kinesis, names('r', 3));
    const deliveries: string[][] = [];
    await pollers.start(kinesis, {
      reportBatchItemFailures: false,
      handler: async (event) => {
        deliveries.push(payloadsOf(event));
        return { batchItemFailures: [{ itemIdentifier: sequenceOf(sent, 'r1') }] };
      },
    });
    await waitFor(() => deliveries.length === 1, 'one invocation');
    await sleep(50);
    expect(deliveries).toEqual([names('r', 3)]);
  });
});

describe('function errors', () => {
  it('bisects around a poison record, skips it to onFailure after maximumRetryAttempts, and goes on with the shard', async () => {
    const kinesis = await stream();
    const sent = await put(kinesis, names('r', 8));
    const deliveries: string[][] = [];
    const reports: BatchReport[] = [];
    const arrivalSeconds = new Map<string, number>();
    await pollers.start(kinesis, {
      batchSize: 8,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 2,
      onBatch: (report) => void reports.push(report),
      handler: async (event) => {
        const payloads = payloadsOf(event);
        deliveries.push(payloads);
        payloads.forEach((payload, index) => arrivalSeconds.set(payload, event.Records[index]!.kinesis.approximateArrivalTimestamp));
        if (payloads.includes('r6')) throw new Error('poison');
      },
    });
    await waitFor(() => deliveries.flat().includes('r8'), 'r8');
    await put(kinesis, ['r9', 'r10']);
    await waitFor(() => deliveries.flat().includes('r10'), 'r10');

    expect(deliveries).toEqual([
      names('r', 8),
      names('r', 4),
      names('r', 4, 5),
      ['r5', 'r6'],
      ['r5'],
      ['r6'],
      ['r6'],
      ['r6'],
      ['r7', 'r8'],
      ['r9', 'r10'],
    ]);
    // Bisecting costs no retry; only the lone poison record's failures count against the quota of 2.
    expect(reports.map((report) => [report.outcome, report.retries])).toEqual([
      ['failed', 0],
      ['succeeded', 0],
      ['failed', 0],
      ['failed', 0],
      ['succeeded', 0],
      ['failed', 0],
      ['failed', 1],
      ['failed', 2],
      ['succeeded', 0],
      ['succeeded', 0],
    ]);
    const poison = sent[5]!;
    const arrivalOfPoison = new Date(Math.round(arrivalSeconds.get('r6')! * 1000)).toISOString();
    expect(pollers.failures).toEqual([
      {
        requestContext: {
          requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          functionArn: expect.stringMatching(/^arn:aws:lambda:local:\d{12}:function:/),
          condition: 'RetryAttemptsExhausted',
          // The batches of 8, 4 and 2 it was bisected from, then three invocations alone.
          approximateInvokeCount: 6,
        },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        version: '1.0',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        KinesisBatchInfo: {
          shardId: poison.shardId,
          startSequenceNumber: poison.sequenceNumber,
          endSequenceNumber: poison.sequenceNumber,
          approximateArrivalOfFirstRecord: arrivalOfPoison,
          approximateArrivalOfLastRecord: arrivalOfPoison,
          batchSize: 1,
          streamArn: await streamArnOf(kinesis),
        },
      },
    ]);
  });

  it('without bisect, retries the whole batch and then skips all of it', async () => {
    const kinesis = await stream();
    const sent = await put(kinesis, names('r', 3));
    const deliveries: string[][] = [];
    await pollers.start(kinesis, {
      maximumRetryAttempts: 1,
      handler: async (event) => {
        const payloads = payloadsOf(event);
        deliveries.push(payloads);
        if (payloads.includes('r2')) throw new Error('poison');
      },
    });
    await waitFor(() => pollers.failures.length === 1, 'a skipped batch');
    await put(kinesis, ['r4']);
    await waitFor(() => deliveries.flat().includes('r4'), 'r4');
    expect(deliveries).toEqual([names('r', 3), names('r', 3), ['r4']]);
    expect(pollers.failures[0]!.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 });
    expect(pollers.failures[0]!.KinesisBatchInfo).toMatchObject({ startSequenceNumber: sent[0]!.sequenceNumber, endSequenceNumber: sent[2]!.sequenceNumber, batchSize: 3 });
  });

  it('counts an invocation that runs past the function timeout as a function error', async () => {
    const kinesis = await stream();
    await put(kinesis, names('r', 2));
    const deliveries: string[][] = [];
    const reports: BatchReport[] = [];
    await pollers.start(kinesis, {
      functionTimeoutSeconds: 0.05,
      onBatch: (report) => void reports.push(report),
      handler: (event) => {
        deliveries.push(payloadsOf(event));
        return deliveries.length === 1 ? new Promise<void>(() => undefined) : Promise.resolve();
      },
    });
    await waitFor(() => reports.length === 2, 'two invocations');
    expect(deliveries).toEqual([names('r', 2), names('r', 2)]);
    expect(reports.map((report) => report.outcome)).toEqual(['failed', 'succeeded']);
    expect(reports[0]!.error).toBeInstanceOf(FunctionTimeoutError);
  });
});

describe('maximumRecordAgeInSeconds', () => {
  it('skips records older than the maximum age to onFailure and invokes the younger rest of the batch', async () => {
    const kinesis = await stream();
    const old = await put(kinesis, names('old-', 3));
    const oldPutAt = Date.now();
    await sleep(60);
    const newPutAt = Date.now();
    await put(kinesis, names('new-', 2));
    // A clock frozen 60 s after the moment between the two puts: the old records are just over the
    // 60 s maximum age, the new ones just under it.
    const now = (oldPutAt + newPutAt) / 2 + 60_000;
    const deliveries: string[][] = [];
    await pollers.start(kinesis, { maximumRecordAgeInSeconds: 60, clock: () => now, handler: async (event) => void deliveries.push(payloadsOf(event)) });
    await waitFor(() => deliveries.length === 1, 'one invocation');
    expect(deliveries).toEqual([names('new-', 2)]);
    expect(pollers.failures).toHaveLength(1);
    expect(pollers.failures[0]).toMatchObject({
      requestContext: { condition: 'RecordAgeExceeded', approximateInvokeCount: 0 },
      responseContext: {},
      timestamp: new Date(now).toISOString(),
      KinesisBatchInfo: { startSequenceNumber: old[0]!.sequenceNumber, endSequenceNumber: old[2]!.sequenceNumber, batchSize: 3 },
    });
  });
});

describe('checkpoints', () => {
  it('stop() waits for the batch in flight and saves its checkpoint', async () => {
    const kinesis = await stream();
    const sent = await put(kinesis, names('r', 3));
    const checkpoints = new InMemoryCheckpointStore();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let invocations = 0;
    const poller = await pollers.start(kinesis, {
      checkpoints,
      handler: async () => {
        invocations++;
        await gate;
      },
    });
    await waitFor(() => invocations === 1, 'the invocation');
    let stopped = false;
    const stopping = poller.stop().then(() => (stopped = true));
    await sleep(50);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(await checkpoints.load(sent[0]!.shardId)).toBe(sent[2]!.sequenceNumber);
    expect(invocations).toBe(1);
  });

  it('a file checkpoint store lets a restarted poller resume after the last processed record', async () => {
    const kinesis = await stream();
    const directory = await mkdtemp(join(tmpdir(), 'propdesk-checkpoints-'));
    try {
      const path = join(directory, 'state', 'checkpoints.json');
      const first = await put(kinesis, names('r', 5));
      const firstRun: string[][] = [];
      const poller = await pollers.start(kinesis, { checkpoints: new FileCheckpointStore(path), handler: async (event) => void firstRun.push(payloadsOf(event)) });
      await waitFor(() => totalRecords(firstRun) === 5, 'the first five records');
      await poller.stop();
      expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ [first[4]!.shardId]: first[4]!.sequenceNumber });
      expect(await readdir(join(directory, 'state'))).toEqual(['checkpoints.json']);

      await put(kinesis, names('r', 3, 6));
      const secondRun: string[][] = [];
      await pollers.start(kinesis, { checkpoints: new FileCheckpointStore(path), handler: async (event) => void secondRun.push(payloadsOf(event)) });
      await waitFor(() => totalRecords(secondRun) >= 3, 'three records after the restart');
      expect(secondRun.flat()).toEqual(['r6', 'r7', 'r8']);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
