/**
 * Maximum loss: equity must stay above a floor over the whole phase.
 * static: floor = initial - distance.
 * trailing: high water H = max(initial, X at each update point) and floor = min(H - distance, lock),
 * where X is the end-of-day balance, the broker-reported intraday equity, the closed balance after
 * every change, or max(balance, equity). The lock is none, the initial balance, or initial + k.
 * A floor updated only at end of day is still enforced on every event.
 * After a payout the floor is kept, reset under the new balance, or locked: it stops trailing at the
 * lock level (the initial balance without one), or where it is if that is higher.
 */
import type { TradeEvent } from '../events.js';
import type { Effect, Evidence } from '../effects.js';
import { percentOf } from '../money.js';
import type { RuleOf } from '../program.js';
import type { AccountState } from '../state.js';
import { belowFloor, breach, JudgingRule, lowestLevel, refOf, warnApproaching, warningDue } from './verdicts.js';

export class MaxLoss extends JudgingRule<RuleOf<'maxLoss'>> {
  private readonly trailsIntraday: boolean;
  private readonly lowestWarning: number | null;

  constructor(rule: RuleOf<'maxLoss'>, index: number) {
    super(rule, index);
    this.lowestWarning = lowestLevel(rule.warnAtBps);
    this.trailsIntraday = rule.floor === 'trailing' && rule.trailSource !== 'endOfDayBalance';
  }

  distance(s: AccountState, highWater: number): number {
    const limit = this.rule.limit;
    if ('amount' in limit) return limit.amount;
    return percentOf(limit.of === 'initial' ? s.initialBalance : highWater, limit.bps);
  }

  lockLevel(s: AccountState): number | null {
    const lockAt = this.rule.lockAt;
    if (lockAt === 'none') return null;
    return lockAt === 'initial' ? s.initialBalance : s.initialBalance + lockAt.initialPlus;
  }

  private floorUnder(s: AccountState, highWater: number): number {
    const floor = highWater - this.distance(s, highWater);
    const lock = this.lockLevel(s);
    return lock !== null && floor > lock ? lock : floor;
  }

  initialFloor(s: AccountState): number {
    return this.floorUnder(s, s.initialBalance);
  }

  private raiseHighWater(s: AccountState, value: number): void {
    if (value <= s.highWater) return;
    s.highWater = value;
    if (s.maxLossFrozen) return;
    const floor = this.floorUnder(s, value);
    if (floor > (s.maxLossFloor as number)) s.maxLossFloor = floor;
  }

  /** Raises the high-water mark and floor after equity or balance changed. */
  trail(s: AccountState): void {
    if (this.trailsIntraday) {
      switch (this.rule.trailSource) {
        case 'intradayEquity':
          if (!s.equityEstimated) this.raiseHighWater(s, s.equity);
          break;
        case 'closedBalance':
          this.raiseHighWater(s, s.balance);
          break;
        case 'balanceOrEquity':
          this.raiseHighWater(s, s.equityEstimated ? s.balance : Math.max(s.balance, s.equity));
          break;
      }
    }
  }

  /** Equity against the floor, after trail; also at the start of every firm day. */
  judge(s: AccountState, event: TradeEvent, time: number, out: Effect[]): void {
    const floor = s.maxLossFloor as number;
    const { breachAt, toleranceMinor } = this.rule;
    if (belowFloor(s.equity, floor, breachAt, toleranceMinor)) {
      const message = `equity ${s.equity} ${breachAt === 'touch' ? 'reached' : 'fell below'} the maximum loss floor ${floor}`;
      breach(s, this, time, message, this.evidence(s, event, time), { onEquity: true, standing: true }, out);
      return;
    }
    if (this.lowestWarning === null) return;
    const distance = this.distance(s, s.highWater);
    if (warningDue(this.lowestWarning, floor + distance - s.equity, distance)) {
      warnApproaching(s, this, this.rule.warnAtBps, floor + distance - s.equity, distance, time, () => this.evidence(s, event, time), out);
    }
  }

  /** At the firm day's close, before the next day starts. */
  closeDay(s: AccountState): void {
    if (this.rule.floor === 'trailing' && this.rule.trailSource === 'endOfDayBalance') this.raiseHighWater(s, s.balance);
  }

  afterPayout(s: AccountState): void {
    switch (this.rule.afterPayout) {
      case 'keep':
        return;
      case 'reset':
        s.highWater = s.balance;
        s.maxLossFloor = this.floorUnder(s, s.balance);
        s.maxLossFrozen = false;
        return;
      case 'lock': {
        // Stops trailing at the lock level (the initial balance without one), never lower than it already is.
        const lock = this.lockLevel(s) ?? s.initialBalance;
        s.maxLossFloor = Math.max(s.maxLossFloor as number, lock);
        s.maxLossFrozen = true;
        return;
      }
    }
  }

  private evidence(s: AccountState, event: TradeEvent, time: number): Evidence {
    return {
      value: s.equity,
      threshold: s.maxLossFloor as number,
      inputs: {
        floor: this.rule.floor,
        trailSource: this.rule.trailSource ?? null,
        highWater: s.highWater,
        distance: this.distance(s, s.highWater),
        lockLevel: this.lockLevel(s),
        frozenByPayout: s.maxLossFrozen,
        balance: s.balance,
        breachAt: this.rule.breachAt,
        tolerance: this.rule.toleranceMinor,
        equityEstimated: s.equityEstimated,
        at: new Date(time).toISOString(),
      },
      event: refOf(event),
    };
  }
}
