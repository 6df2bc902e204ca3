import { describe, expect, it } from 'vitest';
import { apply } from '../../shared/domain/reducer.js';
import { RECENT_OVERRIDES } from '../../shared/domain/state.js';
import { programWith, type RuleInput } from '../support/programs.js';
import { effectsOf, openState, trace } from '../support/trace.js';
import { trader } from '../support/trading.js';

// 10% static maximum loss of $100,000: the floor is $90,000 (9,000,000 cents).
const MAX_LOSS: RuleInput = { kind: 'maxLoss', severity: 'hard', floor: 'static', limit: { amount: 1_000_000 }, breachAt: 'cross' };
const TARGET: RuleInput = { kind: 'profitTarget', target: { amount: 1_000_000 }, measure: 'balance' };
const program = programWith([MAX_LOSS, TARGET, { kind: 'maxPeriod', severity: 'hard', days: 3 }], { kind: 'evaluation' });
const noPeriod = programWith([MAX_LOSS]);
const OPENED = '2026-03-02T08:00:00Z';

describe('staff overrides', () => {
  it('reinstates a failed account, which is judged again from the next event on', () => {
    const t = trader();
    const steps = trace(program, { openedAt: OPENED }, [
      t.snapshot('2026-03-02T10:00:00Z', { balance: 10_000_000, equity: 8_999_999 }),
      t.snapshot('2026-03-02T10:01:00Z', { balance: 10_000_000, equity: 9_500_000 }),
      t.override('2026-03-02T11:00:00Z', { action: 'reinstate' }, { reason: 'bridge sent a bad equity' }),
      t.snapshot('2026-03-02T11:01:00Z', { balance: 10_000_000, equity: 9_500_000 }),
      t.snapshot('2026-03-02T11:02:00Z', { balance: 10_000_000, equity: 8_999_999 }),
    ]);
    expect(steps.map((step) => step.state.status)).toEqual(['failed', 'failed', 'active', 'active', 'failed']);
    expect(steps[1]!.effects).toEqual([expect.objectContaining({ type: 'ignored', reason: 'terminal' })]);
    expect(steps[2]!.state).toMatchObject({ endedAt: null, endReason: null });
    expect(steps[2]!.effects).toEqual([
      {
        type: 'override',
        overrideId: 'ov-1',
        action: 'reinstate',
        actor: 'risk-1',
        reason: 'bridge sent a bad equity',
        time: Date.parse('2026-03-02T11:00:00Z'),
        rejection: null,
        before: { status: 'failed', balance: 10_000_000, equity: 8_999_999 },
        after: { status: 'active', balance: 10_000_000, equity: 8_999_999 },
      },
    ]);
    expect(effectsOf(steps[4]!.effects, 'accountFailed')).toEqual([expect.objectContaining({ rule: 'maxLoss' })]);
  });

  it('rejects what does not fit the status staff saw, changing nothing but the time', () => {
    const t = trader();
    const steps = trace(program, { openedAt: OPENED }, [
      t.override('2026-03-02T09:00:00Z', { action: 'reinstate' }),
      t.override('2026-03-02T09:01:00Z', { action: 'fail' }),
      t.override('2026-03-02T09:02:00Z', { action: 'fail' }),
      t.override('2026-03-02T09:03:00Z', { action: 'adjustBalance', amount: 100 }),
      t.override('2026-03-02T09:04:00Z', { action: 'extendPeriod', days: 2 }),
    ]);
    const rejections = steps.map((step) => effectsOf(step.effects, 'override')[0]!.rejection);
    expect(rejections).toEqual(['the account is active, not failed', null, 'the account is failed', 'the account is failed', 'the account is failed']);
    expect(steps[4]!.state).toMatchObject({ status: 'failed', balance: 10_000_000, periodExtensionDays: 0, clock: Date.parse('2026-03-02T09:04:00Z') });
    expect(trace(noPeriod, { openedAt: OPENED }, [trader().override('2026-03-02T09:00:00Z', { action: 'extendPeriod', days: 2 })])[0]!.effects).toEqual([
      expect.objectContaining({ rejection: 'phase phase-1 has no maximum period' }),
    ]);
  });

  it('fails an active account as an override, with an accountFailed every consumer sees', () => {
    const t = trader();
    const steps = trace(program, { openedAt: OPENED }, [t.override('2026-03-02T12:00:00Z', { action: 'fail' }), t.snapshot('2026-03-02T12:01:00Z', { equity: 10_000_000 })]);
    expect(steps[0]!.state).toMatchObject({ status: 'failed', endReason: 'override', endedAt: Date.parse('2026-03-02T12:00:00Z') });
    expect(steps[0]!.effects.map((effect) => effect.type)).toEqual(['accountFailed', 'override']);
    expect(effectsOf(steps[0]!.effects, 'accountFailed')[0]).toMatchObject({ rule: 'override', event: { type: 'override', seq: null, eventId: 'ov-1' } });
    expect(steps[1]!.effects).toEqual([expect.objectContaining({ type: 'ignored', reason: 'terminal' })]);
  });

  it('resets the phase from the initial balance at the override, keeping the seq so old events stay duplicates', () => {
    const t = trader();
    const trading = [t.open('2026-03-02T09:00:00Z', 'p1'), t.close('2026-03-02T10:00:00Z', 'p1', -600_000)];
    const stale = t.snapshot('2026-03-03T10:00:00Z', { balance: 9_400_000, equity: 9_400_000 });
    const steps = trace(program, { openedAt: OPENED }, [
      ...trading,
      stale,
      t.override('2026-03-04T10:00:00Z', { action: 'reset' }),
      stale,
      t.snapshot('2026-03-04T10:05:00Z', { equity: 10_000_000 }),
    ]);
    const reset = steps[3]!.state;
    expect(reset).toMatchObject({ status: 'active', balance: 10_000_000, equity: 10_000_000, closedTrades: 0, positions: [], openedAt: Date.parse('2026-03-04T10:00:00Z'), lastSeq: 3 });
    expect(reset.startDay).toBeGreaterThan(steps[2]!.state.startDay);
    expect(steps[4]!.effects).toEqual([expect.objectContaining({ type: 'ignored', reason: 'duplicate' })]);
    // The period counts from the reset: three firm days from 4 March end on the 6th, not the 4th.
    const after = apply(steps[5]!.state, t.clock('2026-03-05T23:00:00Z'), program);
    expect(after.state.status).toBe('active');
  });

  it('extends the maximum period by the days given: the breach moves to the later rollover, and its evidence says so', () => {
    const t = trader();
    // Three firm days from 2 March end 2026-03-04T23:00Z (Prague midnight); two more end on the 6th.
    const steps = trace(program, { openedAt: OPENED }, [
      t.override('2026-03-03T09:00:00Z', { action: 'extendPeriod', days: 2 }),
      t.clock('2026-03-06T22:59:59.999Z'),
      t.clock('2026-03-06T23:00:00Z'),
    ]);
    expect(steps[0]!.state.periodExtensionDays).toBe(2);
    expect(steps[1]!.state.status).toBe('active');
    expect(effectsOf(steps[2]!.effects, 'violation')).toEqual([
      expect.objectContaining({ rule: 'maxPeriod', evidence: expect.objectContaining({ value: 5, threshold: 5, inputs: expect.objectContaining({ extensionDays: 2 }) }) }),
    ]);
    expect(steps[2]!.state.status).toBe('failed');
  });

  it.each([
    { amount: -1_000_000, status: 'active', why: 'a correction that touches the floor' },
    { amount: -1_000_001, status: 'failed', why: 'one that crosses it' },
  ] as const)('adjusts the balance like a correction: $why leaves the account $status', ({ amount, status }) => {
    const t = trader();
    const steps = trace(program, { openedAt: OPENED }, [t.override('2026-03-02T09:00:00Z', { action: 'adjustBalance', amount })]);
    const state = steps[0]!.state;
    expect(state).toMatchObject({ status, balance: 10_000_000 + amount, equity: 10_000_000 + amount, dayStartBalance: 10_000_000 + amount });
    expect(effectsOf(steps[0]!.effects, 'override')[0]).toMatchObject({ rejection: null, before: { balance: 10_000_000 }, after: { status, balance: 10_000_000 + amount } });
  });

  it('applies a redelivered override once, remembering the latest ids only', () => {
    const t = trader();
    const first = t.override('2026-03-02T09:00:00Z', { action: 'adjustBalance', amount: 100 });
    let state = openState(program, { openedAt: OPENED });
    state = apply(state, first, program).state;
    const again = apply(state, first, program);
    expect(again.effects).toEqual([expect.objectContaining({ type: 'ignored', reason: 'duplicate' })]);
    expect(again.state.balance).toBe(10_000_100);
    for (let i = 0; i < RECENT_OVERRIDES; i++) state = apply(state, t.override(Date.parse('2026-03-02T10:00:00Z') + i, { action: 'adjustBalance', amount: 1 }), program).state;
    expect(state.recentOverrides).toHaveLength(RECENT_OVERRIDES);
    expect(state.recentOverrides).not.toContain('ov-1');
  });
});
