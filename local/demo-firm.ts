/**
 * The local platform's demo firm: one fast program, so a newcomer sees warnings, a failure, a pass and an
 * abuse flag within minutes rather than weeks, and six simulated traders on it. Demo only: real programs are
 * versioned data a firm stores (shared/presets has eleven modelled on published ones).
 */
import { parseProgram, type Program } from '../shared/domain/program.js';
import type { TradingAccountRequested } from '../shared/workflows/workflow-events.js';
import type { LoginSighting } from './simulated-bridge.js';
import { PROFILES, type TraderProfile } from './simulated-traders.js';

export const DEMO_PROGRAM: Program = parseProgram({
  id: 'demo-fast-challenge',
  version: 1,
  name: 'Demo: a 100K challenge with limits tight enough to watch',
  currency: 'USD',
  initialBalance: 10_000_000,
  dayBoundary: { timeZone: 'Europe/Prague', time: '00:00' },
  // Low enough to watch: Cleo's scalping (HFT, 25 points) and the IP address she shares with Ben (10) alert.
  abuse: { alertAtScore: 30 },
  phases: [
    {
      id: 'phase-1',
      name: 'Challenge',
      kind: 'evaluation',
      passCheck: 'onTradeClose',
      rules: [
        { kind: 'dailyLoss', severity: 'hard', reference: 'dayStartBalance', limit: { bps: 50, of: 'initial' }, breachAt: 'cross', warnAtBps: [3000, 6000, 9000] },
        { kind: 'maxLoss', severity: 'hard', floor: 'trailing', trailSource: 'intradayEquity', limit: { bps: 100, of: 'initial' }, lockAt: 'initial', breachAt: 'cross', warnAtBps: [8000] },
        { kind: 'profitTarget', target: { bps: 30, of: 'initial' }, measure: 'balance', requireFlat: true },
        { kind: 'maxOpenPositions', severity: 'soft', max: 1 },
      ],
    },
    {
      id: 'funded',
      name: 'Funded account',
      kind: 'funded',
      rules: [
        { kind: 'dailyLoss', severity: 'hard', reference: 'dayStartBalance', limit: { bps: 50, of: 'initial' }, breachAt: 'cross', warnAtBps: [5000, 8000] },
        { kind: 'maxLoss', severity: 'hard', floor: 'static', limit: { bps: 100, of: 'initial' }, breachAt: 'cross', warnAtBps: [8000] },
      ],
      // Fast enough to watch: a payout a day from the start, small ones paid without an analyst.
      payouts: {
        firstAfterDays: 0,
        everyDays: 1,
        minAmount: 1_000,
        split: [
          { fromPayout: 1, traderShareBps: 8000 },
          { fromPayout: 3, traderShareBps: 9000 },
        ],
        autoApprove: { maxAmount: 50_000, maxRiskScore: 50 },
        scaling: { everyMonths: 1, minProfitBps: 100, minPayouts: 1, increaseBps: 2500, maxInitialBalance: 20_000_000 },
      },
    },
  ],
});

/**
 * A demo purchase: the demo pays through a processor called `demo-pay`, so each account is provisioned by the
 * purchase workflow, and its id (acc-…) and its trader's (trd-…, from the email) follow from the order.
 */
export interface DemoPurchase {
  readonly orderId: string;
  readonly email: string;
  readonly name: string;
  readonly profile: TraderProfile;
  readonly seed: number;
}

export const DEMO_PROCESSOR = 'demo-pay';

export const DEMO_PURCHASES: readonly DemoPurchase[] = [
  { orderId: 'ada-steady', email: 'ada@demo.propdesk.example', name: 'Ada Lovelace', profile: PROFILES.steady, seed: 11 },
  { orderId: 'ben-steady', email: 'ben@demo.propdesk.example', name: 'Ben Okafor', profile: PROFILES.steady, seed: 12 },
  { orderId: 'ada-winner', email: 'ada@demo.propdesk.example', name: 'Ada Lovelace', profile: PROFILES.winner, seed: 21 },
  { orderId: 'ben-winner', email: 'ben@demo.propdesk.example', name: 'Ben Okafor', profile: PROFILES.winner, seed: 22 },
  { orderId: 'cleo-reckless-1', email: 'cleo@demo.propdesk.example', name: 'Cleo Marsh', profile: PROFILES.reckless, seed: 31 },
  { orderId: 'cleo-scalper', email: 'cleo@demo.propdesk.example', name: 'Cleo Marsh', profile: PROFILES.scalper, seed: 32 },
];

/**
 * Where the demo traders' terminals log in from, as the simulated bridge reports it: Ben and Cleo share a flat
 * (one IP address), so the identity graph links them and both traders' risk scores show it
 * (`GET /v1/traders/<id>/risk`); Ada logs in from her own.
 */
const DEMO_LOGINS: Readonly<Record<string, LoginSighting>> = {
  'ada@demo.propdesk.example': { ip: '198.51.100.23', deviceFingerprint: 'mt5-terminal-ada-7f3a91' },
  'ben@demo.propdesk.example': { ip: '203.0.113.7', deviceFingerprint: 'mt5-terminal-ben-0c55e2' },
  'cleo@demo.propdesk.example': { ip: '203.0.113.7', deviceFingerprint: 'mt5-terminal-cleo-b81d04' },
};

export const demoLogin = (request: TradingAccountRequested): LoginSighting | null => DEMO_LOGINS[request.trader.email] ?? null;
