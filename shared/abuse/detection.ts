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
import type { AbuseEngine, AccountProgram } from './engine.js';
import type { AbuseTrade } from './findings.js';
import type { IdentityObservation } from './identity.js';
import { DEFAULT_ABUSE_POLICY, type AbusePolicy } from './policy.js';

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

/** How many traders' trades one batch judges at once. */
const TRADERS_AT_ONCE = 8;

/** A trade names a program version that is not stored: nothing can judge it until it is. */
export class UnknownProgramError extends Error {
  constructor(programId: string, version: number) {
    super(`program ${programId} version ${version} is not stored, so its abuse policy is unknown`);
    this.name = 'UnknownProgramError';
  }
}

const failure = (kind: DetectionInput['kind'], error: unknown): DetectionResult => ({ ok: false, kind, error: error instanceof Error ? error : new Error(String(error)) });

export class AbuseDetection {
  private readonly identityPolicy: AbusePolicy;

  constructor(private readonly ports: DetectionPorts) {
    this.identityPolicy = ports.identityPolicy ?? DEFAULT_ABUSE_POLICY;
  }

  /**
   * Runs a batch; one result per input, in the same order. Identity observations first, in order: a link
   * they create may decide whether a trade in the same batch hedges. Then the trades, each trader's (or, for
   * an account without one, each account's) in order, TRADERS_AT_ONCE traders at a time: a trade waits on a
   * dozen store round trips, and one trader's accounts share a score that must not be written by two at once.
   */
  async process(inputs: readonly DetectionInput[]): Promise<DetectionResult[]> {
    const batch = new BatchContext(this.ports);
    const results: DetectionResult[] = new Array(inputs.length);
    const byTrader = new Map<string, { readonly index: number; readonly trade: AbuseTrade }[]>();
    for (const [index, input] of inputs.entries()) {
      if (input.kind === 'identity') {
        results[index] = await this.settle('identity', () => this.onIdentity(input.observation));
        continue;
      }
      const trade = tradeOf(input.event);
      const key = trade.traderId ?? `account:${trade.accountId}`;
      const queue = byTrader.get(key);
      if (queue) queue.push({ index, trade });
      else byTrader.set(key, [{ index, trade }]);
    }
    // Every trade visible to the others before any is judged; one whose indexing failed is retried unjudged.
    const trades = [...byTrader.values()].flat();
    const indexed = await Promise.allSettled(trades.map(({ trade }) => this.ports.engine.index([trade])));
    indexed.forEach((outcome, position) => {
      if (outcome.status === 'rejected') results[trades[position]!.index] = failure('trade', outcome.reason);
    });
    const queues = [...byTrader.values()].map((queue) => queue.filter(({ index }) => results[index] === undefined)).filter((queue) => queue.length > 0);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < queues.length) for (const { index, trade } of queues[next++]!) results[index] = await this.settle('trade', () => this.onTrade(trade, batch));
    };
    await Promise.all(Array.from({ length: Math.min(TRADERS_AT_ONCE, queues.length) }, worker));
    return results;
  }

  private async settle(kind: DetectionInput['kind'], run: () => Promise<DetectionResult>): Promise<DetectionResult> {
    try {
      return await run();
    } catch (error) {
      return failure(kind, error);
    }
  }

  private async onTrade(trade: AbuseTrade, batch: BatchContext): Promise<DetectionResult> {
    const { engine, tenant } = this.ports;
    // The program of every account the engine asks about while judging this trade (its own and its peers').
    const programOf = (of: AbuseTrade): Promise<AccountProgram> => batch.program(of.programId, of.programVersion);
    const outcome = await engine.onTrade(trade, programOf, await batch.news());

    // A batch's trades see each other, so a hedge or a copy found by the first is found again by the second,
    // perhaps while the first delivers it: what this batch delivers or is delivering is not delivered twice.
    const claimed: string[] = [];
    const fresh = (published: AbuseEvent): boolean => {
      const key = `${published.type}:${published.id}`;
      if (batch.delivered.has(key)) return false;
      batch.delivered.add(key);
      claimed.push(key);
      return true;
    };
    const flagged = outcome.flags.map((flag) => ({ flag, raised: flagRaised(tenant, flag) })).filter(({ raised }) => fresh(raised));
    const events: AbuseEvent[] = [
      ...flagged.map(({ raised }) => raised),
      ...outcome.scores.map((score) => scoreChanged(tenant, score)).filter(fresh),
      ...outcome.alerts.map((alert) => alertRaised(tenant, alert)).filter(fresh),
    ];
    // The firm's rulebook first: a fail is the consequence with money at stake. One override per account.
    const failing = new Map<string, Flag>();
    for (const { flag } of flagged) if (flag.action === 'fail' && !failing.has(flag.accountId)) failing.set(flag.accountId, flag);
    try {
      for (const flag of failing.values()) await this.ports.failAccount(flag);
      if (events.length > 0) await this.ports.events.publish(events);
    } catch (error) {
      // Not delivered: this trade is judged again and delivers them; so may another trade of the batch.
      for (const key of claimed) batch.delivered.delete(key);
      throw error;
    }
    await engine.markJudged(trade);
    const count = (type: AbuseEvent['type']): number => events.filter((published) => published.type === type).length;
    return { ok: true, kind: 'trade', flags: flagged.length, scores: count('RiskScoreChanged'), alerts: count('RiskAlertRaised'), accountsFailed: failing.size };
  }

  private async onIdentity(observation: IdentityObservation): Promise<DetectionResult> {
    const { engine, tenant } = this.ports;
    const policy = this.identityPolicy;
    const { scores, alerts } = await engine.onIdentity(observation, policy);
    const events: AbuseEvent[] = [...scores.map((score) => scoreChanged(tenant, score)), ...alerts.map((alert) => alertRaised(tenant, alert))];
    if (events.length > 0) await this.ports.events.publish(events);
    return { ok: true, kind: 'identity', flags: 0, scores: scores.length, alerts: alerts.length, accountsFailed: 0 };
  }
}

/** What the inputs of one batch share: the programs they named and the news calendar, each read once. */
class BatchContext {
  /** `<type>:<id>` of the events this batch published or is publishing (a flag's, with its account failed where the program says so). */
  readonly delivered = new Set<string>();
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
