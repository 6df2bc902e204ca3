/**
 * The contracts Propdesk publishes as JSON Schema, rendered from the zod schemas that are their
 * single source. `npm run events:export` writes them to events/schemas/ (a contract's `file` may name a
 * subfolder: `abuse/…`); a test checks they match.
 */
import { z } from 'zod';
import { AbuseEvent, AbuseFlagRaised, AbuseFlagResolved, IdentityObserved, RiskAlertRaised, RiskScoreChanged } from '../shared/abuse/abuse-events.js';
import { BalanceEvent, ClockEvent, DayCloseEvent, DealEvent, OrderEvent, OverrideEvent, SnapshotEvent, TradeEvent } from '../shared/domain/events.js';
import { NewsCalendar } from '../shared/domain/news.js';
import { Program } from '../shared/domain/program.js';
import { DomainEvent } from '../shared/stream/domain-events.js';
import { GenericPaymentSucceeded, StripeCheckoutCompleted } from '../shared/workflows/orders.js';
import { bridgeAnswerDetails, WorkflowEvent } from '../shared/workflows/workflow-events.js';

export interface Contract {
  readonly file: string;
  readonly title: string;
  readonly schema: z.ZodType;
}

/** One schema per event type, keyed by the event's `type`. */
export const eventContracts: Readonly<Record<TradeEvent['type'], Contract>> = {
  snapshot: { file: 'snapshot.schema.json', title: 'Propdesk snapshot event', schema: SnapshotEvent },
  deal: { file: 'deal.schema.json', title: 'Propdesk deal event', schema: DealEvent },
  balance: { file: 'balance.schema.json', title: 'Propdesk balance operation event', schema: BalanceEvent },
  order: { file: 'order.schema.json', title: 'Propdesk order event', schema: OrderEvent },
  dayClose: { file: 'day-close.schema.json', title: 'Propdesk platform day-close event', schema: DayCloseEvent },
  clock: { file: 'clock.schema.json', title: 'Propdesk scheduler clock event', schema: ClockEvent },
  override: { file: 'override.schema.json', title: 'Propdesk staff override event (written by the API)', schema: OverrideEvent },
};

export const contracts: readonly Contract[] = [
  { file: 'trade-event.schema.json', title: 'Propdesk trade event (any type)', schema: TradeEvent },
  ...Object.values(eventContracts),
  { file: 'program.schema.json', title: 'Propdesk challenge program', schema: Program },
  { file: 'news-calendar.schema.json', title: 'Propdesk news calendar', schema: NewsCalendar },
  { file: 'domain-event.schema.json', title: "Propdesk domain event, published on the firm's bus (detail of source propdesk.evaluator)", schema: DomainEvent },
  {
    file: 'payment-succeeded.schema.json',
    title: 'A payment processor\'s PaymentSucceeded event on the firm\'s bus (source propdesk.processor.<name>): starts the purchase workflow',
    schema: GenericPaymentSucceeded,
  },
  { file: 'stripe-checkout-session-completed.schema.json', title: "Stripe's checkout.session.completed as its EventBridge partner source delivers it (the fields Propdesk reads)", schema: StripeCheckoutCompleted },
  { file: 'workflow-event.schema.json', title: "Propdesk workflow event, published on the firm's bus (detail of source propdesk.workflows)", schema: WorkflowEvent },
  {
    file: 'trading-account-created.schema.json',
    title: "A bridge's answer: the login exists (detail of detail-type TradingAccountCreated, source propdesk.bridge.<name>)",
    schema: bridgeAnswerDetails.TradingAccountCreated,
  },
  {
    file: 'trading-account-refused.schema.json',
    title: "A bridge's answer: no login (detail of detail-type TradingAccountRefused, source propdesk.bridge.<name>)",
    schema: bridgeAnswerDetails.TradingAccountRefused,
  },
  ...abuseContracts(),
];

/** Abuse detection's bus contract: what it publishes (source `propdesk.abuse`), and IdentityObserved, which it reads. */
function abuseContracts(): Contract[] {
  const published = "published on the firm's bus by abuse detection (detail of source propdesk.abuse)";
  return [
    { file: 'abuse/abuse-event.schema.json', title: `Propdesk abuse event, ${published}`, schema: AbuseEvent },
    { file: 'abuse/abuse-flag-raised.schema.json', title: `AbuseFlagRaised: a detector's finding on an account, with its evidence, ${published}`, schema: AbuseFlagRaised },
    { file: 'abuse/abuse-flag-resolved.schema.json', title: `AbuseFlagResolved: the risk desk's decision on a flag (published by the API under the same source)`, schema: AbuseFlagResolved },
    { file: 'abuse/risk-score-changed.schema.json', title: `RiskScoreChanged: an account's or trader's risk score and what makes it up, ${published}`, schema: RiskScoreChanged },
    { file: 'abuse/risk-alert-raised.schema.json', title: `RiskAlertRaised: a risk score reached its program's alert threshold, ${published}`, schema: RiskAlertRaised },
    {
      file: 'abuse/identity-observed.schema.json',
      title: "IdentityObserved: what a bridge, payment processor, the KYC provider or a workflow saw of a trader (detail of detail-type IdentityObserved, source propdesk.<producer>); at least one signal is required",
      schema: IdentityObserved,
    },
  ];
}

/** The JSON Schema of what a producer sends (io: 'input': defaults optional, times as strings). */
export function jsonSchemaOf(contract: Contract): Record<string, unknown> {
  const { $schema, ...schema } = z.toJSONSchema(contract.schema, { io: 'input' });
  return { $schema, title: contract.title, ...schema };
}

/** File name to file text, exactly as committed. */
export function renderContracts(): Map<string, string> {
  return new Map(contracts.map((contract) => [contract.file, `${JSON.stringify(jsonSchemaOf(contract), null, 2)}\n`]));
}
