/**
 * News windows: deals on an affected symbol within [news - before, news + after] breach, for the
 * kinds of execution the program restricts (opening, closing, pending-order fills, stop-loss or
 * take-profit fills). A position opened long enough before the news may be closed in the window.
 * The consequence is a violation, or the trade's profit is excluded from the target.
 */
import type { DealEvent } from '../events.js';
import type { Effect } from '../effects.js';
import type { NewsIndex } from '../news.js';
import type { RuleOf } from '../program.js';
import type { AccountState, OpenPosition } from '../state.js';
import { breach, JudgingRule, refOf } from './verdicts.js';

type Execution = 'open' | 'close' | 'pendingFill' | 'stopOrTakeProfit';

function executionOf(deal: DealEvent, opening: boolean): Execution {
  if (opening) return deal.reason === 'pendingOrder' ? 'pendingFill' : 'open';
  return deal.reason === 'stopLoss' || deal.reason === 'takeProfit' ? 'stopOrTakeProfit' : 'close';
}

export class NewsWindow extends JudgingRule<RuleOf<'newsWindow'>> {
  private readonly restricted: ReadonlySet<Execution>;
  private readonly beforeMs: number;
  private readonly afterMs: number;

  constructor(rule: RuleOf<'newsWindow'>, index: number) {
    super(rule, index);
    this.restricted = new Set(rule.restrict);
    this.beforeMs = rule.beforeSeconds * 1000;
    this.afterMs = rule.afterSeconds * 1000;
  }

  /**
   * Judges one side of a deal. Returns true when the position's profit must be excluded.
   * `position` is the position the deal closes (null when it opens one).
   */
  onDeal(s: AccountState, deal: DealEvent, opening: boolean, position: OpenPosition | null, time: number, news: NewsIndex, out: Effect[]): boolean {
    if (news.size === 0) return false;
    const execution = executionOf(deal, opening);
    if (!this.restricted.has(execution)) return false;
    const item = news.find(time, deal.symbol, this.beforeMs, this.afterMs);
    if (item === null) return false;
    const exemptMs = this.rule.holdExemptSeconds;
    if (!opening && position !== null && exemptMs !== null && item.time - position.openedAt >= exemptMs * 1000) return false;
    const excluding = this.rule.consequence === 'excludeProfit';
    const evidence = {
      value: time - item.time,
      threshold: time < item.time ? -this.beforeMs : this.afterMs,
      inputs: { newsId: item.id, title: item.title, newsTime: new Date(item.time).toISOString(), symbol: deal.symbol, execution, positionId: deal.positionId },
      event: refOf(deal),
    };
    const message = `${execution} of ${deal.symbol} ${Math.round((time - item.time) / 1000)} s from "${item.title}"`;
    if (excluding) {
      out.push({ type: 'violation', rule: this.kind, severity: 'soft', action: 'flag', time, message: `${message}: profit excluded`, evidence });
    } else {
      breach(s, this, time, message, evidence, { onEquity: false, standing: false }, out);
    }
    return excluding;
  }
}
