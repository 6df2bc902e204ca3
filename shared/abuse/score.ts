/**
 * The risk score: 0 (nothing seen) to 100, per account and per trader, with its explanation. Each
 * detector with a flag that counts adds its weight once, however often it fired (a standing pattern is one
 * signal, not many); for a trader, each kind of identity shared with another trader adds its weight once
 * too. The sum is capped at 100. A flag the risk desk dismissed no longer counts; a confirmed one does.
 */
import { IDENTITY_LABELS, type Finding, type IdentityKind, type LinkEvidence } from './findings.js';
import type { AbusePolicy, DetectorId } from './policy.js';

/** A flag as the score reads it. */
export interface ScoredFlag {
  readonly flagId: string;
  readonly detector: DetectorId;
  readonly accountId: string;
  readonly message: string;
}

export interface ScorePart {
  /** A detector, or `link:<kind>` for an identity shared with another trader. */
  readonly signal: DetectorId | `link:${IdentityKind}`;
  readonly weight: number;
  /** What it rests on: the flags' ids, or the shared identities as an analyst may see them. */
  readonly evidence: readonly string[];
  readonly explanation: string;
}

export interface RiskScore {
  readonly subject: 'account' | 'trader';
  readonly subjectId: string;
  readonly score: number;
  readonly parts: readonly ScorePart[];
  /** Event time of the change that produced it. */
  readonly at: number;
  /**
   * Set when this score reached the alert threshold (this value) as it was saved: an attempt of the same
   * change that finds it saved already raises the same alert again.
   */
  readonly alertAtScore?: number;
}

/** A score that reached the alert threshold (its `alertAtScore`) of the policy that scored it. */
export type Alert = RiskScore & { readonly alertAtScore: number };

export const MAX_SCORE = 100;

/** "an IP address", "a device", "name and address" as an object of "shares". */
const an = (label: string): string => (label.includes(' and ') ? label : `${/^[aeiouAEIOU]/.test(label) ? 'an' : 'a'} ${label}`);

function detectorParts(flags: readonly ScoredFlag[], policy: AbusePolicy): ScorePart[] {
  const byDetector = new Map<DetectorId, ScoredFlag[]>();
  for (const flag of flags) {
    const list = byDetector.get(flag.detector);
    if (list) list.push(flag);
    else byDetector.set(flag.detector, [flag]);
  }
  return [...byDetector].map(([detector, list]) => ({
    signal: detector,
    weight: policy[detector].weight,
    evidence: list.map((flag) => flag.flagId),
    explanation: `${list.length === 1 ? '1 flag' : `${list.length} flags`}: ${list.at(-1)!.message}`,
  }));
}

function total(parts: readonly ScorePart[]): number {
  let sum = 0;
  for (const part of parts) sum += part.weight;
  return Math.min(MAX_SCORE, sum);
}

/** The order parts are shown in: heaviest first, then by name, so equal inputs explain alike. */
const byWeight = (a: ScorePart, b: ScorePart): number => b.weight - a.weight || (a.signal < b.signal ? -1 : a.signal > b.signal ? 1 : 0);

/** An account's score from its open (not dismissed) flags. */
export function accountScore(accountId: string, flags: readonly ScoredFlag[], policy: AbusePolicy, at: number): RiskScore {
  const parts = detectorParts(flags, policy).sort(byWeight);
  return { subject: 'account', subjectId: accountId, score: total(parts), parts, at };
}

/** A trader's score: the flags that count on all their accounts, and the identities they share with other traders. */
export function traderScore(
  traderId: string,
  flags: readonly ScoredFlag[],
  links: readonly LinkEvidence[],
  policy: AbusePolicy,
  at: number,
): RiskScore {
  const byKind = new Map<IdentityKind, LinkEvidence[]>();
  for (const link of links) {
    const list = byKind.get(link.kind);
    if (list) list.push(link);
    else byKind.set(link.kind, [link]);
  }
  const linkParts: ScorePart[] = [...byKind].map(([kind, list]) => {
    const others = new Set(list.map((link) => (link.traderIds[0] === traderId ? link.traderIds[1] : link.traderIds[0])));
    return {
      signal: `link:${kind}`,
      weight: policy.identityWeights[kind],
      evidence: [...new Set(list.map((link) => link.shown))],
      explanation: `shares ${an(IDENTITY_LABELS[kind])} with ${[...others].sort().join(', ')}`,
    };
  });
  const parts = [...detectorParts(flags, policy), ...linkParts].sort(byWeight);
  return { subject: 'trader', subjectId: traderId, score: total(parts), parts, at };
}

/** Whether a change of score crosses the alert threshold upwards (reaching it counts). */
export function crossesAlert(before: number, after: number, policy: AbusePolicy): boolean {
  return before < policy.alertAtScore && after >= policy.alertAtScore;
}

/** One flag per detector, account and UTC day: a standing pattern does not raise a new flag on every trade. */
export function flagIdOf(finding: Finding): string {
  return `${finding.detector}:${finding.accountId}:${new Date(finding.at).toISOString().slice(0, 10)}`;
}
