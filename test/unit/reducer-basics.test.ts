import { describe, expect, it } from 'vitest';
import type { ClosedTrade } from '../../shared/domain/effects.js';
import type { TradeEvent } from '../../shared/domain/events.js';
import { parseProgram } from '../../shared/domain/program.js';
import { apply } from '../../shared/domain/reducer.js';
import { openAccount, type AccountState } from '../../shared/domain/state.js';
import { events } from '../support/events.js';
import { effectsOf } from '../support/trace.js';

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

describe('a closed trade', () => {
  /** Applies the events in turn; the state and the trades closed along the way. */
  function run(start: AccountState, list: readonly TradeEvent[]): { state: AccountState; trades: ClosedTrade[] } {
    let state = start;
    const trades: ClosedTrade[] = [];
    for (const event of list) {
      const applied = apply(state, event, program);
      state = applied.state;
      trades.push(...effectsOf(applied.effects, 'tradeClosed').map(({ trade }) => trade));
    }
    return { state, trades };
  }

  it('carries the first entry price and reference, unchanged by adds and reductions, and those of the deal that closed it', () => {
    const make = events();
    const position = { positionId: 'p1', symbol: 'EURUSD' } as const;
    const { state, trades } = run(open(), [
      make.deal('2026-03-02T09:00:00Z', { ...position, side: 'buy', volume: 10_000, entry: 'in', price: 1.1, referencePrice: 1.0998 }),
      make.deal('2026-03-02T09:05:00Z', { ...position, side: 'buy', volume: 10_000, entry: 'in', price: 1.12, referencePrice: 1.1201 }),
      make.deal('2026-03-02T09:10:00Z', { ...position, side: 'sell', volume: 5_000, entry: 'out', price: 1.13, referencePrice: 1.1302, profit: 5_000 }),
    ]);
    expect(trades).toEqual([]);
    expect(state.positions).toEqual([expect.objectContaining({ volume: 15_000, openPrice: 1.1, openReferencePrice: 1.0998 })]);
    const closed = run(state, [make.deal('2026-03-02T09:20:00Z', { ...position, side: 'sell', volume: 15_000, entry: 'out', price: 1.14, referencePrice: 1.1399, profit: 30_000 })]);
    expect(closed.trades).toEqual([
      expect.objectContaining({ positionId: 'p1', volume: 20_000, openPrice: 1.1, closePrice: 1.14, openReferencePrice: 1.0998, closeReferencePrice: 1.1399, netPnl: 35_000 }),
    ]);
  });

  it('carries null references when the bridge sent none', () => {
    const make = events();
    const { trades } = run(open(), [
      make.deal('2026-03-02T09:00:00Z', { positionId: 'p1', symbol: 'EURUSD', side: 'sell', volume: 10_000, entry: 'in', price: 1.1 }),
      make.deal('2026-03-02T09:01:00Z', { positionId: 'p1', symbol: 'EURUSD', side: 'buy', volume: 10_000, entry: 'out', price: 1.0995, profit: 500 }),
    ]);
    expect(trades).toEqual([expect.objectContaining({ openPrice: 1.1, closePrice: 1.0995, openReferencePrice: null, closeReferencePrice: null })]);
  });

  it('on a reverse: closes at the reverse price, which opens the opposite position', () => {
    const make = events();
    const { state, trades } = run(open(), [
      make.deal('2026-03-02T09:00:00Z', { positionId: 'p1', symbol: 'EURUSD', side: 'buy', volume: 10_000, entry: 'in', price: 1.1, referencePrice: 1.1001 }),
      make.deal('2026-03-02T09:01:00Z', { positionId: 'p1', symbol: 'EURUSD', side: 'sell', volume: 30_000, entry: 'reverse', price: 1.105, referencePrice: 1.1049, profit: 5_000 }),
    ]);
    expect(trades).toEqual([expect.objectContaining({ side: 'buy', openPrice: 1.1, closePrice: 1.105, openReferencePrice: 1.1001, closeReferencePrice: 1.1049 })]);
    expect(state.positions).toEqual([expect.objectContaining({ side: 'sell', volume: 20_000, openPrice: 1.105, openReferencePrice: 1.1049 })]);
  });

  it('of a position saved before entry prices were kept takes the closing price and no reference', () => {
    const make = events();
    const opened = run(open(), [make.deal('2026-03-02T09:00:00Z', { positionId: 'p1', symbol: 'EURUSD', side: 'buy', volume: 10_000, entry: 'in', price: 1.1, referencePrice: 1.1 })]).state;
    const saved = JSON.parse(JSON.stringify(opened)) as AccountState;
    saved.positions = saved.positions.map(({ openPrice: _openPrice, openReferencePrice: _openReferencePrice, ...older }) => older as AccountState['positions'][number]);
    const { trades } = run(saved, [
      make.deal('2026-03-02T09:01:00Z', { positionId: 'p1', symbol: 'EURUSD', side: 'sell', volume: 4_000, entry: 'out', price: 1.101, profit: 400 }),
      make.deal('2026-03-02T09:02:00Z', { positionId: 'p1', symbol: 'EURUSD', side: 'sell', volume: 6_000, entry: 'out', price: 1.102, referencePrice: 1.1021, profit: 1_200 }),
    ]);
    expect(trades).toEqual([expect.objectContaining({ openPrice: 1.102, closePrice: 1.102, openReferencePrice: null, closeReferencePrice: 1.1021 })]);
  });
});
