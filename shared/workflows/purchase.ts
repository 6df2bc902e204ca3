/**
 * The steps of the purchase workflow (cdk/constructs/purchase-workflow.ts wires them into a state machine):
 * a payment, or a passed phase, becomes a provisioned, active account.
 *
 *   claimOrder             the event → one Provisioning, claimed once per order (a duplicate event ends there);
 *                          a payment's buyer is published as IdentityObserved, for the abuse engine
 *   requestTradingAccount  asks the bridge for a login and parks the task token; the bridge's answer resumes it
 *   deliverCredentials     mails the login and the password the bridge gave, then forgets the password
 *   activateAccount        opens the account's evaluation state: it trades from now
 *   recordFailure          the bridge refused or never answered: the order fails, staff are told
 *
 * Every step may run again (Step Functions retries a failed Lambda; an event may be delivered twice), so
 * each is idempotent: ids derive from the order, and writes are conditional. Time comes from `now`, read by
 * the handler, so the steps themselves never read a clock.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { moneyFormat } from '../domain/money.js';
import { pathOf } from '../parsing.js';
import type { Program } from '../domain/program.js';
import { openAccount } from '../domain/state.js';
import type { AccountStore } from '../ports/account-store.js';
import type { AuditEntry, AuditLog } from '../ports/audit-log.js';
import type { CredentialVault, Email, Mailer } from '../ports/credentials.js';
import type { EventPublisher } from '../ports/event-publisher.js';
import type { OrderBook, OrderRecord, TraderProfile } from '../ports/orders.js';
import type { ProgramStore } from '../ports/program-store.js';
import type { TaskTokenStore } from '../ports/task-tokens.js';
import { PhasePassed } from '../stream/domain-events.js';
import { orderOf, type Order, type OrderProblem } from './orders.js';
import { identityObserved, WORKFLOW_EVENT_SOURCE, type AccountActivated, type TradingAccountRequested, type WorkflowPublication } from './workflow-events.js';

/** What the rest of the workflow works from, whichever event started it; it travels in the execution's state. */
export const Provisioning = z.object({
  orderKey: z.string(),
  accountId: z.string(),
  traderId: z.string(),
  trader: z.object({ email: z.string(), name: z.string().nullable() }),
  programId: z.string(),
  programVersion: z.int().positive(),
  programName: z.string(),
  phaseId: z.string(),
  phaseName: z.string(),
  phaseKind: z.enum(['evaluation', 'funded']),
  initialBalance: z.int().positive(),
  currency: z.string(),
});
export type Provisioning = z.output<typeof Provisioning>;

/** The login the bridge created (its password travels separately, through the vault). */
export const PlatformLogin = z.object({ platform: z.string(), login: z.string(), server: z.string() });
export type PlatformLogin = z.output<typeof PlatformLogin>;

export type ClaimResult =
  | { readonly outcome: 'provision'; readonly provisioning: Provisioning }
  | { readonly outcome: 'duplicate'; readonly orderKey: string; readonly status: string; readonly accountId: string }
  | { readonly outcome: 'nothingToProvision'; readonly reason: string };

/** Thrown for an event that cannot become an account: the workflow fails with error `InvalidOrder` and is not retried. */
export class InvalidOrderError extends Error {
  constructor(readonly problems: readonly OrderProblem[]) {
    super(problems.map((problem) => (problem.path === '' ? problem.message : `${problem.path}: ${problem.message}`)).join('; '));
    this.name = 'InvalidOrder';
  }
}

export interface PurchasePorts {
  readonly tenant: string;
  readonly programs: ProgramStore;
  readonly orders: OrderBook;
  readonly accounts: AccountStore;
  readonly tokens: TaskTokenStore;
  readonly vault: CredentialVault;
  readonly mailer: Mailer;
  /** The workflow's commands and outcomes, and the buyer's IdentityObserved (source propdesk.workflows). */
  readonly events: EventPublisher<WorkflowPublication>;
  readonly audit: AuditLog;
  /** Epoch ms, read by the handler. */
  readonly now: () => number;
}

/** Who the workflows' audit entries name. */
export const WORKFLOW_ACTOR = { subject: 'propdesk.workflows', roles: ['service'] } as const;

/** How long a mailed-but-undelivered password may wait in the vault. */
export const CREDENTIALS_RETENTION_MS = 24 * 60 * 60 * 1000;

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/** Derived, so a retried step or a duplicate event names the same account and trader. */
export const accountIdOf = (orderKey: string) => `acc-${digest(orderKey).slice(0, 16)}`;
export const traderIdOf = (email: string) => `trd-${digest(email).slice(0, 16)}`;
export const bridgeRequestIdOf = (accountId: string) => `create:${accountId}`;
/** One per order: a retried claim, or the claim of a redelivered payment, publishes the same event. */
export const purchaseIdentityIdOf = (orderKey: string) => `identity:${orderKey}`;

/** Where the abuse engine is told a purchase's identity signals were seen (the observation's `source`). */
export const PURCHASE_IDENTITY_SOURCE = WORKFLOW_EVENT_SOURCE;

const iso = (time: number) => new Date(time).toISOString();

export class PurchaseSteps {
  constructor(private readonly ports: PurchasePorts) {}

  /** The event (a payment, or a PhasePassed with a next phase) as one claimed Provisioning. */
  async claimOrder(event: unknown, executionId: string): Promise<ClaimResult> {
    const now = this.ports.now();
    const request = await this.requestOf(event, now);
    if ('nothing' in request) return { outcome: 'nothingToProvision', reason: request.nothing };
    const { provisioning, payment, order } = request;
    const claim: OrderRecord = {
      orderKey: provisioning.orderKey,
      accountId: provisioning.accountId,
      traderId: provisioning.traderId,
      executionId,
      status: 'provisioning',
      claimedAt: now,
      updatedAt: now,
      reason: null,
      payment,
    };
    const outcome = await this.ports.orders.claim(claim);
    if (!outcome.claimed && outcome.existing.executionId !== executionId) {
      const { orderKey, status, accountId } = outcome.existing;
      return { outcome: 'duplicate', orderKey, status, accountId };
    }
    const claimedAt = outcome.claimed ? now : outcome.existing.claimedAt;
    await this.audit('order.claimed', provisioning, claimedAt, { executionId, payment, programVersion: provisioning.programVersion, phaseId: provisioning.phaseId });
    if (order !== null) await this.observeBuyer(provisioning, order);
    return { outcome: 'provision', provisioning };
  }

  /**
   * The buyer as the payment showed them, to the abuse engine: one IdentityObserved per order, at the payment's
   * time, with its own id, so the step's retry publishes the same event. Only here: neither the order record, nor
   * the execution's state, nor the audit entry keeps the phone, address, fingerprint or IP address.
   */
  private async observeBuyer(provisioning: Provisioning, order: Order): Promise<void> {
    const { customer } = order;
    const observed = identityObserved(purchaseIdentityIdOf(provisioning.orderKey), {
      traderId: provisioning.traderId,
      accountId: provisioning.accountId,
      observedAt: order.paidAt,
      source: PURCHASE_IDENTITY_SOURCE,
      signals: { email: customer.email, name: customer.name, phone: customer.phone, address: customer.address, paymentFingerprint: order.paymentFingerprint, ip: order.ipAddress },
    });
    if (observed !== null) await this.ports.events.publish([observed]);
  }

  /** Parks the task token under the request's id, then asks the bridge; its answer (callbacks) resumes the task. */
  async requestTradingAccount(provisioning: Provisioning, taskToken: string, waitSeconds: number): Promise<void> {
    const now = this.ports.now();
    const requestId = bridgeRequestIdOf(provisioning.accountId);
    await this.ports.tokens.save(requestId, taskToken, now + waitSeconds * 1000);
    const { accountId, traderId, programId, programVersion, phaseId, initialBalance, currency, trader } = provisioning;
    const command: TradingAccountRequested = {
      type: 'TradingAccountRequested',
      // A resent command is the same command: bridges deduplicate by requestId.
      id: requestId,
      requestId,
      time: iso(now),
      accountId,
      traderId,
      programId,
      programVersion,
      phaseId,
      initialBalance,
      currency,
      trader,
    };
    await this.ports.events.publish([command]);
  }

  /** Mails the credentials, then deletes the password; a retry after a failed send mails them again, one after a delivery does not. */
  async deliverCredentials(provisioning: Provisioning, login: PlatformLogin): Promise<{ readonly delivered: boolean }> {
    const credentials = await this.ports.vault.read(provisioning.accountId);
    if (credentials === 'delivered') return { delivered: false };
    if (credentials === undefined) {
      throw Object.assign(new Error(`no credentials were stored for account ${provisioning.accountId}: the bridge's answer never reached the vault, or expired`), { name: 'CredentialsMissing' });
    }
    await this.ports.mailer.send(credentialsEmail(provisioning, { ...login, password: credentials.password }));
    await this.ports.vault.markDelivered(provisioning.accountId);
    await this.audit('account.credentialsSent', provisioning, this.ports.now(), { platform: login.platform, login: login.login, to: provisioning.trader.email });
    return { delivered: true };
  }

  /** Opens the account's evaluation: the first activation wins and its time is the phase's start. */
  async activateAccount(provisioning: Provisioning, login: PlatformLogin): Promise<{ readonly openedAt: string }> {
    const { accountId, traderId, phaseId, initialBalance } = provisioning;
    const program = await this.programVersion(provisioning.programId, provisioning.programVersion);
    const opened = openAccount(program, { tenant: this.ports.tenant, accountId, traderId, phaseId, openedAt: this.ports.now(), initialBalance });
    const saved = await this.ports.accounts.save(opened, null, []);
    const openedAt = saved === 'saved' ? opened.openedAt : ((await this.ports.accounts.load([accountId])).get(accountId)?.state.openedAt ?? opened.openedAt);
    await this.ports.orders.settle(provisioning.orderKey, 'active', null, openedAt);
    const activated: AccountActivated = {
      type: 'AccountActivated',
      id: `${this.ports.tenant}:${accountId}:activated`,
      time: iso(openedAt),
      orderKey: provisioning.orderKey,
      accountId,
      traderId,
      programId: provisioning.programId,
      programVersion: provisioning.programVersion,
      phaseId,
      initialBalance,
      login: login.login,
      server: login.server,
    };
    await this.ports.events.publish([activated]);
    await this.audit('account.activated', provisioning, openedAt, { login: login.login, server: login.server, platform: login.platform });
    return { openedAt: iso(openedAt) };
  }

  /** The order fails with the workflow's error; staff hear of it through ProvisioningFailed. */
  async recordFailure(provisioning: Provisioning, error: string, cause: string): Promise<void> {
    const now = this.ports.now();
    const { orderKey, accountId, traderId, programId, programVersion, phaseId } = provisioning;
    const reason = `${error}: ${cause}`;
    await this.ports.orders.settle(orderKey, 'failed', reason, now);
    await this.ports.events.publish([
      { type: 'ProvisioningFailed', id: `${this.ports.tenant}:${accountId}:provisioningFailed`, time: iso(now), orderKey, accountId, traderId, programId, programVersion, phaseId, error, cause },
    ]);
    await this.audit('order.provisioningFailed', provisioning, now, { error, cause });
  }

  private async requestOf(event: unknown, now: number): Promise<{ provisioning: Provisioning; payment: OrderRecord['payment']; order: Order | null } | { nothing: string }> {
    const fields = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
    if (fields['detail-type'] === 'PhasePassed') return this.nextPhaseOf(fields, now);
    const result = orderOf(event);
    if (!result.ok) return this.refuse(fields, result.problems, now);
    const { order } = result;
    const program = order.programVersion === null ? await this.ports.programs.latest(order.programId) : await this.ports.programs.get(order.programId, order.programVersion);
    if (program === null) {
      const which = order.programVersion === null ? `program ${order.programId}` : `program ${order.programId} version ${order.programVersion}`;
      return this.refuse(fields, [{ path: 'programId', message: `${which} is not published` }], now);
    }
    const phase = order.phaseId === null ? program.phases[0]! : program.phases.find((candidate) => candidate.id === order.phaseId);
    if (phase === undefined) return this.refuse(fields, [{ path: 'phaseId', message: `program ${program.id} version ${program.version} has no phase ${order.phaseId}` }], now);
    const trader = await this.ports.orders.traderByEmail({ traderId: traderIdOf(order.customer.email), email: order.customer.email, name: order.customer.name, createdAt: now });
    const orderKey = `${order.processor}:${order.orderId}`;
    return {
      provisioning: provisioningOf(orderKey, trader, program, phase.id, program.initialBalance),
      payment: { processor: order.processor, paymentId: order.paymentId, amount: order.amount, currency: order.currency },
      order,
    };
  }

  /** A passed phase buys nothing: the next phase is provisioned for the same trader, size and program version. */
  private async nextPhaseOf(event: Record<string, unknown>, now: number): Promise<{ provisioning: Provisioning; payment: null; order: null } | { nothing: string }> {
    const parsed = PhasePassed.safeParse(event['detail']);
    if (!parsed.success) return this.refuse(event, parsed.error.issues.map((issue) => ({ path: `detail.${pathOf(issue.path)}`, message: issue.message })), now);
    const passed = parsed.data;
    if (passed.nextPhaseId === null) return { nothing: `account ${passed.accountId} passed the program's last phase` };
    const state = (await this.ports.accounts.load([passed.accountId])).get(passed.accountId)?.state;
    const trader = state?.traderId == null ? undefined : await this.ports.orders.trader(state.traderId);
    if (state === undefined || trader === undefined) {
      return this.refuse(event, [{ path: 'detail.accountId', message: `account ${passed.accountId} has no trader on record to provision the next phase for` }], now);
    }
    const program = await this.ports.programs.get(passed.programId, passed.programVersion);
    if (program === null) return this.refuse(event, [{ path: 'detail.programVersion', message: `program ${passed.programId} version ${passed.programVersion} is not published` }], now);
    if (!program.phases.some((phase) => phase.id === passed.nextPhaseId)) {
      return this.refuse(event, [{ path: 'detail.nextPhaseId', message: `program ${program.id} version ${program.version} has no phase ${passed.nextPhaseId}` }], now);
    }
    return { provisioning: provisioningOf(`phase:${passed.accountId}:${passed.nextPhaseId}`, trader, program, passed.nextPhaseId, state.initialBalance), payment: null, order: null };
  }

  private async programVersion(programId: string, version: number): Promise<Program> {
    const program = await this.ports.programs.get(programId, version);
    if (program === null) throw new InvalidOrderError([{ path: 'programId', message: `program ${programId} version ${version} is not published` }]);
    return program;
  }

  /** Tells staff (OrderRefused) and the audit log why, then fails the execution without a retry. */
  private async refuse(event: Record<string, unknown>, problems: readonly OrderProblem[], now: number): Promise<never> {
    const eventId = typeof event['id'] === 'string' ? event['id'] : 'unknown';
    const source = typeof event['source'] === 'string' ? event['source'] : 'unknown';
    const id = `${this.ports.tenant}:refused:${eventId}`;
    await this.ports.events.publish([{ type: 'OrderRefused', id, time: iso(now), source, eventId, problems: [...problems] }]);
    await this.ports.audit.append({ id, time: iso(now), actor: WORKFLOW_ACTOR, action: 'order.refused', target: { kind: 'event', id: eventId }, reason: null, details: { source, problems: [...problems] } });
    throw new InvalidOrderError(problems);
  }

  private audit(action: string, provisioning: Provisioning, at: number, details: Record<string, unknown>): Promise<void> {
    const entry: AuditEntry = {
      id: `${action}:${provisioning.orderKey}`,
      time: iso(at),
      actor: WORKFLOW_ACTOR,
      action,
      target: { kind: 'account', id: provisioning.accountId },
      reason: null,
      details: { orderKey: provisioning.orderKey, traderId: provisioning.traderId, ...details },
    };
    return this.ports.audit.append(entry);
  }
}

function provisioningOf(orderKey: string, trader: TraderProfile, program: Program, phaseId: string, initialBalance: number): Provisioning {
  const phase = program.phases.find((candidate) => candidate.id === phaseId)!;
  return {
    orderKey,
    accountId: accountIdOf(orderKey),
    traderId: trader.traderId,
    trader: { email: trader.email, name: trader.name },
    programId: program.id,
    programVersion: program.version,
    programName: program.name,
    phaseId,
    phaseName: phase.name,
    phaseKind: phase.kind,
    initialBalance,
    currency: program.currency,
  };
}

/** The credentials email: plain text, so every mail client shows it the same. */
export function credentialsEmail(provisioning: Provisioning, credentials: PlatformLogin & { readonly password: string }): Email {
  const money = moneyFormat(provisioning.currency);
  const greeting = provisioning.trader.name === null ? 'Hello,' : `Hello ${provisioning.trader.name},`;
  return {
    to: provisioning.trader.email,
    subject: `Your ${provisioning.programName} account is ready: ${provisioning.phaseName}`,
    text: [
      greeting,
      '',
      `your trading account for ${provisioning.programName} (${provisioning.phaseName}) is ready, with a starting balance of ${money(provisioning.initialBalance)}.`,
      '',
      `Platform: ${credentials.platform}`,
      `Server:   ${credentials.server}`,
      `Login:    ${credentials.login}`,
      `Password: ${credentials.password}`,
      '',
      'Change the password after your first login. The rules of your program apply from the moment the account is active.',
      `Account reference: ${provisioning.accountId}`,
    ].join('\n'),
  };
}
