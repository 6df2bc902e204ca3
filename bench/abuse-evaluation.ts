/**
 * Runs a labelled scenario through the abuse engine, as the stream delivers it (identity observations
 * first, then closed trades by close time), and scores every detector against the labels: precision,
 * recall and how long after an abuser's first abusive trade the flag came (stream time).
 */
import { AbuseEngine, type AccountProgram } from '../shared/abuse/engine.js';
import { DEFAULT_ABUSE_POLICY, DETECTORS, type AbusePolicy, type DetectorId } from '../shared/abuse/policy.js';
import { INITIAL_BALANCE, type Scenario } from './abuse-scenarios.js';
import { MemoryIdentityGraph, MemoryRiskLedger, MemoryTradeMemory } from './abuse-memory.js';

export interface DetectorScore {
  readonly detector: DetectorId;
  readonly labelled: number;
  readonly flagged: number;
  readonly truePositives: number;
  readonly precision: number;
  readonly recall: number;
  /** Minutes from the first abusive trade's close to the first flag, over the true positives. */
  readonly delayMinutes: { readonly p50: number; readonly p95: number; readonly max: number };
  /** Accounts flagged without the label, by profile: what a false positive looked like. */
  readonly falsePositivesByProfile: Readonly<Record<string, number>>;
}

export interface ScenarioRun {
  readonly accounts: number;
  readonly trades: number;
  readonly observations: number;
  readonly seconds: number;
  readonly tradesPerSecond: number;
  readonly microsPerTrade: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly flags: number;
  readonly alerts: number;
  readonly detectors: readonly DetectorScore[];
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]!;
}

export async function runScenario(scenario: Scenario, policy: AbusePolicy = DEFAULT_ABUSE_POLICY): Promise<ScenarioRun> {
  const ledger = new MemoryRiskLedger();
  const engine = new AbuseEngine({ trades: new MemoryTradeMemory(), identities: new MemoryIdentityGraph(), ledger });
  const program: AccountProgram = { programId: 'scenario', initialBalance: INITIAL_BALANCE, policy };
  const programOf = async (): Promise<AccountProgram> => program;
  let alerts = 0;
  for (const observation of scenario.observations) alerts += (await engine.onIdentity(observation, policy)).alerts.length;

  const micros = new Float64Array(scenario.trades.length);
  const started = process.hrtime.bigint();
  for (let i = 0; i < scenario.trades.length; i++) {
    const before = process.hrtime.bigint();
    const trade = scenario.trades[i]!;
    await engine.index([trade]);
    const outcome = await engine.onTrade(trade, programOf, scenario.news);
    await engine.markJudged(trade);
    micros[i] = Number(process.hrtime.bigint() - before) / 1_000;
    alerts += outcome.alerts.length;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  micros.sort();

  const firstFlag = new Map<string, number>();
  for (const flag of ledger.flags.values()) {
    const key = `${flag.detector}|${flag.accountId}`;
    const seen = firstFlag.get(key);
    if (seen === undefined || flag.at < seen) firstFlag.set(key, flag.at);
  }
  const detectors = DETECTORS.map((detector): DetectorScore => {
    let labelled = 0;
    let flagged = 0;
    let truePositives = 0;
    const delays: number[] = [];
    const falsePositivesByProfile: Record<string, number> = {};
    for (const account of scenario.accounts) {
      const isLabelled = account.labels.includes(detector);
      const at = firstFlag.get(`${detector}|${account.accountId}`);
      if (isLabelled) labelled++;
      if (at === undefined) continue;
      flagged++;
      if (isLabelled) {
        truePositives++;
        delays.push((at - (account.abuseStartedAt ?? at)) / 60_000);
      } else falsePositivesByProfile[account.profile] = (falsePositivesByProfile[account.profile] ?? 0) + 1;
    }
    delays.sort((a, b) => a - b);
    return {
      detector,
      labelled,
      flagged,
      truePositives,
      precision: flagged === 0 ? 1 : round(truePositives / flagged, 4),
      recall: labelled === 0 ? 1 : round(truePositives / labelled, 4),
      delayMinutes: { p50: round(percentile(delays, 0.5), 1), p95: round(percentile(delays, 0.95), 1), max: round(delays.at(-1) ?? 0, 1) },
      falsePositivesByProfile,
    };
  });
  return {
    accounts: scenario.accounts.length,
    trades: scenario.trades.length,
    observations: scenario.observations.length,
    seconds: round(seconds, 3),
    tradesPerSecond: Math.round(scenario.trades.length / seconds),
    microsPerTrade: { p50: round(percentile(micros as unknown as number[], 0.5), 1), p99: round(percentile(micros as unknown as number[], 0.99), 1), max: round(micros[micros.length - 1] ?? 0, 1) },
    flags: ledger.flags.size,
    alerts,
    detectors,
  };
}
