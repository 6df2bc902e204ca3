/** The API's dependencies in memory, each replaceable: what the router and route tests run against. */
import type { ApiDeps } from '../../shared/api/routes.js';
import type { TradeEvent } from '../../shared/domain/events.js';
import { NO_NEWS } from '../../shared/domain/news.js';
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
    ...deps,
  };
}
