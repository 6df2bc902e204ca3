/**
 * Daily loss: equity must stay above a floor fixed for the firm day.
 * floor = reference - loss, where reference is the day-start balance, max(balance, equity) at the
 * day start, the day-start equity, or the day's peak equity (a floor that trails intraday), and loss
 * is a share of the initial balance, a share of the reference, or a fixed amount.
 */
import type { DealEvent, TradeEvent } from '../events.js';
import type { Effect, Evidence } from '../effects.js';
import { percentOf } from '../money.js';
import type { RuleOf } from '../program.js';
import type { AccountState } from '../state.js';
import { belowFloor, breach, JudgingRule, lowestLevel, refOf, warnApproaching, warningDue } from './verdicts.js';

export class DailyLoss extends JudgingRule<RuleOf<'dailyLoss'>> {
  private readonly lowestWarning: number | null;

  constructor(rule: RuleOf<'dailyLoss'>, index: number) {
    super(rule, index);
    this.lowestWarning = lowestLevel(rule.warnAtBps);
  }

  reference(s: AccountState): number {
    switch (this.rule.reference) {
      case 'dayStartBalance':
        return s.dayStartBalance;
      case 'dayStartMaxBalanceEquity':
        return Math.max(s.dayStartBalance, s.dayStartEquity);
      case 'dayStartEquity':
        return s.dayStartEquity;
      case 'dayPeakEquity':
        return s.dayPeakEquity;
    }
  }

  loss(s: AccountState, reference: number): number {
    const limit = this.rule.limit;
    if ('amount' in limit) return limit.amount;
    return percentOf(limit.of === 'initial' ? s.initialBalance : reference, limit.bps);
  }

  floorAtDayStart(s: AccountState): number {
    const reference = this.reference(s);
    return reference - this.loss(s, reference);
  }

  /** A floor under the day's peak equity follows the peak. */
  trail(s: AccountState): void {
    if (this.rule.reference === 'dayPeakEquity') s.dailyFloor = this.floorAtDayStart(s);
  }

  /** Equity against the floor, after trail; also at the start of every firm day against the positions still open. */
  judge(s: AccountState, event: TradeEvent, time: number, out: Effect[]): void {
    const floor = s.dailyFloor as number;
    const { breachAt, toleranceMinor } = this.rule;
    if (belowFloor(s.equity, floor, breachAt, toleranceMinor)) {
      const message = `equity ${s.equity} ${breachAt === 'touch' ? 'reached' : 'fell below'} the daily floor ${floor}`;
      breach(s, this, time, message, this.evidence(s, event, time), { onEquity: true, standing: true }, out);
      return;
    }
    if (this.lowestWarning === null) return;
    const reference = this.reference(s);
    const loss = reference - floor;
    if (warningDue(this.lowestWarning, reference - s.equity, loss)) {
      warnApproaching(s, this, this.rule.warnAtBps, reference - s.equity, loss, time, () => this.evidence(s, event, time), out);
    }
  }

  /** A soft lock forbids new positions until the next firm day. */
  checkOpen(s: AccountState, deal: DealEvent, time: number, out: Effect[]): void {
    if (s.lockedUntil <= time) return;
    const evidence: Evidence = {
      value: deal.volume,
      threshold: 0,
      inputs: { lockedUntil: new Date(s.lockedUntil).toISOString(), symbol: deal.symbol, positionId: deal.positionId },
      event: refOf(deal),
    };
    out.push({
      type: 'violation',
      rule: this.kind,
      severity: 'soft',
      action: 'flag',
      time,
      message: `opened position ${deal.positionId} while trading is locked for the day`,
      evidence,
    });
  }

  private evidence(s: AccountState, event: TradeEvent, time: number): Evidence {
    const reference = this.reference(s);
    return {
      value: s.equity,
      threshold: s.dailyFloor as number,
      inputs: {
        reference: this.rule.reference,
        referenceValue: reference,
        loss: this.loss(s, reference),
        dayStartBalance: s.dayStartBalance,
        dayStartEquity: s.dayStartEquity,
        breachAt: this.rule.breachAt,
        tolerance: this.rule.toleranceMinor,
        equityEstimated: s.equityEstimated,
        at: new Date(time).toISOString(),
      },
      event: refOf(event),
    };
  }
}
