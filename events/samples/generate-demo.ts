/**
 * Generates events/samples/demo.jsonl, the demo's event stream (`npm run demo:generate`): four MT5
 * accounts of one firm on a 100K two-step challenge over two weeks of February 2026, merged in time
 * order as a bridge delivers them. Seeded, so the output only changes when this script does.
 *
 * 5210341 reaches the 10% target on its sixth trading day and passes phase 1.
 * 5210342 holds a losing gold short through both daily-loss warnings and fails on the daily loss.
 * 5210343 draws down to the 80% and later the 90% daily-loss warning, recovers both times, stays active.
 * 5210344 loses a little every day, gets the maximum-loss warnings, and fails on the maximum loss.
 * One snapshot of 5210343 is delivered twice, and the scheduler's clock closes its last day.
 */
import { writeFileSync } from 'node:fs';
import { seededRandom } from '../../shared/seeded-random.js';

const TENANT = 'demo-firm';
const INITIAL_BALANCE = 10_000_000;
/** The broker's server time: EET, UTC+2 in February. */
const SERVER_OFFSET = '+02:00';
const SERVER_OFFSET_MS = 2 * 3_600_000;
const MINUTE = 60_000;
const DAY = 86_400_000;
/** $3.50 per lot per side, in cents per 1/10,000 lot. */
const COMMISSION_PER_VOLUME = 350 / 10_000;

type SymbolName = 'EURUSD' | 'GBPUSD' | 'XAUUSD';

interface Instrument {
  readonly digits: number;
  /** Standard deviation of a one-minute move, in points. */
  readonly minuteVolatility: number;
  /** Margin in cents for a volume at a price (1:100 for FX, 1:20 for gold). */
  readonly margin: (volume: number, price: number) => number;
}

// A point is worth $1 per lot on all three (100,000 units at 0.00001, 100 oz at 0.01), so
// profit in cents = points × volume / 100 with volume in 1/10,000 lot.
const instruments: Record<SymbolName, Instrument> = {
  EURUSD: { digits: 5, minuteVolatility: 9, margin: (volume, price) => Math.round(volume * 10 * price) },
  GBPUSD: { digits: 5, minuteVolatility: 11, margin: (volume, price) => Math.round(volume * 10 * price) },
  XAUUSD: { digits: 2, minuteVolatility: 35, margin: (volume, price) => Math.round((volume * price) / 20) },
};

interface Trade {
  readonly day: string;
  /** Server time HH:MM of the opening deal. */
  readonly open: string;
  readonly minutes: number;
  readonly symbol: SymbolName;
  readonly side: 'buy' | 'sell';
  readonly lots: number;
  readonly entry: number;
  readonly exit: number;
  /** Prices the path passes at a share of the holding time; it never leaves the range of the prices named. */
  readonly via?: readonly (readonly [share: number, price: number])[];
  readonly stopLoss?: number;
  readonly closeReason?: 'client' | 'takeProfit' | 'stopLoss';
}

interface Scenario {
  readonly accountId: string;
  readonly trades: readonly Trade[];
}

const scenarios: readonly Scenario[] = [
  {
    accountId: '5210341',
    trades: [
      { day: '2026-02-02', open: '10:14', minutes: 95, symbol: 'EURUSD', side: 'buy', lots: 3, entry: 1.0842, exit: 1.08915, via: [[0.3, 1.0835]], stopLoss: 1.0822 },
      { day: '2026-02-02', open: '15:32', minutes: 70, symbol: 'XAUUSD', side: 'sell', lots: 1, entry: 2046.8, exit: 2039.1, via: [[0.4, 2049.3]], stopLoss: 2052.5 },
      { day: '2026-02-03', open: '11:05', minutes: 120, symbol: 'GBPUSD', side: 'buy', lots: 2.5, entry: 1.2631, exit: 1.2684, via: [[0.25, 1.2622]], stopLoss: 1.2595, closeReason: 'takeProfit' },
      { day: '2026-02-04', open: '09:48', minutes: 60, symbol: 'EURUSD', side: 'sell', lots: 3, entry: 1.0878, exit: 1.0899, via: [[0.2, 1.0871]], stopLoss: 1.0899, closeReason: 'stopLoss' },
      { day: '2026-02-05', open: '14:20', minutes: 110, symbol: 'XAUUSD', side: 'buy', lots: 1.5, entry: 2038.2, exit: 2061.4, via: [[0.3, 2034.9]], stopLoss: 2030 },
      { day: '2026-02-06', open: '10:02', minutes: 85, symbol: 'EURUSD', side: 'buy', lots: 3, entry: 1.0815, exit: 1.0861, via: [[0.35, 1.0809]], stopLoss: 1.0795 },
      { day: '2026-02-09', open: '11:40', minutes: 105, symbol: 'GBPUSD', side: 'sell', lots: 3, entry: 1.2695, exit: 1.2612, via: [[0.2, 1.2703]], stopLoss: 1.2725, closeReason: 'takeProfit' },
    ],
  },
  {
    accountId: '5210342',
    trades: [
      { day: '2026-02-02', open: '11:30', minutes: 55, symbol: 'EURUSD', side: 'buy', lots: 2, entry: 1.084, exit: 1.0861, via: [[0.4, 1.0836]] },
      // A short against a gold rally: the stop sits beyond the daily loss limit.
      { day: '2026-02-03', open: '13:10', minutes: 110, symbol: 'XAUUSD', side: 'sell', lots: 2, entry: 2040.5, exit: 2066.05, via: [[0.5, 2055], [0.92, 2066.6]], stopLoss: 2066, closeReason: 'stopLoss' },
    ],
  },
  {
    accountId: '5210343',
    trades: [
      { day: '2026-02-02', open: '10:40', minutes: 80, symbol: 'EURUSD', side: 'buy', lots: 2, entry: 1.0843, exit: 1.0859, via: [[0.3, 1.0837]] },
      { day: '2026-02-03', open: '14:05', minutes: 65, symbol: 'GBPUSD', side: 'sell', lots: 2, entry: 1.265, exit: 1.2642, via: [[0.4, 1.2656]] },
      { day: '2026-02-04', open: '13:30', minutes: 150, symbol: 'XAUUSD', side: 'buy', lots: 2, entry: 2050, exit: 2047.3, via: [[0.55, 2030]] },
      { day: '2026-02-06', open: '10:25', minutes: 75, symbol: 'EURUSD', side: 'buy', lots: 2, entry: 1.082, exit: 1.0846, via: [[0.3, 1.0814]] },
      { day: '2026-02-09', open: '13:45', minutes: 140, symbol: 'XAUUSD', side: 'sell', lots: 1.5, entry: 2045, exit: 2043.8, via: [[0.6, 2075.4]] },
      { day: '2026-02-10', open: '10:55', minutes: 90, symbol: 'GBPUSD', side: 'buy', lots: 2, entry: 1.261, exit: 1.2635, via: [[0.3, 1.2604]] },
      { day: '2026-02-12', open: '15:10', minutes: 60, symbol: 'EURUSD', side: 'buy', lots: 2, entry: 1.0855, exit: 1.0849, via: [[0.5, 1.0862]] },
      { day: '2026-02-13', open: '11:20', minutes: 70, symbol: 'XAUUSD', side: 'sell', lots: 1, entry: 2052, exit: 2046.5, via: [[0.3, 2054.1]] },
    ],
  },
  {
    accountId: '5210344',
    trades: [
      { day: '2026-02-02', open: '15:45', minutes: 100, symbol: 'XAUUSD', side: 'buy', lots: 1.5, entry: 2042, exit: 2021.5, via: [[0.4, 2044.2]], stopLoss: 2021.5, closeReason: 'stopLoss' },
      { day: '2026-02-03', open: '10:30', minutes: 130, symbol: 'EURUSD', side: 'sell', lots: 4, entry: 1.0835, exit: 1.0905, via: [[0.3, 1.0829]] },
      { day: '2026-02-04', open: '14:50', minutes: 95, symbol: 'GBPUSD', side: 'buy', lots: 3, entry: 1.268, exit: 1.2595, via: [[0.25, 1.2688]] },
      { day: '2026-02-05', open: '15:15', minutes: 120, symbol: 'XAUUSD', side: 'buy', lots: 1, entry: 2055, exit: 2037.9, via: [[0.7, 2037.6]], stopLoss: 2038, closeReason: 'stopLoss' },
    ],
  },
];

const random = seededRandom(20260202);

function gaussian(): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Server wall-clock day and HH:MM to epoch ms. */
function serverTime(day: string, hhmm: string): number {
  return Date.parse(`${day}T${hhmm}:00${SERVER_OFFSET}`);
}

/** ISO 8601 in server time, as an MT5 bridge stamps it. */
function stamp(time: number): string {
  const text = new Date(time + SERVER_OFFSET_MS).toISOString().replace('.000Z', 'Z');
  return text.replace('Z', SERVER_OFFSET);
}

/**
 * Minute prices in points from entry to exit: a random walk pinned to each waypoint (a Brownian
 * bridge per leg), kept inside the range of the prices the trade names.
 */
function pricePath(trade: Trade): number[] {
  const { digits, minuteVolatility } = instruments[trade.symbol];
  const points = (price: number) => Math.round(price * 10 ** digits);
  const pins: [number, number][] = [
    [0, points(trade.entry)],
    ...(trade.via ?? []).map(([share, price]): [number, number] => [Math.round(share * trade.minutes), points(price)]),
    [trade.minutes, points(trade.exit)],
  ];
  const low = Math.min(...pins.map(([, price]) => price));
  const high = Math.max(...pins.map(([, price]) => price));
  const path: number[] = [pins[0]![1]];
  for (let leg = 1; leg < pins.length; leg++) {
    const [from, start] = pins[leg - 1]!;
    const [to, end] = pins[leg]!;
    const walk = [0];
    for (let i = from + 1; i <= to; i++) walk.push(walk[walk.length - 1]! + gaussian() * minuteVolatility);
    const drift = walk[walk.length - 1]!;
    for (let i = from + 1; i <= to; i++) {
      const share = (i - from) / (to - from);
      const price = Math.round(start + (end - start) * share + walk[i - from]! - drift * share);
      path.push(Math.min(high, Math.max(low, price)));
    }
  }
  return path;
}

type Body = Record<string, unknown>;

let ticket = 1_187_300_000;
const nextTicket = () => String((ticket += 1 + Math.floor(random() * 40)));

/** One account's events in time order, without seq and eventId. */
function accountEvents(scenario: Scenario): { time: number; body: Body }[] {
  const events: { time: number; body: Body }[] = [];
  const push = (time: number, body: Body) => events.push({ time, body });
  let balance = INITIAL_BALANCE;
  const snapshot = (time: number, floatingPnl: number, margin: number) =>
    push(time, { type: 'snapshot', balance, equity: balance + floatingPnl, margin, floatingPnl, source: 'broker' });

  // The platform's end-of-day record at server midnight on weekdays, sent once the next event is due
  // (positions never stay open overnight, so equity is the balance).
  const firstDay = scenario.trades[0]!.day;
  let nextMidnight = serverTime(firstDay, '00:00') + DAY;
  const closeDaysUntil = (time: number) => {
    for (; nextMidnight <= time; nextMidnight += DAY) {
      const tradingDay = stamp(nextMidnight - DAY).slice(0, 10);
      const weekday = new Date(`${tradingDay}T00:00:00Z`).getUTCDay();
      if (weekday !== 0 && weekday !== 6) push(nextMidnight, { type: 'dayClose', tradingDay, balance, equity: balance });
    }
  };

  snapshot(serverTime(firstDay, '09:00'), 0, 0);
  for (const trade of scenario.trades) {
    const { digits, margin: marginOf } = instruments[trade.symbol];
    const volume = Math.round(trade.lots * 10_000);
    const commission = -Math.round(volume * COMMISSION_PER_VOLUME);
    const direction = trade.side === 'buy' ? 1 : -1;
    const path = pricePath(trade);
    const entryPoints = path[0]!;
    const exitPoints = path[trade.minutes]!;
    const openMinute = serverTime(trade.day, trade.open);
    const openedAt = openMinute + 2_000 + Math.floor(random() * 50_000);
    const closedAt = openMinute + trade.minutes * MINUTE + 2_000 + Math.floor(random() * 50_000);
    if (events.length > 0 && openedAt <= events[events.length - 1]!.time) throw new Error(`${scenario.accountId}: trades on ${trade.day} overlap`);
    closeDaysUntil(openedAt);

    const positionId = nextTicket();
    const price = (points: number) => points / 10 ** digits;
    const profitAt = (points: number) => Math.round((direction * (points - entryPoints) * volume) / 100);
    const deal = (time: number, side: 'buy' | 'sell', entry: 'in' | 'out', points: number, reason: Trade['closeReason']) => {
      push(time, {
        type: 'order', orderId: nextTicket(), positionId, symbol: trade.symbol, side, volume, orderType: 'market', status: 'filled',
        requestedPrice: price(points), filledPrice: price(points), requestedAt: stamp(time - 140), filledAt: stamp(time),
      });
      const profit = entry === 'in' ? 0 : profitAt(points);
      balance += profit + commission;
      push(time, {
        type: 'deal', dealId: nextTicket(), positionId, symbol: trade.symbol, side, volume, price: price(points), entry,
        profit, commission, swap: 0, reason, stopLoss: entry === 'in' ? (trade.stopLoss ?? null) : null,
      });
    };

    deal(openedAt, trade.side, 'in', entryPoints, 'client');
    const margin = marginOf(volume, price(entryPoints));
    for (let minute = 1; minute < trade.minutes; minute++) snapshot(openMinute + minute * MINUTE, profitAt(path[minute]!), margin);
    deal(closedAt, trade.side === 'buy' ? 'sell' : 'buy', 'out', exitPoints, trade.closeReason ?? 'client');
  }
  return events;
}

const ENVELOPE = { schemaVersion: 1, tenant: TENANT };

const stream: Body[] = scenarios
  .flatMap((scenario) =>
    accountEvents(scenario).map(({ time, body }, index) => {
      const seq = index + 1;
      const { type, ...fields } = body;
      const event = { type, ...ENVELOPE, accountId: scenario.accountId, platform: 'mt5', eventId: `mt5-${scenario.accountId}-${String(seq).padStart(6, '0')}`, seq, time: stamp(time), ...fields };
      return { time, event };
    }),
  )
  // Stable: events at the same instant keep their account's order.
  .sort((a, b) => a.time - b.time)
  .map(({ event }) => event);

// A bridge retry: one snapshot of 5210343 delivered again a few events later.
const retried = stream.findIndex((event) => event.accountId === '5210343' && event.type === 'snapshot' && event.seq === 40);
stream.splice(retried + 3, 0, stream[retried]!);
// Propdesk's scheduler closes the last firm day (Prague midnight) of the account still trading.
stream.push({ type: 'clock', ...ENVELOPE, accountId: '5210343', time: '2026-02-13T23:00:00Z' });

writeFileSync(new URL('./demo.jsonl', import.meta.url), stream.map((event) => JSON.stringify(event)).join('\n') + '\n');
console.log(`wrote ${stream.length} events to events/samples/demo.jsonl`);
