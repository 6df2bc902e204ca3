/**
 * Payment processor events in, one Order out. A trader's payment reaches the firm's EventBridge bus
 * either from Stripe's partner event source (`checkout.session.completed`) or as Propdesk's generic
 * `PaymentSucceeded` event that any other processor (crypto included) can emit. The purchase
 * workflow starts from either; it must not care which, so both become the same Order here, and an
 * event that cannot be a purchase is refused with the path of the field at fault (from the event
 * root, as EventBridge delivers it) so the refusal can be acted on.
 *
 * The Stripe schema keeps only the fields Propdesk reads: Stripe adds fields over API versions, and
 * fields a schema does not know pass (they are dropped).
 *
 * Besides the purchase, an order carries what the payment says about the buyer (phone, address, the card's or
 * wallet's fingerprint, the IP address at checkout), for the abuse engine: the purchase workflow publishes it as
 * IdentityObserved when it claims the order, and stores none of it. Stripe's Checkout Session has no card
 * fingerprint (it is on the PaymentMethod, behind the PaymentIntent, which would take an API call) and no IP
 * address, so a Stripe order carries neither.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { pathOf } from '../parsing.js';

const STRIPE_SOURCE_PREFIX = 'aws.partner/stripe.com/';
const STRIPE_DETAIL_TYPE = 'checkout.session.completed';
const PROCESSOR_SOURCE_PREFIX = 'propdesk.processor.';
const PAYMENT_SUCCEEDED = 'PaymentSucceeded';

const NOT_PAID = 'the session is not paid';
const PROGRAM_ID_MISSING = 'metadata.programId names the program bought';
const EMAIL_MISSING = 'the customer email is required: the trading account is issued to it';

const stripeSource = /^aws\.partner\/stripe\.com\/\S+$/;
const processorSource = /^propdesk\.processor\.([a-z0-9-]+)$/;

/** Same forms as a Program's id and a Phase's id (shared/domain/program.ts). */
const programIdPattern = /^[a-z0-9-]{1,60}$/;
const phaseIdPattern = /^[a-z0-9-]{1,40}$/;
const programIdRule = 'a program id: 1 to 60 lower-case letters, digits and hyphens';
const phaseIdRule = 'a phase id: 1 to 40 lower-case letters, digits and hyphens';

const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:@/-]+$/, 'letters, digits and . _ : @ / - only');
const instant = z.iso
  .datetime({ offset: true })
  .transform((text) => Date.parse(text))
  .describe('ISO 8601 date-time with Z or an offset');
/** Null for a value that is absent or blank once trimmed. */
const present = (value: string | null | undefined): string | null => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? null : trimmed;
};
const email = z
  .string({ error: EMAIL_MISSING })
  .trim()
  .min(1, { error: EMAIL_MISSING, abort: true })
  .toLowerCase()
  .pipe(z.email())
  .describe('where the trading account is issued; trimmed and lower-cased');

/** What EventBridge puts around every event it delivers. */
const envelope = {
  version: z.string().describe('EventBridge envelope version, "0"'),
  id: z.string().describe('EventBridge event id'),
  account: z.string().describe('the AWS account of the bus'),
  time: z.string().describe('when EventBridge received the event'),
  region: z.string(),
  resources: z.array(z.string()),
};

const StripeMetadata = z
  .object(
    {
      programId: z
        .string({ error: PROGRAM_ID_MISSING })
        .min(1, { error: PROGRAM_ID_MISSING, abort: true })
        .regex(programIdPattern, `metadata.programId is ${programIdRule}`)
        .describe('the program bought, set by the firm’s checkout'),
      programVersion: z
        .string()
        .regex(/^[1-9][0-9]{0,8}$/, 'metadata.programVersion, when given, is a positive integer such as "3"')
        .transform(Number)
        .optional()
        .describe('the program version bought, as Stripe metadata holds it (a string); absent: the current version'),
      phaseId: z
        .string()
        .regex(phaseIdPattern, `metadata.phaseId, when given, is ${phaseIdRule}`)
        .optional()
        .describe('the phase the account starts in; absent: the program’s first phase'),
    },
    { error: PROGRAM_ID_MISSING },
  )
  .describe('the firm’s checkout metadata (Stripe metadata values are strings); other keys are ignored');

const StripeAddress = z
  .object({
    line1: z.string().nullish(),
    line2: z.string().nullish(),
    postal_code: z.string().nullish(),
    city: z.string().nullish(),
    country: z.string().nullish().describe('ISO 3166-1 alpha-2'),
  })
  .describe('a Stripe address: every field nullable (billing_address_collection auto asks cards for country and postal code only)');

const CheckoutSession = z
  .object({
    id: z.string().regex(/^cs_\w+$/, 'a Checkout Session id, cs_…').describe('the Checkout Session id, cs_…: the order id'),
    payment_status: z
      .literal('paid', { error: NOT_PAID })
      .describe('paid, unpaid or no_payment_required: only a paid session is a purchase'),
    payment_intent: z
      .string()
      .nullish()
      .describe('the PaymentIntent id, pi_…; null for sessions without one (the payment id is then the session id)'),
    amount_total: z.int().nonnegative().describe('total after discounts and taxes, integer minor units'),
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, 'a three-letter ISO 4217 code')
      .describe('ISO 4217, lower case as Stripe sends it'),
    customer_details: z
      .object(
        {
          email,
          name: z.string().nullish().describe('the name given at checkout; nullable at Stripe'),
          phone: z.string().nullish().describe('collected when the session enables phone_number_collection'),
          address: StripeAddress.nullish().describe('the billing address, as far as Checkout collected it'),
        },
        { error: EMAIL_MISSING },
      )
      .describe('who paid, as collected by Checkout'),
    metadata: StripeMetadata,
  })
  .describe('a Stripe Checkout Session: only the fields Propdesk reads');

/** Stripe's `checkout.session.completed` as its EventBridge partner event source delivers it. */
export const StripeCheckoutCompleted = z
  .object({
    ...envelope,
    'detail-type': z.literal(STRIPE_DETAIL_TYPE).describe('the Stripe event type'),
    source: z.string().regex(stripeSource, `${STRIPE_SOURCE_PREFIX}<event destination>`).describe('the Stripe partner event source'),
    detail: z
      .object({
        id: z.string().regex(/^evt_\w+$/, 'a Stripe event id, evt_…').describe('the Stripe event id'),
        type: z.literal(STRIPE_DETAIL_TYPE),
        created: z.int().positive().describe('when the session completed, epoch seconds: the payment time'),
        livemode: z.boolean().describe('false for test mode'),
        data: z.object({ object: CheckoutSession }),
      })
      .describe('the Stripe Event object'),
  })
  .describe('Stripe checkout.session.completed, delivered by the Stripe partner event source');

/** The event Propdesk documents for any other processor: the processor (or a bridge) puts it on the firm's bus. */
export const GenericPaymentSucceeded = z
  .object({
    ...envelope,
    'detail-type': z.literal(PAYMENT_SUCCEEDED),
    source: z
      .string()
      .regex(processorSource, `${PROCESSOR_SOURCE_PREFIX}<name>, the name in lower-case letters, digits and hyphens`)
      .describe('propdesk.processor.<name>: the name becomes the order’s processor'),
    detail: z.object({
      schemaVersion: z.literal(1),
      paymentId: id.describe('the processor’s id of the payment (for crypto, its charge or transaction id)'),
      orderId: id.describe('the processor’s id of the order: unique per processor, the key that makes a redelivery harmless'),
      customer: z.object({
        email,
        name: z.string().trim().min(1).max(200).describe('the customer’s full name'),
        country: z
          .string()
          .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as "DE"')
          .optional()
          .describe('ISO 3166-1 alpha-2'),
        phone: z.string().trim().min(1).max(32).optional().describe('the customer’s phone number, as given; E.164 (+4930…) preferred'),
        address: z
          .string()
          .trim()
          .min(1)
          .max(500)
          .optional()
          .describe('the billing address on one line: street, postal code, city, country'),
      }),
      programId: z
        .string({ error: 'programId names the program bought' })
        .regex(programIdPattern, `programId is ${programIdRule}`)
        .describe('the program bought'),
      programVersion: z.int().positive().optional().describe('the program version bought; absent: the current version'),
      phaseId: z.string().regex(phaseIdPattern, `phaseId is ${phaseIdRule}`).optional().describe('the phase the account starts in; absent: the first phase'),
      amount: z.int().positive().describe('what was paid, integer minor units of currency (cents for USD)'),
      currency: z.string().regex(/^[A-Z]{3}$/, 'three upper-case letters (ISO 4217)').describe('ISO 4217 of the price, upper case'),
      rail: z.enum(['card', 'bank', 'crypto', 'other']).describe('how it was paid'),
      paidAt: instant.describe('when the payment succeeded: ISO 8601 with Z or an offset'),
      paymentFingerprint: z
        .string()
        .min(1)
        .max(256)
        .optional()
        .describe('the processor’s fingerprint of the card or wallet, the same for every payment with it (for crypto, the paying address); Propdesk keeps only its hash'),
      ipAddress: z
        .string()
        .max(100)
        .refine((value) => isIP(value) !== 0, 'an IPv4 or IPv6 address such as "203.0.113.7"')
        .optional()
        .describe('the buyer’s IP address at checkout'),
    }),
  })
  .describe('a payment that succeeded at a processor other than Stripe');

/** The purchase the workflow works from, whichever processor took the payment. */
export const Order = z.object({
  orderId: z.string().min(1).describe('Stripe: the Checkout Session id; otherwise the processor’s orderId'),
  processor: z.string().regex(/^[a-z0-9-]+$/).describe('stripe, or the <name> of propdesk.processor.<name>'),
  paymentId: z.string().min(1).describe('Stripe: the PaymentIntent id, or the session id without one; otherwise the processor’s paymentId'),
  customer: z.object({
    email: z.string().describe('trimmed and lower-cased'),
    name: z.string().nullable().describe('null when the processor did not collect one (Stripe’s is nullable)'),
    phone: z.string().nullable().describe('null when the processor did not collect one'),
    address: z.string().nullable().describe('one line; Stripe: line1, line2, postal code, city, country, null without a street line'),
  }),
  programId: z.string(),
  programVersion: z.int().positive().nullable().describe('null: the program’s current version'),
  phaseId: z.string().nullable().describe('null: the program’s first phase'),
  amount: z.int().nonnegative().describe('integer minor units of currency'),
  currency: z.string().regex(/^[A-Z]{3}$/).describe('ISO 4217, upper case'),
  paidAt: z.int().describe('epoch milliseconds'),
  livemode: z.boolean().describe('false for a processor’s test mode; always true for the generic event'),
  paymentFingerprint: z.string().nullable().describe('the card’s or wallet’s fingerprint; always null for Stripe (not in the session)'),
  ipAddress: z.string().nullable().describe('the buyer’s IP address at checkout; always null for Stripe (not in the session)'),
});

export type StripeCheckoutCompleted = z.output<typeof StripeCheckoutCompleted>;
export type GenericPaymentSucceeded = z.output<typeof GenericPaymentSucceeded>;
export type Order = z.output<typeof Order>;

export interface OrderProblem {
  /** Dotted path from the event root, such as `detail.data.object.metadata.programId`; empty for the whole event. */
  readonly path: string;
  readonly message: string;
}

export type OrderResult = { readonly ok: true; readonly order: Order } | { readonly ok: false; readonly problems: OrderProblem[] };

/**
 * One line, the parts Checkout collected in postal order. Without a street line there is no address to speak of:
 * with billing_address_collection auto, a card payment gives its postal code and country only, and a name with a
 * postal code would link every namesake in the area.
 */
function stripeAddressOf(address: z.output<typeof StripeAddress> | null | undefined): string | null {
  if (address == null || present(address.line1) === null) return null;
  return [address.line1, address.line2, address.postal_code, address.city, address.country].map(present).filter((part) => part !== null).join(', ');
}

function fromStripe(event: StripeCheckoutCompleted): Order {
  const session = event.detail.data.object;
  const { customer_details: customer } = session;
  return {
    orderId: session.id,
    processor: 'stripe',
    paymentId: session.payment_intent ?? session.id,
    customer: { email: customer.email, name: present(customer.name), phone: present(customer.phone), address: stripeAddressOf(customer.address) },
    programId: session.metadata.programId,
    programVersion: session.metadata.programVersion ?? null,
    phaseId: session.metadata.phaseId ?? null,
    amount: session.amount_total,
    currency: session.currency.toUpperCase(),
    paidAt: event.detail.created * 1000,
    livemode: event.detail.livemode,
    // Not in a Checkout Session: see the module's comment.
    paymentFingerprint: null,
    ipAddress: null,
  };
}

function fromGeneric(event: GenericPaymentSucceeded, processor: string): Order {
  const { detail } = event;
  return {
    orderId: detail.orderId,
    processor,
    paymentId: detail.paymentId,
    customer: { email: detail.customer.email, name: detail.customer.name, phone: detail.customer.phone ?? null, address: detail.customer.address ?? null },
    programId: detail.programId,
    programVersion: detail.programVersion ?? null,
    phaseId: detail.phaseId ?? null,
    amount: detail.amount,
    currency: detail.currency,
    paidAt: detail.paidAt,
    livemode: true,
    paymentFingerprint: detail.paymentFingerprint ?? null,
    ipAddress: detail.ipAddress ?? null,
  };
}

function parsed<T>(schema: z.ZodType<T>, event: unknown, toOrder: (value: T) => Order): OrderResult {
  const result = schema.safeParse(event);
  if (result.success) return { ok: true, order: toOrder(result.data) };
  return { ok: false, problems: result.error.issues.map((issue) => ({ path: pathOf(issue.path), message: issue.message })) };
}

const refused = (path: string, message: string): OrderResult => ({ ok: false, problems: [{ path, message }] });

/** The Order an EventBridge event stands for, or why it is not a purchase. The schema is chosen by source and detail-type. */
export function orderOf(event: unknown): OrderResult {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return refused('', 'an EventBridge event is a JSON object');
  const fields = event as Record<string, unknown>;
  const source = fields.source;
  const detailType = fields['detail-type'];
  if (typeof source === 'string' && stripeSource.test(source)) {
    if (detailType !== STRIPE_DETAIL_TYPE) {
      return refused('detail-type', `of Stripe events only ${STRIPE_DETAIL_TYPE} is a purchase, not ${JSON.stringify(detailType)}`);
    }
    return parsed(StripeCheckoutCompleted, event, fromStripe);
  }
  const processor = typeof source === 'string' ? processorSource.exec(source)?.[1] : undefined;
  if (processor !== undefined) {
    if (detailType !== PAYMENT_SUCCEEDED) {
      return refused('detail-type', `a processor's purchase is ${PAYMENT_SUCCEEDED}, not ${JSON.stringify(detailType)}`);
    }
    return parsed(GenericPaymentSucceeded, event, (value) => fromGeneric(value, processor));
  }
  return refused('source', `not a payment processor: expected ${STRIPE_SOURCE_PREFIX}<event destination> or ${PROCESSOR_SOURCE_PREFIX}<name>, got ${JSON.stringify(source)}`);
}
