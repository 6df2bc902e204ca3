import { describe, expect, it } from 'vitest';
import { programWith, type RuleInput } from '../../support/programs.js';
import { effectsOf, trace } from '../../support/trace.js';
import { trader } from '../../support/trading.js';

const OPENED = Date.parse('2026-03-02T08:00:00Z');

type MaxLossInput = Extract<RuleInput, { kind: 'maxLoss' }>;

function maxLoss(fields: Partial<MaxLossInput> = {}): RuleInput {
  return { kind: 'maxLoss', severity: 'hard', floor: 'static', limit: { amount: 500_000 }, breachAt: 'cross', ...fields };
}

function trailing(trailSource: NonNullable<MaxLossInput['trailSource']>, fields: Partial<MaxLossInput> = {}): RuleInput {
  return maxLoss({ floor: 'trailing', trailSource, ...fields });
}

describe('static maxLoss: floor = initial - distance, whatever equity does', () => {
  it.each([
    { limit: { bps: 1000, of: 'initial' }, floor: 9_000_000 },
    { limit: { amount: 800_000 }, floor: 9_200_000 },
  ] as const)('limit $limit: floor $floor', ({ limit, floor }) => {
    const t = trader();
    const steps = trace(programWith([maxLoss({ limit: { ...limit } })]), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1'),
      t.snapshot('2026-03-02T10:00:00Z', { balance: 10_000_000, equity: 11_000_000 }),
      t.close('2026-03-02T11:00:00Z', 'p1', 1_000_000),
      t.open('2026-03-03T09:00:00Z', 'p2'),
      t.snapshot('2026-03-03T10:00:00Z', { balance: 11_000_000, equity: floor }),
      t.snapshot('2026-03-03T11:00:00Z', { balance: 11_000_000, equity: floor - 1 }),
    ]);
    expect(steps.map((step) => step.state.maxLossFloor)).toEqual(Array(6).fill(floor));
    expect(steps.map((step) => step.state.status)).toEqual(['active', 'active', 'active', 'active', 'active', 'failed']);
  });

  it.each([
    { breachAt: 'touch', equity: 9_500_001, breaches: false },
    { breachAt: 'touch', equity: 9_500_000, breaches: true },
    { breachAt: 'cross', equity: 9_500_000, breaches: false },
    { breachAt: 'cross', equity: 9_499_999, breaches: true },
    { breachAt: 'touch', toleranceMinor: 50, equity: 9_499_951, breaches: false },
    { breachAt: 'touch', toleranceMinor: 50, equity: 9_499_950, breaches: true },
  ] as const)('$breachAt (tolerance $toleranceMinor) at equity $equity: breaches $breaches', ({ equity, breaches, ...fields }) => {
    const t = trader();
    const [, last] = trace(programWith([maxLoss(fields)]), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1'),
      t.snapshot('2026-03-02T10:00:00Z', { balance: 10_000_000, equity }),
    ]);
    expect(last!.state.status).toBe(breaches ? 'failed' : 'active');
  });
});

describe('trailing maxLoss sources (distance 5,000.00)', () => {
  // The same day for every source: equity peaks at 108,000.00 (broker), then an estimate says 110,000.00,
  // then the position closes +4,000.00 (balance 104,000.00), and the firm day ends.
  it.each([
    { trailSource: 'endOfDayBalance', floors: [9_500_000, 9_500_000, 9_500_000, 9_500_000, 9_900_000] },
    { trailSource: 'intradayEquity', floors: [9_500_000, 10_300_000, 10_300_000, 10_300_000, 10_300_000] },
    { trailSource: 'closedBalance', floors: [9_500_000, 9_500_000, 9_500_000, 9_900_000, 9_900_000] },
    { trailSource: 'balanceOrEquity', floors: [9_500_000, 10_300_000, 10_300_000, 10_300_000, 10_300_000] },
  ] as const)('$trailSource floors after each event: $floors', ({ trailSource, floors }) => {
    const t = trader();
    const steps = trace(programWith([trailing(trailSource)]), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1'),
      t.snapshot('2026-03-02T10:00:00Z', { balance: 10_000_000, equity: 10_800_000 }),
      t.snapshot('2026-03-02T10:30:00Z', { balance: 10_000_000, equity: 11_000_000, source: 'estimated' }),
      t.close('2026-03-02T11:00:00Z', 'p1', 400_000),
      t.clock('2026-03-03T06:00:00Z'),
    ]);
    expect(steps.map((step) => step.state.maxLossFloor)).toEqual(floors);
  });

  it('enforces an end-of-day floor on every event of the next day', () => {
    const t = trader();
    const steps = trace(programWith([trailing('endOfDayBalance')]), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1'),
      t.close('2026-03-02T11:00:00Z', 'p1', 400_000),
      t.open('2026-03-03T09:00:00Z', 'p2'),
      t.snapshot('2026-03-03T10:00:00Z', { balance: 10_400_000, equity: 9_900_000 }),
      t.snapshot('2026-03-03T10:00:01Z', { balance: 10_400_000, equity: 9_899_999 }),
    ]);
    expect(steps.map((step) => step.state.status)).toEqual(['active', 'active', 'active', 'active', 'failed']);
    expect(effectsOf(steps[4]!.effects, 'violation')[0]).toMatchObject({
      time: Date.parse('2026-03-03T10:00:01Z'),
      evidence: { value: 9_899_999, threshold: 9_900_000, inputs: { highWater: 10_400_000 } },
    });
  });
});

describe('trailing maxLoss distance', () => {
  it.each([
    { limit: { amount: 400_000 }, floors: [9_600_000, 10_400_000, 10_400_010] },
    { limit: { bps: 500, of: 'initial' }, floors: [9_500_000, 10_300_000, 10_300_010] },
    // 5% of the peak, halves away from zero: 540,000.5 at 108,000.10 rounds to 540,001.
    { limit: { bps: 500, of: 'peak' }, floors: [9_500_000, 10_260_000, 10_260_009] },
  ] as const)('$limit: floors $floors at peaks 100,000.00, 108,000.00, 108,000.10', ({ limit, floors }) => {
    const t = trader();
    const steps = trace(programWith([trailing('intradayEquity', { limit: { ...limit } })]), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1'),
      t.snapshot('2026-03-02T10:00:00Z', { balance: 10_000_000, equity: 10_800_000 }),
      t.snapshot('2026-03-02T11:00:00Z', { balance: 10_000_000, equity: 10_800_010 }),
    ]);
    expect(steps.map((step) => step.state.maxLossFloor)).toEqual(floors);
  });
});

describe('trailing maxLoss lock', () => {
  // Distance 5,000.00: with lock L the floor stops trailing when the peak reaches L + 5,000.00.
  it.each([
    { lockAt: 'none', peaks: [10_499_999, 10_500_000, 10_600_000], floors: [9_999_999, 10_000_000, 10_100_000] },
    { lockAt: 'initial', peaks: [10_499_999, 10_500_000, 10_600_000], floors: [9_999_999, 10_000_000, 10_000_000] },
    { lockAt: { initialPlus: 10_000 }, peaks: [10_509_999, 10_510_000, 10_600_000], floors: [10_009_999, 10_010_000, 10_010_000] },
  ] as const)('lockAt $lockAt: floors $floors at peaks $peaks', ({ lockAt, peaks, floors }) => {
    const t = trader();
    const steps = trace(programWith([trailing('intradayEquity', { lockAt })]), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1'),
      ...peaks.map((equity, minute) => t.snapshot(Date.parse('2026-03-02T10:00:00Z') + minute * 60_000, { balance: 10_000_000, equity })),
    ]);
    expect(steps.slice(1).map((step) => step.state.maxLossFloor)).toEqual(floors);
  });
});

describe('trailing maxLoss after a payout', () => {
  // Closed +8,000.00: peak 108,000.00, floor 103,000.00. A 3,000.00 payout leaves 105,000.00; equity
  // then makes a new peak of 110,000.00.
  it.each([
    { afterPayout: 'keep', floors: [10_300_000, 10_500_000], frozen: false },
    { afterPayout: 'reset', floors: [10_000_000, 10_500_000], frozen: false },
    // Locked at the initial balance or where the floor is, whichever is higher: it no longer trails.
    { afterPayout: 'lock', floors: [10_300_000, 10_300_000], frozen: true },
  ] as const)('$afterPayout: floors $floors after the payout and after the new peak', ({ afterPayout, floors, frozen }) => {
    const t = trader();
    const steps = trace(programWith([trailing('intradayEquity', { afterPayout })]), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1'),
      t.close('2026-03-02T10:00:00Z', 'p1', 800_000),
      t.balance('2026-03-02T11:00:00Z', { kind: 'payout', amount: -300_000 }),
      t.open('2026-03-02T12:00:00Z', 'p2'),
      t.snapshot('2026-03-02T13:00:00Z', { balance: 10_500_000, equity: 11_000_000 }),
    ]);
    expect(steps[1]!.state.maxLossFloor).toBe(10_300_000);
    expect([steps[2]!.state.maxLossFloor, steps[4]!.state.maxLossFloor]).toEqual(floors);
    expect(steps[4]!.state).toMatchObject({ status: 'active', highWater: 11_000_000, maxLossFrozen: frozen, payouts: 1 });
  });

  it('lock raises a floor still below the lock level to it', () => {
    const t = trader();
    // Peak 104,000.00 puts the floor at 99,000.00; the lock level is the initial 100,000.00.
    const steps = trace(programWith([trailing('intradayEquity', { afterPayout: 'lock' })]), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1'),
      t.close('2026-03-02T10:00:00Z', 'p1', 400_000),
      t.balance('2026-03-02T11:00:00Z', { kind: 'payout', amount: -100_000 }),
    ]);
    expect(steps.map((step) => step.state.maxLossFloor)).toEqual([9_500_000, 9_900_000, 10_000_000]);
  });
});

describe('maxLoss on estimated equity', () => {
  it('only warns below the floor until the broker confirms', () => {
    const t = trader();
    const steps = trace(programWith([maxLoss()]), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1'),
      t.snapshot('2026-03-02T10:00:00Z', { balance: 10_000_000, equity: 9_400_000, source: 'estimated' }),
      t.snapshot('2026-03-02T10:01:00Z', { balance: 10_000_000, equity: 9_400_000 }),
    ]);
    expect(steps[1]!.effects).toEqual([expect.objectContaining({ type: 'warning', rule: 'maxLoss', reason: 'breachOnEstimatedEquity', levelBps: 10_000 })]);
    expect(steps.map((step) => step.state.status)).toEqual(['active', 'active', 'failed']);
  });
});
