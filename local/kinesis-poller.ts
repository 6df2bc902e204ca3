/**
 * A local stand-in for Lambda's Kinesis event source mapping (ESM). Locally there is no Lambda, only
 * kinesalite (the Kinesis API), so this poller reads the stream and invokes the same handler that
 * deploys, with the event Lambda would send and the retry and checkpoint rules Lambda applies
 * (AWS docs: with-kinesis, services-kinesis-parameters, services-kinesis-batchfailurereporting,
 * kinesis-on-failure-destination).
 *
 * Reproduced:
 * - Standard iterator polling: each shard is read from its checkpoint, or from TRIM_HORIZON / LATEST
 *   the first time; an idle shard is polled once per poll interval (1 s, like Lambda), a busy one
 *   continuously. Shards run concurrently, one batch in flight per shard (ParallelizationFactor 1),
 *   so each batch holds records of one shard in sequence order.
 * - BatchSize and MaximumBatchingWindowInSeconds: invoke when the batch is full or the window has
 *   passed since the first record of the batch was read; a window of 0 invokes as soon as records are there.
 * - The event shape of `KinesisStreamEvent` (eventID `shardId:sequenceNumber`, base64 data, arrival
 *   time in epoch seconds, the stream ARN as eventSourceARN).
 * - ReportBatchItemFailures: checkpoint just before the lowest reported sequence number and retry every
 *   record from there, later successes included. An empty, null or unknown itemIdentifier fails the whole batch.
 * - Function errors (a throw, or running past `functionTimeoutSeconds`): retry, or with
 *   BisectBatchOnFunctionError split the batch in two halves, which costs no retry.
 * - MaximumRetryAttempts and MaximumRecordAgeInSeconds (-1 = unlimited): the records are skipped and
 *   `onFailure` gets the metadata document Lambda sends to an SQS/SNS on-failure destination.
 * - Checkpoints survive restarts through a CheckpointStore, and `stop()` lets in-flight batches finish.
 *
 * Not reproduced:
 * - Enhanced fan-out (SubscribeToShard), ParallelizationFactor > 1, tumbling windows, AT_TIMESTAMP,
 *   event filtering, the 6 MB payload limit, and the S3 destination's copy of the whole invocation.
 * - Resharding: shards are listed once, at start. A shard that closes is read to its end; child
 *   shards created later are not picked up, and parents are not finished before their children.
 * - After a partial failure the retry holds the rest of the failed batch, bisect on or off. Lambda
 *   without bisect re-reads from the checkpoint, so its retry may also carry newer records; the same
 *   records are redelivered either way, only where the batch ends differs.
 * - Lambda does not document how it paces retries; here a retried batch waits one poll interval, so a
 *   failing handler is not invoked in a tight loop.
 */
import { randomUUID } from 'node:crypto';
import {
  DescribeStreamSummaryCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type GetRecordsCommandOutput,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchItemFailure, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { CheckpointStore } from './checkpoints.js';

export type StartingPosition = 'TRIM_HORIZON' | 'LATEST';

export type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/** The document Lambda sends to an SQS or SNS on-failure destination: metadata, not the records. */
export interface KinesisOnFailureRecord {
  readonly requestContext: {
    /** The last invocation that carried these records, or a fresh id if they were never invoked. */
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: FailureCondition;
    /** Invocations that carried these records, including the larger batches they were bisected from. */
    readonly approximateInvokeCount: number;
  };
  /** The last invocation's response; empty when the records were never invoked. */
  readonly responseContext: { readonly statusCode?: number; readonly executedVersion?: string; readonly functionError?: 'Unhandled' };
  readonly version: '1.0';
  /** ISO time the records were skipped. */
  readonly timestamp: string;
  readonly KinesisBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    readonly approximateArrivalOfFirstRecord: string;
    readonly approximateArrivalOfLastRecord: string;
    readonly batchSize: number;
    readonly streamArn: string;
  };
}

export type BatchOutcome = 'succeeded' | 'partiallyFailed' | 'failed';

/** One invocation, for printing and measuring. */
export interface BatchReport {
  readonly shardId: string;
  readonly size: number;
  readonly outcome: BatchOutcome;
  readonly durationMs: number;
  /** Earlier failed invocations of these records that counted against MaximumRetryAttempts. */
  readonly retries: number;
  /** What the handler threw, or the timeout, when the outcome is `failed`. */
  readonly error?: unknown;
}

export interface KinesisPollerOptions {
  readonly client: KinesisClient;
  readonly streamName: string;
  /** Defaults to the ARN Kinesis reports for the stream. */
  readonly streamArn?: string;
  readonly handler: (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;
  /** 1 to 10,000 records. */
  readonly batchSize: number;
  /** 0 to 300; fractions are allowed locally so tests stay fast. */
  readonly maximumBatchingWindowInSeconds: number;
  /** -1 (until the records expire) to 10,000. */
  readonly maximumRetryAttempts: number;
  /** -1 (no limit), or 60 to 604,800. */
  readonly maximumRecordAgeInSeconds: number;
  readonly bisectBatchOnFunctionError: boolean;
  /** Whether the handler's `batchItemFailures` are read; Lambda ignores the response otherwise. */
  readonly reportBatchItemFailures: boolean;
  readonly startingPosition: StartingPosition;
  readonly checkpoints: CheckpointStore;
  /** The on-failure destination. */
  readonly onFailure: (failure: KinesisOnFailureRecord) => Promise<void> | void;
  readonly onBatch?: (report: BatchReport) => void;
  /** Like the function's timeout: a longer invocation counts as a function error. None by default. */
  readonly functionTimeoutSeconds?: number;
  /**
   * Errors outside the handler (reading the stream, saving a checkpoint, onFailure or onBatch throwing).
   * The shard tries again after a poll interval. Defaults to console.error.
   */
  readonly onError?: (error: unknown, shardId: string) => void;
  /** How long an idle shard waits between polls. Default 1000 (Lambda polls once per second). */
  readonly pollIntervalMs?: number;
  /** Wall time in epoch ms, for record ages and failure timestamps. Default Date.now. */
  readonly clock?: () => number;
}

/** A record as read from the shard; turned into a Lambda event record at each invocation. */
interface ShardRecord {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: string;
  readonly arrivalMs: number;
}

interface Invocation {
  readonly requestId: string;
  readonly responseContext: KinesisOnFailureRecord['responseContext'];
}

/** Records the shard must finish, in order, before it reads further. */
interface Batch {
  readonly records: readonly ShardRecord[];
  /** Failed invocations that counted against MaximumRetryAttempts (bisecting does not count). */
  readonly retries: number;
  /** Every invocation that carried these records, bisected parents included. */
  readonly invocations: number;
  readonly lastInvocation?: Invocation;
  /** Set once the records are to be skipped to the on-failure destination. */
  readonly skip?: FailureCondition;
}

type Outcome = { readonly kind: 'succeeded' } | { readonly kind: 'partiallyFailed'; readonly retryFrom: number } | { readonly kind: 'failed'; readonly error: unknown };

/** What every shard worker shares: the options with defaults applied, and what start() looked up. */
interface Mapping {
  readonly options: KinesisPollerOptions;
  readonly streamArn: string;
  readonly region: string;
  readonly functionArn: string;
  readonly invokeIdentityArn: string;
  readonly pollIntervalMs: number;
  readonly clock: () => number;
  readonly onError: (error: unknown, shardId: string) => void;
  readonly stopping: AbortSignal;
}

/** The name the local platform's function goes by in ARNs. */
const LOCAL_FUNCTION = 'propdesk-local';
/** Lambda reports timeouts and uncaught errors alike as an unhandled function error. */
const FUNCTION_ERROR: KinesisOnFailureRecord['responseContext'] = { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' };
const FUNCTION_RETURNED: KinesisOnFailureRecord['responseContext'] = { statusCode: 200, executedVersion: '$LATEST' };
/** GetRecords returns at most 10,000 records. */
const GET_RECORDS_LIMIT = 10_000;

export class FunctionTimeoutError extends Error {
  constructor(seconds: number) {
    super(`Task timed out after ${seconds} seconds`);
    this.name = 'FunctionTimeoutError';
  }
}

export class KinesisPoller {
  private readonly stopController = new AbortController();
  private running: Promise<void>[] | undefined;

  constructor(private readonly options: KinesisPollerOptions) {
    validate(options);
  }

  /** Lists the shards, loads their checkpoints, and starts polling them. Resolves once polling has begun. */
  async start(): Promise<void> {
    if (this.running) throw new Error('KinesisPoller already started');
    const { client, streamName } = this.options;
    const streamArn = this.options.streamArn ?? (await describeStreamArn(client, streamName));
    const region = await client.config.region();
    const account = streamArn.split(':')[4] ?? '000000000000';
    const mapping: Mapping = {
      options: this.options,
      streamArn,
      region,
      functionArn: `arn:aws:lambda:${region}:${account}:function:${LOCAL_FUNCTION}`,
      invokeIdentityArn: `arn:aws:iam::${account}:role/${LOCAL_FUNCTION}`,
      pollIntervalMs: this.options.pollIntervalMs ?? 1000,
      clock: this.options.clock ?? Date.now,
      onError: this.options.onError ?? ((error, shardId) => console.error(`kinesis poller, ${streamName} ${shardId}:`, error)),
      stopping: this.stopController.signal,
    };
    const workers = (await listShardIds(client, streamName)).map((shardId) => new ShardWorker(mapping, shardId));
    // Positions are taken before start() resolves, so LATEST means "after start()", not "after the first poll".
    await Promise.all(workers.map((worker) => worker.prepare()));
    this.running = workers.map((worker) => worker.run());
  }

  /** Lets every in-flight batch finish and its checkpoint be saved, then resolves. Records not yet invoked are read again after a restart. */
  async stop(): Promise<void> {
    this.stopController.abort();
    await Promise.all(this.running ?? []);
  }
}

/** One shard's loop: read, batch, invoke, then checkpoint, retry, bisect or skip. */
class ShardWorker {
  /** Work in hand, head first; refilled from the stream only when empty, so the shard stays in order. */
  private readonly batches: Batch[] = [];
  /** Records read from the shard but not yet in a batch. */
  private readonly readAhead: ShardRecord[] = [];
  private iterator: string | undefined;
  /** Where a new iterator starts: after the last record read (at first, the checkpoint). */
  private lastReadSequenceNumber: string | undefined;
  private closed = false;

  constructor(
    private readonly mapping: Mapping,
    private readonly shardId: string,
  ) {}

  async prepare(): Promise<void> {
    this.lastReadSequenceNumber = await this.mapping.options.checkpoints.load(this.shardId);
    this.iterator = await this.newIterator();
  }

  async run(): Promise<void> {
    const { stopping, onError, pollIntervalMs } = this.mapping;
    while (!stopping.aborted && !(this.closed && this.readAhead.length === 0 && this.batches.length === 0)) {
      try {
        await this.step();
      } catch (error) {
        onError(error, this.shardId);
        await pause(pollIntervalMs, stopping);
      }
    }
  }

  /** Finishes one step of the head batch (invoke, or skip), gathering a new batch if there is none. */
  private async step(): Promise<void> {
    let batch = this.batches[0];
    if (batch === undefined) {
      const records = await this.gather();
      if (records.length === 0) return;
      batch = { records, retries: 0, invocations: 0 };
      this.batches.push(batch);
    }
    if (batch.skip !== undefined) return this.skip(batch, batch.skip);
    if (batch.invocations > 0) {
      await pause(this.mapping.pollIntervalMs, this.mapping.stopping);
      if (this.mapping.stopping.aborted) return;
    }
    const expiredCount = this.countExpired(batch.records);
    if (expiredCount > 0) {
      // MaximumRecordAge is checked before every invocation, retries included: records past it are
      // skipped (condition RecordAgeExceeded) and the younger rest of the batch goes on.
      const expired: Batch = { ...batch, records: batch.records.slice(0, expiredCount), skip: 'RecordAgeExceeded' };
      const rest = batch.records.slice(expiredCount);
      this.replaceHead(expired, ...(rest.length > 0 ? [{ ...batch, records: rest }] : []));
      return this.skip(expired, 'RecordAgeExceeded');
    }
    await this.invoke(batch);
  }

  /** Reads until a batch is full, or the batching window has passed since its first record. Empty when stopping. */
  private async gather(): Promise<ShardRecord[]> {
    const { options, pollIntervalMs, stopping } = this.mapping;
    const windowMs = options.maximumBatchingWindowInSeconds * 1000;
    let deadline: number | undefined;
    while (!stopping.aborted && !this.closed && this.readAhead.length < options.batchSize) {
      if (this.readAhead.length > 0) {
        deadline ??= performance.now() + windowMs;
        if (performance.now() >= deadline) break;
      }
      const read = await this.read();
      // While a shard has records Lambda keeps reading; an idle shard is polled once per interval.
      if (read === 0) await pause(deadline === undefined ? pollIntervalMs : Math.min(pollIntervalMs, deadline - performance.now()), stopping);
    }
    // Stopping leaves gathered records uninvoked: the checkpoint has not passed them, so a restart reads them again.
    return stopping.aborted ? [] : this.readAhead.splice(0, options.batchSize);
  }

  private async read(): Promise<number> {
    const output = await this.getRecords();
    if (output.NextShardIterator === undefined) this.closed = true;
    this.iterator = output.NextShardIterator;
    for (const record of output.Records ?? []) {
      this.readAhead.push({
        sequenceNumber: record.SequenceNumber!,
        partitionKey: record.PartitionKey!,
        data: Buffer.from(record.Data!).toString('base64'),
        arrivalMs: record.ApproximateArrivalTimestamp!.getTime(),
      });
      this.lastReadSequenceNumber = record.SequenceNumber;
    }
    return output.Records?.length ?? 0;
  }

  private async getRecords(): Promise<GetRecordsCommandOutput> {
    const { client, batchSize } = this.mapping.options;
    const limit = Math.min(batchSize, GET_RECORDS_LIMIT);
    this.iterator ??= await this.newIterator();
    try {
      return await client.send(new GetRecordsCommand({ ShardIterator: this.iterator, Limit: limit }));
    } catch (error) {
      // Whatever went wrong, a new iterator after the last record read is always a safe place to resume.
      this.iterator = undefined;
      if (!(error instanceof ExpiredIteratorException)) throw error;
      // An iterator lives five minutes, and a long retry of one batch outlives it: renew it at once.
      this.iterator = await this.newIterator();
      return client.send(new GetRecordsCommand({ ShardIterator: this.iterator, Limit: limit }));
    }
  }

  private async newIterator(): Promise<string | undefined> {
    const { client, streamName, startingPosition } = this.mapping.options;
    const position =
      this.lastReadSequenceNumber === undefined
        ? { ShardIteratorType: startingPosition }
        : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, StartingSequenceNumber: this.lastReadSequenceNumber };
    const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: this.shardId, ...position }));
    return ShardIterator;
  }

  /** How many leading records are older than MaximumRecordAgeInSeconds (a shard's records arrive in order). */
  private countExpired(records: readonly ShardRecord[]): number {
    const { maximumRecordAgeInSeconds } = this.mapping.options;
    if (maximumRecordAgeInSeconds === -1) return 0;
    const oldestAllowedMs = this.mapping.clock() - maximumRecordAgeInSeconds * 1000;
    const firstFresh = records.findIndex((record) => record.arrivalMs >= oldestAllowedMs);
    return firstFresh === -1 ? records.length : firstFresh;
  }

  private async invoke(batch: Batch): Promise<void> {
    const { options } = this.mapping;
    const requestId = randomUUID();
    const started = performance.now();
    const outcome = await this.call(batch.records);
    const durationMs = performance.now() - started;
    const invoked = { ...batch, invocations: batch.invocations + 1 };

    if (outcome.kind === 'succeeded') {
      await this.checkpointAfter(batch.records);
      this.batches.shift();
    } else if (outcome.kind === 'partiallyFailed') {
      // Checkpoint just before the lowest failed record and retry everything from it; the bisect
      // setting splits at the same place, so both cases keep the rest of the batch as the retry.
      await this.checkpointAfter(batch.records.slice(0, outcome.retryFrom));
      const lastInvocation = { requestId, responseContext: FUNCTION_RETURNED };
      this.replaceHead(this.retried({ ...invoked, records: batch.records.slice(outcome.retryFrom), lastInvocation }));
    } else {
      const lastInvocation = { requestId, responseContext: FUNCTION_ERROR };
      if (options.bisectBatchOnFunctionError && batch.records.length > 1) {
        // Bisecting does not consume the retry quota: each half keeps the batch's retry count.
        const middle = Math.ceil(batch.records.length / 2);
        this.replaceHead(
          { ...invoked, records: batch.records.slice(0, middle), lastInvocation },
          { ...invoked, records: batch.records.slice(middle), lastInvocation },
        );
      } else {
        this.replaceHead(this.retried({ ...invoked, lastInvocation }));
      }
    }

    options.onBatch?.({
      shardId: this.shardId,
      size: batch.records.length,
      outcome: outcome.kind,
      durationMs,
      retries: batch.retries,
      ...(outcome.kind === 'failed' ? { error: outcome.error } : {}),
    });
  }

  /** Calls the handler and reads its response the way Lambda does. */
  private async call(records: readonly ShardRecord[]): Promise<Outcome> {
    const { options } = this.mapping;
    let response: KinesisStreamBatchResponse | void;
    try {
      response = await withinTimeout(Promise.resolve().then(() => options.handler(this.eventOf(records))), options.functionTimeoutSeconds);
    } catch (error) {
      return { kind: 'failed', error };
    }
    // Lambda ignores the response unless the mapping has ReportBatchItemFailures.
    return options.reportBatchItemFailures ? readBatchItemFailures(response, records) : { kind: 'succeeded' };
  }

  /** A failed batch is retried, unless that would pass MaximumRetryAttempts: then it is skipped. */
  private retried(batch: Batch): Batch {
    const retries = batch.retries + 1;
    const { maximumRetryAttempts } = this.mapping.options;
    const exhausted = maximumRetryAttempts !== -1 && retries > maximumRetryAttempts;
    return exhausted ? { ...batch, skip: 'RetryAttemptsExhausted' } : { ...batch, retries };
  }

  private replaceHead(...replacements: Batch[]): void {
    this.batches.splice(0, 1, ...replacements);
  }

  /** Sends the batch's metadata to the on-failure destination, then moves the checkpoint past it. */
  private async skip(batch: Batch, condition: FailureCondition): Promise<void> {
    const { options, functionArn, streamArn, clock } = this.mapping;
    const first = batch.records[0]!;
    const last = batch.records[batch.records.length - 1]!;
    await options.onFailure({
      requestContext: { requestId: batch.lastInvocation?.requestId ?? randomUUID(), functionArn, condition, approximateInvokeCount: batch.invocations },
      responseContext: batch.lastInvocation?.responseContext ?? {},
      version: '1.0',
      timestamp: new Date(clock()).toISOString(),
      KinesisBatchInfo: {
        shardId: this.shardId,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        approximateArrivalOfFirstRecord: new Date(first.arrivalMs).toISOString(),
        approximateArrivalOfLastRecord: new Date(last.arrivalMs).toISOString(),
        batchSize: batch.records.length,
        streamArn,
      },
    });
    await this.checkpointAfter(batch.records);
    this.batches.shift();
  }

  /** The records are done with (processed or skipped): the shard resumes after the last of them. */
  private async checkpointAfter(records: readonly ShardRecord[]): Promise<void> {
    const last = records.at(-1);
    if (last !== undefined) await this.mapping.options.checkpoints.save(this.shardId, last.sequenceNumber);
  }

  private eventOf(records: readonly ShardRecord[]): KinesisStreamEvent {
    const { streamArn, region, invokeIdentityArn } = this.mapping;
    return {
      Records: records.map(
        (record): KinesisStreamRecord => ({
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: record.partitionKey,
            sequenceNumber: record.sequenceNumber,
            data: record.data,
            approximateArrivalTimestamp: record.arrivalMs / 1000,
          },
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: `${this.shardId}:${record.sequenceNumber}`,
          eventName: 'aws:kinesis:record',
          invokeIdentityArn,
          awsRegion: region,
          eventSourceARN: streamArn,
        }),
      ),
    };
  }
}

/**
 * Reads `batchItemFailures`: none (missing, null or empty) is success; otherwise retry from the lowest
 * reported record. An identifier that is empty, null or not a sequence number of the batch fails the
 * whole batch, which Lambda treats as a complete failure of the returned response (not a function error).
 */
function readBatchItemFailures(response: KinesisStreamBatchResponse | void, records: readonly ShardRecord[]): Outcome {
  const failures: unknown = (response as Partial<KinesisStreamBatchResponse> | null | undefined)?.batchItemFailures;
  if (failures === undefined || failures === null || (Array.isArray(failures) && failures.length === 0)) return { kind: 'succeeded' };
  if (!Array.isArray(failures)) return { kind: 'partiallyFailed', retryFrom: 0 };
  const indexBySequenceNumber = new Map(records.map((record, index) => [record.sequenceNumber, index]));
  let retryFrom = records.length;
  for (const failure of failures) {
    const identifier: unknown = (failure as Partial<KinesisStreamBatchItemFailure> | null)?.itemIdentifier;
    const index = typeof identifier === 'string' ? indexBySequenceNumber.get(identifier) : undefined;
    if (index === undefined) return { kind: 'partiallyFailed', retryFrom: 0 };
    retryFrom = Math.min(retryFrom, index);
  }
  return { kind: 'partiallyFailed', retryFrom };
}

async function withinTimeout<T>(work: Promise<T>, seconds: number | undefined): Promise<T> {
  if (seconds === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FunctionTimeoutError(seconds)), seconds * 1000);
  });
  try {
    // Unlike Lambda, nothing can stop the handler: it runs on in the background after its timeout.
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits `ms`, or less if the poller is stopping. */
function pause(ms: number, stopping: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (stopping.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      stopping.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stopping.addEventListener('abort', done, { once: true });
  });
}

async function describeStreamArn(client: KinesisClient, streamName: string): Promise<string> {
  const { StreamDescriptionSummary } = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  const arn = StreamDescriptionSummary?.StreamARN;
  if (arn === undefined) throw new Error(`Kinesis reported no ARN for stream ${streamName}`);
  return arn;
}

async function listShardIds(client: KinesisClient, streamName: string): Promise<string[]> {
  const shardIds: string[] = [];
  let nextToken: string | undefined;
  do {
    // ListShards pages take either the stream name (first page) or the token, never both.
    const page = await client.send(new ListShardsCommand(nextToken === undefined ? { StreamName: streamName } : { NextToken: nextToken }));
    shardIds.push(...(page.Shards ?? []).map((shard) => shard.ShardId!));
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return shardIds;
}

/** The ranges Lambda accepts, so a local configuration that works here also deploys. */
function validate(options: KinesisPollerOptions): void {
  const problems: string[] = [];
  const { batchSize, maximumBatchingWindowInSeconds: window, maximumRetryAttempts: retries, maximumRecordAgeInSeconds: age } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) problems.push(`batchSize ${batchSize} is not an integer from 1 to 10000`);
  if (!(window >= 0 && window <= 300)) problems.push(`maximumBatchingWindowInSeconds ${window} is not from 0 to 300`);
  if (!Number.isInteger(retries) || retries < -1 || retries > 10_000) problems.push(`maximumRetryAttempts ${retries} is not an integer from -1 to 10000`);
  if (!(age === -1 || (Number.isInteger(age) && age >= 60 && age <= 604_800))) problems.push(`maximumRecordAgeInSeconds ${age} is neither -1 nor an integer from 60 to 604800`);
  if (options.functionTimeoutSeconds !== undefined && !(options.functionTimeoutSeconds > 0)) problems.push(`functionTimeoutSeconds ${options.functionTimeoutSeconds} is not positive`);
  if (options.pollIntervalMs !== undefined && !(options.pollIntervalMs > 0)) problems.push(`pollIntervalMs ${options.pollIntervalMs} is not positive`);
  if (problems.length > 0) throw new Error(`Invalid Kinesis poller options: ${problems.join('; ')}`);
}
