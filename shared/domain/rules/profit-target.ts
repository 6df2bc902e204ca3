/**
 * Profit target: balance (or equity) minus the initial balance, less profit excluded by news rules,
 * must reach the target; optionally with no position open. A best-day consistency rule whose
 * action is extendTarget raises the target to the total at which the best day is consistent.
 */
import type { ObjectiveStatus } from '../effects.js';
import { percentOf } from '../money.js';
import type { RuleOf } from '../program.js';
import type { AccountState } from '../state.js';
import type { BestDayConsistency } from './consistency.js';
import type { Objective } from './objective.js';

export class ProfitTarget implements Objective {
  readonly kind = 'profitTarget';

  constructor(
    readonly rule: RuleOf<'profitTarget'>,
    private readonly extendedBy: BestDayConsistency | null,
  ) {}

  target(s: AccountState): number {
    const target = this.rule.target;
    const base = 'amount' in target ? target.amount : percentOf(s.initialBalance, target.bps);
    return this.extendedBy === null ? base : Math.max(base, this.extendedBy.requiredTotal(s));
  }

  profit(s: AccountState): number {
    return (this.rule.measure === 'balance' ? s.balance : s.equity) - s.initialBalance - s.excludedProfit;
  }

  /** An equity target is only met on broker-reported equity, as a loss is only judged on it. */
  met(s: AccountState): boolean {
    if (this.rule.measure === 'equity' && s.equityEstimated) return false;
    return this.profit(s) >= this.target(s) && (!this.rule.requireFlat || s.positions.length === 0);
  }

  status(s: AccountState): ObjectiveStatus {
    return { objective: this.kind, met: this.met(s), value: this.profit(s), required: this.target(s) };
  }
}
