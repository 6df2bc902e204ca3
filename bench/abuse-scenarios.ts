/**
 * A labelled population for the abuse detectors: normal traders, near-misses (legitimate styles that sit
 * close to an abuse pattern: scalpers, pyramiders, news traders who lose, weekend holders, a trader's twin
 * accounts, families on one IP address) and each kind of abuser, with the detectors that must flag each
 * account. The stream runs Thursday 5 to Monday 9 March 2026, across a weekend on which New York changes
 * to summer time, as the evaluator's TradeClosed events would arrive (by close time). Seeded: the same
 * arguments give the same population on every machine.
 */
import type { DetectorId } from '../shared/abuse/policy.js';
import type { AbuseTrade } from '../shared/abuse/findings.js';
import type { IdentityObservation } from '../shared/abuse/identity.js';
import { NewsIndex, type NewsItem } from '../shared/domain/news.js';
import { seededRandom } from '../shared/seeded-random.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const SECOND = 1_000;
export const INITIAL_BALANCE = 10_000_000;
/** Thursday, Friday and Monday; the FX weekend closes Friday 22:00Z (17:00 EST) and reopens Sunday 21:00Z (17:00 EDT). */
const TRADING_DAYS = [Date.parse('2026-03-05T00:00:00Z'), Date.parse('2026-03-06T00:00:00Z'), Date.parse('2026-03-09T00:00:00Z')];
const MARKET_CLOSE = Date.parse('2026-03-06T22:00:00Z');
const MARKET_REOPEN = Date.parse('2026-03-08T21:00:00Z');
const PURCHASED_AT = Date.parse('2026-03-04T12:00:00Z');

const SYMBOLS: readonly { readonly symbol: string; readonly price: number }[] = [
  { symbol: 'EURUSD', price: 1.085 },
  { symbol: 'GBPUSD', price: 1.27 },
  { symbol: 'USDJPY', price: 149.5 },
  { symbol: 'XAUUSD', price: 2_150 },
  { symbol: 'US30', price: 39_000 },
  { symbol: 'NAS100', price: 18_200 },
  { symbol: 'AUDUSD', price: 0.66 },
  { symbol: 'USDCAD', price: 1.355 },
  { symbol: 'GER40', price: 17_700 },
  { symbol: 'EURJPY', price: 162.2 },
  { symbol: 'USDCHF', price: 0.88 },
  { symbol: 'BTCUSD', price: 67_000 },
];

/** Two high-impact releases each trading day (08:30 and 13:30 UTC), and a medium one at 10:00 that does not count. */
function newsItems(): NewsItem[] {
  const items: NewsItem[] = [];
  for (const day of TRADING_DAYS) {
    const label = new Date(day).toISOString().slice(0, 10);
    items.push({ id: `eur-${label}`, title: 'Euro area release', time: day + 8.5 * HOUR, impact: 'high', symbols: ['EURUSD', 'GER40', 'EURJPY'] });
    items.push({ id: `usd-${label}`, title: 'US release', time: day + 13.5 * HOUR, impact: 'high', symbols: ['EURUSD', 'GBPUSD', 'USDJPY', 'XAUUSD', 'US30', 'NAS100', 'AUDUSD', 'USDCAD', 'USDCHF'] });
    items.push({ id: `gbp-${label}`, title: 'UK release', time: day + 10 * HOUR, impact: 'medium', symbols: ['GBPUSD'] });
  }
  return items;
}

export const PROFILES = [
  'normal',
  'scalper',
  'pyramider',
  'sizesUpAfterWins',
  'newsLoser',
  'weekendHolder',
  'fastButFair',
  'twinAccounts',
  'family',
  'hedger',
  'copyGroup',
  'hft',
  'martingale',
  'grid',
  'allIn',
  'latencyArbitrage',
  'newsAbuser',
  'gapTrader',
] as const;
export type Profile = (typeof PROFILES)[number];

/** Share of accounts per profile in bps; normal takes the rest. */
const MIX: Partial<Record<Profile, number>> = {
  scalper: 200,
  pyramider: 150,
  sizesUpAfterWins: 150,
  newsLoser: 150,
  weekendHolder: 150,
  fastButFair: 150,
  twinAccounts: 200,
  family: 200,
  hedger: 100,
  copyGroup: 100,
  hft: 100,
  martingale: 100,
  grid: 100,
  allIn: 100,
  latencyArbitrage: 100,
  newsAbuser: 100,
  gapTrader: 100,
};

const LABELS: Partial<Record<Profile, DetectorId>> = {
  hedger: 'hedging',
  copyGroup: 'copyTrading',
  hft: 'hft',
  martingale: 'martingale',
  grid: 'grid',
  allIn: 'allIn',
  latencyArbitrage: 'latencyArbitrage',
  newsAbuser: 'newsAbuse',
  gapTrader: 'gapTrading',
};

export interface ScenarioAccount {
  readonly accountId: string;
  readonly traderId: string;
  readonly profile: Profile;
  /** The detectors that must flag it; empty for normal traders and near-misses. */
  readonly labels: readonly DetectorId[];
  /** When its first abusive trade closed (null for normal accounts): detection delay runs from here. */
  abuseStartedAt: number | null;
}

export interface Scenario {
  readonly accounts: readonly ScenarioAccount[];
  /** Sorted by close time: the order TradeClosed events arrive in. */
  readonly trades: readonly AbuseTrade[];
  /** Sorted by time, all before the first trade (seen at purchase and first login). */
  readonly observations: readonly IdentityObservation[];
  readonly news: NewsIndex;
}

type Random = () => number;

class Builder {
  readonly accounts: ScenarioAccount[] = [];
  readonly trades: AbuseTrade[] = [];
  readonly observations: IdentityObservation[] = [];
  private nextTrader = 0;
  private nextAccount = 0;
  private positionCounter = 0;

  constructor(
    readonly random: Random,
    private readonly news: NewsIndex,
  ) {}

  /**
   * Everyone but the news abuser keeps clear of high-impact releases, as a firm with a news rule expects:
   * an instant within three minutes of one moves six minutes later. Otherwise a normal account that
   * happened to close three winners at a release would have done what the detector looks for.
   */
  private clearOfNews(symbol: string, at: number): number {
    return this.news.findAtLeast(at, symbol, 3 * MINUTE, 3 * MINUTE, 'high') === null ? at : at + 6 * MINUTE;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  between(low: number, high: number): number {
    return low + this.random() * (high - low);
  }

  int(low: number, high: number): number {
    return Math.floor(this.between(low, high + 1));
  }

  logUniform(low: number, high: number): number {
    return Math.exp(this.between(Math.log(low), Math.log(high)));
  }

  /** A trader with an identity of their own: an address, a device, an email, a card; `share` reuses another's signals. */
  trader(share: Partial<Omit<IdentityObservation, 'traderId' | 'observedAt' | 'source' | 'accountId'>> = {}): string {
    const traderId = `trd-${String(++this.nextTrader).padStart(6, '0')}`;
    const n = this.nextTrader;
    const ip = this.random() < 0.2 ? `2001:db8:${(n >> 16).toString(16)}:${(n & 0xffff).toString(16)}::${this.int(1, 0xffff).toString(16)}` : `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    this.observations.push({
      traderId,
      accountId: null,
      observedAt: PURCHASED_AT + n,
      source: 'scenario',
      ip,
      deviceFingerprint: `device-${n}`,
      paymentFingerprint: `card-${n}`,
      email: `trader${n}@example.com`,
      ...share,
    });
    return traderId;
  }

  account(traderId: string, profile: Profile): ScenarioAccount {
    const label = LABELS[profile];
    const account: ScenarioAccount = { accountId: `acc-${String(++this.nextAccount).padStart(6, '0')}`, traderId, profile, labels: label ? [label] : [], abuseStartedAt: null };
    this.accounts.push(account);
    return account;
  }

  /** A trade with a price move of `moveBps` in its favour (negative: against) and fills `edgeBps` better than the reference. */
  trade(
    account: ScenarioAccount,
    spec: { symbol?: string; side?: 'buy' | 'sell'; volume: number; openedAt: number; closedAt: number; moveBps: number; edgeBps?: number; openPrice?: number },
    abusive = false,
    tradesNews = false,
  ): AbuseTrade {
    const market = spec.symbol === undefined ? this.pick(SYMBOLS) : SYMBOLS.find((entry) => entry.symbol === spec.symbol)!;
    const side = spec.side ?? (this.random() < 0.5 ? 'buy' : 'sell');
    const direction = side === 'buy' ? 1 : -1;
    const openPrice = spec.openPrice ?? market.price * (1 + this.between(-0.002, 0.002));
    const closePrice = openPrice * (1 + (direction * spec.moveBps) / 10_000);
    // 1 lot moving 1% makes 1,000.00; commission 7.00 a lot.
    const netPnl = Math.round((spec.moveBps / 10_000) * (spec.volume / 10_000) * 10_000_000) - Math.round((spec.volume / 10_000) * 700);
    // A fill better than the reference is one the reference would have priced worse for the trader.
    const edge = (spec.edgeBps ?? this.between(-0.5, 0.5)) / 10_000;
    const openedAt = tradesNews ? spec.openedAt : this.clearOfNews(market.symbol, spec.openedAt);
    const closedAt = tradesNews ? spec.closedAt : this.clearOfNews(market.symbol, spec.closedAt + openedAt - spec.openedAt);
    const trade: AbuseTrade = {
      accountId: account.accountId,
      traderId: account.traderId,
      programId: 'scenario',
      programVersion: 1,
      positionId: `pos-${++this.positionCounter}`,
      symbol: market.symbol,
      side,
      volume: Math.max(100, Math.round(spec.volume / 100) * 100),
      openedAt: Math.round(openedAt),
      closedAt: Math.round(closedAt),
      openPrice,
      closePrice,
      netPnl,
      openReferencePrice: openPrice * (1 + direction * edge),
      closeReferencePrice: closePrice * (1 - direction * edge),
    };
    this.trades.push(trade);
    if (abusive && (account.abuseStartedAt === null || trade.closedAt < account.abuseStartedAt)) account.abuseStartedAt = trade.closedAt;
    return trade;
  }

  /** A session time on a trading day: 07:00 to 20:00 UTC. */
  sessionTime(day: number): number {
    return day + 7 * HOUR + this.random() * 13 * HOUR;
  }

  /** Normal trading: a few trades a day, held a minute and a half to four hours, sizes close to the trader's own. */
  normalTrades(account: ScenarioAccount, perDay: [number, number] = [1, 6], sizes: readonly number[] = [1_000, 2_000, 5_000, 10_000, 20_000, 30_000]): void {
    const size = this.pick(sizes);
    for (const day of TRADING_DAYS) {
      const count = this.int(perDay[0], perDay[1]);
      for (let i = 0; i < count; i++) {
        const openedAt = this.sessionTime(day);
        const hold = this.logUniform(90 * SECOND, 4 * HOUR);
        this.trade(account, { volume: size * this.between(0.85, 1.15), openedAt, closedAt: Math.min(openedAt + hold, day + 21 * HOUR), moveBps: this.between(-25, 27) });
      }
    }
  }
}

function scalper(b: Builder, account: ScenarioAccount): void {
  // A fifth of trades under 15 s, well below the half that would flag; the rest up to two minutes; 52% winners.
  for (const day of TRADING_DAYS) {
    const count = b.int(10, 30);
    for (let i = 0; i < count; i++) {
      const openedAt = b.sessionTime(day);
      const hold = b.random() < 0.2 ? b.between(5, 14) * SECOND : b.between(16, 120) * SECOND;
      b.trade(account, { volume: 10_000 * b.between(0.9, 1.1), openedAt, closedAt: openedAt + hold, moveBps: b.random() < 0.52 ? b.between(1, 4) : -b.between(1, 4) });
    }
  }
}

function pyramider(b: Builder, account: ScenarioAccount): void {
  // Adds to a winner at irregular spacing: four entries, or five with one gap twice the others.
  b.normalTrades(account, [1, 2]);
  for (const day of TRADING_DAYS) {
    const side = b.pick(['buy', 'sell'] as const);
    const start = day + 9 * HOUR + b.random() * 4 * HOUR;
    const five = b.random() < 0.5;
    const gaps = five ? [1, 1, 2, 1] : [1, 1, 1];
    const base = 1.085;
    const step = base * 0.001 * (side === 'buy' ? 1 : -1);
    let price = base;
    let openedAt = start;
    const closedAt = start + 3 * HOUR;
    for (let i = 0; i <= gaps.length; i++) {
      b.trade(account, { symbol: 'EURUSD', side, volume: 10_000, openedAt, closedAt, moveBps: 15 - i * 3, openPrice: price });
      if (i < gaps.length) {
        price += step * gaps[i]!;
        openedAt += b.between(10, 30) * MINUTE;
      }
    }
  }
}

function sizesUpAfterWins(b: Builder, account: ScenarioAccount): void {
  // Doubles after a win (anti-martingale) up to four times the base, back to base after a loss.
  for (const day of TRADING_DAYS) {
    let volume = 5_000;
    let at = day + 8 * HOUR;
    for (let i = 0; i < 8; i++) {
      const won = b.random() < 0.5;
      const openedAt = at;
      const closedAt = openedAt + b.between(5, 20) * MINUTE;
      b.trade(account, { volume, openedAt, closedAt, moveBps: won ? b.between(3, 10) : -b.between(3, 10) });
      volume = won ? Math.min(volume * 2, 20_000) : 5_000;
      at = closedAt + b.between(2, 20) * MINUTE;
    }
  }
}

function newsTraders(b: Builder, account: ScenarioAccount, news: readonly NewsItem[], abusive: boolean): void {
  b.normalTrades(account, [1, 3], [1_000, 2_000]);
  for (const item of news) {
    if (item.impact !== 'high') continue;
    const symbol = item.symbols[0]!;
    if (abusive) {
      // In 10 to 100 s before the release, out 10 to 100 s after it, mostly on the right side.
      const openedAt = item.time - b.between(10, 100) * SECOND;
      const closedAt = item.time + b.between(10, 100) * SECOND;
      b.trade(account, { symbol, volume: 20_000, openedAt, closedAt, moveBps: b.random() < 0.85 ? b.between(10, 30) : -b.between(5, 10) }, true, true);
    } else {
      // Trades the release but from outside the window (5 to 10 minutes either side), and as often loses.
      const openedAt = item.time - b.between(5, 10) * MINUTE;
      const closedAt = item.time + b.between(5, 10) * MINUTE;
      b.trade(account, { symbol, volume: 10_000, openedAt, closedAt, moveBps: b.between(-20, 20) });
    }
  }
}

function weekendTraders(b: Builder, account: ScenarioAccount, abusive: boolean): void {
  b.normalTrades(account, [1, 3]);
  const count = abusive ? b.int(1, 3) : b.int(1, 2);
  for (let i = 0; i < count; i++) {
    // The abuser opens 10 to 50 minutes before the close and leaves 5 to 40 after the reopen; the holder
    // opens two to three hours before and leaves on Monday morning.
    const openedAt = abusive ? MARKET_CLOSE - b.between(10, 50) * MINUTE : MARKET_CLOSE - b.between(2, 3) * HOUR;
    const closedAt = abusive ? MARKET_REOPEN + b.between(5, 40) * MINUTE : MARKET_REOPEN + b.between(9, 14) * HOUR;
    b.trade(account, { symbol: b.pick(['EURUSD', 'GBPUSD', 'AUDUSD']), volume: 20_000, openedAt, closedAt, moveBps: abusive ? b.between(30, 100) : b.between(-60, 60) }, abusive);
  }
}

function fastButFair(b: Builder, account: ScenarioAccount): void {
  // Quick trades that win 60% of the time and fill worse than the reference: fast, not arbitrage.
  b.normalTrades(account, [1, 2]);
  for (const day of TRADING_DAYS) {
    for (let i = 0; i < b.int(8, 20); i++) {
      const openedAt = b.sessionTime(day);
      b.trade(account, { volume: 10_000, openedAt, closedAt: openedAt + b.between(20, 60) * SECOND, moveBps: b.random() < 0.6 ? b.between(2, 6) : -b.between(2, 5), edgeBps: -b.between(0.2, 1) });
    }
  }
}

/** One trader's two accounts trading the same ideas in the same direction: copying one's own accounts is allowed. */
function twinAccounts(b: Builder, first: ScenarioAccount, second: ScenarioAccount): void {
  for (const day of TRADING_DAYS) {
    for (let i = 0; i < b.int(2, 5); i++) {
      const openedAt = b.sessionTime(day);
      const closedAt = openedAt + b.logUniform(2 * MINUTE, 2 * HOUR);
      const symbol = b.pick(SYMBOLS).symbol;
      const side = b.pick(['buy', 'sell'] as const);
      const moveBps = b.between(-20, 22);
      b.trade(first, { symbol, side, volume: 10_000, openedAt, closedAt, moveBps });
      b.trade(second, { symbol, side, volume: 10_000, openedAt: openedAt + b.between(0.2, 2) * SECOND, closedAt: closedAt + b.between(0.2, 2) * SECOND, moveBps });
    }
  }
}

/** Two accounts of one person (or of two traders sharing a device and a card) holding opposite sides. */
function hedgers(b: Builder, first: ScenarioAccount, second: ScenarioAccount): void {
  b.normalTrades(first, [0, 2]);
  b.normalTrades(second, [0, 2]);
  for (const day of TRADING_DAYS) {
    for (let i = 0; i < b.int(2, 4); i++) {
      const openedAt = b.sessionTime(day);
      const closedAt = openedAt + b.between(10, 60) * MINUTE;
      const symbol = b.pick(SYMBOLS).symbol;
      const moveBps = b.between(-30, 30);
      const volume = b.pick([10_000, 20_000, 50_000]);
      b.trade(first, { symbol, side: 'buy', volume, openedAt, closedAt, moveBps }, true);
      b.trade(second, { symbol, side: 'sell', volume, openedAt: openedAt + b.between(1, 120) * SECOND, closedAt: closedAt + b.between(1, 120) * SECOND, moveBps: -moveBps }, true);
    }
  }
}

/** A leader and followers copying within seconds, each follower at a steady lot ratio. */
function copyGroup(b: Builder, group: readonly ScenarioAccount[]): void {
  const ratios = group.map((_, index) => (index === 0 ? 1 : b.pick([0.5, 1, 2])));
  for (const day of TRADING_DAYS) {
    for (let i = 0; i < b.int(3, 6); i++) {
      const openedAt = b.sessionTime(day);
      const closedAt = openedAt + b.logUniform(2 * MINUTE, 90 * MINUTE);
      const symbol = b.pick(SYMBOLS).symbol;
      const side = b.pick(['buy', 'sell'] as const);
      const moveBps = b.between(-20, 25);
      group.forEach((account, index) => {
        const delay = index === 0 ? 0 : b.between(0.3, 3) * SECOND;
        b.trade(account, { symbol, side, volume: 10_000 * ratios[index]!, openedAt: openedAt + delay, closedAt: closedAt + b.between(0, 3) * SECOND, moveBps }, true);
      });
    }
  }
}

function hft(b: Builder, account: ScenarioAccount): void {
  // Bursts of trades held one to twelve seconds, several a minute.
  for (const day of TRADING_DAYS) {
    for (let burst = 0; burst < b.int(3, 6); burst++) {
      let openedAt = b.sessionTime(day);
      for (let i = 0; i < b.int(15, 30); i++) {
        b.trade(account, { volume: 20_000, openedAt, closedAt: openedAt + b.between(1, 12) * SECOND, moveBps: b.random() < 0.55 ? b.between(0.5, 2) : -b.between(0.5, 2) }, true);
        openedAt += b.between(3, 8) * SECOND;
      }
    }
  }
}

function martingale(b: Builder, account: ScenarioAccount): void {
  // Doubles after each loss until a win: three or four losses in a row, then the win that recovers them.
  for (const day of TRADING_DAYS) {
    let at = day + 8 * HOUR + b.random() * 2 * HOUR;
    for (let chain = 0; chain < 2; chain++) {
      const losses = b.int(3, 4);
      let volume = 2_000;
      for (let step = 0; step <= losses; step++) {
        const closedAt = at + b.between(3, 15) * MINUTE;
        b.trade(account, { volume, openedAt: at, closedAt, moveBps: step < losses ? -b.between(5, 12) : b.between(8, 15) }, true);
        volume *= 2;
        at = closedAt + b.between(1, 10) * MINUTE;
      }
      at += b.between(1, 3) * HOUR;
    }
  }
}

function grid(b: Builder, account: ScenarioAccount): void {
  // Buy orders every 0.1% below the first as price falls, all closed together when it comes back.
  b.normalTrades(account, [0, 2]);
  for (const day of TRADING_DAYS) {
    for (let g = 0; g < 2; g++) {
      const side = b.pick(['buy', 'sell'] as const);
      const entries = b.int(5, 8);
      const first = 1.085 * (1 + b.between(-0.002, 0.002));
      const step = first * 0.001 * (side === 'buy' ? -1 : 1);
      let openedAt = day + (8 + g * 6) * HOUR + b.random() * HOUR;
      const opened: { at: number; price: number }[] = [];
      for (let i = 0; i < entries; i++) {
        opened.push({ at: openedAt, price: first + step * (i + b.between(-0.05, 0.05)) });
        openedAt += b.between(5, 20) * MINUTE;
      }
      const closedAt = openedAt + b.between(10, 60) * MINUTE;
      for (const entry of opened) b.trade(account, { symbol: 'EURUSD', side, volume: 5_000, openedAt: entry.at, closedAt, moveBps: b.between(1, 10), openPrice: entry.price }, true);
    }
  }
}

function allIn(b: Builder, account: ScenarioAccount): void {
  // Small trades, then on Friday one trade of 12 to 20 times their size that wins or loses 4 to 8% of the account.
  const [thursday, friday] = TRADING_DAYS as [number, number, number];
  for (const day of [thursday, friday]) {
    for (let i = 0; i < b.int(3, 6); i++) {
      const openedAt = b.sessionTime(day) - (day === friday ? 4 * HOUR : 0);
      b.trade(account, { volume: 3_000 * b.between(0.9, 1.1), openedAt, closedAt: openedAt + b.between(5, 60) * MINUTE, moveBps: b.between(-20, 22) });
    }
  }
  const openedAt = friday + 17 * HOUR;
  const volume = 3_000 * b.between(12, 20);
  // moveBps × lots × 1,000.00 / 100 = result; 4 to 8% of 100,000.00.
  const resultBps = b.between(400, 800);
  const moveBps = (resultBps * INITIAL_BALANCE) / 10_000 / ((volume / 10_000) * 10_000_000) * 10_000;
  b.trade(account, { volume, openedAt, closedAt: openedAt + b.between(20, 90) * MINUTE, moveBps: b.random() < 0.5 ? moveBps : -moveBps }, true);
  b.normalTrades(account, [0, 1]);
}

function latencyArbitrage(b: Builder, account: ScenarioAccount): void {
  // Quick trades (16 to 50 s) that nearly always win, filled better than the reference feed at the time.
  for (const day of TRADING_DAYS) {
    for (let i = 0; i < b.int(15, 35); i++) {
      const openedAt = b.sessionTime(day);
      b.trade(account, { volume: 20_000, openedAt, closedAt: openedAt + b.between(16, 50) * SECOND, moveBps: b.random() < 0.92 ? b.between(2, 5) : -b.between(1, 2), edgeBps: b.between(1, 3) }, true);
    }
    const openedAt = b.sessionTime(day);
    b.trade(account, { volume: 5_000, openedAt, closedAt: openedAt + b.between(30, 120) * MINUTE, moveBps: b.between(-10, 10) });
  }
}

/**
 * The population: `accounts` accounts, each in a profile by the mix above. Groups (twins, families,
 * hedging pairs, copy groups) take two to five accounts at once.
 */
export function generateScenario(accounts: number, seed = 7): Scenario {
  const news = newsItems();
  const index = new NewsIndex(news);
  const b = new Builder(seededRandom(seed), index);
  const budget = (profile: Profile): number => Math.floor((accounts * (MIX[profile] ?? 0)) / 10_000);
  const solo: [Profile, (account: ScenarioAccount) => void][] = [
    ['scalper', (account) => scalper(b, account)],
    ['pyramider', (account) => pyramider(b, account)],
    ['sizesUpAfterWins', (account) => sizesUpAfterWins(b, account)],
    ['newsLoser', (account) => newsTraders(b, account, news, false)],
    ['weekendHolder', (account) => weekendTraders(b, account, false)],
    ['fastButFair', (account) => fastButFair(b, account)],
    ['hft', (account) => hft(b, account)],
    ['martingale', (account) => martingale(b, account)],
    ['grid', (account) => grid(b, account)],
    ['allIn', (account) => allIn(b, account)],
    ['latencyArbitrage', (account) => latencyArbitrage(b, account)],
    ['newsAbuser', (account) => newsTraders(b, account, news, true)],
    ['gapTrader', (account) => weekendTraders(b, account, true)],
  ];
  for (const [profile, trade] of solo) {
    for (let i = 0; i < budget(profile); i++) trade(b.account(b.trader(), profile));
  }
  for (let i = 0; i < budget('twinAccounts') / 2; i++) {
    const trader = b.trader();
    twinAccounts(b, b.account(trader, 'twinAccounts'), b.account(trader, 'twinAccounts'));
  }
  for (let i = 0; i < budget('family') / 2; i++) {
    // Two traders behind one home address trade on their own.
    const first = b.trader();
    const address = b.observations.at(-1)!.ip!;
    b.normalTrades(b.account(first, 'family'));
    b.normalTrades(b.account(b.trader({ ip: address }), 'family'));
  }
  for (let i = 0; i < budget('hedger') / 2; i++) {
    // Half are one trader's two accounts, half two traders sharing a device and a card.
    const first = b.trader();
    const seen = b.observations.at(-1)!;
    const second = i % 2 === 0 ? first : b.trader({ deviceFingerprint: seen.deviceFingerprint!, paymentFingerprint: seen.paymentFingerprint! });
    hedgers(b, b.account(first, 'hedger'), b.account(second, 'hedger'));
  }
  for (let placed = 0; placed < budget('copyGroup'); ) {
    const size = b.int(2, 5);
    copyGroup(b, Array.from({ length: size }, () => b.account(b.trader(), 'copyGroup')));
    placed += size;
  }
  while (b.accounts.length < accounts) b.normalTrades(b.account(b.trader(), 'normal'));

  const trades = b.trades.sort((x, y) => x.closedAt - y.closedAt || (x.positionId < y.positionId ? -1 : 1));
  return { accounts: b.accounts, trades, observations: b.observations.sort((x, y) => x.observedAt - y.observedAt), news: index };
}
