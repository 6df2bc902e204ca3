/**
 * Size and exposure limits. maxVolume: total open volume across positions. maxOpenPositions: number
 * of open positions. Both are judged on the opening deal. maxMarginUsage: margin used over equity from
 * broker snapshots, the leverage or exposure cap; a standing condition reported once per firm day.
 */
import type { DealEvent, SnapshotEvent } from '../events.js';
import type { Effect, Evidence } from '../effects.js';
import { BPS } from '../money.js';
import type { RuleOf } from '../program.js';
import type { AccountState } from '../state.js';
import { breach, JudgingRule, lowestLevel, refOf, warnApproaching, warningDue } from './verdicts.js';

abstract class OpenLimit<R extends RuleOf<'maxVolume'> | RuleOf<'maxOpenPositions'>> extends JudgingRule<R> {
  private readonly lowestWarning: number | null;

  constructor(
    rule: R,
    index: number,
    private readonly limit: number,
  ) {
    super(rule, index);
    this.lowestWarning = lowestLevel(rule.warnAtBps);
  }

  protected abstract measure(s: AccountState): number;

  /** After an opening deal was booked. */
  onOpen(s: AccountState, deal: DealEvent, time: number, out: Effect[]): void {
    const value = this.measure(s);
    if (value > this.limit) {
      breach(s, this, time, `${this.kind} ${value} exceeds ${this.limit}`, this.evidence(s, deal, value), { onEquity: false, standing: false }, out);
      return;
    }
    if (warningDue(this.lowestWarning, value, this.limit)) {
      warnApproaching(s, this, this.rule.warnAtBps, value, this.limit, time, () => this.evidence(s, deal, value), out);
    }
  }

  private evidence(s: AccountState, deal: DealEvent, value: number): Evidence {
    return {
      value,
      threshold: this.limit,
      inputs: { positions: s.positions.length, openVolume: s.openVolume, symbol: deal.symbol, positionId: deal.positionId },
      event: refOf(deal),
    };
  }
}

export class MaxVolume extends OpenLimit<RuleOf<'maxVolume'>> {
  constructor(rule: RuleOf<'maxVolume'>, index: number) {
    super(rule, index, rule.maxVolume);
  }

  protected measure(s: AccountState): number {
    return s.openVolume;
  }
}

export class MaxOpenPositions extends OpenLimit<RuleOf<'maxOpenPositions'>> {
  constructor(rule: RuleOf<'maxOpenPositions'>, index: number) {
    super(rule, index, rule.max);
  }

  protected measure(s: AccountState): number {
    return s.positions.length;
  }
}

export class MaxMarginUsage extends JudgingRule<RuleOf<'maxMarginUsage'>> {
  private readonly lowestWarning: number | null;

  constructor(rule: RuleOf<'maxMarginUsage'>, index: number) {
    super(rule, index);
    this.lowestWarning = lowestLevel(rule.warnAtBps);
  }

  onSnapshot(s: AccountState, snapshot: SnapshotEvent, time: number, out: Effect[]): void {
    if (s.margin === 0) return;
    const allowed = s.equity > 0 ? this.rule.maxShareBps * s.equity : 0;
    if ((s.margin - this.rule.toleranceMinor) * BPS > allowed) {
      const message = `margin ${s.margin} is more than ${this.rule.maxShareBps} bps of equity ${s.equity}`;
      breach(s, this, time, message, this.evidence(s, snapshot), { onEquity: true, standing: true }, out);
      return;
    }
    if (warningDue(this.lowestWarning, s.margin * BPS, allowed)) {
      warnApproaching(s, this, this.rule.warnAtBps, s.margin * BPS, allowed, time, () => this.evidence(s, snapshot), out);
    }
  }

  private evidence(s: AccountState, snapshot: SnapshotEvent): Evidence {
    return {
      value: s.equity > 0 ? Math.floor((s.margin * BPS) / s.equity) : Number.MAX_SAFE_INTEGER,
      threshold: this.rule.maxShareBps,
      inputs: { margin: s.margin, equity: s.equity, tolerance: this.rule.toleranceMinor },
      event: refOf(snapshot),
    };
  }
}
