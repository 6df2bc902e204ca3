/**
 * A trading-platform bridge, simulated: it takes the commands the firm's bridge-commands queue receives and
 * answers as a real bridge would, a moment later. It creates every login it is asked for, unless told to
 * refuse or to stay silent (tests of refusals and timeouts); a balance operation it hands to `applyBalance`,
 * which puts the platform's balance event on the trade stream. Where `sightingOf` knows where a trader logs
 * in from, the first login of each account is published as IdentityObserved, as a real bridge reports logins.
 */
import { createHash, randomBytes } from 'node:crypto';
import { BalanceOperationRequested, TradingAccountRequested } from '../shared/workflows/workflow-events.js';
import type { EventBridgeEvent, LocalEventBus } from './event-router.js';

/** Where a trader's terminal logs in from: an IP address and a device fingerprint. */
export interface LoginSighting {
  readonly ip: string;
  readonly deviceFingerprint: string;
}

export type BridgeAnswerPlan = { readonly answer: 'create' } | { readonly answer: 'refuse'; readonly reason: string } | { readonly answer: 'ignore' };

export const LOCAL_BRIDGE_SOURCE = 'propdesk.bridge.local';
export const LOCAL_TRADING_SERVER = 'Propdesk-Local';

export class SimulatedBridge {
  /** The requests it received, in order. */
  readonly requests: TradingAccountRequested[] = [];

  /** The balance operations it applied, in order. */
  readonly balanceOperations: BalanceOperationRequested[] = [];

  constructor(
    private readonly bus: LocalEventBus,
    private readonly plan: (request: TradingAccountRequested) => BridgeAnswerPlan = () => ({ answer: 'create' }),
    private readonly applyBalance: (operation: BalanceOperationRequested) => Promise<void> = async () => undefined,
    private readonly delayMs = 20,
    private readonly onError: (error: unknown) => void = (error) => console.error('simulated bridge:', error),
    private readonly sightingOf: (request: TradingAccountRequested) => LoginSighting | null = () => null,
  ) {}

  /** A message of the bridge-commands queue. */
  receive(event: EventBridgeEvent): void {
    if (event['detail-type'] === 'BalanceOperationRequested') {
      const operation = BalanceOperationRequested.parse(event.detail);
      this.balanceOperations.push(operation);
      setTimeout(() => void this.applyBalance(operation).catch(this.onError), this.delayMs);
      return;
    }
    const request = TradingAccountRequested.parse(event.detail);
    this.requests.push(request);
    const plan = this.plan(request);
    if (plan.answer === 'ignore') return;
    setTimeout(() => void this.answer(request, plan).catch(this.onError), this.delayMs);
  }

  private async answer(request: TradingAccountRequested, plan: Exclude<BridgeAnswerPlan, { answer: 'ignore' }>): Promise<void> {
    const { requestId, accountId } = request;
    const detail =
      plan.answer === 'create'
        ? { requestId, accountId, platform: 'mt5', login: loginOf(accountId), server: LOCAL_TRADING_SERVER, password: randomBytes(9).toString('base64url') }
        : { requestId, accountId, reason: plan.reason };
    const detailType = plan.answer === 'create' ? 'TradingAccountCreated' : 'TradingAccountRefused';
    await this.bus.putEvents([{ Source: LOCAL_BRIDGE_SOURCE, DetailType: detailType, Detail: JSON.stringify(detail) }]);
    const sighting = plan.answer === 'create' ? this.sightingOf(request) : null;
    if (sighting !== null) {
      const login = { traderId: request.traderId, accountId, observedAt: new Date().toISOString(), source: 'bridge.local', ...sighting };
      await this.bus.putEvents([{ Source: LOCAL_BRIDGE_SOURCE, DetailType: 'IdentityObserved', Detail: JSON.stringify(login) }]);
    }
  }
}

/** A seven-digit MetaTrader-style login, the same for the same account. */
const loginOf = (accountId: string) => String(5_000_000 + (createHash('sha256').update(accountId).digest().readUInt32BE(0) % 4_000_000));
