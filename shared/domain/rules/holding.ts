/**
 * Weekend and overnight holding: any position still open at the cutoff instant (weekly at a weekday
 * and local time, or daily at a local time) breaches. Judged when the first event after the cutoff
 * arrives, on the positions the account held at that instant.
 */
import { Cutoffs } from '../calendar.js';
import type { TradeEvent } from '../events.js';
import type { Effect } from '../effects.js';
import type { RuleOf } from '../program.js';
import type { AccountState } from '../state.js';
import { breach, JudgingRule, refOf } from './verdicts.js';

export class HoldingCutoff extends JudgingRule<RuleOf<'weekendHolding'> | RuleOf<'overnightHolding'>> {
  readonly cutoffs: Cutoffs;

  constructor(rule: RuleOf<'weekendHolding'> | RuleOf<'overnightHolding'>, index: number) {
    super(rule, index);
    this.cutoffs = new Cutoffs(rule.cutoff.time, rule.cutoff.timeZone, rule.kind === 'weekendHolding' ? rule.cutoff.weekday : null);
  }

  /** At the cutoff instant `at`. */
  atCutoff(s: AccountState, at: number, event: TradeEvent, out: Effect[]): void {
    if (s.positions.length === 0) return;
    const held = s.positions.map((position) => position.positionId).join(',');
    breach(
      s,
      this,
      at,
      `${s.positions.length} position(s) held through the ${this.kind === 'weekendHolding' ? 'weekend' : 'overnight'} cutoff`,
      {
        value: s.positions.length,
        threshold: 0,
        inputs: { cutoff: new Date(at).toISOString(), positions: held, openVolume: s.openVolume },
        event: refOf(event),
      },
      { onEquity: false, standing: false },
      out,
    );
  }
}
