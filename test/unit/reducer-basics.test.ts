import { describe, expect, it } from 'vitest';
import { parseProgram } from '../../shared/domain/program.js';
import { apply } from '../../shared/domain/reducer.js';
import { openAccount } from '../../shared/domain/state.js';
import { events } from '../support/events.js';

const program = parseProgram({
  id: 'basics',
  version: 1,
  name: 'Basics',
  currency: 'USD',
  initialBalance: 10_000_000,
  dayBoundary: { timeZone: 'Europe/Prague', time: '00:00' },
  phases: [
    {
      id: 'phase-1',
      name: 'Challenge',
      kind: 'evaluation',
      rules: [
        { kind: 'maxLoss', severity: 'hard', floor: 'static', limit: { bps: 1000, of: 'initial' }, breachAt: 'cross' },
        { kind: 'profitTarget', target: { bps: 1000, of: 'initial' }, measure: 'balance' },
      ],
    },
  ],
});
const open = () => openAccount(program, { tenant: 'demo', accountId: 'acc-1', openedAt: Date.parse('2026-03-02T08:00:00Z') });

describe('apply', () => {
  it('ignores a duplicate and leaves the state object untouched', () => {
    const make = events();
    const first = make.snapshot('2026-03-02T09:00:00Z', { equity: 9_950_000, balance: 10_000_000 });
    const once = apply(open(), first, program).state;
    const again = apply(once, first, program);
    expect(again.state).toBe(once);
    expect(again.effects).toEqual([{ type: 'ignored', reason: 'duplicate', event: expect.objectContaining({ seq: 1 }) }]);
  });

  it('never modifies the state it is given', () => {
    const make = events();
    const before = open();
    const frozen = structuredClone(before);
    apply(before, make.deal('2026-03-02T09:00:00Z', { positionId: 'p1', symbol: 'EURUSD', side: 'buy', volume: 10_000, entry: 'in' }), program);
    expect(before).toEqual(frozen);
  });

  it('fails at the first equity below the floor and stays failed', () => {
    const make = events();
    let state = apply(open(), make.snapshot('2026-03-02T09:00:00Z', { equity: 9_000_000, balance: 10_000_000 }), program).state;
    expect(state.status).toBe('active');
    const failing = apply(state, make.snapshot('2026-03-02T09:01:00Z', { equity: 8_999_999, balance: 10_000_000 }), program);
    state = failing.state;
    expect(state.status).toBe('failed');
    expect(failing.effects.map((effect) => effect.type)).toEqual(['violation', 'accountFailed']);
    const after = apply(state, make.snapshot('2026-03-02T09:02:00Z', { equity: 12_000_000, balance: 12_000_000 }), program);
    expect(after.state).toBe(state);
    expect(after.effects[0]).toMatchObject({ type: 'ignored', reason: 'terminal' });
  });

  it('judges a late event at its own time, which does not move the clock back', () => {
    const make = events();
    const ticked = apply(open(), make.snapshot('2026-03-02T10:00:00Z', { equity: 10_000_000, balance: 10_000_000 }), program).state;
    const late = apply(ticked, make.snapshot('2026-03-02T09:00:00Z', { equity: 8_900_000, balance: 10_000_000 }), program);
    expect(late.effects).toContainEqual(expect.objectContaining({ type: 'accountFailed', time: Date.parse('2026-03-02T09:00:00Z') }));
    expect(late.state.clock).toBe(Date.parse('2026-03-02T10:00:00Z'));
  });

  it('judges an event timed before a firm day already closed at the close, in the new day', () => {
    const make = events();
    // Prague midnight on 3 March is 23:00 UTC on the 2nd.
    const nextDay = apply(open(), make.snapshot('2026-03-02T23:30:00Z', { equity: 10_000_000, balance: 10_000_000 }), program).state;
    expect(nextDay.settledAt).toBe(Date.parse('2026-03-02T23:00:00Z'));
    const late = apply(nextDay, make.snapshot('2026-03-02T22:00:00Z', { equity: 8_900_000, balance: 10_000_000 }), program);
    expect(late.effects).toContainEqual(expect.objectContaining({ type: 'accountFailed', time: Date.parse('2026-03-02T23:00:00Z') }));
    expect(late.effects.filter((effect) => effect.type === 'dayClosed')).toEqual([]);
  });

  it('refuses a state of another program version', () => {
    const other = { ...program, version: 2 };
    const make = events();
    expect(() => apply(open(), make.clock('2026-03-02T09:00:00Z'), other)).toThrow(/runs basics v1, not basics v2/);
  });
});
