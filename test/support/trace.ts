/** Typed views of what a run produced, and the state after every event of a run. */
import type { Effect } from '../../shared/domain/effects.js';
import type { TradeEvent } from '../../shared/domain/events.js';
import type { NewsIndex } from '../../shared/domain/news.js';
import type { Program } from '../../shared/domain/program.js';
import { apply, type Applied } from '../../shared/domain/reducer.js';
import { openAccount, type AccountState, type OpenAccount } from '../../shared/domain/state.js';

export type EffectOf<T extends Effect['type']> = Extract<Effect, { type: T }>;

export function effectsOf<T extends Effect['type']>(effects: readonly Effect[], type: T): EffectOf<T>[] {
  return effects.filter((effect): effect is EffectOf<T> => effect.type === type);
}

/** What opens a test account: the defaults are tenant demo and account acc-1; a time may be ISO text. */
export type Opening = Omit<Partial<OpenAccount>, 'openedAt'> & { openedAt: number | string };

export function openState(program: Program, open: Opening): AccountState {
  return openAccount(program, {
    tenant: 'demo',
    accountId: 'acc-1',
    ...open,
    openedAt: typeof open.openedAt === 'string' ? Date.parse(open.openedAt) : open.openedAt,
  });
}

/** What each event produced, in order: steps[i] is the result of applying list[i]. */
export function trace(program: Program, open: Opening, list: readonly TradeEvent[], news?: NewsIndex): Applied[] {
  let state = openState(program, open);
  return list.map((event) => {
    const applied = apply(state, event, program, news);
    state = applied.state;
    return applied;
  });
}

/** Which step passed the phase and its phasePassed effect, or at -1 and null. */
export function firstPass(steps: readonly Applied[]): { at: number; passed: EffectOf<'phasePassed'> | null } {
  const at = steps.findIndex((step) => effectsOf(step.effects, 'phasePassed').length > 0);
  return { at, passed: at < 0 ? null : effectsOf(steps[at]!.effects, 'phasePassed')[0]! };
}
