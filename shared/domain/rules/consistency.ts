/**
 * Best-day consistency: the best firm day's closed P&L over the total closed P&L of the window
 * (since the start, or since the last payout) must stay under a share. strict: share < max;
 * inclusive: share <= max. With no positive total the share is undefined and the rule is not met.
 * Its action blocks the pass, extends the profit target to best / max, or only gates payouts.
 */
import type { ObjectiveStatus } from '../effects.js';
import { BPS } from '../money.js';
import type { RuleOf } from '../program.js';
import type { AccountState } from '../state.js';
import type { Objective } from './objective.js';

export class BestDayConsistency implements Objective {
  readonly kind = 'bestDayConsistency';

  constructor(readonly rule: RuleOf<'bestDayConsistency'>) {}

  static bestDay(s: AccountState): number {
    return Math.max(s.windowBestDayPnl, s.windowDayPnl);
  }

  met(s: AccountState): boolean {
    const total = s.windowPnl;
    if (total <= 0) return false;
    const best = BestDayConsistency.bestDay(s) * BPS;
    const allowed = this.rule.maxShareBps * total;
    return this.rule.comparison === 'strict' ? best < allowed : best <= allowed;
  }

  /** The smallest total closed profit at which today's best day would be consistent. */
  requiredTotal(s: AccountState): number {
    const scaled = Math.max(0, BestDayConsistency.bestDay(s)) * BPS;
    const max = this.rule.maxShareBps;
    return this.rule.comparison === 'strict' ? Math.floor(scaled / max) + 1 : Math.ceil(scaled / max);
  }

  status(s: AccountState): ObjectiveStatus {
    const total = s.windowPnl;
    const share = total > 0 ? Math.floor((BestDayConsistency.bestDay(s) * BPS) / total) : BPS;
    return { objective: this.kind, met: this.met(s), value: share, required: this.rule.maxShareBps };
  }
}
