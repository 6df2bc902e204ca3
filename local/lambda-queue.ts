/**
 * An SQS queue with a Lambda event-source mapping, in process, for the local platform (no npm emulator speaks
 * the current SQS protocol: local/local-aws.ts). A bus rule's queue target sends the EventBridge event to it;
 * it hands the function micro-batches in the SQS event shape Lambda delivers: up to `batchSize` records,
 * gathered for up to `maxBatchingWindowMs`, one invocation at a time. As on AWS with ReportBatchItemFailures,
 * the records the function reports (all of them, if it throws or names a record it was not given) are
 * received again, here after an exponential backoff, until `maxReceiveCount` receives, then handed to
 * `onDeadLetter`. Nothing sent is dropped silently; a stopped process loses what is still queued in memory.
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createHash, randomUUID } from 'node:crypto';

export interface LocalMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
  receiveCount: number;
  firstReceivedAt: number | null;
}

export interface LocalLambdaQueueOptions {
  /** The queue's ARN, as the records' eventSourceARN. */
  readonly queueArn: string;
  readonly region: string;
  readonly handler: (event: SQSEvent) => Promise<SQSBatchResponse | void>;
  readonly batchSize: number;
  readonly maxBatchingWindowMs: number;
  readonly reportBatchItemFailures: boolean;
  /** Receives before a message is dead-lettered (the queue's redrive policy). */
  readonly maxReceiveCount: number;
  /** The wait before the first retry; each further one waits twice as long. @default 100 */
  readonly retryBaseMs?: number;
  /** A message that failed its last receive: why, and the message. */
  readonly onDeadLetter: (message: LocalMessage, reason: string) => void;
}

export class LocalLambdaQueue {
  private readonly visible: LocalMessage[] = [];
  private readonly delayed = new Set<NodeJS.Timeout>();
  private window: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private draining = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: LocalLambdaQueueOptions) {
    if (options.batchSize < 1) throw new Error(`a batch size of at least 1, not ${options.batchSize}`);
  }

  /** SendMessage: returns at once; the function gets the message with a later batch. */
  send(body: string): void {
    this.visible.push({ messageId: randomUUID(), body, sentAt: Date.now(), receiveCount: 0, firstReceivedAt: null });
    this.poll();
  }

  /** Messages not yet handled for good: visible, in an invocation, or waiting for a retry. */
  get depth(): number {
    return this.visible.length + this.delayed.size + (this.running === undefined ? 0 : 1);
  }

  /**
   * Resolves once every message sent (and every one sent meanwhile) was handled or dead-lettered: batches
   * start without waiting for the window; retries still wait their backoff.
   */
  async drain(): Promise<void> {
    this.draining += 1;
    try {
      this.poll();
      await new Promise<void>((resolve) => {
        this.idleWaiters.push(resolve);
        this.checkIdle();
      });
    } finally {
      this.draining -= 1;
    }
  }

  private poll(): void {
    if (this.running !== undefined) return;
    if (this.visible.length === 0) {
      this.checkIdle();
      return;
    }
    const oldest = this.visible[0]!;
    const waited = Date.now() - oldest.sentAt;
    if (this.visible.length >= this.options.batchSize || this.draining > 0 || waited >= this.options.maxBatchingWindowMs) {
      this.start();
      return;
    }
    this.window ??= setTimeout(() => {
      this.window = undefined;
      if (this.running === undefined && this.visible.length > 0) this.start();
    }, this.options.maxBatchingWindowMs - waited);
  }

  private start(): void {
    if (this.window !== undefined) {
      clearTimeout(this.window);
      this.window = undefined;
    }
    this.running = this.invoke().finally(() => {
      this.running = undefined;
      this.poll();
    });
  }

  private async invoke(): Promise<void> {
    const batch = this.visible.splice(0, this.options.batchSize);
    const now = Date.now();
    for (const message of batch) {
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
    }
    let failed: ReadonlySet<string>;
    let reason: string;
    try {
      const response = await this.options.handler({ Records: batch.map((message) => this.recordOf(message)) });
      failed = this.failuresOf(batch, response);
      reason = 'reported as failed by the function (batchItemFailures)';
    } catch (error) {
      failed = new Set(batch.map((message) => message.messageId));
      reason = `the invocation failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    for (const message of batch) if (failed.has(message.messageId)) this.retry(message, reason);
  }

  /** As Lambda reads a response: an identifier it did not send, or an empty one, fails the whole batch. */
  private failuresOf(batch: readonly LocalMessage[], response: SQSBatchResponse | void): ReadonlySet<string> {
    if (!this.options.reportBatchItemFailures || !response) return new Set();
    const ids = new Set(batch.map((message) => message.messageId));
    const reported = (response.batchItemFailures ?? []).map((failure) => failure.itemIdentifier);
    return reported.every((id) => typeof id === 'string' && ids.has(id)) ? new Set(reported) : ids;
  }

  private retry(message: LocalMessage, reason: string): void {
    if (message.receiveCount >= this.options.maxReceiveCount) {
      this.options.onDeadLetter(message, `${reason}, ${message.receiveCount} receives`);
      return;
    }
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      this.visible.push(message);
      this.poll();
    }, (this.options.retryBaseMs ?? 100) * 2 ** (message.receiveCount - 1));
    this.delayed.add(timer);
  }

  private recordOf(message: LocalMessage): SQSRecord {
    return {
      messageId: message.messageId,
      receiptHandle: `local:${message.messageId}:${message.receiveCount}`,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: 'events.amazonaws.com',
        ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(message.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.options.queueArn,
      awsRegion: this.options.region,
    };
  }

  private checkIdle(): void {
    if (this.visible.length > 0 || this.running !== undefined || this.delayed.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
