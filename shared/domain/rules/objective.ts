import type { ObjectiveStatus } from '../effects.js';
import type { RuleKind } from '../program.js';
import type { AccountState } from '../state.js';

/** A condition the phase must meet to pass. */
export interface Objective {
  readonly kind: RuleKind;
  /** The allocation-free check used on the hot path. */
  met(s: AccountState): boolean;
  status(s: AccountState): ObjectiveStatus;
}
