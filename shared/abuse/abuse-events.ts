/**
 * The abuse engine's events on the firm's bus, under source `propdesk.abuse`: a flag raised or resolved,
 * a risk score changed, a score reaching the alert threshold (the risk desk's alert). In:
 * `IdentityObserved` from bridges (logins: IP address, device), payment processors (card fingerprints),
 * the KYC provider and the purchase workflow (contact details). The zod schemas here are the contract's
 * single source; events/schemas/abuse/ holds their JSON Schema export.
 */
import { z } from 'zod';
import type { Flag } from '../ports/abuse.js';
import { DETECTORS } from './policy.js';
import { IDENTITY_KINDS, type TradeRef } from './findings.js';
import type { Alert, RiskScore } from './score.js';

export const ABUSE_EVENT_SOURCE = 'propdesk.abuse';
export { IdentityObservation as IdentityObserved } from './identity.js';

const instant = z.iso.datetime({ offset: true });
const figure = z.union([z.number(), z.string(), z.boolean(), z.null()]);
const iso = (time: number): string => new Date(time).toISOString();

const TradeEvidence = z.object({
  accountId: z.string(),
  positionId: z.string(),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  volume: z.int().describe('1/10,000 lot'),
  openedAt: instant,
  closedAt: instant,
  netPnl: z.int().describe('minor units'),
});

const LinkEvidence = z.object({
  kind: z.enum(IDENTITY_KINDS),
  shown: z.string().describe('the shared signal as an analyst may see it; personal data masked'),
  traderIds: z.tuple([z.string(), z.string()]),
  firstSeen: z.tuple([instant, instant]),
});

const Peer = z.object({
  accountId: z.string(),
  traderId: z.string().nullable(),
  matchedTrades: z.int(),
  lotRatioBps: z.int().nullable().describe("this account's volume over the peer's, median, in bps"),
  sameTrader: z.boolean(),
  links: z.array(LinkEvidence),
});

export const AbuseFlagRaised = z.object({
  type: z.literal('AbuseFlagRaised'),
  id: z.string().describe('the flag id: one flag per detector, account and UTC day'),
  tenant: z.string(),
  flagId: z.string(),
  detector: z.enum(DETECTORS),
  action: z.enum(['flag', 'fail']).describe("the program's: fail means the account is being failed"),
  accountId: z.string(),
  traderId: z.string().nullable(),
  programId: z.string(),
  time: instant.describe('event time: when the trade completing the pattern closed'),
  message: z.string(),
  evidence: z.object({
    measured: z.record(z.string(), figure),
    thresholds: z.record(z.string(), figure),
    trades: z.array(TradeEvidence),
    peers: z.array(Peer),
  }),
});

export const AbuseFlagResolved = z.object({
  type: z.literal('AbuseFlagResolved'),
  id: z.string().describe('the decision id'),
  tenant: z.string(),
  flagId: z.string(),
  accountId: z.string(),
  outcome: z.enum(['confirmed', 'dismissed']),
  resolvedBy: z.string(),
  note: z.string(),
  time: instant,
});

const ScorePart = z.object({
  signal: z.string().describe('a detector, or link:<kind> for an identity shared with another trader'),
  weight: z.int(),
  evidence: z.array(z.string()).describe('flag ids, or the shared identities as shown'),
  explanation: z.string(),
});

const scored = {
  tenant: z.string(),
  subject: z.enum(['account', 'trader']),
  subjectId: z.string(),
  score: z.int().min(0).max(100),
  parts: z.array(ScorePart),
  time: instant,
};

export const RiskScoreChanged = z.object({ type: z.literal('RiskScoreChanged'), id: z.string(), ...scored });
export const RiskAlertRaised = z.object({
  type: z.literal('RiskAlertRaised'),
  id: z.string(),
  ...scored,
  alertAtScore: z.int().describe("the program's threshold the score reached"),
});

export const AbuseEvent = z.discriminatedUnion('type', [AbuseFlagRaised, AbuseFlagResolved, RiskScoreChanged, RiskAlertRaised]);
export type AbuseEvent = z.infer<typeof AbuseEvent>;

const tradeEvidence = (trade: TradeRef): z.infer<typeof TradeEvidence> => ({ ...trade, openedAt: iso(trade.openedAt), closedAt: iso(trade.closedAt) });

export function flagRaised(tenant: string, flag: Flag): z.infer<typeof AbuseFlagRaised> {
  return {
    type: 'AbuseFlagRaised',
    id: flag.flagId,
    tenant,
    flagId: flag.flagId,
    detector: flag.detector,
    action: flag.action,
    accountId: flag.accountId,
    traderId: flag.traderId,
    programId: flag.programId,
    time: iso(flag.at),
    message: flag.message,
    evidence: {
      measured: flag.evidence.measured,
      thresholds: flag.evidence.thresholds,
      trades: flag.evidence.trades.map(tradeEvidence),
      peers: flag.evidence.peers.map((peer) => ({
        ...peer,
        links: peer.links.map((link) => ({
          kind: link.kind,
          shown: link.shown,
          traderIds: [link.traderIds[0], link.traderIds[1]] as [string, string],
          firstSeen: [iso(link.firstSeen[0]), iso(link.firstSeen[1])] as [string, string],
        })),
      })),
    },
  };
}

/** Deterministic: the same score of the same subject at the same instant is the same event. */
export function scoreChanged(tenant: string, score: RiskScore): z.infer<typeof RiskScoreChanged> {
  const { subject, subjectId, parts } = score;
  return { type: 'RiskScoreChanged', id: `${subject}:${subjectId}:${score.at}:${score.score}`, tenant, subject, subjectId, score: score.score, parts: parts.map((part) => ({ ...part, evidence: [...part.evidence] })), time: iso(score.at) };
}

export function alertRaised(tenant: string, alert: Alert): z.infer<typeof RiskAlertRaised> {
  return { ...scoreChanged(tenant, alert), type: 'RiskAlertRaised', alertAtScore: alert.alertAtScore };
}
