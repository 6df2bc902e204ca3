/**
 * An AccountHistory in memory, with the DynamoDB history's semantics: chunks keyed and ordered by their
 * start (afterSeq, then first event time), a chunk at the same start replacing the earlier one, and the
 * same join (no split: there is no item size to respect).
 */
import { HistoryTooLongError, joinChunks, type AccountEventHistory, type AccountHistory, type HistoryChunk } from '../../shared/ports/account-history.js';

export class MemoryAccountHistory implements AccountHistory {
  /** accountId → chunk start (`<afterSeq>#<first time>`) → chunk. */
  readonly chunks = new Map<string, Map<string, HistoryChunk>>();

  async append(accountId: string, chunk: HistoryChunk): Promise<void> {
    const firstEvent = chunk.events[0];
    if (firstEvent === undefined) throw new RangeError(`a history chunk of account ${accountId} holds no event`);
    const accountChunks = this.chunks.get(accountId) ?? new Map<string, HistoryChunk>();
    accountChunks.set(`${chunk.afterSeq}#${firstEvent.time}`, chunk);
    this.chunks.set(accountId, accountChunks);
  }

  async read(accountId: string, maxEvents: number): Promise<AccountEventHistory | null> {
    const inKeyOrder = [...(this.chunks.get(accountId)?.values() ?? [])].sort(
      (a, b) => a.afterSeq - b.afterSeq || a.events[0]!.time - b.events[0]!.time,
    );
    const storedEvents = inKeyOrder.reduce((count, chunk) => count + chunk.events.length, 0);
    if (storedEvents > maxEvents) throw new HistoryTooLongError(accountId, maxEvents);
    return joinChunks(inKeyOrder);
  }
}
