import { describe, expect, it } from 'vitest';
import type { Effect } from '../../../shared/domain/effects.js';
import type { TradeEvent } from '../../../shared/domain/events.js';
import { NO_NEWS } from '../../../shared/domain/news.js';
import { applyInPlace } from '../../../shared/domain/reducer.js';
import { cloneState, openAccount } from '../../../shared/domain/state.js';
import { DEFAULT_SAVE_POLICY, mustSave } from '../../../shared/stream/save-policy.js';
import { programWith } from '../../support/programs.js';
import { events } from '../../support/events.js';

// Daily loss with warnings, and a floor that trails broker equity intraday.
const program = programWith([
  { kind: 'dailyLoss', severity: 'hard', reference: 'dayStartBalance', limit: { bps: 500, of: 'initial' }, breachAt: 'cross', warnAtBps: [8000] },
  { kind: 'maxLoss', severity: 'hard', floor: 'trailing', trailSource: 'intradayEquity', limit: { bps: 1000, of: 'initial' }, breachAt: 'cross' },
]);
const at = (time: string) => Date.parse(`2026-03-02T${time}Z`);

/**
 * The stored state after a position opened a second before `storedAt` (08:00:01 by default) and a
 * broker snapshot at `storedAt`, and whether the batch applied to a copy of it must be saved.
 */
function batch(build: (make: ReturnType<typeof events>) => TradeEvent[], storedAt = '08:00:01'): boolean {
  const make = events();
  const stored = openAccount(program, { tenant: 'demo', accountId: 'acc-1', openedAt: at('07:00:00') });
  const setup: Effect[] = [];
  applyInPlace(stored, make.deal(at(storedAt) - 1000, { positionId: 'p1', symbol: 'EURUSD', side: 'buy', volume: 10_000, entry: 'in' }), program, NO_NEWS, setup);
  applyInPlace(stored, make.snapshot(at(storedAt), { balance: 10_000_000, equity: 9_990_000 }), program, NO_NEWS, setup);
  const current = cloneState(stored);
  const effects: Effect[] = [];
  for (const event of build(make)) applyInPlace(current, event, program, NO_NEWS, effects);
  return mustSave(stored, current, effects);
}

const tick = (make: ReturnType<typeof events>, time: string, equity: number) => make.snapshot(at(time), { balance: 10_000_000, equity });

describe('mustSave', () => {
  it('skips quiet ticks under the high-water mark within the staleness bound', () => {
    expect(batch((make) => [tick(make, '08:00:20', 9_985_000), tick(make, '08:00:40', 9_995_000), tick(make, '08:00:59', 9_980_000)])).toBe(false);
  });

  it('saves once the stored state would be two minutes old', () => {
    expect(DEFAULT_SAVE_POLICY.maxStaleMs).toBe(120_000);
    expect(batch((make) => [tick(make, '08:02:00', 9_985_000)])).toBe(false);
    expect(batch((make) => [tick(make, '08:02:01', 9_985_000)])).toBe(true);
  });

  it('measures staleness from the state last saved, not from the quiet ticks a warm container kept', () => {
    const make = events();
    const stored = openAccount(program, { tenant: 'demo', accountId: 'acc-1', openedAt: at('07:00:00') });
    applyInPlace(stored, tick(make, '08:00:00', 9_990_000), program, NO_NEWS, []);
    const known = cloneState(stored);
    applyInPlace(known, tick(make, '08:01:30', 9_985_000), program, NO_NEWS, []);
    const current = cloneState(known);
    applyInPlace(current, tick(make, '08:02:10', 9_987_000), program, NO_NEWS, []);
    expect(mustSave(known, current, [])).toBe(false);
    expect(mustSave(known, current, [], DEFAULT_SAVE_POLICY, stored.clock)).toBe(true);
  });

  it('saves a new high-water mark, because the trailing floor rose', () => {
    expect(batch((make) => [tick(make, '08:00:10', 10_020_000)])).toBe(true);
  });

  it('saves a warning', () => {
    expect(batch((make) => [tick(make, '08:00:10', 9_590_000)])).toBe(true);
  });

  it('saves a deal', () => {
    expect(batch((make) => [make.deal(at('08:00:10'), { positionId: 'p2', symbol: 'EURUSD', side: 'buy', volume: 10_000, entry: 'in' })])).toBe(true);
  });

  it('saves every tick in the last minute of the firm day: the closing equity is the next reference', () => {
    // Prague midnight is 23:00Z in March; the stored state is 40 s old at 22:59:10, within the staleness bound.
    expect(DEFAULT_SAVE_POLICY.nearDayEndMs).toBe(60_000);
    expect(batch((make) => [tick(make, '22:58:50', 9_985_000)], '22:58:30')).toBe(false);
    expect(batch((make) => [tick(make, '22:59:00', 9_985_000)], '22:58:30')).toBe(true);
    expect(batch((make) => [tick(make, '22:59:10', 9_985_000)], '22:58:30')).toBe(true);
  });

  it("skips a new peak of the day's equity when no rule reads it, and saves it when a daily floor trails it", () => {
    const peakOf = (reference: 'dayStartBalance' | 'dayPeakEquity') => {
      const dailyOnly = programWith([{ kind: 'dailyLoss', severity: 'hard', reference, limit: { bps: 500, of: 'initial' }, breachAt: 'cross' }]);
      const make = events();
      const stored = openAccount(dailyOnly, { tenant: 'demo', accountId: 'acc-1', openedAt: at('07:00:00') });
      applyInPlace(stored, tick(make, '08:00:00', 10_000_000), dailyOnly, NO_NEWS, []);
      const current = cloneState(stored);
      const effects: Effect[] = [];
      applyInPlace(current, tick(make, '08:00:10', 10_005_000), dailyOnly, NO_NEWS, effects);
      expect(current.dayPeakEquity).toBe(10_005_000);
      return mustSave(stored, current, effects);
    };
    expect(peakOf('dayStartBalance')).toBe(false);
    expect(peakOf('dayPeakEquity')).toBe(true);
  });

  it("saves the broker's first equity after a deal: until then equity is not judged", () => {
    const make = events();
    const stored = openAccount(program, { tenant: 'demo', accountId: 'acc-1', openedAt: at('07:00:00') });
    applyInPlace(stored, make.deal(at('08:00:00'), { positionId: 'p1', symbol: 'EURUSD', side: 'buy', volume: 10_000, entry: 'in' }), program, NO_NEWS, []);
    expect(stored.equityAwaitsBroker).toBe(true);
    const current = cloneState(stored);
    const effects: Effect[] = [];
    applyInPlace(current, tick(make, '08:00:01', 9_990_000), program, NO_NEWS, effects);
    expect(mustSave(stored, current, effects)).toBe(true);
  });

  it('skips a batch of duplicates', () => {
    const make = events();
    const stored = openAccount(program, { tenant: 'demo', accountId: 'acc-1', openedAt: at('07:00:00') });
    const first = make.snapshot(at('08:00:01'), { balance: 10_000_000, equity: 9_990_000 });
    applyInPlace(stored, first, program, NO_NEWS, []);
    const current = cloneState(stored);
    const effects: Effect[] = [];
    applyInPlace(current, first, program, NO_NEWS, effects);
    expect(effects.map((effect) => effect.type)).toEqual(['ignored']);
    expect(mustSave(stored, current, effects)).toBe(false);
  });
});
