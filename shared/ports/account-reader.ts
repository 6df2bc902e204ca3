/**
 * What the API reads of accounts: states by id, and ids page by page, by status (the risk desk's lists) or
 * by owner (a trader's own accounts). The evaluator's AccountStore stays the only writer.
 */
import type { AccountStatus } from '../domain/state.js';
import type { StoredAccount } from './account-store.js';
import type { Page, PageRequest } from './page.js';

export interface AccountReader {
  /** The stored accounts among `accountIds`; unknown ids are absent from the result. */
  load(accountIds: readonly string[]): Promise<Map<string, StoredAccount>>;
  /** Account ids with this status, in id order. */
  listByStatus(status: AccountStatus, page: PageRequest): Promise<Page<string>>;
  /** The ids of the accounts this trader owns, in id order. */
  listByTrader(traderId: string, page: PageRequest): Promise<Page<string>>;
}
