/**
 * What the API reads of accounts: states by id, and ids page by page, by status (the risk desk's lists) or
 * by owner (a trader's own accounts). The evaluator's AccountStore stays the only writer.
 */
import type { AccountStatus } from '../domain/state.js';
import type { DomainEvent } from '../stream/domain-events.js';
import type { StoredAccount } from './account-store.js';
import type { Page, PageRequest } from './page.js';

/** An account's records, as the evaluator wrote them from its domain events. */
export const RECORD_KINDS = ['trades', 'days', 'verdicts', 'objectives', 'overrides'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export function recordKindOf(event: DomainEvent): RecordKind {
  switch (event.type) {
    case 'TradeClosed':
      return 'trades';
    case 'DayClosed':
      return 'days';
    case 'ObjectiveUpdated':
      return 'objectives';
    case 'AccountOverridden':
      return 'overrides';
    default:
      return 'verdicts';
  }
}

export interface AccountReader {
  /** The stored accounts among `accountIds`; unknown ids are absent from the result. */
  load(accountIds: readonly string[]): Promise<Map<string, StoredAccount>>;
  /** Account ids with this status, in id order. */
  listByStatus(status: AccountStatus, page: PageRequest): Promise<Page<string>>;
  /** The ids of the accounts this trader owns, in id order. */
  listByTrader(traderId: string, page: PageRequest): Promise<Page<string>>;
  /** One kind of an account's records (closed trades, closed days, verdicts, objective changes, staff overrides), newest first. */
  records(accountId: string, kind: RecordKind, page: PageRequest): Promise<Page<DomainEvent>>;
}
