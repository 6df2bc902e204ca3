/**
 * Time limits, judged when a firm day closes. maxPeriod: the phase must pass within N firm days
 * counted from its first day. inactivity: N whole firm days in a row without a deal.
 */
import type { TradeEvent } from '../events.js';
import type { Effect } from '../effects.js';
import { dayLabel } from '../calendar.js';
import type { RuleOf } from '../program.js';
import type { AccountState } from '../state.js';
import { breach, JudgingRule, refOf } from './verdicts.js';

export class MaxPeriod extends JudgingRule<RuleOf<'maxPeriod'>> {
  /** As firm day closingDay closes, after a pass at rollover was considered. */
  closeDay(s: AccountState, closingDay: number, event: TradeEvent, time: number, out: Effect[]): void {
    const elapsed = closingDay - s.startDay + 1;
    const allowed = this.rule.days + s.periodExtensionDays;
    if (elapsed < allowed) return;
    breach(
      s,
      this,
      time,
      `phase not passed within ${allowed} firm days`,
      {
        value: elapsed,
        threshold: allowed,
        inputs: { firstDay: dayLabel(s.startDay), lastDay: dayLabel(closingDay), extensionDays: s.periodExtensionDays },
        event: refOf(event),
      },
      { onEquity: false, standing: true },
      out,
    );
  }
}

export class Inactivity extends JudgingRule<RuleOf<'inactivity'>> {
  closeDay(s: AccountState, closingDay: number, event: TradeEvent, time: number, out: Effect[]): void {
    const idleDays = closingDay - s.lastTradeDay;
    if (idleDays < this.rule.days) return;
    breach(
      s,
      this,
      time,
      `no deal for ${idleDays} firm days`,
      {
        value: idleDays,
        threshold: this.rule.days,
        inputs: { lastTradeDay: dayLabel(s.lastTradeDay), closingDay: dayLabel(closingDay) },
        event: refOf(event),
      },
      { onEquity: false, standing: true },
      out,
    );
  }
}
