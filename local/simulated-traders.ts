/**
 * Simulated traders for the local platform, the integration tests and the latency benchmark: each one
 * opens a position now and then, reports its equity every second while the position is open (the
 * heartbeat events/README.md asks bridges for) and closes it after a while, as a MetaTrader 5 bridge
 * would report it. Seeded, so a test gets the same stream on every machine; time is a parameter, so
 * the same trader runs in real time on the local platform and in simulated time in a test.
 */
import type { TradeEvent } from '../shared/domain/events.js';
import { seededRandom } from '../shared/seeded-random.js';

export interface TraderProfile {
  readonly name: string;
  /** Mean and spread of the equity move per second while in a position, in cents. */
  readonly driftPerSecond: number;
  readonly volatilityPerSecond: number;
  /** Seconds a position is held: from min to max, uniformly. */
  readonly holdSeconds: readonly [number, number];
  /** Seconds flat between positions: from min to max, uniformly. */
  readonly pauseSeconds: readonly [number, number];
  /** Lots in 1/10,000 of a lot. */
  readonly volume: number;
}

/**
 * The demo firm's traders: a steady one, a winner who reaches the target, a reckless one who breaches, and a
 * scalper whose holds of a few seconds the HFT detector flags after twenty trades.
 */
export const PROFILES = {
  steady: { name: 'steady', driftPerSecond: 0, volatilityPerSecond: 400, holdSeconds: [60, 600], pauseSeconds: [30, 300], volume: 10_000 },
  winner: { name: 'winner', driftPerSecond: 100, volatilityPerSecond: 500, holdSeconds: [120, 600], pauseSeconds: [20, 120], volume: 20_000 },
  reckless: { name: 'reckless', driftPerSecond: -150, volatilityPerSecond: 3_000, holdSeconds: [120, 1_200], pauseSeconds: [10, 60], volume: 50_000 },
  scalper: { name: 'scalper', driftPerSecond: 0, volatilityPerSecond: 150, holdSeconds: [3, 12], pauseSeconds: [3, 10], volume: 2_000 },
} as const satisfies Record<string, TraderProfile>;

const SYMBOLS = ['EURUSD', 'GBPUSD', 'XAUUSD', 'US30'] as const;

export interface SimulatedTraderOptions {
  readonly tenant: string;
  readonly accountId: string;
  readonly profile: TraderProfile;
  readonly balance: number;
  readonly seed: number;
  /** The first seq to use: after a restart, one past the account's last applied seq. */
  readonly firstSeq: number;
  /** When the trader starts (epoch ms). */
  readonly startAt: number;
  /** Positions left open by a previous run: closed flat at the first step. */
  readonly leftOpen?: readonly { readonly positionId: string; readonly symbol: string; readonly side: 'buy' | 'sell'; readonly volume: number }[];
}

export class SimulatedTrader {
  readonly accountId: string;
  private readonly random: () => number;
  private readonly profile: TraderProfile;
  private seq: number;
  private balance: number;
  private floating = 0;
  private position: { id: string; symbol: string; side: 'buy' | 'sell'; closeAt: number } | null = null;
  private nextOpenAt: number;
  private leftOpen: SimulatedTraderOptions['leftOpen'];
  /** Balance operations the platform applied (a payout), reported at the next step in the account's own seq order. */
  private readonly operations: { readonly operationId: string; readonly amount: number }[] = [];

  constructor(private readonly options: SimulatedTraderOptions) {
    this.accountId = options.accountId;
    this.random = seededRandom(options.seed);
    this.profile = options.profile;
    this.seq = options.firstSeq;
    this.balance = options.balance;
    this.nextOpenAt = options.startAt + this.between(this.profile.pauseSeconds) * 1000;
    this.leftOpen = options.leftOpen;
  }

  /** The platform applied a balance operation to this account (as the bridge does for a payout). */
  applyBalance(operationId: string, amount: number): void {
    this.operations.push({ operationId, amount });
  }

  /** The events of the second that ends at `time` (epoch ms, whole seconds). */
  step(time: number): TradeEvent[] {
    const applied = this.operations.splice(0).map(({ operationId, amount }): TradeEvent => {
      this.balance += amount;
      return { type: 'balance', ...this.envelope(time), operationId, kind: 'payout', amount };
    });
    return applied.length === 0 ? this.trade(time) : [...applied, ...this.trade(time)];
  }

  private trade(time: number): TradeEvent[] {
    if (this.leftOpen !== undefined && this.leftOpen.length > 0) {
      const closes = this.leftOpen.map((open) => {
        this.position = { id: open.positionId, symbol: open.symbol, side: open.side, closeAt: time };
        return this.deal(time, 'out', open.side === 'buy' ? 'sell' : 'buy', 0, open.volume);
      });
      this.position = null;
      this.leftOpen = undefined;
      return closes;
    }
    if (this.position === null) {
      if (time < this.nextOpenAt) return [];
      const symbol = SYMBOLS[Math.floor(this.random() * SYMBOLS.length)]!;
      const side = this.random() < 0.5 ? 'buy' : 'sell';
      // Named after the opening deal's seq, which no restart reuses.
      this.position = { id: `${this.accountId}-p${this.seq}`, symbol, side, closeAt: time + this.between(this.profile.holdSeconds) * 1000 };
      this.floating = 0;
      return [this.deal(time, 'in', side, 0)];
    }
    this.floating += Math.round(this.profile.driftPerSecond + (this.random() * 2 - 1) * this.profile.volatilityPerSecond);
    if (time < this.position.closeAt) return [this.snapshot(time)];
    const { side } = this.position;
    const profit = this.floating;
    const close = this.deal(time, 'out', side === 'buy' ? 'sell' : 'buy', profit);
    this.balance += profit + commissionOf(this.profile.volume) * 2;
    this.position = null;
    this.floating = 0;
    this.nextOpenAt = time + this.between(this.profile.pauseSeconds) * 1000;
    return [close, this.snapshot(time)];
  }

  private between([min, max]: readonly [number, number]): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  private envelope(time: number) {
    const seq = this.seq++;
    const { tenant, accountId } = this.options;
    return { schemaVersion: 1 as const, tenant, accountId, platform: 'mt5' as const, eventId: `${accountId}-${seq}`, seq, time };
  }

  private snapshot(time: number): TradeEvent {
    const equity = this.balance + this.floating;
    const margin = this.position === null ? 0 : this.profile.volume * 10;
    return { type: 'snapshot', ...this.envelope(time), balance: this.balance, equity, margin, floatingPnl: this.floating, source: 'broker' };
  }

  private deal(time: number, entry: 'in' | 'out', side: 'buy' | 'sell', profit: number, volume = this.profile.volume): TradeEvent {
    const position = this.position!;
    const envelope = this.envelope(time);
    return {
      type: 'deal',
      ...envelope,
      dealId: `${position.id}-${entry}`,
      positionId: position.id,
      symbol: position.symbol,
      side,
      volume,
      price: 1.1,
      entry,
      profit,
      commission: commissionOf(volume),
      swap: 0,
      reason: 'client',
      stopLoss: 1.05,
      // The simulated platform has no reference feed.
      referencePrice: null,
    };
  }
}

/** $3.50 a lot a side, as many FX brokers charge. */
function commissionOf(volume: number): number {
  return -Math.round((volume * 350) / 10_000);
}
