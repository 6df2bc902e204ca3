/**
 * An AccountHistory in memory, with the DynamoDB history's semantics: chunks kept in revision order, a
 * chunk of the same revision replacing the earlier one, records read back as the stream decoder reads
 * them, and the same join (no parts: there is no item size to respect).
 */
import { eventOfJson, HistoryTooLongError, joinChunks, type AccountChunk, type AccountEventHistory, type AccountHistory, type HistoryChunk } from '../../shared/ports/account-history.js';

export class MemoryAccountHistory implements AccountHistory {
  /** accountId → revision → chunk. */
  readonly chunks = new Map<string, Map<number, HistoryChunk>>();

  async append(chunks: readonly AccountChunk[]): Promise<void> {
    for (const { accountId, ...chunk } of chunks) {
      if (chunk.records.length === 0) throw new RangeError(`a history chunk of account ${accountId} holds no event`);
      const accountChunks = this.chunks.get(accountId) ?? new Map<number, HistoryChunk>();
      accountChunks.set(chunk.revision, chunk);
      this.chunks.set(accountId, accountChunks);
    }
  }

  async read(accountId: string, maxEvents: number): Promise<AccountEventHistory | null> {
    const inRevisionOrder = [...(this.chunks.get(accountId)?.values() ?? [])].sort((a, b) => a.revision - b.revision);
    const storedEvents = inRevisionOrder.reduce((count, chunk) => count + chunk.records.length, 0);
    if (storedEvents > maxEvents) throw new HistoryTooLongError(accountId, maxEvents);
    return joinChunks(inRevisionOrder.map(({ opening, records }) => ({ opening, events: records.map((record) => eventOfJson(Buffer.from(record, 'base64').toString('utf8'))) })));
  }
}
