import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Effect, IgnoredEffect } from '../../shared/domain/effects.js';
import type { TradeEvent } from '../../shared/domain/events.js';
import { parseProgram, type Program } from '../../shared/domain/program.js';
import { apply, applyInPlace } from '../../shared/domain/reducer.js';
import type { AccountState } from '../../shared/domain/state.js';
import { INITIAL_BALANCE } from '../support/programs.js';
import { openState } from '../support/trace.js';
import { newsCalendar, streams, type Stream } from '../support/streams.js';
import { PROGRAM_INPUTS, PROGRAMS } from './programs.js';

const NEWS = newsCalendar();
const RUNS = { numRuns: 100 };
const cases = fc.record({ index: fc.nat({ max: PROGRAMS.length - 1 }), stream: streams(INITIAL_BALANCE) });

interface Step {
  readonly before: AccountState;
  readonly event: TradeEvent;
  readonly after: AccountState;
  readonly effects: readonly Effect[];
}

function replay(program: Program, stream: Stream, start: AccountState = openState(program, { openedAt: stream.openedAt })): Step[] {
  let state = start;
  return stream.events.map((event) => {
    const before = state;
    const { state: after, effects } = apply(before, event, program, NEWS);
    state = after;
    return { before, event, after, effects };
  });
}

function finalOf(program: Program, stream: Stream, start: AccountState = openState(program, { openedAt: stream.openedAt })) {
  const steps = replay(program, stream, start);
  return { state: steps.at(-1)?.after ?? start, effects: steps.flatMap((step) => step.effects) };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Every number anywhere in a value, with its path. */
function numbersIn(value: unknown, path: string): Array<[string, number]> {
  if (typeof value === 'number') return [[path, value]];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => numbersIn(child, `${path}.${key}`));
}

/** Why the reducer ignored an event, or null when it applied it. */
function ignoredReason(effects: readonly Effect[]): IgnoredEffect['reason'] | null {
  const [only] = effects;
  return effects.length === 1 && only?.type === 'ignored' ? only.reason : null;
}

describe('reducer invariants over random event streams', () => {
  it('a trailing maximum-loss floor never falls, except at a payout whose rule resets it', () => {
    fc.assert(
      fc.property(cases, ({ index, stream }) => {
        const program = PROGRAMS[index]!;
        const rule = program.phases[0]!.rules.find((candidate) => candidate.kind === 'maxLoss');
        if (rule?.kind !== 'maxLoss' || rule.floor !== 'trailing') return;
        const falls = replay(program, stream).filter(({ before, event, after, effects }) => {
          // A payout lock stops the floor where it is or raises it to the lock level: only a reset lowers it.
          const reset = event.type === 'balance' && event.kind === 'payout' && rule.afterPayout === 'reset' && ignoredReason(effects) === null;
          return !reset && after.maxLossFloor! < before.maxLossFloor!;
        });
        expect(falls.map(({ event, before, after }) => [event, before.maxLossFloor, after.maxLossFloor])).toEqual([]);
      }),
      RUNS,
    );
  });

  it('failed and passed are terminal: every later event returns the same state object', () => {
    fc.assert(
      fc.property(cases, ({ index, stream }) => {
        const changed = replay(PROGRAMS[index]!, stream).filter(
          ({ before, after, effects }) => before.status !== 'active' && (after !== before || ignoredReason(effects) !== 'terminal'),
        );
        expect(changed.map(({ event, effects }) => [event, effects])).toEqual([]);
      }),
      RUNS,
    );
  });

  it('re-applying any event already applied changes nothing', () => {
    fc.assert(
      fc.property(cases, ({ index, stream }) => {
        const program = PROGRAMS[index]!;
        const steps = replay(program, stream);
        const changed = steps.flatMap(({ after }, at) =>
          steps
            .slice(0, at + 1)
            .filter(({ event }) => {
              const again = apply(after, event, program, NEWS);
              return again.state !== after || ignoredReason(again.effects) === null;
            })
            .map(({ event }) => ({ after: at, event })),
        );
        expect(changed).toEqual([]);
      }),
      RUNS,
    );
  });

  it('serializing and restoring the state between arbitrary chunks gives the same final state and effects', () => {
    fc.assert(
      fc.property(cases, fc.uniqueArray(fc.nat({ max: 120 }), { maxLength: 8 }), ({ index, stream }, cuts) => {
        const program = PROGRAMS[index]!;
        const whole = finalOf(program, stream);
        const bounds = [0, ...cuts.filter((cut) => cut < stream.events.length).sort((a, b) => a - b), stream.events.length];
        let state = openState(program, { openedAt: stream.openedAt });
        const effects: Effect[] = [];
        for (let i = 1; i < bounds.length; i++) {
          state = JSON.parse(JSON.stringify(state)) as AccountState;
          const chunk = finalOf(program, { ...stream, events: stream.events.slice(bounds[i - 1], bounds[i]) }, state);
          state = chunk.state;
          effects.push(...chunk.effects);
        }
        expect(state).toEqual(whole.state);
        expect(effects).toEqual(whole.effects);
      }),
      RUNS,
    );
  });

  it('never mutates the state or the event it is given', () => {
    fc.assert(
      fc.property(cases, ({ index, stream }) => {
        const program = PROGRAMS[index]!;
        let state = openState(program, { openedAt: stream.openedAt });
        for (const event of stream.events) {
          // A write to a frozen object throws in strict-mode (ESM) code.
          state = apply(deepFreeze(state), deepFreeze(event), program, NEWS).state;
        }
        const unfrozen = finalOf(program, { ...stream, events: stream.events.map((event) => structuredClone(event)) });
        expect(state).toEqual(unfrozen.state);
      }),
      RUNS,
    );
  });

  it('applyInPlace on a working copy reaches the same state and effects, never writing into its arrays', () => {
    fc.assert(
      fc.property(cases, ({ index, stream }) => {
        const program = PROGRAMS[index]!;
        const draft = openState(program, { openedAt: stream.openedAt });
        const effects: Effect[] = [];
        for (const event of stream.events) {
          // The draft itself is the caller's to change; what it holds may be shared and is copied on write.
          for (const held of Object.values(draft)) deepFreeze(held);
          applyInPlace(draft, event, program, NEWS, effects);
        }
        expect({ state: draft, effects }).toEqual(finalOf(program, stream));
      }),
      RUNS,
    );
  });

  it('is deterministic: the same input gives deep-equal output, on a freshly parsed program too', () => {
    fc.assert(
      fc.property(cases, ({ index, stream }) => {
        const first = finalOf(PROGRAMS[index]!, stream);
        const second = finalOf(parseProgram(structuredClone(PROGRAM_INPUTS[index]!)), stream);
        expect(second).toEqual(first);
      }),
      RUNS,
    );
  });

  it('keeps money and every other number in the state a safe integer, but for the prices positions keep (positive decimals)', () => {
    // Prices never enter money arithmetic (ARCHITECTURE.md, Units): a position keeps its entry's, as evidence.
    const price = /^state\.positions\.\d+\.(openPrice|openReferencePrice)$/;
    const invalid = ([path, value]: [string, number]): boolean => (price.test(path) ? !(value > 0 && Number.isFinite(value)) : !Number.isSafeInteger(value));
    fc.assert(
      fc.property(cases, ({ index, stream }) => {
        const unsafe = replay(PROGRAMS[index]!, stream).flatMap(({ after }) => numbersIn(after, 'state').filter(invalid));
        expect(unsafe).toEqual([]);
      }),
      RUNS,
    );
  });
});
