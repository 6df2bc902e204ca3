/**
 * Keeps accounts' and traders' risk scores current: after new flags (the engine), a new shared identity
 * (the engine) or a flag the risk desk resolved (the API). A score is stored only when it changed, and a
 * change that reaches the program's alert threshold is an alert.
 */
import type { IdentityGraph, RiskLedger } from '../ports/abuse.js';
import type { AbusePolicy } from './policy.js';
import { accountScore, crossesAlert, traderScore, type Alert, type RiskScore } from './score.js';

const isAlert = (score: RiskScore): score is Alert => score.alertAtScore !== undefined;

/**
 * The scores one change touched, and which of them raised an alert. `retrying`: this change may have been
 * attempted before, saved its scores and failed to announce them. A score saved at this change's time is then
 * found unchanged, and is announced again, with its alert if saving it raised one.
 */
export class ScoreChanges {
  readonly scores: RiskScore[] = [];
  readonly alerts: Alert[] = [];

  constructor(readonly retrying = false) {}
}

export class RiskScorer {
  constructor(
    private readonly ledger: RiskLedger,
    private readonly identities: Pick<IdentityGraph, 'linksOf'>,
  ) {}

  async rescoreAccount(accountId: string, policy: AbusePolicy, at: number, changes: ScoreChanges): Promise<void> {
    await this.keep(accountScore(accountId, await this.ledger.countingFlags([accountId]), policy, at), policy, changes);
  }

  async rescoreTrader(traderId: string, policy: AbusePolicy, at: number, changes: ScoreChanges): Promise<void> {
    const flags = await this.ledger.countingFlags(await this.ledger.accountsOf(traderId));
    await this.keep(traderScore(traderId, flags, await this.identities.linksOf(traderId), policy, at), policy, changes);
  }

  /** The account and its owner, after a decision on one of its flags (a dismissed flag stops counting). */
  async afterDecision(accountId: string, traderId: string | null, policy: AbusePolicy, at: number, retrying: boolean): Promise<ScoreChanges> {
    const changes = new ScoreChanges(retrying);
    await this.rescoreAccount(accountId, policy, at, changes);
    if (traderId !== null) await this.rescoreTrader(traderId, policy, at, changes);
    return changes;
  }

  private async keep(computed: RiskScore, policy: AbusePolicy, changes: ScoreChanges): Promise<void> {
    const before = await this.ledger.score(computed.subject, computed.subjectId);
    if (before !== null && before.score === computed.score && sameParts(before, computed)) {
      if (changes.retrying && before.at === computed.at) announce(before, changes);
      return;
    }
    const score = crossesAlert(before?.score ?? 0, computed.score, policy) ? { ...computed, alertAtScore: policy.alertAtScore } : computed;
    await this.ledger.saveScore(score);
    announce(score, changes);
  }
}

function announce(score: RiskScore, changes: ScoreChanges): void {
  changes.scores.push(score);
  if (isAlert(score)) changes.alerts.push(score);
}

function sameParts(a: RiskScore, b: RiskScore): boolean {
  if (a.parts.length !== b.parts.length) return false;
  for (let i = 0; i < a.parts.length; i++) {
    const x = a.parts[i]!;
    const y = b.parts[i]!;
    if (x.signal !== y.signal || x.weight !== y.weight || x.evidence.length !== y.evidence.length) return false;
  }
  return true;
}
