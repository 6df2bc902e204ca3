/**
 * Abuse detection as the detectors function runs it, without the SDK: the evaluator's closed trades and the
 * identity observations of bridges, processors, the KYC provider and the workflows go through the engine
 * one by one, in arrival order; what it finds goes on the firm's bus (source `propdesk.abuse`), and a flag
 * whose program says `fail` fails its account through the trade stream, as a staff override would.
 *
 * Each input succeeds or fails on its own: a failed one (a store throttled, a program not stored) is reported
 * with its error and the others go on. Everything published is deterministic (the ids of abuse-events.ts,
 * the override id of the flag). A trade is marked judged only once its outcome is delivered: a redelivery
 * after that publishes nothing; a retry after a failure judges it again and publishes the same events.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { OverrideEvent } from '../domain/events.js';
import type { NewsIndex } from '../domain/news.js';
import type { Flag } from '../ports/abuse.js';
import type { EventPublisher } from '../ports/event-publisher.js';
import type { ProgramStore } from '../ports/program-store.js';
import type { TradeClosed } from '../stream/domain-events.js';
import { alertRaised, flagRaised, scoreChanged, type AbuseEvent } from './abuse-events.js';
import type { AbuseEngine, AbuseOutcome, AccountProgram } from './engine.js';
import type { AbuseTrade } from './findings.js';
import type { IdentityObservation } from './identity.js';
import { DEFAULT_ABUSE_POLICY, type AbusePolicy } from './policy.js';
import type { RiskScore } from './score.js';

/** The evaluator's TradeClosed domain event, as parsed (times ISO 8601). */
export type TradeClosedEvent = z.output<typeof TradeClosed>;

/**
 * Where IdentityObserved may come from: Propdesk's own sources, `propdesk.bridge.*`, `propdesk.processor.*`,
 * `propdesk.kyc`, `propdesk.workflows` (the bus rule and the detectors' parsing both hold to it).
 */
export const IDENTITY_SOURCE_PREFIX = 'propdesk.';

/** Who writes the overrides of `fail` flags: the actor of the AccountOverridden event and of the override record. */
export const ABUSE_ACTOR = 'propdesk.abuse';

/** The trade as the detectors read it: event times as epoch milliseconds. */
export function tradeOf(event: TradeClosedEvent): AbuseTrade {
  return {
    accountId: event.accountId,
    traderId: event.traderId,
    programId: event.programId,
    programVersion: event.programVersion,
    positionId: event.positionId,
    symbol: event.symbol,
    side: event.side,
    volume: event.volume,
    openedAt: Date.parse(event.openedAt),
    closedAt: Date.parse(event.closedAt),
    openPrice: event.openPrice,
    closePrice: event.closePrice,
    netPnl: event.netPnl,
    openReferencePrice: event.openReferencePrice,
    closeReferencePrice: event.closeReferencePrice,
  };
}

/** An id on the trade stream holds at most 128 characters (shared/domain/events.ts). */
const MAX_ID_LENGTH = 128;
const ID_CHARACTERS = /^[A-Za-z0-9._:@/-]+$/;
const MAX_REASON_LENGTH = 1000;

/**
 * The override id of a flag's `fail`: derived from the flag id alone, so the same flag fails its account
 * once however often it is delivered (the evaluator ignores an override id it has applied). Readable when it
 * fits an id, otherwise a hash of the flag id.
 */
export function failOverrideIdOf(flagId: string): string {
  const readable = `abuse:${flagId}`;
  if (readable.length <= MAX_ID_LENGTH && ID_CHARACTERS.test(readable)) return readable;
  return `abuse:${createHash('sha256').update(flagId).digest('hex')}`;
}

/**
 * The override that fails the flag's account: decided at the flag's event time (the close of the trade that
 * completed the pattern), by `propdesk.abuse`, for the flag's message. Deterministic: the same flag gives
 * the same event.
 */
export function failOverrideOf(tenant: string, flag: Flag): OverrideEvent {
  const message = flag.message.trim();
  const reason = message.length <= MAX_REASON_LENGTH ? message : `${message.slice(0, MAX_REASON_LENGTH - 1)}…`;
  return OverrideEvent.parse({
    type: 'override',
    schemaVersion: 1,
    tenant,
    accountId: flag.accountId,
    overrideId: failOverrideIdOf(flag.flagId),
    time: new Date(flag.at).toISOString(),
    actor: ABUSE_ACTOR,
    reason: reason === '' ? `abuse flag ${flag.flagId}` : reason,
    change: { action: 'fail' },
  });
}

/** What the detectors function hands the core: a parsed input, in arrival order. */
export type DetectionInput =
  | { readonly kind: 'trade'; readonly event: TradeClosedEvent }
  | { readonly kind: 'identity'; readonly observation: IdentityObservation };

/** What one input did: counts for the metrics, or why it failed (the caller retries it). */
export type DetectionResult =
  | { readonly ok: true; readonly kind: DetectionInput['kind']; readonly flags: number; readonly scores: number; readonly alerts: number; readonly accountsFailed: number }
  | { readonly ok: false; readonly kind: DetectionInput['kind']; readonly error: Error };

export interface DetectionPorts {
  readonly engine: AbuseEngine;
  /** Program versions never change: the handler passes a store that caches them for the container's life. */
  readonly programs: Pick<ProgramStore, 'get'>;
  /** The firm's news calendar, read once per batch that holds a trade. */
  readonly news: () => Promise<NewsIndex>;
  readonly events: EventPublisher<AbuseEvent>;
  /** Fails the flag's account: the handler puts failOverrideOf(flag) on the trade stream. */
  readonly failAccount: (flag: Flag) => Promise<void>;
  readonly tenant: string;
  /**
   * The policy identity observations rescore traders by: links belong to traders, not programs, and the
   * firm has no abuse policy of its own beyond its programs'. @default DEFAULT_ABUSE_POLICY
   */
  readonly identityPolicy?: AbusePolicy;
}

/** A trade names a program version that is not stored: nothing can judge it until it is. */
export class UnknownProgramError extends Error {
  constructor(programId: string, version: number) {
    super(`program ${programId} version ${version} is not stored, so its abuse policy is unknown`);
    this.name = 'UnknownProgramError';
  }
}

export class AbuseDetection {
  private readonly identityPolicy: AbusePolicy;

  constructor(private readonly ports: DetectionPorts) {
    this.identityPolicy = ports.identityPolicy ?? DEFAULT_ABUSE_POLICY;
  }

  /** Runs the inputs one after the other, in the order given; one result per input, in the same order. */
  async process(inputs: readonly DetectionInput[]): Promise<DetectionResult[]> {
    const batch = new BatchContext(this.ports);
    const results: DetectionResult[] = [];
    for (const input of inputs) {
      try {
        results.push(input.kind === 'trade' ? await this.onTrade(input.event, batch) : await this.onIdentity(input.observation));
      } catch (error) {
        results.push({ ok: false, kind: input.kind, error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
    return results;
  }

  private async onTrade(event: TradeClosedEvent, batch: BatchContext): Promise<DetectionResult> {
    const { engine, tenant } = this.ports;
    const trade = tradeOf(event);
    // The program of every account the engine asks about while judging this trade (its own and its peers').
    const judgedBy = new Map<string, AccountProgram>();
    const programOf = async (of: AbuseTrade): Promise<AccountProgram> => {
      const program = await batch.program(of.programId, of.programVersion);
      judgedBy.set(of.accountId, program);
      return program;
    };
    const outcome = await engine.onTrade(trade, programOf, await batch.news());
    const own = judgedBy.get(trade.accountId) ?? (await batch.program(trade.programId, trade.programVersion));
    const thresholdOf = alertThresholds(outcome, judgedBy, own);

    // The firm's rulebook first: a fail is the consequence with money at stake. One override per account.
    const failing = new Map<string, Flag>();
    for (const flag of outcome.flags) if (flag.action === 'fail' && !failing.has(flag.accountId)) failing.set(flag.accountId, flag);
    for (const flag of failing.values()) await this.ports.failAccount(flag);

    const events: AbuseEvent[] = [
      ...outcome.flags.map((flag) => flagRaised(tenant, flag)),
      ...outcome.scores.map((score) => scoreChanged(tenant, score)),
      ...outcome.alerts.map((score) => alertRaised(tenant, score, thresholdOf(score))),
    ];
    if (events.length > 0) await this.ports.events.publish(events);
    await engine.markJudged(trade);
    return { ok: true, kind: 'trade', flags: outcome.flags.length, scores: outcome.scores.length, alerts: outcome.alerts.length, accountsFailed: failing.size };
  }

  private async onIdentity(observation: IdentityObservation): Promise<DetectionResult> {
    const { engine, tenant } = this.ports;
    const policy = this.identityPolicy;
    const { scores, alerts } = await engine.onIdentity(observation, policy);
    const events: AbuseEvent[] = [...scores.map((score) => scoreChanged(tenant, score)), ...alerts.map((score) => alertRaised(tenant, score, policy.alertAtScore))];
    if (events.length > 0) await this.ports.events.publish(events);
    return { ok: true, kind: 'identity', flags: 0, scores: scores.length, alerts: alerts.length, accountsFailed: 0 };
  }
}

/** What the inputs of one batch share: the programs they named and the news calendar, each read once. */
class BatchContext {
  private readonly programs = new Map<string, Promise<AccountProgram>>();
  private newsIndex: Promise<NewsIndex> | undefined;

  constructor(private readonly ports: Pick<DetectionPorts, 'programs' | 'news'>) {}

  program(programId: string, version: number): Promise<AccountProgram> {
    const key = `${programId}#${version}`;
    let found = this.programs.get(key);
    if (found === undefined) {
      found = this.ports.programs.get(programId, version).then((program) => {
        if (program === null) throw new UnknownProgramError(programId, version);
        return { programId: program.id, initialBalance: program.initialBalance, policy: program.abuse };
      });
      this.programs.set(key, found);
      // A failed read is tried again by the next input that needs it; an unknown program fails each alike.
      const reading = found;
      reading.catch(() => {
        if (this.programs.get(key) === reading) this.programs.delete(key);
      });
    }
    return found;
  }

  news(): Promise<NewsIndex> {
    if (this.newsIndex === undefined) {
      const reading = this.ports.news();
      this.newsIndex = reading;
      // Not kept when it failed: the next trade of the batch reads it again.
      reading.catch(() => {
        if (this.newsIndex === reading) this.newsIndex = undefined;
      });
    }
    return this.newsIndex;
  }
}

/**
 * The alert threshold each alert of a trade's outcome was judged by, as the engine chose the policy: an
 * account's, its program's; a trader's, the program of their last account (in the order the outcome's flags
 * first name them) that the outcome flagged.
 */
function alertThresholds(outcome: AbuseOutcome, judgedBy: ReadonlyMap<string, AccountProgram>, own: AccountProgram): (score: RiskScore) => number {
  const ownerOf = new Map<string, string | null>();
  for (const flag of outcome.flags) if (!ownerOf.has(flag.accountId)) ownerOf.set(flag.accountId, flag.traderId);
  return (score) => {
    if (score.subject === 'account') return (judgedBy.get(score.subjectId) ?? own).policy.alertAtScore;
    let program = own;
    for (const [accountId, traderId] of ownerOf) if (traderId === score.subjectId) program = judgedBy.get(accountId) ?? program;
    return program.policy.alertAtScore;
  };
}
