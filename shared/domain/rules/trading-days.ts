/**
 * Day-counting objectives. A trading day is a firm day with any deal, with a deal of at least a
 * volume, or with closed net P&L of at least an amount. A profitable day is a firm day whose closed
 * net P&L reaches an amount. The current day counts while it qualifies; it is settled at rollover.
 */
import type { DealEvent } from '../events.js';
import type { ObjectiveStatus } from '../effects.js';
import { percentOf } from '../money.js';
import type { RuleOf } from '../program.js';
import type { AccountState } from '../state.js';
import type { Objective } from './objective.js';

function amount(s: AccountState, value: { bps: number; of: 'initial' } | { amount: number }): number {
  return 'amount' in value ? value.amount : percentOf(s.initialBalance, value.bps);
}

export class MinTradingDays implements Objective {
  readonly kind = 'minTradingDays';

  constructor(readonly rule: RuleOf<'minTradingDays'>) {}

  /** Does the current day count so far? A P&L-based day can stop counting after a later loss. */
  qualifies(s: AccountState): boolean {
    const counts = this.rule.dayCounts;
    return counts.when === 'minNetPnl' ? s.dayClosedPnl >= amount(s, counts.pnl) : s.dayQualifies;
  }

  /** Returns true when this deal made the current day count. */
  onDeal(s: AccountState, deal: DealEvent): boolean {
    const counts = this.rule.dayCounts;
    if (counts.when === 'minNetPnl' || s.dayQualifies) return false;
    if (counts.when === 'minVolume' && deal.volume < counts.volume) return false;
    s.dayQualifies = true;
    return true;
  }

  count(s: AccountState): number {
    return s.tradingDays + (this.qualifies(s) ? 1 : 0);
  }

  met(s: AccountState): boolean {
    return this.count(s) >= this.rule.days;
  }

  status(s: AccountState): ObjectiveStatus {
    return { objective: this.kind, met: this.met(s), value: this.count(s), required: this.rule.days };
  }
}

export class MinProfitableDays implements Objective {
  readonly kind = 'minProfitableDays';

  constructor(readonly rule: RuleOf<'minProfitableDays'>) {}

  profitableToday(s: AccountState): boolean {
    return s.dayClosedPnl >= amount(s, this.rule.minNetPnl);
  }

  count(s: AccountState): number {
    return s.profitableDays + (this.profitableToday(s) ? 1 : 0);
  }

  met(s: AccountState): boolean {
    return this.count(s) >= this.rule.days;
  }

  status(s: AccountState): ObjectiveStatus {
    return { objective: this.kind, met: this.met(s), value: this.count(s), required: this.rule.days };
  }
}
