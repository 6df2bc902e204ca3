/**
 * The purchase workflow's ports in memory, with the DynamoDB adapters' semantics (test/integration/
 * workflow-stores.test.ts runs the same checks on both): an order is claimed once and settles only from
 * provisioning (or repeats its move), a trader is created once per id, a token or a password is removed by
 * the call that takes it, and nothing expires by itself (DynamoDB's TTL deletes late, so no adapter checks it).
 */
import type { AccountState } from '../../shared/domain/state.js';
import type { AccountListing, AccountStore, SaveOutcome, StoredAccount } from '../../shared/ports/account-store.js';
import type { CredentialVault, Email, Mailer, TradingCredentials } from '../../shared/ports/credentials.js';
import type { EventPublisher } from '../../shared/ports/event-publisher.js';
import type { ClaimOutcome, OrderBook, OrderRecord, OrderStatus, TraderProfile } from '../../shared/ports/orders.js';
import type { ProgramStore } from '../../shared/ports/program-store.js';
import type { TaskCallbacks, TaskTokenStore } from '../../shared/ports/task-tokens.js';
import type { DomainEvent } from '../../shared/stream/domain-events.js';
import type { WorkflowEvent } from '../../shared/workflows/workflow-events.js';
import { MemoryAuditLog } from './audit-log.js';

export class MemoryOrderBook implements OrderBook {
  readonly orders = new Map<string, OrderRecord>();
  readonly traders = new Map<string, TraderProfile>();

  async traderByEmail(profile: TraderProfile): Promise<TraderProfile> {
    if (!this.traders.has(profile.traderId)) this.traders.set(profile.traderId, { ...profile });
    return { ...this.traders.get(profile.traderId)! };
  }

  async trader(traderId: string): Promise<TraderProfile | undefined> {
    const stored = this.traders.get(traderId);
    return stored && { ...stored };
  }

  async claim(order: OrderRecord): Promise<ClaimOutcome> {
    const existing = this.orders.get(order.orderKey);
    if (existing !== undefined) return { claimed: false, existing: { ...existing } };
    this.orders.set(order.orderKey, { ...order });
    return { claimed: true };
  }

  async settle(orderKey: string, status: Exclude<OrderStatus, 'provisioning'>, reason: string | null, at: number): Promise<void> {
    const current = this.orders.get(orderKey);
    if (current === undefined || (current.status !== 'provisioning' && current.status !== status)) {
      throw new Error(`order ${orderKey} cannot become ${status}: it is ${current?.status ?? 'not claimed'}`);
    }
    this.orders.set(orderKey, { ...current, status, reason, updatedAt: at });
  }

  async order(orderKey: string): Promise<OrderRecord | undefined> {
    const stored = this.orders.get(orderKey);
    return stored && { ...stored };
  }
}

export class MemoryTaskTokenStore implements TaskTokenStore {
  readonly tokens = new Map<string, { readonly token: string; readonly expiresAt: number }>();

  async save(correlationId: string, token: string, expiresAt: number): Promise<void> {
    this.tokens.set(correlationId, { token, expiresAt });
  }

  async saveIfFree(correlationId: string, token: string, expiresAt: number, now: number): Promise<boolean> {
    if ((await this.find(correlationId, now)) !== undefined) return false;
    await this.save(correlationId, token, expiresAt);
    return true;
  }

  /** Expiry kept in whole seconds, rounded up, as the DynamoDB store keeps it. */
  async find(correlationId: string, now?: number): Promise<string | undefined> {
    const stored = this.tokens.get(correlationId);
    if (stored === undefined || (now !== undefined && Math.ceil(stored.expiresAt / 1000) <= Math.floor(now / 1000))) return undefined;
    return stored.token;
  }

  async discard(correlationId: string): Promise<void> {
    this.tokens.delete(correlationId);
  }
}

export class MemoryCredentialVault implements CredentialVault {
  readonly stashed = new Map<string, { readonly credentials: TradingCredentials | 'delivered'; readonly expiresAt: number }>();

  async stash(accountId: string, credentials: TradingCredentials, expiresAt: number): Promise<void> {
    this.stashed.set(accountId, { credentials: { ...credentials }, expiresAt });
  }

  async read(accountId: string): Promise<TradingCredentials | 'delivered' | undefined> {
    const stored = this.stashed.get(accountId)?.credentials;
    return stored === undefined || stored === 'delivered' ? stored : { ...stored };
  }

  async markDelivered(accountId: string): Promise<void> {
    const stored = this.stashed.get(accountId);
    if (stored !== undefined) this.stashed.set(accountId, { ...stored, credentials: 'delivered' });
  }
}

export class RecordingMailer implements Mailer {
  readonly sent: Email[] = [];

  async send(email: Email): Promise<void> {
    this.sent.push(email);
  }
}

export type TaskCallback =
  | { readonly kind: 'succeed'; readonly token: string; readonly output: unknown }
  | { readonly kind: 'fail'; readonly token: string; readonly error: string; readonly cause: string };

/**
 * Records every call. Like Step Functions, a token answered once no longer waits; `waiting = false`
 * makes every task a timed-out one (SendTask* answers TaskTimedOut, which the adapter turns into false).
 */
export class RecordingTaskCallbacks implements TaskCallbacks {
  readonly calls: TaskCallback[] = [];
  waiting = true;
  private readonly answered = new Set<string>();

  async succeed(token: string, output: unknown): Promise<boolean> {
    this.calls.push({ kind: 'succeed', token, output });
    return this.answer(token);
  }

  async fail(token: string, error: string, cause: string): Promise<boolean> {
    this.calls.push({ kind: 'fail', token, error, cause });
    return this.answer(token);
  }

  private answer(token: string): boolean {
    if (!this.waiting || this.answered.has(token)) return false;
    this.answered.add(token);
    return true;
  }
}

export class MemoryWorkflowEvents implements EventPublisher<WorkflowEvent> {
  readonly published: WorkflowEvent[] = [];

  async publish(events: readonly WorkflowEvent[]): Promise<void> {
    this.published.push(...events);
  }

  ofType<T extends WorkflowEvent['type']>(type: T): Extract<WorkflowEvent, { type: T }>[] {
    return this.published.filter((event): event is Extract<WorkflowEvent, { type: T }> => event.type === type);
  }
}

/** Conditional on the revision, as DynamoDbAccountStore.save is; records and delivery marks are not kept. */
export class MemoryAccountStore implements AccountStore {
  readonly items = new Map<string, StoredAccount>();

  async load(accountIds: readonly string[]): Promise<Map<string, StoredAccount>> {
    return new Map(accountIds.flatMap((id) => (this.items.has(id) ? [[id, this.items.get(id)!] as const] : [])));
  }

  async save(state: AccountState, loadedRevision: number | null, outbox: readonly DomainEvent[]): Promise<SaveOutcome> {
    const revision = this.items.get(state.accountId)?.revision ?? null;
    if (revision !== loadedRevision) return 'conflict';
    this.items.set(state.accountId, { state, revision: (revision ?? 0) + 1, outbox });
    return 'saved';
  }

  async writeRecords(): Promise<void> {}

  async markDelivered(): Promise<void> {}

  async *list(listing: AccountListing): AsyncIterable<readonly string[]> {
    if (listing === 'active') yield [...this.items.values()].filter((item) => item.state.status === 'active').map((item) => item.state.accountId);
  }
}

/** Every port of PurchaseSteps (and WorkflowAnswers) in memory, sharing one token store and one vault. */
export function memoryPurchasePorts(tenant: string, programs: ProgramStore, now: () => number) {
  return {
    tenant,
    programs,
    orders: new MemoryOrderBook(),
    accounts: new MemoryAccountStore(),
    tokens: new MemoryTaskTokenStore(),
    vault: new MemoryCredentialVault(),
    mailer: new RecordingMailer(),
    events: new MemoryWorkflowEvents(),
    audit: new MemoryAuditLog(),
    callbacks: new RecordingTaskCallbacks(),
    now,
  };
}
