/** Runs a list of events through the reducer for one account and collects every effect. */
import type { Effect } from '../../shared/domain/effects.js';
import type { TradeEvent } from '../../shared/domain/events.js';
import type { NewsIndex } from '../../shared/domain/news.js';
import type { Program } from '../../shared/domain/program.js';
import { apply } from '../../shared/domain/reducer.js';
import { openAccount, type AccountState, type OpenAccount } from '../../shared/domain/state.js';

export interface Run {
  state: AccountState;
  effects: Effect[];
}

export function run(program: Program, open: Partial<Omit<OpenAccount, 'openedAt'>> & { openedAt: number | string }, list: TradeEvent[], news?: NewsIndex): Run {
  let state = openAccount(program, {
    tenant: 'demo',
    accountId: 'acc-1',
    ...open,
    openedAt: typeof open.openedAt === 'string' ? Date.parse(open.openedAt) : open.openedAt,
  });
  const effects: Effect[] = [];
  for (const event of list) {
    const applied = apply(state, event, program, news);
    state = applied.state;
    effects.push(...applied.effects);
  }
  return { state, effects };
}

export function verdicts(effects: Effect[], type: Effect['type']): Effect[] {
  return effects.filter((effect) => effect.type === type);
}
