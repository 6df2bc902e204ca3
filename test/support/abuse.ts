/** Builders for the abuse detectors' tests: closed trades at readable times, and an account's context. */
import type { AbuseTrade, AccountContext } from '../../shared/abuse/findings.js';
import { DEFAULT_ABUSE_POLICY, type AbusePolicy } from '../../shared/abuse/policy.js';
import { NO_NEWS } from '../../shared/domain/news.js';

export const at = (iso: string): number => Date.parse(iso);

/** A closed trade: EURUSD buy of 1 lot at 1.1000, held a minute, +10.00, unless told otherwise. */
export function closedTrade(overrides: Partial<AbuseTrade> & { positionId: string }): AbuseTrade {
  const openedAt = overrides.openedAt ?? at('2026-03-02T09:00:00Z');
  return {
    accountId: 'acc-1',
    traderId: 'trd-1',
    programId: 'two-step',
    programVersion: 1,
    symbol: 'EURUSD',
    side: 'buy',
    volume: 10_000,
    openedAt,
    closedAt: openedAt + 60_000,
    openPrice: 1.1,
    closePrice: 1.1001,
    netPnl: 1_000,
    openReferencePrice: null,
    closeReferencePrice: null,
    ...overrides,
  };
}

export function accountContext(overrides: Partial<AccountContext> = {}): AccountContext {
  return { accountId: 'acc-1', traderId: 'trd-1', initialBalance: 10_000_000, news: NO_NEWS, ...overrides };
}

/** The default policy with one detector's thresholds changed. */
export function policyWith<D extends keyof AbusePolicy>(detector: D, change: Partial<AbusePolicy[D]>): AbusePolicy[D] {
  return { ...(DEFAULT_ABUSE_POLICY[detector] as object), ...change } as AbusePolicy[D];
}

/** The account's window as the engine hands it to a detector: sorted by close time, then position. */
export function windowOf(trades: readonly AbuseTrade[]): AbuseTrade[] {
  return [...trades].sort((a, b) => a.closedAt - b.closedAt || (a.positionId < b.positionId ? -1 : a.positionId > b.positionId ? 1 : 0));
}
