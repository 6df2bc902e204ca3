import { describe, expect, it } from 'vitest';
import { programWith } from '../../support/programs.js';
import { effectsOf, trace } from '../../support/trace.js';
import { trader } from '../../support/trading.js';

const OPENED = Date.parse('2026-03-02T08:00:00Z');

describe('allowedInstruments: EURUSD exactly, or anything starting with XAU', () => {
  it.each([
    { symbol: 'EURUSD', allowed: true },
    { symbol: 'EURUSDm', allowed: false },
    { symbol: 'EUR', allowed: false },
    { symbol: 'XAUUSD', allowed: true },
    { symbol: 'XAU', allowed: true },
    { symbol: 'XAGUSD', allowed: false },
  ])('opening $symbol is allowed: $allowed', ({ symbol, allowed }) => {
    const t = trader();
    const [opened] = trace(programWith([{ kind: 'allowedInstruments', severity: 'hard', symbols: ['EURUSD', 'XAU*'] }]), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1', { symbol }),
    ]);
    expect(opened!.state.status).toBe(allowed ? 'active' : 'failed');
  });

  it('soft: flags the opening only, not the close of the same position', () => {
    const t = trader();
    const steps = trace(programWith([{ kind: 'allowedInstruments', severity: 'soft', symbols: ['EURUSD'] }]), { openedAt: OPENED }, [
      t.open('2026-03-02T09:00:00Z', 'p1', { symbol: 'BTCUSD' }),
      t.close('2026-03-02T10:00:00Z', 'p1', 0, { symbol: 'BTCUSD' }),
    ]);
    expect(steps.map((step) => effectsOf(step.effects, 'violation').map((violation) => violation.action))).toEqual([['flag'], []]);
  });
});
