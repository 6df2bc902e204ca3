import { SendMessageBatchCommand, SQSClient, type SendMessageBatchCommandInput, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsQuarantineQueue } from '../../../shared/adapters/sqs/quarantine-queue.js';
import type { Quarantined } from '../../../shared/stream/decode-record.js';

const QUEUE_URL = 'https://sqs.eu-central-1.amazonaws.com/123456789012/propdesk-quarantine';
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;

function entry(n: number, payload = '{"type":"snapshot","equity":"lots"}'): Quarantined {
  return {
    recordId: `shardId-000000000000:4959033827149025660855969253836157109592157598913658${String(n).padStart(4, '0')}`,
    sequenceNumber: `4959033827149025660855969253836157109592157598913658${String(n).padStart(4, '0')}`,
    partitionKey: 'acc-1',
    arrivedAt: Date.parse('2026-03-02T09:00:00Z') + n,
    reason: 'equity: Invalid input: expected number, received string',
    problems: [{ line: null, path: 'equity', message: 'Invalid input: expected number, received string' }],
    payload,
  };
}

const entries = (count: number, payload?: string): Quarantined[] => Array.from({ length: count }, (_, index) => entry(index + 1, payload));
const bodyBytes = (entries: readonly SendMessageBatchRequestEntry[]): number => entries.reduce((sum, item) => sum + Buffer.byteLength(item.MessageBody!, 'utf8'), 0);

describe('SqsQuarantineQueue', () => {
  const client = new SQSClient({ region: 'local' });
  const sqs = mockClient(client);
  let pauses: number[];
  let queue: SqsQuarantineQueue;

  beforeEach(() => {
    sqs.reset();
    pauses = [];
    queue = new SqsQuarantineQueue(client, QUEUE_URL, async (ms) => {
      pauses.push(ms);
    });
  });

  const batchesSent = (): SendMessageBatchRequestEntry[][] => sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries ?? []);
  const recordsSent = (): string[][] => batchesSent().map((batch) => batch.map((item) => (JSON.parse(item.MessageBody!) as Quarantined).recordId));
  const takeAll = () => sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({ Successful: input.Entries!.map((item) => ({ Id: item.Id, MessageId: `m-${item.Id}`, MD5OfMessageBody: '' })), Failed: [] }));

  it('sends each entry as its JSON, with an id valid for a batch and unique in it', async () => {
    takeAll();
    const sent = entries(3);
    await queue.quarantine(sent);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, { QueueUrl: QUEUE_URL });
    const [batch] = batchesSent();
    expect(batch!.map((item) => JSON.parse(item.MessageBody!))).toEqual(sent);
    const ids = batch!.map((item) => item.Id!);
    for (const id of ids) expect(id).toMatch(BATCH_ID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sends nothing for no entries', async () => {
    await queue.quarantine([]);
    expect(sqs).not.toHaveReceivedAnyCommand();
  });

  it('sends at most 10 messages per batch, in order', async () => {
    takeAll();
    const sent = entries(23);
    await queue.quarantine(sent);
    expect(recordsSent()).toEqual([sent.slice(0, 10), sent.slice(10, 20), sent.slice(20)].map((batch) => batch.map((item) => item.recordId)));
  });

  it('keeps each batch within 256 KiB', async () => {
    takeAll();
    await queue.quarantine(entries(5, 'x'.repeat(100_000)));
    expect(recordsSent().map((batch) => batch.length)).toEqual([2, 2, 1]);
    for (const batch of batchesSent()) expect(bodyBytes(batch)).toBeLessThanOrEqual(256 * 1024);
  });

  it('leaves out a payload too large for a message, saying how large it was', async () => {
    takeAll();
    await queue.quarantine([entry(1, 'é'.repeat(150_000))]);
    const body = JSON.parse(batchesSent()[0]![0]!.MessageBody!) as Record<string, unknown>;
    expect(body).toMatchObject({ recordId: entry(1).recordId, reason: entry(1).reason, payload: '', payloadOmitted: '300000 bytes, too large for a message' });
  });

  it('escapes the characters SQS refuses in a body, keeping the payload as it was', async () => {
    takeAll();
    const payload = 'bad \uFFFF and \uFFFE';
    await queue.quarantine([entry(1, payload)]);
    const body = batchesSent()[0]![0]!.MessageBody!;
    expect(body).not.toMatch(/[\uFFFE\uFFFF]/);
    expect((JSON.parse(body) as Quarantined).payload).toBe(payload);
  });

  it('sends again only the messages that failed, after a backoff', async () => {
    const sent = entries(4);
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '0', MessageId: 'a', MD5OfMessageBody: '' }, { Id: '2', MessageId: 'c', MD5OfMessageBody: '' }],
        Failed: [{ Id: '1', SenderFault: false, Code: 'InternalError' }],
      })
      .resolvesOnce({ Successful: [{ Id: '3', MessageId: 'd', MD5OfMessageBody: '' }], Failed: [{ Id: '1', SenderFault: false, Code: 'InternalError' }] })
      .resolvesOnce({ Successful: [{ Id: '1', MessageId: 'b', MD5OfMessageBody: '' }], Failed: [] });
    await queue.quarantine(sent);
    // The id '3' got no result in the first call, so it is sent again too.
    expect(recordsSent()).toEqual([sent.map((item) => item.recordId), [sent[1]!.recordId, sent[3]!.recordId], [sent[1]!.recordId]]);
    expect(batchesSent()[1]!.map((item) => item.Id)).toEqual(['1', '3']);
    expect(pauses).toEqual([50, 100]);
  });

  it('throws at once when SQS blames the sender, naming the record', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', SenderFault: true, Code: 'InvalidParameterValue', Message: 'bad body' }] });
    await expect(queue.quarantine([entry(1)])).rejects.toThrow(`SQS queue ${QUEUE_URL} refused 1 quarantined records: ${entry(1).recordId} (InvalidParameterValue: bad body)`);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
  });

  it('gives up after 8 attempts, naming the records that failed', async () => {
    sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
      Successful: input.Entries!.filter((item) => item.Id !== '1').map((item) => ({ Id: item.Id, MessageId: 'm', MD5OfMessageBody: '' })),
      Failed: input.Entries!.filter((item) => item.Id === '1').map((item) => ({ Id: item.Id, SenderFault: false, Code: 'ServiceUnavailable' })),
    }));
    await expect(queue.quarantine(entries(3))).rejects.toThrow(`SQS queue ${QUEUE_URL} failed 1 of 3 quarantined records after 8 attempts: ${entry(2).recordId} (ServiceUnavailable)`);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 8);
    expect(pauses).toEqual([50, 100, 200, 400, 800, 1600, 3200]);
  });
});
