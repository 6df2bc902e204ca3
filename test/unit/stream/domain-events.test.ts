/** The domain events the evaluator publishes, from the reducer's effects: TradeClosed and what the abuse detectors read of it. */
import { describe, expect, it } from 'vitest';
import type { TradeEvent } from '../../../shared/domain/events.js';
import { parseProgram } from '../../../shared/domain/program.js';
import { apply } from '../../../shared/domain/reducer.js';
import { refOf } from '../../../shared/domain/rules/verdicts.js';
import { openAccount, type AccountState } from '../../../shared/domain/state.js';
import { DomainEvent, domainEventOf } from '../../../shared/stream/domain-events.js';
import { events } from '../../support/events.js';

const program = parseProgram({
  id: 'domain-events',
  version: 3,
  name: 'Domain events',
  currency: 'USD',
  initialBalance: 10_000_000,
  dayBoundary: { timeZone: 'UTC', time: '00:00' },
  phases: [{ id: 'phase-1', name: 'Challenge', kind: 'evaluation', rules: [{ kind: 'profitTarget', target: { bps: 1000, of: 'initial' }, measure: 'balance' }] }],
});

/** The published events of the trades closed by `list`, applied in turn to an account owned by `traderId`. */
function tradesClosed(traderId: string | null, list: readonly TradeEvent[]): DomainEvent[] {
  let state: AccountState = openAccount(program, { tenant: 'demo', accountId: 'acc-1', traderId, openedAt: Date.parse('2026-03-02T08:00:00Z') });
  const published: DomainEvent[] = [];
  for (const event of list) {
    const applied = apply(state, event, program);
    state = applied.state;
    applied.effects.forEach((effect, index) => {
      const domainEvent = domainEventOf(state, effect, refOf(event), index);
      if (domainEvent?.type === 'TradeClosed') published.push(domainEvent);
    });
  }
  return published;
}

function roundTrip(traderId: string | null, referencePrices: { open?: number; close?: number }): DomainEvent[] {
  const make = events();
  return tradesClosed(traderId, [
    make.deal('2026-03-02T09:00:00Z', { positionId: 'p1', symbol: 'XAUUSD', side: 'sell', volume: 10_000, entry: 'in', price: 2041.32, referencePrice: referencePrices.open, stopLoss: 2050 }),
    make.deal('2026-03-02T09:03:00Z', { positionId: 'p1', symbol: 'XAUUSD', side: 'sell', volume: 10_000, entry: 'in', price: 2043.1 }),
    make.deal('2026-03-02T09:09:07Z', { positionId: 'p1', symbol: 'XAUUSD', side: 'buy', volume: 20_000, entry: 'out', price: 2042.07, referencePrice: referencePrices.close, profit: -8_000, commission: -1_400 }),
  ]);
}

describe('TradeClosed', () => {
  it("carries the account's owner, the entry and exit prices and the reference feed's, and keeps to its contract", () => {
    const [published, ...others] = roundTrip('trd-8a3e51c0d27b94f6', { open: 2041.3, close: 2042.05 });
    expect(others).toEqual([]);
    expect(published).toEqual({
      type: 'TradeClosed',
      id: 'demo:acc-1:s3:0',
      tenant: 'demo',
      accountId: 'acc-1',
      programId: 'domain-events',
      programVersion: 3,
      phaseId: 'phase-1',
      time: '2026-03-02T09:09:07.000Z',
      cause: { type: 'deal', seq: 3, eventId: 'ev-3', time: '2026-03-02T09:09:07.000Z' },
      traderId: 'trd-8a3e51c0d27b94f6',
      positionId: 'p1',
      symbol: 'XAUUSD',
      side: 'sell',
      volume: 20_000,
      openPrice: 2041.32,
      closePrice: 2042.07,
      openReferencePrice: 2041.3,
      closeReferencePrice: 2042.05,
      netPnl: -9_400,
      hadStopLoss: true,
      excludedFromProfit: false,
      openedAt: '2026-03-02T09:00:00.000Z',
      closedAt: '2026-03-02T09:09:07.000Z',
    });
    expect(DomainEvent.parse(published)).toEqual(published);
  });

  it('carries a null owner and null references when there are none, and keeps to its contract', () => {
    const [published] = roundTrip(null, {});
    expect(published).toMatchObject({ traderId: null, openPrice: 2041.32, closePrice: 2042.07, openReferencePrice: null, closeReferencePrice: null });
    expect(DomainEvent.parse(published)).toEqual(published);
  });

  it('refuses prices that are not positive', () => {
    const [published] = roundTrip('trd-1', { open: 2041.3, close: 2042.05 });
    for (const field of ['openPrice', 'closePrice', 'openReferencePrice', 'closeReferencePrice']) {
      expect(DomainEvent.safeParse({ ...published, [field]: 0 }).success, field).toBe(false);
    }
    expect(DomainEvent.safeParse({ ...published, openPrice: null }).success).toBe(false);
    expect(DomainEvent.safeParse({ ...published, traderId: undefined }).success).toBe(false);
  });
});
