/**
 * A realistic, seeded workload for the rule engine: every account trades a few positions a day with
 * broker snapshots once a second while a position is open, the scheduler's clock event closes each
 * firm day, and a program with every rule family on judges it all. Events are produced one firm day
 * at a time, in time order across accounts, so memory stays bounded at 20,000 accounts.
 */
import { TradeEvent } from '../shared/domain/events.js';
import { NewsIndex } from '../shared/domain/news.js';
import { parseProgram, type Program } from '../shared/domain/program.js';

const DAY_MS = 86_400_000;
const INITIAL_BALANCE = 10_000_000;
const SYMBOLS = ['EURUSD', 'GBPUSD', 'USDJPY', 'XAUUSD', 'US30'];

/** Every rule family on, limits set as a typical two-step firm publishes them. */
export const benchProgram: Program = parseProgram({
  id: 'bench-all-rules',
  version: 1,
  name: 'Every rule family on',
  currency: 'USD',
  initialBalance: INITIAL_BALANCE,
  dayBoundary: { timeZone: 'Europe/Prague', time: '00:00' },
  phases: [
    {
      id: 'phase-1',
      name: 'Challenge',
      kind: 'evaluation',
      rules: [
        { kind: 'dailyLoss', severity: 'hard', reference: 'dayStartMaxBalanceEquity', limit: { bps: 500, of: 'initial' }, breachAt: 'cross', warnAtBps: [8000, 9000] },
        { kind: 'maxLoss', severity: 'hard', floor: 'trailing', trailSource: 'intradayEquity', limit: { bps: 1000, of: 'initial' }, lockAt: 'initial', breachAt: 'cross', warnAtBps: [8000, 9000] },
        { kind: 'profitTarget', target: { bps: 1000, of: 'initial' }, measure: 'balance', requireFlat: true },
        { kind: 'minTradingDays', days: 4 },
        { kind: 'minProfitableDays', days: 3, minNetPnl: { bps: 50, of: 'initial' } },
        { kind: 'maxPeriod', severity: 'hard', days: 60 },
        { kind: 'inactivity', severity: 'hard', days: 30 },
        { kind: 'bestDayConsistency', maxShareBps: 5000, comparison: 'inclusive', window: 'sinceStart', action: 'blockPass' },
        { kind: 'lotConsistency', severity: 'soft', minShareBps: 2500, maxShareBps: 20000, minTrades: 5 },
        { kind: 'newsWindow', severity: 'soft', beforeSeconds: 120, afterSeconds: 120, restrict: ['open', 'close', 'pendingFill', 'stopOrTakeProfit'], holdExemptSeconds: null, consequence: 'excludeProfit' },
        { kind: 'weekendHolding', severity: 'soft', cutoff: { weekday: 'fri', time: '22:00', timeZone: 'Europe/Prague' } },
        { kind: 'overnightHolding', severity: 'soft', cutoff: { time: '23:55', timeZone: 'Europe/Prague' } },
        { kind: 'maxVolume', severity: 'soft', maxVolume: 500_000, warnAtBps: [8000] },
        { kind: 'maxOpenPositions', severity: 'soft', max: 20, warnAtBps: [8000] },
        { kind: 'maxMarginUsage', severity: 'soft', maxShareBps: 5000, warnAtBps: [8000] },
        { kind: 'allowedInstruments', severity: 'soft', symbols: ['EUR*', 'GBP*', 'USD*', 'XAUUSD', 'US30'] },
        { kind: 'stopLossRequired', severity: 'soft' },
        { kind: 'maxLossPerTrade', severity: 'soft', limit: { bps: 200, of: 'initial' }, breachAt: 'cross' },
      ],
    },
  ],
});

export const FIRST_DAY = Date.parse('2026-03-02T00:00:00+01:00');

/** Two high-impact releases a day at 14:30 and 16:00 Prague. */
export function benchNews(days: number): NewsIndex {
  const events = [];
  for (let day = 0; day < days; day++) {
    for (const [hour, minute, symbols] of [
      [13, 30, ['EURUSD', 'USDJPY', 'US30']],
      [15, 0, ['GBPUSD', 'XAUUSD']],
    ] as const) {
      events.push({ id: `news-${day}-${hour}`, title: 'High-impact release', time: new Date(FIRST_DAY + day * DAY_MS + (hour * 60 + minute) * 60_000).toISOString(), symbols: [...symbols] });
    }
  }
  return NewsIndex.parse({ events });
}

interface BenchEvent {
  readonly account: number;
  readonly event: TradeEvent;
}

/** One firm day of events in arrival order, with the index of each event's account alongside. */
export interface DayOfEvents {
  readonly accounts: Int32Array;
  readonly events: TradeEvent[];
}

export interface AccountCursor {
  readonly accountId: string;
  seq: number;
  balance: number;
  position: number;
}

export function accountCursors(count: number): AccountCursor[] {
  return Array.from({ length: count }, (_, index) => ({ accountId: `acc-${index}`, seq: 0, balance: INITIAL_BALANCE, position: 0 }));
}

/**
 * How long positions are held. `scalping`: 20 to 120 seconds, uniformly (the reducer's benchmark: the
 * most deals per tick). `intraday`: log-uniform from a minute to an hour (median 8 minutes, mean 14),
 * scalpers and intraday traders mixed.
 */
export type TradingMix = 'scalping' | 'intraday';

/**
 * One firm day of events for every account, sorted by time: per account 1 to 3 trades, a broker
 * snapshot every second while in position, and the scheduler's clock event at the day's start.
 */
export function dayOfEvents(cursors: AccountCursor[], day: number, next: () => number, mix: TradingMix = 'scalping'): DayOfEvents {
  const dayStart = FIRST_DAY + day * DAY_MS;
  const out: BenchEvent[] = [];
  for (let account = 0; account < cursors.length; account++) {
    const cursor = cursors[account]!;
    const { accountId } = cursor;
    out.push({ account, event: { type: 'clock', schemaVersion: 1, tenant: 'bench', accountId, time: dayStart } });
    const trades = 1 + Math.floor(next() * 3);
    let time = dayStart + 8 * 3_600_000 + Math.floor(next() * 3_600_000);
    for (let trade = 0; trade < trades; trade++) {
      const positionId = `${accountId}-p${cursor.position++}`;
      const symbol = SYMBOLS[Math.floor(next() * SYMBOLS.length)]!;
      const side = next() < 0.5 ? 'buy' : 'sell';
      const volume = 5_000 + 1_000 * Math.floor(next() * 10);
      const commission = -Math.round(volume / 100);
      const seconds = mix === 'scalping' ? 20 + Math.floor(next() * 100) : Math.round(60 * 60 ** next());
      const deal = (entry: 'in' | 'out', dealSide: 'buy' | 'sell', profit: number): TradeEvent => {
        const seq = cursor.seq++;
        return {
          type: 'deal', schemaVersion: 1, tenant: 'bench', accountId, platform: 'mt5', eventId: `${accountId}-${seq}`, seq, time,
          dealId: `${positionId}-${entry}`, positionId, symbol, side: dealSide, volume, price: 1.1, entry, profit, commission, swap: 0, reason: 'client', stopLoss: 1.09, referencePrice: 1.1,
        };
      };
      cursor.balance += commission;
      out.push({ account, event: deal('in', side, 0) });
      let floating = 0;
      for (let second = 1; second <= seconds; second++) {
        floating += Math.round((next() - 0.495) * 2_000);
        const seq = cursor.seq++;
        out.push({
          account,
          event: {
            type: 'snapshot', schemaVersion: 1, tenant: 'bench', accountId, platform: 'mt5', eventId: `${accountId}-${seq}`, seq, time: time + second * 1000,
            balance: cursor.balance, equity: cursor.balance + floating, margin: volume * 2, floatingPnl: floating, source: 'broker',
          },
        });
      }
      time += (seconds + 1) * 1000;
      cursor.balance += floating + commission;
      out.push({ account, event: deal('out', side === 'buy' ? 'sell' : 'buy', floating) });
      time += Math.floor(next() * 3_600_000);
    }
  }
  out.sort((a, b) => a.event.time - b.event.time);
  // A consumer parses each record just before applying it, so its events lie in memory in arrival
  // order. Parse them again in that order; otherwise the timed loop would measure cache misses of our own making.
  return {
    accounts: Int32Array.from(out, ({ account }) => account),
    events: out.map(({ event }) => JSON.parse(JSON.stringify(event)) as TradeEvent),
  };
}

/** Checks that the generator emits what a bridge may send (run once, outside the measurement). */
export function validateSample(events: readonly TradeEvent[]): void {
  for (const event of events.slice(0, 2_000)) {
    const wire = { ...event, time: new Date(event.time).toISOString() };
    TradeEvent.parse(wire);
  }
}
