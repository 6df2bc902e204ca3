/**
 * The day rollover: at a firm day boundary the scheduler puts a clock event on the trade stream for
 * every active account, so days close, and day-based rules (minimum days, inactivity, periods) are
 * judged, for accounts that had no events that day too. Clock events go through the stream rather
 * than to the table directly, so each account's clock is applied in order with its trades by the same
 * evaluator. Terminal accounts whose last outbox may be undelivered get one as well: loading them
 * delivers it (ARCHITECTURE.md, "Exactly once in effect").
 */
import type { ClockEvent } from '../domain/events.js';
import type { AccountListing, AccountStore } from '../ports/account-store.js';
import type { TradeStream } from '../ports/trade-stream.js';

export interface RolloverReport {
  readonly time: string;
  readonly clocks: number;
}

/** Puts a clock event at `time` (epoch ms) on the stream for every account listed as active or with an outbox pending. */
export async function rollDay(accounts: AccountStore, stream: TradeStream, tenant: string, time: number): Promise<RolloverReport> {
  let clocks = 0;
  for (const listing of ['active', 'outboxPending'] satisfies AccountListing[]) {
    for await (const page of accounts.list(listing)) {
      const events = page.map((accountId): ClockEvent => ({ type: 'clock', schemaVersion: 1, tenant, accountId, time }));
      await stream.put(events);
      clocks += events.length;
    }
  }
  return { time: new Date(time).toISOString(), clocks };
}
