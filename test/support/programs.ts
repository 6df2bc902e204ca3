/**
 * One-phase programs for rule tests: the rules under test and nothing else, firm days at Prague
 * midnight (FTMO's boundary), an initial balance of $100,000.00.
 */
import { parseProgram, type Program, type ProgramInput } from '../../shared/domain/program.js';

type PhaseInput = ProgramInput['phases'][number];
export type RuleInput = PhaseInput['rules'][number];

export const INITIAL_BALANCE = 10_000_000;
export const PRAGUE_MIDNIGHT = { timeZone: 'Europe/Prague', time: '00:00' } as const;

export interface PhaseOptions {
  /** Funded by default: a funded phase needs no profit target, so only the rules under test judge. */
  kind?: PhaseInput['kind'];
  passCheck?: PhaseInput['passCheck'];
  dayBoundary?: ProgramInput['dayBoundary'];
}

export function programWith(rules: RuleInput[], options: PhaseOptions = {}): Program {
  return parseProgram({
    id: 'rule-test',
    version: 1,
    name: 'Rule test',
    currency: 'USD',
    initialBalance: INITIAL_BALANCE,
    dayBoundary: options.dayBoundary ?? PRAGUE_MIDNIGHT,
    phases: [{ id: 'phase-1', name: 'Phase 1', kind: options.kind ?? 'funded', passCheck: options.passCheck, rules }],
  });
}
