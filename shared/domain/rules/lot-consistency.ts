/**
 * Lot-size consistency: each closed position's size must lie within a range around the average size
 * of the positions closed before it, once enough have closed. Judged on the closing deal.
 */
import type { DealEvent } from '../events.js';
import type { ClosedTrade, Effect } from '../effects.js';
import { BPS } from '../money.js';
import type { RuleOf } from '../program.js';
import type { AccountState } from '../state.js';
import { breach, JudgingRule, refOf } from './verdicts.js';

export class LotConsistency extends JudgingRule<RuleOf<'lotConsistency'>> {
  /** Before the trade is added to the running average. */
  onTradeClosed(s: AccountState, trade: ClosedTrade, deal: DealEvent, time: number, out: Effect[]): void {
    const count = s.closedTrades;
    if (count === 0 || count < this.rule.minTrades) return;
    const sized = trade.volume * BPS * count;
    const tooSmall = sized < this.rule.minShareBps * s.closedVolume;
    const tooLarge = sized > this.rule.maxShareBps * s.closedVolume;
    if (!tooSmall && !tooLarge) return;
    const average = Math.round(s.closedVolume / count);
    breach(
      s,
      this,
      time,
      `position ${trade.positionId} size ${trade.volume} is ${tooSmall ? 'below' : 'above'} the allowed range around the average ${average}`,
      {
        value: trade.volume,
        threshold: tooSmall ? Math.ceil((this.rule.minShareBps * s.closedVolume) / (BPS * count)) : Math.floor((this.rule.maxShareBps * s.closedVolume) / (BPS * count)),
        inputs: { averageVolume: average, closedTrades: count, minShareBps: this.rule.minShareBps, maxShareBps: this.rule.maxShareBps, positionId: trade.positionId },
        event: refOf(deal),
      },
      { onEquity: false, standing: false },
      out,
    );
  }
}
