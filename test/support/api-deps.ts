/** The API's dependencies in memory, each replaceable: what the router and route tests run against. */
import type { AbuseEvent } from '../../shared/abuse/abuse-events.js';
import type { LinkEvidence } from '../../shared/abuse/findings.js';
import type { DetectorId } from '../../shared/abuse/policy.js';
import { flagIdOf, type RiskScore, type ScoredFlag } from '../../shared/abuse/score.js';
import type { ApiDeps } from '../../shared/api/routes.js';
import type { NewsCalendarStore } from '../../shared/api/routes/news-calendar.js';
import type { TradeEvent } from '../../shared/domain/events.js';
import { NewsCalendar, NO_NEWS } from '../../shared/domain/news.js';
import { FLAG_MOVES, type Flag, type FlagDesk, type FlagMove, type FlagMoveOutcome, type FlagState, type IdentityGraph, type StoredFlag } from '../../shared/ports/abuse.js';
import type { EventPublisher } from '../../shared/ports/event-publisher.js';
import { InvalidCursorError, type Page, type PageRequest } from '../../shared/ports/page.js';
import { MemoryAccountHistory } from './account-history.js';
import { MemoryAccountReader } from './account-reader.js';
import { MemoryAuditLog } from './audit-log.js';
import { MemoryPayoutLedger } from './payout-doubles.js';
import { MemoryProgramStore } from './program-store.js';
import { MemoryRiskQueue } from './risk-queue.js';
import { MemoryTaskTokenStore, MemoryWorkflowEvents, RecordingTaskCallbacks } from './workflow-doubles.js';

/** A trade stream that keeps what was put on it. */
export class MemoryTradeStream {
  readonly events: TradeEvent[] = [];

  async put(events: readonly TradeEvent[]): Promise<void> {
    this.events.push(...events);
  }
}

/** A flag as the abuse engine raises it: a hedging flag of acc-1 (owned by trd-1) on 2 March 2026, unless told otherwise. */
export function abuseFlag(overrides: Partial<Flag> = {}): Flag {
  const finding = {
    detector: 'hedging' as DetectorId,
    accountId: 'acc-1',
    traderId: 'trd-1' as string | null,
    at: Date.parse('2026-03-02T10:00:00Z'),
    message: 'opposite positions on EURUSD with acc-2 within 12 s, 3 times',
    evidence: {
      measured: { hedges: 3, overlapSeconds: 95 },
      thresholds: { minHedges: 2, windowSeconds: 300 },
      trades: [{ accountId: 'acc-1', positionId: 'p-1', symbol: 'EURUSD', side: 'buy' as const, volume: 10_000, openedAt: Date.parse('2026-03-02T09:58:00Z'), closedAt: Date.parse('2026-03-02T10:00:00Z'), netPnl: -1_200 }],
      peers: [
        {
          accountId: 'acc-2',
          traderId: 'trd-2',
          matchedTrades: 3,
          lotRatioBps: 10_000,
          sameTrader: false,
          links: [{ kind: 'device' as const, shown: 'device …3f9a', traderIds: ['trd-1', 'trd-2'] as const, firstSeen: [Date.parse('2026-02-20T08:00:00Z'), Date.parse('2026-02-21T08:00:00Z')] as const }],
        },
      ],
    },
    ...overrides,
  };
  return { flagId: flagIdOf(finding), action: 'flag', programId: 'two-step-static', ...finding };
}

/** Newest first: by the flag's time, then its id, as the adapter's listing sorts `<ISO time>#<flag id>`. */
const newestFlagFirst = (a: StoredFlag, b: StoredFlag): number => b.flag.at - a.flag.at || (a.flag.flagId < b.flag.flagId ? 1 : a.flag.flagId > b.flag.flagId ? -1 : 0);

/**
 * A FlagDesk in memory, with the DynamoDB desk's answers: a flag is raised once (open), moves follow
 * FLAG_MOVES from the state it is in, a dismissed flag stops counting, a saved score is the latest and joins
 * the subject's history, listings are newest first, and cursors are opaque and checked.
 */
export class MemoryFlagDesk implements FlagDesk {
  private readonly stored = new Map<string, StoredFlag>();
  private readonly owned = new Map<string, Set<string>>();
  private readonly latest = new Map<string, RiskScore>();
  private readonly histories = new Map<string, RiskScore[]>();
  /** Every cursor given out: the listing it continues and where. */
  private readonly cursors = new Map<string, { readonly listing: string; readonly offset: number }>();
  /** Every move asked for, allowed or not. */
  readonly moves: { readonly flagId: string; readonly move: FlagMove }[] = [];

  constructor(flags: readonly Flag[] = []) {
    for (const flag of flags) this.keep(flag);
  }

  async raise(flag: Flag): Promise<boolean> {
    if (this.stored.has(flag.flagId)) return false;
    this.keep(flag);
    return true;
  }

  private keep(flag: Flag): void {
    this.stored.set(flag.flagId, { flag: JSON.parse(JSON.stringify(flag)) as Flag, state: 'open', outcome: null, handledBy: null, handledAt: null, note: null, decisionId: null });
  }

  async countingFlags(accountIds: readonly string[]): Promise<readonly ScoredFlag[]> {
    const wanted = new Set(accountIds);
    return [...this.stored.values()]
      .filter(({ flag, outcome }) => wanted.has(flag.accountId) && outcome !== 'dismissed')
      .sort((a, b) => -newestFlagFirst(a, b))
      .map(({ flag }) => ({ flagId: flag.flagId, detector: flag.detector, accountId: flag.accountId, message: flag.message }));
  }

  async accountsOf(traderId: string): Promise<readonly string[]> {
    return [...(this.owned.get(traderId) ?? [])].sort();
  }

  async own(traderId: string, accountId: string): Promise<void> {
    const accounts = this.owned.get(traderId) ?? new Set<string>();
    accounts.add(accountId);
    this.owned.set(traderId, accounts);
  }

  async score(subject: RiskScore['subject'], subjectId: string): Promise<RiskScore | null> {
    return this.latest.get(`${subject}:${subjectId}`) ?? null;
  }

  async saveScore(score: RiskScore): Promise<void> {
    const key = `${score.subject}:${score.subjectId}`;
    this.latest.set(key, score);
    this.histories.set(key, [...(this.histories.get(key) ?? []), score]);
  }

  async scoreHistory(subject: RiskScore['subject'], subjectId: string, page: PageRequest): Promise<Page<RiskScore>> {
    const key = `${subject}:${subjectId}`;
    // Newest first by time; of one instant, the later saved first.
    const scores = [...(this.histories.get(key) ?? [])].reverse().sort((a, b) => b.at - a.at);
    return this.page(`history:${key}`, scores, page);
  }

  async listFlags(state: FlagState, page: PageRequest): Promise<Page<StoredFlag>> {
    return this.page(`flags:${state}`, [...this.stored.values()].filter((stored) => stored.state === state).sort(newestFlagFirst), page);
  }

  async flagsOfAccount(accountId: string, page: PageRequest): Promise<Page<StoredFlag>> {
    return this.page(`account:${accountId}`, [...this.stored.values()].filter((stored) => stored.flag.accountId === accountId).sort(newestFlagFirst), page);
  }

  async getFlag(flagId: string): Promise<StoredFlag | null> {
    return this.stored.get(flagId) ?? null;
  }

  async moveFlag(flagId: string, move: FlagMove): Promise<FlagMoveOutcome> {
    this.moves.push({ flagId, move });
    const current = this.stored.get(flagId);
    if (current === undefined) return { moved: false, reason: 'notFound' };
    if (!FLAG_MOVES[current.state].includes(move.to)) return { moved: false, reason: 'notAllowed', flag: current };
    const flag: StoredFlag = {
      ...current,
      state: move.to,
      outcome: move.to === 'resolved' ? move.outcome : current.outcome,
      handledBy: move.by,
      handledAt: move.at,
      note: move.note,
      decisionId: move.decisionId,
    };
    this.stored.set(flagId, flag);
    return { moved: true, flag };
  }

  private page<T>(listing: string, all: readonly T[], { limit, cursor }: PageRequest): Page<T> {
    const from = cursor === undefined ? { listing, offset: 0 } : this.cursors.get(cursor);
    if (from === undefined || from.listing !== listing) throw new InvalidCursorError();
    const end = from.offset + limit;
    const items = all.slice(from.offset, end);
    if (end >= all.length) return { items };
    const next = Buffer.from(JSON.stringify([listing, end])).toString('base64url');
    this.cursors.set(next, { listing, offset: end });
    return { items, cursor: next };
  }
}

/** A trader's shared identities, as the identity graph answers them. */
export class MemoryIdentityLinks implements Pick<IdentityGraph, 'linksOf'> {
  constructor(readonly links: LinkEvidence[] = []) {}

  async linksOf(traderId: string): Promise<readonly LinkEvidence[]> {
    return this.links.filter((link) => link.traderIds.includes(traderId));
  }
}

/** Keeps the abuse events the API published. */
export class MemoryAbuseEvents implements EventPublisher<AbuseEvent> {
  readonly published: AbuseEvent[] = [];

  async publish(events: readonly AbuseEvent[]): Promise<void> {
    this.published.push(...events);
  }

  ofType<T extends AbuseEvent['type']>(type: T): Extract<AbuseEvent, { type: T }>[] {
    return this.published.filter((event): event is Extract<AbuseEvent, { type: T }> => event.type === type);
  }
}

/** The news calendar as DynamoDbNewsCalendar keeps it: validated, then stored as written. */
export class MemoryNewsCalendar implements NewsCalendarStore {
  stored: string | null = null;

  async calendar(): Promise<unknown | null> {
    return this.stored === null ? null : (JSON.parse(this.stored) as unknown);
  }

  async put(calendar: unknown): Promise<void> {
    NewsCalendar.parse(calendar);
    this.stored = JSON.stringify(calendar);
  }
}

export function memoryApiDeps(deps: Partial<ApiDeps> = {}): ApiDeps {
  return {
    tenant: 'acme',
    programs: new MemoryProgramStore(),
    accounts: new MemoryAccountReader(),
    tradeStream: new MemoryTradeStream(),
    history: new MemoryAccountHistory(),
    riskQueue: new MemoryRiskQueue(),
    audit: new MemoryAuditLog(),
    news: async () => NO_NEWS,
    payouts: new MemoryPayoutLedger(),
    workflowEvents: new MemoryWorkflowEvents(),
    taskTokens: new MemoryTaskTokenStore(),
    taskCallbacks: new RecordingTaskCallbacks(),
    flags: new MemoryFlagDesk(),
    identities: new MemoryIdentityLinks(),
    abuseEvents: new MemoryAbuseEvents(),
    newsCalendar: new MemoryNewsCalendar(),
    ...deps,
  };
}
