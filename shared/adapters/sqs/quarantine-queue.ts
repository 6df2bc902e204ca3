/**
 * QuarantineSink on SQS: one message per entry, its body the entry as JSON, for alerting. Entries go
 * out in SendMessageBatch calls of at most 10 messages and 256 KiB. A call may take some messages and
 * fail others: a failure SQS blames on the sender fails the same way every time, so it throws at once;
 * the others are sent again, alone, with exponential backoff.
 */
import { SendMessageBatchCommand, type BatchResultErrorEntry, type SendMessageBatchCommandOutput, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import type { QuarantineSink } from '../../ports/quarantine.js';
import type { Quarantined } from '../../stream/decode-record.js';
import { backOff, MAX_ATTEMPTS, sleep, type Pause } from '../backoff.js';
import { chunksOf } from '../chunks.js';

const SEND_MESSAGE_BATCH_LIMIT = 10;
/** Both one message and the sum of a batch's messages. */
const SEND_MESSAGE_BATCH_MAX_BYTES = 256 * 1024;
const BASE_BACKOFF_MS = 50;

type Sender = Pick<SQSClient, 'send'>;

interface Pending {
  readonly entry: Quarantined;
  /** Unique within its batch, and a valid batch entry id (letters, digits, - and _; at most 80). */
  readonly id: string;
  readonly body: string;
  readonly bytes: number;
}

const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * JSON.stringify leaves U+FFFE and U+FFFF as they are, and SQS refuses a body holding them; as JSON
 * escapes they decode to the same text.
 */
const sqsSafeJson = (value: unknown): string => JSON.stringify(value).replace(/[\uFFFE\uFFFF]/g, (char) => `\\u${char.charCodeAt(0).toString(16)}`);

/** The entry as JSON; without its payload when that would not fit in a message (the alert needs the reason, not the payload). */
export function messageBody(entry: Quarantined): string {
  const whole = sqsSafeJson(entry);
  if (utf8Bytes(whole) <= SEND_MESSAGE_BATCH_MAX_BYTES) return whole;
  return sqsSafeJson({ ...entry, payload: '', payloadOmitted: `${utf8Bytes(entry.payload)} bytes, too large for a message` });
}

/** Consecutive batches of at most 10 messages and 256 KiB, in the order given, each message with its id in the batch. */
function batches(entries: readonly Quarantined[]): Pending[][] {
  const messages = entries.map((entry) => {
    const body = messageBody(entry);
    return { entry, body, bytes: utf8Bytes(body) };
  });
  return chunksOf(messages, SEND_MESSAGE_BATCH_LIMIT, SEND_MESSAGE_BATCH_MAX_BYTES).map((batch) => batch.map((message, index) => ({ ...message, id: String(index) })));
}

/** The records of the messages, each with why it failed. */
function listed(items: readonly Pending[], failures: ReadonlyMap<string | undefined, BatchResultErrorEntry>): string {
  return items
    .map((item) => {
      const failure = failures.get(item.id);
      const why = failure === undefined ? 'no result' : failure.Message === undefined ? failure.Code : `${failure.Code}: ${failure.Message}`;
      return `${item.entry.recordId} (${why})`;
    })
    .join(', ');
}

export class SqsQuarantineQueue implements QuarantineSink {
  constructor(
    private readonly sqs: Sender,
    private readonly queueUrl: string,
    private readonly pause: Pause = sleep,
  ) {}

  async quarantine(entries: readonly Quarantined[]): Promise<void> {
    for (const batch of batches(entries)) await this.sendAll(batch);
  }

  /** Sends the messages, then again only those that failed, with exponential backoff. */
  private async sendAll(batch: readonly Pending[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      await backOff(attempt, BASE_BACKOFF_MS, this.pause);
      const entries: SendMessageBatchRequestEntry[] = pending.map(({ id, body }) => ({ Id: id, MessageBody: body }));
      const output: SendMessageBatchCommandOutput = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
      const sent = new Set((output.Successful ?? []).map((result) => result.Id));
      const failures = new Map((output.Failed ?? []).map((result) => [result.Id, result]));
      // A message in neither list has failed too: SQS has not said it took it.
      const failed = pending.filter((item) => !sent.has(item.id));
      if (failed.length === 0) return;
      const senderFaults = failed.filter((item) => failures.get(item.id)?.SenderFault === true);
      if (senderFaults.length > 0) throw new Error(`SQS queue ${this.queueUrl} refused ${senderFaults.length} quarantined records: ${listed(senderFaults, failures)}`);
      if (attempt === MAX_ATTEMPTS) throw new Error(`SQS queue ${this.queueUrl} failed ${failed.length} of ${batch.length} quarantined records after ${MAX_ATTEMPTS} attempts: ${listed(failed, failures)}`);
      pending = failed;
    }
  }
}
