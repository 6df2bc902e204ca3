/**
 * Programs the property tests run streams through. Between them they hold every rule kind, every
 * trailing source, every payout hook, both severities and all three kinds of day boundary.
 */
import { parseProgram, type Program, type ProgramInput } from '../../shared/domain/program.js';
import { INITIAL_BALANCE } from '../support/programs.js';

type PhaseInput = ProgramInput['phases'][number];

function oneLevel(id: string, dayBoundary: ProgramInput['dayBoundary'], phase: Omit<PhaseInput, 'id' | 'name'>): ProgramInput {
  return { id, version: 1, name: id, currency: 'USD', initialBalance: INITIAL_BALANCE, dayBoundary, phases: [{ id: 'phase', name: 'Phase', ...phase }] };
}

export const PROGRAM_INPUTS: readonly ProgramInput[] = [
  oneLevel('eod-evaluation', { timeZone: 'Europe/Prague', time: '00:00' }, {
    kind: 'evaluation',
    rules: [
      { kind: 'dailyLoss', severity: 'hard', reference: 'dayStartBalance', limit: { bps: 500, of: 'initial' }, breachAt: 'touch', warnAtBps: [8000, 9000] },
      { kind: 'maxLoss', severity: 'hard', floor: 'trailing', trailSource: 'endOfDayBalance', limit: { amount: 600_000 }, lockAt: 'initial', afterPayout: 'reset', breachAt: 'cross' },
      { kind: 'profitTarget', target: { bps: 800, of: 'initial' }, measure: 'balance' },
      { kind: 'minTradingDays', days: 3 },
      { kind: 'bestDayConsistency', maxShareBps: 5000, comparison: 'inclusive', window: 'sinceStart', action: 'blockPass' },
      { kind: 'newsWindow', severity: 'soft', beforeSeconds: 120, afterSeconds: 120, restrict: ['open', 'close'], holdExemptSeconds: 300, consequence: 'violation' },
      { kind: 'maxVolume', severity: 'soft', maxVolume: 60_000, warnAtBps: [8000] },
      { kind: 'maxOpenPositions', severity: 'soft', max: 3 },
      { kind: 'lotConsistency', severity: 'soft', minShareBps: 2500, maxShareBps: 20_000, minTrades: 3 },
      { kind: 'maxLossPerTrade', severity: 'soft', limit: { bps: 200, of: 'initial' }, breachAt: 'touch' },
      { kind: 'allowedInstruments', severity: 'soft', symbols: ['EURUSD', 'GBPUSD', 'XAU*'] },
    ],
  }),
  oneLevel('intraday-funded', { timeZone: 'America/New_York', time: '17:00' }, {
    kind: 'funded',
    rules: [
      { kind: 'dailyLoss', severity: 'soft', reference: 'dayPeakEquity', limit: { amount: 300_000 }, breachAt: 'cross', warnAtBps: [9000] },
      { kind: 'maxLoss', severity: 'hard', floor: 'trailing', trailSource: 'intradayEquity', limit: { bps: 600, of: 'peak' }, lockAt: { initialPlus: 10_000 }, afterPayout: 'lock', breachAt: 'touch', toleranceMinor: 100 },
      { kind: 'newsWindow', severity: 'hard', beforeSeconds: 300, afterSeconds: 300, restrict: ['open', 'close', 'pendingFill', 'stopOrTakeProfit'], holdExemptSeconds: 60, consequence: 'excludeProfit' },
      { kind: 'overnightHolding', severity: 'soft', cutoff: { time: '16:59', timeZone: 'America/New_York' } },
      { kind: 'weekendHolding', severity: 'soft', cutoff: { weekday: 'fri', time: '16:00', timeZone: 'America/New_York' } },
      { kind: 'maxMarginUsage', severity: 'soft', maxShareBps: 3000, warnAtBps: [8000] },
      { kind: 'stopLossRequired', severity: 'soft' },
      { kind: 'inactivity', severity: 'soft', days: 3 },
      { kind: 'bestDayConsistency', maxShareBps: 4000, comparison: 'strict', window: 'sinceLastPayout', action: 'blockPayout' },
    ],
  }),
  oneLevel('server-time-evaluation', { serverUtcOffsetMinutes: 120, serverDst: 'us', time: '00:00' }, {
    kind: 'evaluation',
    passCheck: 'atRollover',
    rules: [
      { kind: 'dailyLoss', severity: 'hard', reference: 'dayStartMaxBalanceEquity', limit: { bps: 400, of: 'reference' }, breachAt: 'touch' },
      { kind: 'maxLoss', severity: 'soft', floor: 'trailing', trailSource: 'closedBalance', limit: { amount: 500_000 }, afterPayout: 'keep', breachAt: 'cross' },
      { kind: 'profitTarget', target: { amount: 600_000 }, measure: 'equity', requireFlat: true },
      { kind: 'minTradingDays', days: 2, dayCounts: { when: 'minVolume', volume: 10_000 } },
      { kind: 'minProfitableDays', days: 2, minNetPnl: { amount: 20_000 } },
      { kind: 'maxPeriod', severity: 'soft', days: 5 },
      { kind: 'bestDayConsistency', maxShareBps: 4000, comparison: 'inclusive', window: 'sinceStart', action: 'extendTarget' },
    ],
  }),
  oneLevel('equity-evaluation', { timeZone: 'Europe/Prague', time: '00:00' }, {
    kind: 'evaluation',
    rules: [
      { kind: 'dailyLoss', severity: 'hard', reference: 'dayStartEquity', limit: { amount: 400_000 }, breachAt: 'cross', toleranceMinor: 50 },
      { kind: 'maxLoss', severity: 'hard', floor: 'trailing', trailSource: 'balanceOrEquity', limit: { bps: 800, of: 'initial' }, lockAt: 'initial', afterPayout: 'reset', breachAt: 'touch' },
      { kind: 'profitTarget', target: { bps: 500, of: 'initial' }, measure: 'balance' },
      { kind: 'minTradingDays', days: 2, dayCounts: { when: 'minNetPnl', pnl: { amount: 10_000 } } },
      { kind: 'inactivity', severity: 'hard', days: 2 },
      { kind: 'maxPeriod', severity: 'hard', days: 6 },
      { kind: 'newsWindow', severity: 'soft', beforeSeconds: 60, afterSeconds: 60, restrict: ['pendingFill', 'stopOrTakeProfit'], consequence: 'excludeProfit' },
      { kind: 'stopLossRequired', severity: 'hard' },
    ],
  }),
  oneLevel('static-funded', { timeZone: 'Europe/Prague', time: '00:00' }, {
    kind: 'funded',
    rules: [
      { kind: 'dailyLoss', severity: 'soft', reference: 'dayStartBalance', limit: { amount: 500_000 }, breachAt: 'touch' },
      { kind: 'maxLoss', severity: 'hard', floor: 'static', limit: { amount: 1_000_000 }, afterPayout: 'keep', breachAt: 'cross' },
      { kind: 'maxOpenPositions', severity: 'hard', max: 4 },
      { kind: 'maxVolume', severity: 'hard', maxVolume: 100_000 },
      { kind: 'maxMarginUsage', severity: 'hard', maxShareBps: 5000 },
      { kind: 'weekendHolding', severity: 'hard', cutoff: { weekday: 'fri', time: '22:00', timeZone: 'Europe/Prague' } },
    ],
  }),
];

export const PROGRAMS: readonly Program[] = PROGRAM_INPUTS.map((input) => parseProgram(input));
