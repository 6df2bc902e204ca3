/**
 * Random but realistic event streams for one account, for property tests. fast-check generates a
 * list of trader and bridge actions; a small model of the account (time, balance, open positions)
 * turns them into canonical events that make sense together: deals only close what is open, snapshots
 * report floating P&L and margin while in position, days pass so rollovers happen, and the bridge
 * sometimes resends an event (the same object), sends a stale seq, or reports late.
 */
import fc from 'fast-check';
import { isBridgeEvent, type TradeEvent } from '../../shared/domain/events.js';
import { NewsIndex } from '../../shared/domain/news.js';
import { events } from './events.js';

const MINUTE = 60_000;
const SYMBOLS = ['EURUSD', 'GBPUSD', 'XAUUSD', 'BTCUSD'] as const;
/** A few days before the 2026 DST switches (US 8 March, EU 29 March, EU 25 October and US 1 November), so streams cross them. */
const STARTS = ['2026-03-02T06:00:00Z', '2026-03-26T06:00:00Z', '2026-10-22T06:00:00Z'] as const;

type Action =
  | { kind: 'wait'; minutes: number }
  | { kind: 'snapshot'; floating: number; margin: number; estimated: boolean }
  | { kind: 'open'; symbol: number; side: 'buy' | 'sell'; volume: number; stopLoss: boolean; pending: boolean; commission: number; referencePrice: number | null }
  | { kind: 'add'; pick: number; volume: number; commission: number }
  | { kind: 'reduce'; pick: number; share: number; profit: number }
  | { kind: 'close'; pick: number; profit: number; swap: number; reason: 'client' | 'stopLoss' | 'takeProfit' | 'stopOut'; referencePrice: number | null }
  | { kind: 'reverse'; pick: number; extra: number; profit: number }
  | { kind: 'cash'; operation: 'deposit' | 'withdrawal' | 'payout' | 'correction'; amount: number }
  | { kind: 'clock' }
  | { kind: 'resend'; pick: number }
  | { kind: 'stale'; pick: number }
  | { kind: 'late'; minutes: number; floating: number };

// Slightly profitable on average, so some streams reach their targets; now and then a large move.
const pnl = fc.oneof({ arbitrary: fc.integer({ min: -120_000, max: 200_000 }), weight: 4 }, { arbitrary: fc.integer({ min: -900_000, max: 900_000 }), weight: 1 });
const volume = fc.constantFrom(1_000, 5_000, 10_000, 10_000, 20_000, 50_000);
const pick = fc.nat({ max: 1_000 });
/** The reference feed's price at a deal, when the bridge has one (deals trade at 1.1). */
const referencePrice = fc.oneof(fc.constant(null), fc.double({ min: 1.09, max: 1.11, noNaN: true }));

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('wait' as const),
      minutes: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 120 }), weight: 3 }, { arbitrary: fc.integer({ min: 360, max: 2_400 }), weight: 1 }),
    }),
    weight: 6,
  },
  { arbitrary: fc.record({ kind: fc.constant('snapshot' as const), floating: pnl, margin: fc.integer({ min: 0, max: 5_000_000 }), estimated: fc.boolean() }), weight: 5 },
  {
    arbitrary: fc.record({
      kind: fc.constant('open' as const),
      symbol: fc.nat({ max: SYMBOLS.length - 1 }),
      side: fc.constantFrom('buy' as const, 'sell' as const),
      volume,
      stopLoss: fc.oneof({ arbitrary: fc.constant(true), weight: 19 }, { arbitrary: fc.constant(false), weight: 1 }),
      pending: fc.boolean(),
      commission: fc.integer({ min: -1_000, max: 0 }),
      referencePrice,
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant('add' as const), pick, volume, commission: fc.integer({ min: -1_000, max: 0 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('reduce' as const), pick, share: fc.integer({ min: 1, max: 99 }), profit: pnl }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant('close' as const),
      pick,
      profit: pnl,
      swap: fc.integer({ min: -500, max: 500 }),
      reason: fc.constantFrom('client' as const, 'stopLoss' as const, 'takeProfit' as const, 'stopOut' as const),
      referencePrice,
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant('reverse' as const), pick, extra: volume, profit: pnl }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('cash' as const),
      operation: fc.constantFrom('deposit' as const, 'withdrawal' as const, 'payout' as const, 'payout' as const, 'correction' as const),
      amount: fc.integer({ min: 1, max: 800_000 }),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('clock' as const) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('resend' as const), pick }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('stale' as const), pick }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('late' as const), minutes: fc.integer({ min: 1, max: 600 }), floating: pnl }), weight: 1 },
);

interface Position {
  readonly id: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly volume: number;
}

const opposite = (side: 'buy' | 'sell') => (side === 'buy' ? 'sell' : 'buy');

/** Turns actions into events, keeping the account model consistent with what was sent. */
export function toEvents(start: string, initialBalance: number, actions: readonly Action[]): TradeEvent[] {
  const make = events();
  const sent: TradeEvent[] = [];
  let time = Date.parse(start);
  let balance = initialBalance;
  let opened = 0;
  let positions: Position[] = [];
  const emit = (event: TradeEvent) => sent.push(event);
  const chosen = (index: number) => positions[index % positions.length]!;
  const without = (position: Position) => positions.filter((other) => other !== position);

  for (const next of actions) {
    if (next.kind === 'wait') {
      time += next.minutes * MINUTE;
      continue;
    }
    time += MINUTE;
    switch (next.kind) {
      case 'snapshot': {
        const floating = positions.length === 0 ? 0 : next.floating;
        const margin = positions.length === 0 ? 0 : next.margin;
        emit(make.snapshot(time, { balance, equity: balance + floating, margin, source: next.estimated ? 'estimated' : 'broker' }));
        break;
      }
      case 'open': {
        const position = { id: `p${++opened}`, symbol: SYMBOLS[next.symbol]!, side: next.side, volume: next.volume };
        positions = [...positions, position];
        balance += next.commission;
        emit(
          make.deal(time, {
            positionId: position.id,
            symbol: position.symbol,
            side: position.side,
            volume: position.volume,
            entry: 'in',
            commission: next.commission,
            stopLoss: next.stopLoss ? 1.05 : null,
            reason: next.pending ? 'pendingOrder' : 'client',
            referencePrice: next.referencePrice,
          }),
        );
        break;
      }
      case 'add': {
        if (positions.length === 0) break;
        const position = chosen(next.pick);
        positions = [...without(position), { ...position, volume: position.volume + next.volume }];
        balance += next.commission;
        emit(make.deal(time, { positionId: position.id, symbol: position.symbol, side: position.side, volume: next.volume, entry: 'in', commission: next.commission, stopLoss: 1.05 }));
        break;
      }
      case 'reduce': {
        if (positions.length === 0) break;
        const position = chosen(next.pick);
        const reduced = Math.floor((position.volume * next.share) / 100);
        if (reduced === 0) break;
        positions = [...without(position), { ...position, volume: position.volume - reduced }];
        balance += next.profit;
        emit(make.deal(time, { positionId: position.id, symbol: position.symbol, side: opposite(position.side), volume: reduced, entry: 'out', profit: next.profit }));
        break;
      }
      case 'close': {
        if (positions.length === 0) break;
        const position = chosen(next.pick);
        positions = without(position);
        balance += next.profit + next.swap;
        emit(
          make.deal(time, {
            positionId: position.id,
            symbol: position.symbol,
            side: opposite(position.side),
            volume: position.volume,
            entry: 'out',
            profit: next.profit,
            swap: next.swap,
            reason: next.reason,
            referencePrice: next.referencePrice,
          }),
        );
        break;
      }
      case 'reverse': {
        if (positions.length === 0) break;
        const position = chosen(next.pick);
        const side = opposite(position.side);
        positions = [...without(position), { ...position, side, volume: next.extra }];
        balance += next.profit;
        emit(make.deal(time, { positionId: position.id, symbol: position.symbol, side, volume: position.volume + next.extra, entry: 'reverse', profit: next.profit, stopLoss: 1.05 }));
        break;
      }
      case 'cash': {
        const amount = next.operation === 'deposit' ? next.amount : next.operation === 'correction' ? next.amount - 400_000 : -next.amount;
        balance += amount;
        emit(make.balance(time, { kind: next.operation, amount }));
        break;
      }
      case 'clock':
        emit(make.clock(time));
        break;
      case 'resend':
        if (sent.length > 0) emit(sent[next.pick % sent.length]!);
        break;
      case 'stale': {
        // An earlier seq under a new event id; a clock event is stale by its time alone.
        if (sent.length === 0) break;
        const earlier = sent[next.pick % sent.length]!;
        emit(isBridgeEvent(earlier) ? { ...earlier, eventId: `${earlier.eventId}-stale` } : earlier);
        break;
      }
      case 'late': {
        const floating = positions.length === 0 ? 0 : next.floating;
        emit(make.snapshot(time - next.minutes * MINUTE, { balance, equity: balance + floating }));
        break;
      }
    }
  }
  return sent;
}

export interface Stream {
  /** When the account opens: an hour before the first event. */
  readonly openedAt: number;
  readonly events: TradeEvent[];
}

/** A stream of 1 to maxLength actions, starting shortly before one of the DST switches. */
export function streams(initialBalance: number, maxLength = 120): fc.Arbitrary<Stream> {
  return fc
    .record({ start: fc.constantFrom(...STARTS), actions: fc.array(action, { minLength: 1, maxLength, size: 'max' }) })
    .map(({ start, actions }) => ({ openedAt: Date.parse(start) - 60 * MINUTE, events: toEvents(start, initialBalance, actions) }));
}

/** A small calendar: news every three hours for two weeks from each start, some of it for every symbol. */
export function newsCalendar(): NewsIndex {
  const symbols = [['EURUSD', 'GBPUSD'], ['XAUUSD'], ['*']];
  const items = STARTS.flatMap((start) =>
    Array.from({ length: 14 * 8 }, (_, slot) => ({
      id: `news-${start}-${slot}`,
      title: 'Data release',
      time: new Date(Date.parse(start) + slot * 180 * MINUTE + 30 * MINUTE).toISOString(),
      symbols: symbols[slot % symbols.length]!,
    })),
  );
  return NewsIndex.parse({ events: items });
}
