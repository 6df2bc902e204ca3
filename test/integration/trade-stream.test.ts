import type { PutRecordsCommand, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KinesisTradeStream, rounds } from '../../shared/adapters/kinesis/trade-stream.js';
import { isBridgeEvent, type TradeEvent } from '../../shared/domain/events.js';
import { decodeRecord } from '../../shared/stream/decode-record.js';
import { events } from '../support/events.js';
import { startKinesis, type LocalKinesis } from '../support/kinesalite.js';

/** Interleaved events of three accounts: four each, seq 1..4 per account. */
function interleaved(): TradeEvent[] {
  const builders = ['a-1', 'a-2', 'a-3'].map((accountId) => events({ accountId }));
  const list: TradeEvent[] = [];
  for (let second = 0; second < 4; second++) {
    for (const make of builders) list.push(make.snapshot(Date.parse('2026-03-02T09:00:00Z') + second * 1000, { equity: 10_000_000 - second }));
  }
  return list;
}

const order = (list: readonly TradeEvent[]) => list.map((event) => `${event.accountId}#${isBridgeEvent(event) ? event.seq : '-'}`);

describe('KinesisTradeStream on kinesalite', () => {
  let kinesis: LocalKinesis;
  beforeAll(async () => {
    kinesis = await startKinesis();
  });
  afterAll(async () => {
    await kinesis.close();
  });

  it('stores every event under its account id, each account in order, as the stream decoder reads it back', async () => {
    const sent = interleaved();
    await new KinesisTradeStream(kinesis.client, kinesis.streamName).put(sent);
    const decoded = (await kinesis.readAll()).map((record) => decodeRecord(record, 'demo'));
    const received = decoded.map((result) => (result.ok ? result.event : expect.fail(result.quarantined.reason)));
    for (const accountId of ['a-1', 'a-2', 'a-3']) {
      expect(received.filter((event) => event.accountId === accountId)).toEqual(sent.filter((event) => event.accountId === accountId));
    }
  });
});

describe('KinesisTradeStream retries', () => {
  type Answer = (entries: number) => PutRecordsCommandOutput;
  const accept: Answer = (entries) => ({ $metadata: {}, FailedRecordCount: 0, Records: Array.from({ length: entries }, () => ({ SequenceNumber: '1', ShardId: 'shardId-0' })) });
  const rejectFirst: Answer = (entries) => ({
    $metadata: {},
    FailedRecordCount: 1,
    Records: Array.from({ length: entries }, (_, index) => (index === 0 ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' } : { SequenceNumber: '1', ShardId: 'shardId-0' })),
  });

  function fakeKinesis(answers: Answer[]) {
    const calls: string[][] = [];
    const send = async (command: PutRecordsCommand) => {
      const records = command.input.Records ?? [];
      calls.push(records.map((record) => {
        const event = JSON.parse(Buffer.from(record.Data!).toString('utf8')) as { accountId: string; seq: number };
        return `${event.accountId}#${event.seq}`;
      }));
      return (answers.shift() ?? accept)(records.length);
    };
    return { send, calls };
  }

  it('sends at most one event per account per call, and retries only the failed entries before the next round', async () => {
    const kinesis = fakeKinesis([rejectFirst]);
    const pauses: number[] = [];
    await new KinesisTradeStream(kinesis as never, 'trades', async (ms) => void pauses.push(ms)).put(interleaved());
    expect(kinesis.calls).toEqual([
      ['a-1#1', 'a-2#1', 'a-3#1'],
      ['a-1#1'],
      ['a-1#2', 'a-2#2', 'a-3#2'],
      ['a-1#3', 'a-2#3', 'a-3#3'],
      ['a-1#4', 'a-2#4', 'a-3#4'],
    ]);
    expect(pauses).toEqual([50]);
  });

  it('gives up after eight attempts, naming the error', async () => {
    const kinesis = fakeKinesis(Array.from({ length: 8 }, () => rejectFirst));
    await expect(new KinesisTradeStream(kinesis as never, 'trades', async () => undefined).put(interleaved().slice(0, 3))).rejects.toThrow(
      /1 of 3 trade events not accepted by Kinesis after 8 attempts \(ProvisionedThroughputExceededException\)/,
    );
    expect(kinesis.calls).toHaveLength(8);
  });

  it('splits into rounds that keep each account in order', () => {
    expect(rounds(interleaved()).map(order)).toEqual([
      ['a-1#1', 'a-2#1', 'a-3#1'],
      ['a-1#2', 'a-2#2', 'a-3#2'],
      ['a-1#3', 'a-2#3', 'a-3#3'],
      ['a-1#4', 'a-2#4', 'a-3#4'],
    ]);
  });
});
