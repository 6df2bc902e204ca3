/**
 * The events of the workflows on the firm's bus. Propdesk publishes commands and outcomes under source
 * `propdesk.workflows`; trading-platform bridges answer commands under `propdesk.bridge.<name>`. The zod
 * schemas here are the contract's single source; events/schemas/workflows/ holds their JSON Schema export.
 *
 * A command carries a `requestId`; the bridge's answer names it, and that is how the waiting workflow is
 * found (the task token never leaves Propdesk). Answering a request twice is harmless: the second answer
 * finds nobody waiting.
 */
import { z } from 'zod';
import { IdentityObservation } from '../abuse/identity.js';

export const WORKFLOW_EVENT_SOURCE = 'propdesk.workflows';
export const BRIDGE_SOURCE_PREFIX = 'propdesk.bridge.';

const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:@/-]+$/, 'letters, digits and . _ : @ / - only');
const instant = z.iso.datetime({ offset: true });
const money = z.int().describe('integer minor units of the account currency');

const account = {
  accountId: id.describe('the Propdesk account id; bridges send it as accountId on every trade event of the login'),
  traderId: z.string(),
  programId: z.string(),
  programVersion: z.int().positive(),
  phaseId: z.string(),
};

/** Command: create a trading-platform login for an account. The bridge answers TradingAccountCreated or TradingAccountRefused. */
export const TradingAccountRequested = z.object({
  type: z.literal('TradingAccountRequested'),
  id: z.string().describe('the requestId again: a resent command has the same id'),
  requestId: id.describe('name it in the answer'),
  time: instant,
  ...account,
  initialBalance: money.describe('the starting balance to deposit'),
  currency: z.string().regex(/^[A-Z]{3}$/),
  trader: z.object({ email: z.string(), name: z.string().nullable() }).describe('who the login is for (platforms require a name and an email)'),
});

const bridgeAnswer = {
  requestId: id.describe('the requestId of the TradingAccountRequested answered'),
  accountId: id,
};

/** The bridge's answer: the login exists. The password is stored briefly, mailed, and never published further. */
export const TradingAccountCreated = z.object({
  type: z.literal('TradingAccountCreated'),
  ...bridgeAnswer,
  platform: z.string().min(1).max(40).describe('mt5, ctrader, ...'),
  login: z.string().min(1).max(64),
  server: z.string().min(1).max(200).describe('the trading server the trader connects to'),
  password: z.string().min(8).max(200).describe("the trader's password: mailed once and deleted; keep it out of logs"),
});

/** The bridge's answer: it could not create the login. */
export const TradingAccountRefused = z.object({
  type: z.literal('TradingAccountRefused'),
  ...bridgeAnswer,
  reason: z.string().min(1).max(1000),
});

export const BridgeAnswer = z.discriminatedUnion('type', [TradingAccountCreated, TradingAccountRefused]);

/** The payout processor's answers to PayoutInstructed (source propdesk.processor.<name>). */
export const PayoutProcessorSettled = z.object({ type: z.literal('PayoutProcessorSettled'), requestId: id, payoutId: z.string(), reference: z.string().min(1).max(200) });
export const PayoutProcessorFailed = z.object({ type: z.literal('PayoutProcessorFailed'), requestId: id, payoutId: z.string(), reason: z.string().min(1).max(1000) });
export const ProcessorAnswer = z.discriminatedUnion('type', [PayoutProcessorSettled, PayoutProcessorFailed]);
export type ProcessorAnswer = z.output<typeof ProcessorAnswer>;

/** What a bridge puts as Detail: the answer without `type`, which is its detail-type. */
export const bridgeAnswerDetails = {
  TradingAccountCreated: TradingAccountCreated.omit({ type: true }),
  TradingAccountRefused: TradingAccountRefused.omit({ type: true }),
} as const;
export type BridgeAnswer = z.output<typeof BridgeAnswer>;

/** An account's evaluation started: it trades from now, under the program version it names. */
export const AccountActivated = z.object({
  type: z.literal('AccountActivated'),
  id: z.string().describe('deterministic: deduplicate by it'),
  time: instant,
  orderKey: z.string().describe('<processor>:<order id>, or phase:<account passed>:<next phase> for an automatic next phase'),
  ...account,
  initialBalance: money,
  login: z.string(),
  server: z.string(),
});

/** A payment that cannot become an account, with every reason; the payment event itself is in the bus archive. */
export const OrderRefused = z.object({
  type: z.literal('OrderRefused'),
  id: z.string(),
  time: instant,
  source: z.string().describe('the refused event’s source'),
  eventId: z.string().describe('the refused event’s id'),
  problems: z.array(z.object({ path: z.string(), message: z.string() })),
});

/** Provisioning gave up (the bridge refused, or never answered): staff refund or retry. */
export const ProvisioningFailed = z.object({
  type: z.literal('ProvisioningFailed'),
  id: z.string(),
  time: instant,
  orderKey: z.string(),
  ...account,
  error: z.string().describe('BridgeRefused, States.Timeout, ...'),
  cause: z.string(),
});

const kycBase = { id: z.string(), time: instant, traderId: z.string() };

/** A gate waits for a trader who has no open verification: it starts the KYC workflow. */
export const KycNeeded = z.object({ type: z.literal('KycNeeded'), ...kycBase, accountId: z.string().describe('the account waiting to activate') });
/** A trader was asked to verify their identity (an applicant exists at the provider; the link is mailed). */
export const KycRequested = z.object({ type: z.literal('KycRequested'), ...kycBase, applicantId: z.string(), provider: z.string() });
const kycConclusion = { ...kycBase, applicantId: z.string().nullable(), reasons: z.array(z.string()).describe("the provider's reject labels and comment") };
/** The trader is verified: funded activations and payouts waiting for it go on. */
export const KycApproved = z.object({ type: z.literal('KycApproved'), ...kycConclusion });
/** Finally rejected: waiting funded activations fail (KycRejected). */
export const KycRejected = z.object({ type: z.literal('KycRejected'), ...kycConclusion });
/** The trader never finished: waiting activations fail (KycExpired); a later gate opens a new case. */
export const KycExpired = z.object({ type: z.literal('KycExpired'), ...kycConclusion });

const payoutBase = {
  id: z.string(),
  time: instant,
  payoutId: z.string().describe('<accountId>:<number>'),
  accountId: id,
  traderId: z.string(),
};
const rail = z.enum(['bank', 'crypto']);

/** A trader asked for a payout (through the API): starts the payout workflow. */
export const PayoutRequested = z.object({ type: z.literal('PayoutRequested'), ...payoutBase, amount: money.describe('gross profit withdrawn'), currency: z.string(), rail });

/** Command to the payout processor: pay the trader's share. It answers PayoutSettled or PayoutFailed. */
export const PayoutInstructed = z.object({
  type: z.literal('PayoutInstructed'),
  ...payoutBase,
  requestId: id.describe('name it in the answer: settle:<payoutId>'),
  rail,
  destination: z.string().describe('the IBAN or wallet address the trader gave; the processor validates it'),
  amount: money.describe("the trader's share to pay, minor units"),
  currency: z.string(),
  trader: z.object({ email: z.string(), name: z.string().nullable() }),
});

/** Command to the trading-platform bridge: apply a balance operation (the payout's gross amount, negative). */
export const BalanceOperationRequested = z.object({
  type: z.literal('BalanceOperationRequested'),
  id: z.string().describe('the operationId again'),
  time: instant,
  operationId: id.describe('send it as the operationId of the balance event the operation produces on the trade stream'),
  accountId: id,
  kind: z.enum(['payout']),
  amount: money.describe('signed: a payout is negative'),
});

/** A payout refused by its gates, declined by an analyst, or not decided in time. */
export const PayoutRejected = z.object({
  type: z.literal('PayoutRejected'),
  ...payoutBase,
  by: z.string().describe("'gates', 'timeout', or the analyst's subject"),
  reasons: z.array(z.string()),
});

/** Paid: the ledger holds it, and the balance operation went to the bridge. */
export const PayoutSettled = z.object({
  type: z.literal('PayoutSettled'),
  ...payoutBase,
  amount: money,
  traderAmount: money,
  firmAmount: money,
  currency: z.string(),
  reference: z.string().nullable().describe("the processor's reference"),
});

/** The processor could not pay (or never answered): nothing was booked, the balance is untouched. */
export const PayoutFailed = z.object({ type: z.literal('PayoutFailed'), ...payoutBase, error: z.string(), cause: z.string() });

/** The scaling plan's review found the account due: staff raise its size (a new account, or the platform's balance). */
export const ScalingDue = z.object({
  type: z.literal('ScalingDue'),
  id: z.string(),
  time: instant,
  accountId: id,
  traderId: z.string(),
  initialBalance: money,
  newInitialBalance: money,
  reasons: z.array(z.string()),
});

export const WorkflowEvent = z.discriminatedUnion('type', [
  TradingAccountRequested,
  AccountActivated,
  OrderRefused,
  ProvisioningFailed,
  KycNeeded,
  KycRequested,
  KycApproved,
  KycRejected,
  KycExpired,
  PayoutRequested,
  PayoutInstructed,
  BalanceOperationRequested,
  PayoutRejected,
  PayoutSettled,
  PayoutFailed,
  ScalingDue,
]);
export type WorkflowEvent = z.output<typeof WorkflowEvent>;
export type TradingAccountRequested = z.output<typeof TradingAccountRequested>;
export type AccountActivated = z.output<typeof AccountActivated>;
export type KycEvent = Extract<WorkflowEvent, { type: `Kyc${string}` }>;
export type PayoutInstructed = z.output<typeof PayoutInstructed>;
export type BalanceOperationRequested = z.output<typeof BalanceOperationRequested>;
export type PayoutEvent = Extract<WorkflowEvent, { type: `Payout${string}` | 'BalanceOperationRequested' | 'ScalingDue' }>;

/**
 * What a workflow saw of a trader, for the abuse engine's identity graph: detail-type `IdentityObserved`, source
 * `propdesk.workflows`. Its contract is the engine's (IdentityObservation in shared/abuse/identity.ts, exported
 * with the abuse events), not this module's, so it is not in WorkflowEvent: this is the observation with what
 * every published event carries, `type`, a deterministic `id` and `time` (the observation's). Published by the
 * purchase workflow when it claims a paid order (contact details, payment fingerprint, IP address) and by the KYC
 * workflow when a trader is approved (the verified identity). It holds personal data in clear: the engine keeps
 * only hashes, and no log line may carry it.
 */
export type IdentityObservedEvent = { readonly type: 'IdentityObserved'; readonly id: string; readonly time: string } & z.input<typeof IdentityObservation>;

/** Everything the workflows publish under source propdesk.workflows: their events, and what they observed for the abuse engine. */
export type WorkflowPublication = WorkflowEvent | IdentityObservedEvent;

export const IDENTITY_SIGNALS = ['ip', 'deviceFingerprint', 'paymentFingerprint', 'kycIdentity', 'email', 'phone', 'name', 'address'] as const;
export type IdentitySignal = (typeof IDENTITY_SIGNALS)[number];

export interface Sighting {
  readonly traderId: string;
  readonly accountId: string | null;
  /** Epoch ms: when it was seen (a payment's time, a verdict's), which is also the event's time. */
  readonly observedAt: number;
  /** Where it was seen, as the engine shows it: propdesk.workflows (a purchase), propdesk.kyc. */
  readonly source: string;
  /** Null or absent: not seen. */
  readonly signals: Partial<Record<IdentitySignal, string | null>>;
}

/**
 * The event of a sighting, or null when it has no signal. A signal the engine's contract would refuse (a phone
 * over 32 characters from Stripe, a name over 200) is left out, so the rest of the observation still counts.
 * Deterministic: the same sighting under the same id is the same event, so a retried step publishes it again as is.
 */
export function identityObserved(id: string, { traderId, accountId, observedAt, source, signals }: Sighting): IdentityObservedEvent | null {
  const accepted: Partial<Record<IdentitySignal, string>> = {};
  for (const signal of IDENTITY_SIGNALS) {
    const value = signals[signal];
    if (value != null && IdentityObservation.shape[signal].safeParse(value).success) accepted[signal] = value;
  }
  if (Object.keys(accepted).length === 0) return null;
  const time = new Date(observedAt).toISOString();
  return { type: 'IdentityObserved', id, time, traderId, accountId, observedAt: time, source, ...accepted };
}
