/** Runs a list of events through the reducer for one account and collects every effect. */
import type { Effect } from '../../shared/domain/effects.js';
import type { TradeEvent } from '../../shared/domain/events.js';
import type { NewsIndex } from '../../shared/domain/news.js';
import type { Program } from '../../shared/domain/program.js';
import { apply } from '../../shared/domain/reducer.js';
import type { AccountState } from '../../shared/domain/state.js';
import { openState, type Opening } from './trace.js';

export interface Run {
  state: AccountState;
  effects: Effect[];
}

export function run(program: Program, open: Opening, list: TradeEvent[], news?: NewsIndex): Run {
  let state = openState(program, open);
  const effects: Effect[] = [];
  for (const event of list) {
    const applied = apply(state, event, program, news);
    state = applied.state;
    effects.push(...applied.effects);
  }
  return { state, effects };
}
