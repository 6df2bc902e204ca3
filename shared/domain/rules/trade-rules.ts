/**
 * Per-trade rules. allowedInstruments and stopLossRequired judge the opening deal; maxLossPerTrade
 * judges a position's net loss, fees included, when it closes.
 */
import type { DealEvent } from '../events.js';
import type { ClosedTrade, Effect } from '../effects.js';
import { percentOf } from '../money.js';
import type { RuleOf } from '../program.js';
import type { AccountState } from '../state.js';
import { aboveLimit, breach, JudgingRule, refOf } from './verdicts.js';

export class AllowedInstruments extends JudgingRule<RuleOf<'allowedInstruments'>> {
  private readonly exact: ReadonlySet<string>;
  private readonly prefixes: readonly string[];

  constructor(rule: RuleOf<'allowedInstruments'>, index: number) {
    super(rule, index);
    this.exact = new Set(rule.symbols.filter((symbol) => !symbol.endsWith('*')));
    this.prefixes = rule.symbols.filter((symbol) => symbol.endsWith('*')).map((symbol) => symbol.slice(0, -1));
  }

  allows(symbol: string): boolean {
    if (this.exact.has(symbol)) return true;
    for (const prefix of this.prefixes) if (symbol.startsWith(prefix)) return true;
    return false;
  }

  onOpen(s: AccountState, deal: DealEvent, time: number, out: Effect[]): void {
    if (this.allows(deal.symbol)) return;
    breach(
      s,
      this,
      time,
      `${deal.symbol} is not an allowed instrument`,
      { value: 0, threshold: 0, inputs: { symbol: deal.symbol, allowed: this.rule.symbols.join(','), positionId: deal.positionId }, event: refOf(deal) },
      { onEquity: false, standing: false },
      out,
    );
  }
}

export class StopLossRequired extends JudgingRule<RuleOf<'stopLossRequired'>> {
  onOpen(s: AccountState, deal: DealEvent, time: number, out: Effect[]): void {
    if (deal.stopLoss !== null) return;
    breach(
      s,
      this,
      time,
      `position ${deal.positionId} opened without a stop-loss`,
      { value: 0, threshold: 1, inputs: { symbol: deal.symbol, positionId: deal.positionId }, event: refOf(deal) },
      { onEquity: false, standing: false },
      out,
    );
  }
}

export class MaxLossPerTrade extends JudgingRule<RuleOf<'maxLossPerTrade'>> {
  limit(s: AccountState): number {
    const limit = this.rule.limit;
    return 'amount' in limit ? limit.amount : percentOf(s.initialBalance, limit.bps);
  }

  onTradeClosed(s: AccountState, trade: ClosedTrade, deal: DealEvent, time: number, out: Effect[]): void {
    const loss = -trade.netPnl;
    const limit = this.limit(s);
    if (!aboveLimit(loss, limit, this.rule.breachAt, 0)) return;
    breach(
      s,
      this,
      time,
      `position ${trade.positionId} lost ${loss}, limit ${limit}`,
      { value: loss, threshold: limit, inputs: { symbol: trade.symbol, positionId: trade.positionId, breachAt: this.rule.breachAt }, event: refOf(deal) },
      { onEquity: false, standing: false },
      out,
    );
  }
}
