/**
 * The two shapes of detector. A per-account detector reads the account's recent trades; a cross-account
 * detector reads the new trade against other accounts' trades on the same symbol around the same time.
 * Both are pure and judge "now", at the newest trade: the engine calls them once per arriving trade and
 * keeps one flag per detector, account and day, so a standing pattern does not flag again on every trade.
 */
import type { AbuseTrade, AccountContext, Finding, LinkEvidence } from './findings.js';
import type { AbusePolicy, DetectorId } from './policy.js';

/**
 * `trades` is the account's window: every trade it closed within the policy's windowDays of `latest`,
 * sorted by closedAt (ties by positionId), `latest` included.
 */
export type AccountDetector<D extends DetectorId> = (
  trades: readonly AbuseTrade[],
  latest: AbuseTrade,
  policy: AbusePolicy[D],
  context: AccountContext,
) => Finding | null;

/** How two accounts are linked: the same owner, or traders sharing identities. null: not linked. */
export interface Linkage {
  readonly sameTrader: boolean;
  readonly links: readonly LinkEvidence[];
}
