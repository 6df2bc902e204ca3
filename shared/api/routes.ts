/**
 * The routes of the staff and trader API, one file per area under routes/: each route is a row with its
 * path, who may call it, its schemas and its answer. This table is what the router serves, what the
 * OpenAPI description documents and what the stack gives API Gateway.
 */
import type { AbuseEvent } from '../abuse/abuse-events.js';
import type { NewsIndex } from '../domain/news.js';
import type { FlagDesk, IdentityGraph } from '../ports/abuse.js';
import type { AccountHistory } from '../ports/account-history.js';
import type { AccountReader } from '../ports/account-reader.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { EventPublisher } from '../ports/event-publisher.js';
import type { PayoutLedger } from '../ports/payouts.js';
import type { ProgramStore } from '../ports/program-store.js';
import type { RiskQueue } from '../ports/risk-queue.js';
import type { TaskCallbacks, TaskTokenStore } from '../ports/task-tokens.js';
import type { TradeStream } from '../ports/trade-stream.js';
import type { WorkflowEvent } from '../workflows/workflow-events.js';
import { openApiDocument } from './openapi.js';
import type { Route } from './route.js';
import { abuseRoutes } from './routes/abuse.js';
import { accountRoutes } from './routes/accounts.js';
import { auditRoutes } from './routes/audit.js';
import { overrideRoutes } from './routes/overrides.js';
import { payoutRoutes } from './routes/payouts.js';
import { riskDeskRoutes } from './routes/risk-desk.js';
import { me } from './routes/identity.js';
import { newsCalendarRoutes, type NewsCalendarStore } from './routes/news-calendar.js';
import { operationRoutes } from './routes/operations.js';
import { programRoutes } from './routes/programs.js';

export interface ApiDeps {
  readonly tenant: string;
  readonly programs: ProgramStore;
  readonly accounts: AccountReader;
  /** Where overrides go: the trade stream, so the evaluator applies them in order with trading. */
  readonly tradeStream: TradeStream;
  readonly history: Pick<AccountHistory, 'read'>;
  readonly riskQueue: RiskQueue;
  readonly audit: AuditLog;
  /** The firm's news calendar, for dry-runs of programs with news rules. */
  readonly news: () => Promise<NewsIndex>;
  readonly payouts: PayoutLedger;
  /** Where a payout request goes (PayoutRequested, which starts the payout workflow). */
  readonly workflowEvents: EventPublisher<WorkflowEvent>;
  /** The payout workflow's parked tokens: its wait for an analyst's decision is under `approve:<payoutId>`. */
  readonly taskTokens: TaskTokenStore;
  /** Resumes a waiting workflow with an analyst's decision. */
  readonly taskCallbacks: TaskCallbacks;
  /** The abuse engine's flags and scores, as the risk desk lists, moves and reads them. */
  readonly flags: FlagDesk;
  /** Who shares what with whom: a trader's links, and the scorer's input when a flag is resolved. */
  readonly identities: Pick<IdentityGraph, 'linksOf'>;
  /** Where a resolved flag and the scores it changed are announced (AbuseFlagResolved, RiskScoreChanged, RiskAlertRaised). */
  readonly abuseEvents: EventPublisher<AbuseEvent>;
  /** The news calendar as stored, read and replaced whole by the news-calendar routes. */
  readonly newsCalendar: NewsCalendarStore;
}

export const API_ROUTES: readonly Route<ApiDeps>[] = [
  ...operationRoutes(() => describeApi()),
  me,
  ...programRoutes,
  ...accountRoutes,
  ...overrideRoutes,
  ...riskDeskRoutes,
  ...abuseRoutes,
  ...newsCalendarRoutes,
  ...payoutRoutes,
  ...auditRoutes,
];

let description: object | undefined;

/** Built once, on first use. */
export function describeApi(): object {
  description ??= openApiDocument(API_ROUTES as readonly Route<unknown>[], {
    title: 'Propdesk API',
    version: '1',
    description: "A prop firm's back office: programs, accounts, the risk desk, abuse detection, payouts. Every route but health and this documentation needs a bearer token.",
  });
  return description;
}
