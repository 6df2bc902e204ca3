/** An AccountReader in memory over given states, with the DynamoDB store's order (ids) and paging. */
import type { AccountState, AccountStatus } from '../../shared/domain/state.js';
import { recordKindOf, type AccountReader, type RecordKind } from '../../shared/ports/account-reader.js';
import type { DomainEvent } from '../../shared/stream/domain-events.js';
import type { StoredAccount } from '../../shared/ports/account-store.js';
import { InvalidCursorError, type Page, type PageRequest } from '../../shared/ports/page.js';

export class MemoryAccountReader implements AccountReader {
  private readonly states: Map<string, AccountState>;

  constructor(
    states: readonly AccountState[] = [],
    private readonly events: readonly DomainEvent[] = [],
  ) {
    this.states = new Map(states.map((state) => [state.accountId, state]));
  }

  async records(accountId: string, kind: RecordKind, page: PageRequest): Promise<Page<DomainEvent>> {
    return newestFirst(this.events.filter((event) => event.accountId === accountId && recordKindOf(event) === kind), page);
  }

  async load(accountIds: readonly string[]): Promise<Map<string, StoredAccount>> {
    return new Map(accountIds.flatMap((id) => (this.states.has(id) ? [[id, { state: this.states.get(id)!, revision: 1, outbox: [] }] as const] : [])));
  }

  async listByStatus(status: AccountStatus, page: PageRequest): Promise<Page<string>> {
    return this.page([...this.states.values()].filter((state) => state.status === status), page);
  }

  async listByTrader(traderId: string, page: PageRequest): Promise<Page<string>> {
    return this.page([...this.states.values()].filter((state) => state.traderId === traderId), page);
  }

  /** The cursor is the last id of the page, as DynamoDB's LastEvaluatedKey would name it. */
  private page(states: readonly AccountState[], { limit, cursor }: PageRequest): Page<string> {
    if (cursor !== undefined && !this.states.has(cursor)) throw new InvalidCursorError();
    const ids = states.map((state) => state.accountId).sort().filter((id) => cursor === undefined || id > cursor);
    const items = ids.slice(0, limit);
    return { items, ...(ids.length > limit ? { cursor: items.at(-1)! } : {}) };
  }
}


/** Newest first; the cursor is the offset of the next page. */
function newestFirst(events: readonly DomainEvent[], { limit, cursor }: PageRequest): Page<DomainEvent> {
  const sorted = [...events].sort((a, b) => b.time.localeCompare(a.time));
  const from = cursor === undefined ? 0 : Number(cursor);
  if (!Number.isInteger(from) || from < 0) throw new InvalidCursorError();
  const items = sorted.slice(from, from + limit);
  return { items, ...(from + limit < sorted.length ? { cursor: String(from + limit) } : {}) };
}
