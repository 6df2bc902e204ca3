/**
 * Answers from the outside world, matched to the workflow task waiting for them by the request id they name:
 * - a trading-platform bridge answers TradingAccountRequested with TradingAccountCreated (the task resumes with
 *   the login; the password goes to the vault, never into the execution history) or TradingAccountRefused (the
 *   task fails with `BridgeRefused`);
 * - a payout processor answers PayoutInstructed with PayoutProcessorSettled (the task resumes with its
 *   reference) or PayoutProcessorFailed (the task fails with `PayoutFailed`).
 */
import { pathOf } from '../parsing.js';
import type { CredentialVault } from '../ports/credentials.js';
import type { TaskCallbacks, TaskTokenStore } from '../ports/task-tokens.js';
import { bridgeRequestIdOf, CREDENTIALS_RETENTION_MS, type PlatformLogin } from './purchase.js';
import { payoutSettlementTokenId } from '../ports/payouts.js';
import { BridgeAnswer, ProcessorAnswer } from './workflow-events.js';

export interface CallbackPorts {
  readonly tokens: TaskTokenStore;
  readonly callbacks: TaskCallbacks;
  readonly vault: CredentialVault;
  readonly now: () => number;
}

export type CallbackOutcome =
  | { readonly outcome: 'resumed' | 'refused'; readonly requestId: string }
  /** Nobody waits: answered already, or the task timed out (the workflow has failed the order). */
  | { readonly outcome: 'late'; readonly requestId: string }
  | { readonly outcome: 'invalid'; readonly problems: readonly string[] };

/** An answer that does not parse, each problem at its path in the detail. */
const invalid = (issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[]): CallbackOutcome => ({
  outcome: 'invalid',
  problems: issues.map((issue) => `detail.${pathOf(issue.path)}: ${issue.message}`),
});

export class WorkflowAnswers {
  constructor(private readonly ports: CallbackPorts) {}

  /** `event` is the EventBridge event as delivered; its detail is the answer, its detail-type the answer's type. */
  async answer(event: { readonly 'detail-type'?: unknown; readonly detail?: unknown }): Promise<CallbackOutcome> {
    const detailType = event['detail-type'];
    if (detailType === 'PayoutProcessorSettled' || detailType === 'PayoutProcessorFailed') return this.processorAnswer({ ...(event.detail as object), type: detailType });
    const parsed = BridgeAnswer.safeParse({ ...(event.detail as object), type: detailType });
    if (!parsed.success) return invalid(parsed.error.issues);
    const answer = parsed.data;
    const { requestId } = answer;
    // The password is stored under the account: an answer naming another account than its request's must not place it.
    if (requestId !== bridgeRequestIdOf(answer.accountId)) return { outcome: 'invalid', problems: [`detail.accountId: ${answer.accountId} is not the account of request ${requestId}`] };
    if (answer.type === 'TradingAccountRefused') return this.resume(requestId, 'refused', (token) => this.ports.callbacks.fail(token, 'BridgeRefused', answer.reason));
    return this.resume(requestId, 'resumed', async (token) => {
      const { platform, login, server, password } = answer;
      await this.ports.vault.stash(answer.accountId, { platform, login, server, password }, this.ports.now() + CREDENTIALS_RETENTION_MS);
      const output: PlatformLogin = { platform, login, server };
      return this.ports.callbacks.succeed(token, output);
    });
  }

  private async processorAnswer(detail: object): Promise<CallbackOutcome> {
    const parsed = ProcessorAnswer.safeParse(detail);
    if (!parsed.success) return invalid(parsed.error.issues);
    const answer = parsed.data;
    const { requestId } = answer;
    if (requestId !== payoutSettlementTokenId(answer.payoutId)) return { outcome: 'invalid', problems: [`detail.payoutId: ${answer.payoutId} is not the payout of request ${requestId}`] };
    if (answer.type === 'PayoutProcessorFailed') return this.resume(requestId, 'refused', (token) => this.ports.callbacks.fail(token, 'PayoutFailed', answer.reason));
    return this.resume(requestId, 'resumed', (token) => this.ports.callbacks.succeed(token, { reference: answer.reference }));
  }

  /**
   * Answers the task waiting under `requestId` with `answered`, then forgets its token. Found, answered, then
   * discarded: an answer whose handling fails halfway is retried and finds the token still there.
   */
  private async resume(requestId: string, outcome: 'resumed' | 'refused', answered: (token: string) => Promise<boolean>): Promise<CallbackOutcome> {
    const token = await this.ports.tokens.find(requestId);
    if (token === undefined) return { outcome: 'late', requestId };
    const waiting = await answered(token);
    await this.ports.tokens.discard(requestId);
    return { outcome: waiting ? outcome : 'late', requestId };
  }
}
