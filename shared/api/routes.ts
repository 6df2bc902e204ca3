/**
 * The routes of the staff and trader API, one file per area under routes/: each route is a row with its
 * path, who may call it, its schemas and its answer. This table is what the router serves, what the
 * OpenAPI description documents and what the stack gives API Gateway.
 */
import type { NewsIndex } from '../domain/news.js';
import type { AccountHistory } from '../ports/account-history.js';
import type { AccountReader } from '../ports/account-reader.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { ProgramStore } from '../ports/program-store.js';
import type { RiskQueue } from '../ports/risk-queue.js';
import type { TradeStream } from '../ports/trade-stream.js';
import { openApiDocument } from './openapi.js';
import type { Route } from './route.js';
import { accountRoutes } from './routes/accounts.js';
import { auditRoutes } from './routes/audit.js';
import { overrideRoutes } from './routes/overrides.js';
import { riskDeskRoutes } from './routes/risk-desk.js';
import { me } from './routes/identity.js';
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
}

export const API_ROUTES: readonly Route<ApiDeps>[] = [
  ...operationRoutes(() => describeApi()),
  me,
  ...programRoutes,
  ...accountRoutes,
  ...overrideRoutes,
  ...riskDeskRoutes,
  ...auditRoutes,
];

let description: object | undefined;

/** Built once, on first use. */
export function describeApi(): object {
  description ??= openApiDocument(API_ROUTES as readonly Route<unknown>[], {
    title: 'Propdesk API',
    version: '1',
    description: "A prop firm's back office: programs, accounts, the risk desk. Every route but health and this documentation needs a bearer token.",
  });
  return description;
}
