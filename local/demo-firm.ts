/**
 * The local platform's demo firm: one fast program, so a newcomer sees warnings, a failure and a pass
 * within minutes rather than weeks, and six simulated traders on it. Demo only: real programs are
 * versioned data a firm stores (shared/presets has eleven modelled on published ones).
 */
import { parseProgram, type Program } from '../shared/domain/program.js';
import { PROFILES, type TraderProfile } from './simulated-traders.js';

export const DEMO_PROGRAM: Program = parseProgram({
  id: 'demo-fast-challenge',
  version: 1,
  name: 'Demo: a 100K challenge with limits tight enough to watch',
  currency: 'USD',
  initialBalance: 10_000_000,
  dayBoundary: { timeZone: 'Europe/Prague', time: '00:00' },
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
    },
  ],
});

export interface DemoTrader {
  readonly accountId: string;
  /** Who owns it: `npx propdesk token --role trader --subject ada` sees Ada's two accounts. */
  readonly traderId: string;
  readonly profile: TraderProfile;
  readonly seed: number;
}

export const DEMO_TRADERS: readonly DemoTrader[] = [
  { accountId: 'demo-steady-1', traderId: 'ada', profile: PROFILES.steady, seed: 11 },
  { accountId: 'demo-steady-2', traderId: 'ben', profile: PROFILES.steady, seed: 12 },
  { accountId: 'demo-winner-1', traderId: 'ada', profile: PROFILES.winner, seed: 21 },
  { accountId: 'demo-winner-2', traderId: 'ben', profile: PROFILES.winner, seed: 22 },
  { accountId: 'demo-reckless-1', traderId: 'cleo', profile: PROFILES.reckless, seed: 31 },
  { accountId: 'demo-reckless-2', traderId: 'cleo', profile: PROFILES.reckless, seed: 32 },
];
