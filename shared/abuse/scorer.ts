/**
 * Keeps accounts' and traders' risk scores current: after new flags (the engine), a new shared identity
 * (the engine) or a flag the risk desk resolved (the API). A score is stored only when it changed, and a
 * change that reaches the program's alert threshold is an alert.
 */
import type { IdentityGraph, RiskLedger } from '../ports/abuse.js';
import type { AbusePolicy } from './policy.js';
import { accountScore, crossesAlert, traderScore, type RiskScore } from './score.js';

/** A score that reached the alert threshold of the policy that scored it. */
export interface Alert {
  readonly score: RiskScore;
  readonly alertAtScore: number;
}

/**
 * The scores one change touched, and which of them raised an alert. `announceUnchanged`: a score that did not
 * change is announced all the same (a trade judged again after a failed delivery announces what the first
 * attempt may not have).
 */
export class ScoreChanges {
  readonly scores: RiskScore[] = [];
  readonly alerts: Alert[] = [];

  constructor(readonly announceUnchanged = false) {}
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
  async afterDecision(accountId: string, traderId: string | null, policy: AbusePolicy, at: number): Promise<ScoreChanges> {
    const changes = new ScoreChanges();
    await this.rescoreAccount(accountId, policy, at, changes);
    if (traderId !== null) await this.rescoreTrader(traderId, policy, at, changes);
    return changes;
  }

  private async keep(score: RiskScore, policy: AbusePolicy, changes: ScoreChanges): Promise<void> {
    const before = await this.ledger.score(score.subject, score.subjectId);
    if (before !== null && before.score === score.score && sameParts(before, score)) {
      if (changes.announceUnchanged) changes.scores.push(before);
      return;
    }
    await this.ledger.saveScore(score);
    changes.scores.push(score);
    if (crossesAlert(before?.score ?? 0, score.score, policy)) changes.alerts.push({ score, alertAtScore: policy.alertAtScore });
  }
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
