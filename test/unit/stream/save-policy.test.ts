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

/** The stored state after a position opened at 09:00 Prague, and the batch applied to a copy of it. */
function batch(build: (make: ReturnType<typeof events>) => TradeEvent[]): boolean {
  const make = events();
  const stored = openAccount(program, { tenant: 'demo', accountId: 'acc-1', openedAt: at('07:00:00') });
  const setup: Effect[] = [];
  applyInPlace(stored, make.deal(at('08:00:00'), { positionId: 'p1', symbol: 'EURUSD', side: 'buy', volume: 10_000, entry: 'in' }), program, NO_NEWS, setup);
  applyInPlace(stored, make.snapshot(at('08:00:01'), { balance: 10_000_000, equity: 9_990_000 }), program, NO_NEWS, setup);
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

  it('saves once the stored state would be a minute old', () => {
    expect(DEFAULT_SAVE_POLICY.maxStaleMs).toBe(60_000);
    expect(batch((make) => [tick(make, '08:01:01', 9_985_000)])).toBe(true);
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

  it('saves every tick in the last five minutes of the firm day: the closing equity is the next reference', () => {
    // Prague midnight is 23:00Z in March.
    expect(batch((make) => [tick(make, '22:54:00', 9_985_000)])).toBe(true);
    expect(batch((make) => [tick(make, '22:54:59', 9_985_000), tick(make, '22:55:00', 9_985_000)])).toBe(true);
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
