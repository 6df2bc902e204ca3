/**
 * TradeStream on Kinesis. The partition key is the account id, so an account's events share a shard
 * and keep their order. PutRecords does not keep order across its entries, and retrying only the
 * failed entries would let an account's earlier event land after a later one (the reducer would then
 * drop it as stale). So events go out in rounds holding at most one event per account, and a round's
 * failed entries are retried before the next round is sent.
 */
import { PutRecordsCommand, type KinesisClient, type PutRecordsCommandOutput, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { toWire, type TradeEvent } from '../../domain/events.js';
import type { TradeStream } from '../../ports/trade-stream.js';
import { backOff, MAX_ATTEMPTS, sleep, type Pause } from '../backoff.js';

/** PutRecords takes at most 500 entries. */
const PUT_RECORDS_LIMIT = 500;
const BASE_BACKOFF_MS = 50;

type Sender = Pick<KinesisClient, 'send'>;

/** Round k holds the k-th event of every account that has one, in the order accounts first appear. */
export function rounds(events: readonly TradeEvent[]): TradeEvent[][] {
  const result: TradeEvent[][] = [];
  const seen = new Map<string, number>();
  for (const event of events) {
    const key = `${event.tenant}\u0000${event.accountId}`;
    const round = seen.get(key) ?? 0;
    seen.set(key, round + 1);
    (result[round] ??= []).push(event);
  }
  return result;
}

function entryOf(event: TradeEvent): PutRecordsRequestEntry {
  return { PartitionKey: event.accountId, Data: Buffer.from(JSON.stringify(toWire(event)), 'utf8') };
}

export class KinesisTradeStream implements TradeStream {
  constructor(
    private readonly kinesis: Sender,
    private readonly streamName: string,
    private readonly pause: Pause = sleep,
  ) {}

  async put(events: readonly TradeEvent[]): Promise<void> {
    for (const round of rounds(events)) {
      for (let from = 0; from < round.length; from += PUT_RECORDS_LIMIT) {
        await this.putAll(round.slice(from, from + PUT_RECORDS_LIMIT).map(entryOf));
      }
    }
  }

  /** Sends the entries, then again only those that failed, with exponential backoff. */
  private async putAll(entries: PutRecordsRequestEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 1; ; attempt++) {
      await backOff(attempt, BASE_BACKOFF_MS, this.pause);
      const output: PutRecordsCommandOutput = await this.kinesis.send(new PutRecordsCommand({ StreamName: this.streamName, Records: pending }));
      const failed = pending.filter((_, index) => {
        const result = output.Records?.[index];
        return result === undefined || typeof result.ErrorCode === 'string';
      });
      if (failed.length === 0) return;
      if (attempt === MAX_ATTEMPTS) {
        const codes = [...new Set(output.Records?.flatMap((result) => (result.ErrorCode ? [result.ErrorCode] : [])))].join(', ');
        throw new Error(`${failed.length} of ${entries.length} trade events not accepted by Kinesis after ${MAX_ATTEMPTS} attempts (${codes})`);
      }
      pending = failed;
    }
  }
}
