import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GenericPaymentSucceeded, Order, orderOf, StripeCheckoutCompleted, type OrderResult } from '../../shared/workflows/orders.js';

const directory = new URL('../../events/samples/processors/', import.meta.url);
type Fields = Record<string, unknown>;
const readJson = (name: string): Fields => JSON.parse(readFileSync(new URL(name, directory), 'utf8')) as Fields;

const stripeSample = (): Fields => readJson('stripe-checkout-session-completed.json');
const genericSample = (): Fields => readJson('payment-succeeded.json');

/** The Stripe sample with fields of its Checkout Session replaced (undefined removes one). */
function stripeWith(session: Fields, detail: Fields = {}): Fields {
  const event = stripeSample();
  const stripeEvent = event.detail as Fields & { data: { object: Fields } };
  const object: Fields = { ...stripeEvent.data.object, ...session };
  for (const [key, value] of Object.entries(session)) if (value === undefined) delete object[key];
  return { ...event, detail: { ...stripeEvent, ...detail, data: { object } } };
}

const stripeMetadata = (metadata: Fields | null): Fields => stripeWith({ metadata });

/** The generic sample with fields of its detail replaced (undefined removes one). */
function genericWith(detail: Fields, envelope: Fields = {}): Fields {
  const event = genericSample();
  const merged: Fields = { ...(event.detail as Fields), ...detail };
  for (const [key, value] of Object.entries(detail)) if (value === undefined) delete merged[key];
  return { ...event, ...envelope, detail: merged };
}

function orderFrom(event: unknown): Order {
  const result = orderOf(event);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.order;
}

const refusal = (path: string, message: string | RegExp): OrderResult => ({
  ok: false,
  problems: [{ path, message: typeof message === 'string' ? message : (expect.stringMatching(message) as unknown as string) }],
});

describe('the samples', () => {
  it('a paid Stripe Checkout Session is exactly its order', () => {
    expect(orderOf(stripeSample())).toEqual({
      ok: true,
      order: {
        orderId: 'cs_live_b1Qx7TzV3mKp9rW2sYd4nLf8gHc6jBa0eUo5iPq1tRy3wXz7vN',
        processor: 'stripe',
        paymentId: 'pi_3T6qKbLwQm4VbT2n0xJ4rA9m',
        customer: { email: 'lena.hartmann@example.com', name: 'Lena Hartmann', phone: '+49 30 901820', address: 'Invalidenstraße 117, 10115, Berlin, DE' },
        programId: 'two-step-static',
        programVersion: 1,
        phaseId: null,
        amount: 49410,
        currency: 'USD',
        paidAt: Date.parse('2026-03-03T09:42:11Z'),
        livemode: true,
        paymentFingerprint: null,
        ipAddress: null,
      },
    });
  });

  it('a generic crypto payment is exactly its order', () => {
    expect(orderOf(genericSample())).toEqual({
      ok: true,
      order: {
        orderId: 'ord_2026-03-03_000417',
        processor: 'crypto-gateway',
        paymentId: 'chg_01JNQ6Z8V4W2T9KX3M5R7B1C0D',
        customer: { email: 'marco.rossi@example.it', name: 'Marco Rossi', phone: '+39 02 8475 3310', address: 'Via Torino 61, 20123 Milano, IT' },
        programId: 'one-step-eod-trailing',
        programVersion: 1,
        phaseId: 'challenge',
        amount: 39900,
        currency: 'USD',
        paidAt: Date.parse('2026-03-03T09:15:42.318Z'),
        livemode: true,
        paymentFingerprint: 'bc1q9h7garjk3d0q4mu6y2nqfl5ar0mwxn5vdz7mfl',
        ipAddress: '203.0.113.42',
      },
    });
  });

  it('each order is an Order', () => {
    expect(Order.parse(orderFrom(stripeSample()))).toEqual(orderFrom(stripeSample()));
    expect(Order.parse(orderFrom(genericSample()))).toEqual(orderFrom(genericSample()));
  });

  it('each sample parses with its own schema only', () => {
    expect(StripeCheckoutCompleted.safeParse(stripeSample()).success).toBe(true);
    expect(GenericPaymentSucceeded.safeParse(genericSample()).success).toBe(true);
    expect(StripeCheckoutCompleted.safeParse(genericSample()).success).toBe(false);
    expect(GenericPaymentSucceeded.safeParse(stripeSample()).success).toBe(false);
  });

  it('both schemas export as JSON Schema of what a producer sends', () => {
    for (const schema of [StripeCheckoutCompleted, GenericPaymentSucceeded, Order]) {
      expect(() => z.toJSONSchema(schema, { io: 'input' })).not.toThrow();
    }
  });
});

describe('routing by source and detail-type', () => {
  it('refuses an unknown source', () => {
    expect(orderOf({ ...genericSample(), source: 'acme.billing' })).toEqual(refusal('source', /^not a payment processor: expected aws\.partner\/stripe\.com\//));
    expect(orderOf({ ...genericSample(), source: 'propdesk.processor.Coin_Pay' })).toEqual(refusal('source', /got "propdesk\.processor\.Coin_Pay"$/));
    expect(orderOf({ ...genericSample(), source: undefined })).toEqual(refusal('source', /got undefined$/));
  });

  it('refuses another Stripe event type', () => {
    const event = { ...stripeSample(), 'detail-type': 'checkout.session.expired' };
    expect(orderOf(event)).toEqual(refusal('detail-type', 'of Stripe events only checkout.session.completed is a purchase, not "checkout.session.expired"'));
  });

  it('refuses another detail-type from a processor', () => {
    expect(orderOf({ ...genericSample(), 'detail-type': 'PaymentRefunded' })).toEqual(
      refusal('detail-type', 'a processor\'s purchase is PaymentSucceeded, not "PaymentRefunded"'),
    );
  });

  it('refuses what is not an object', () => {
    for (const event of [null, 'checkout.session.completed', [stripeSample()]]) {
      expect(orderOf(event)).toEqual(refusal('', 'an EventBridge event is a JSON object'));
    }
  });
});

describe('Stripe refusals', () => {
  it.each(['unpaid', 'no_payment_required'])('a session whose payment_status is %s', (status) => {
    expect(orderOf(stripeWith({ payment_status: status }))).toEqual(refusal('detail.data.object.payment_status', 'the session is not paid'));
  });

  it('a session without metadata.programId', () => {
    const expected = refusal('detail.data.object.metadata.programId', 'metadata.programId names the program bought');
    expect(orderOf(stripeMetadata({ programVersion: '1' }))).toEqual(expected);
    expect(orderOf(stripeMetadata({ programId: '' }))).toEqual(expected);
    expect(orderOf(stripeMetadata({}))).toEqual(expected);
  });

  it('a session whose metadata is null', () => {
    expect(orderOf(stripeMetadata(null))).toEqual(refusal('detail.data.object.metadata', 'metadata.programId names the program bought'));
  });

  it('a programId that is not a program id', () => {
    expect(orderOf(stripeMetadata({ programId: 'Two Step' }))).toEqual(refusal('detail.data.object.metadata.programId', /^metadata\.programId is a program id/));
  });

  it.each(['0', '-1', '1.5', 'v2', '', ' 2', '01'])('a metadata.programVersion of %j', (programVersion) => {
    expect(orderOf(stripeMetadata({ programId: 'two-step-static', programVersion }))).toEqual(
      refusal('detail.data.object.metadata.programVersion', 'metadata.programVersion, when given, is a positive integer such as "3"'),
    );
  });

  it.each([
    ['missing', { name: 'Lena Hartmann' }],
    ['null', { email: null, name: 'Lena Hartmann' }],
    ['blank', { email: '   ', name: 'Lena Hartmann' }],
  ])('an email that is %s', (_, customer_details) => {
    expect(orderOf(stripeWith({ customer_details }))).toEqual(
      refusal('detail.data.object.customer_details.email', 'the customer email is required: the trading account is issued to it'),
    );
  });

  it('no customer_details at all', () => {
    expect(orderOf(stripeWith({ customer_details: null }))).toEqual(
      refusal('detail.data.object.customer_details', 'the customer email is required: the trading account is issued to it'),
    );
  });

  it('an email that is not one', () => {
    expect(orderOf(stripeWith({ customer_details: { email: 'lena at example.com' } }))).toEqual(
      refusal('detail.data.object.customer_details.email', /email/i),
    );
  });

  it('reports every problem of one event at once', () => {
    const result = orderOf(stripeWith({ payment_status: 'unpaid', metadata: { programVersion: 'x' }, customer_details: { name: 'A' } }));
    expect(result.ok ? [] : result.problems.map((problem) => problem.path).sort()).toEqual([
      'detail.data.object.customer_details.email',
      'detail.data.object.metadata.programId',
      'detail.data.object.metadata.programVersion',
      'detail.data.object.payment_status',
    ]);
  });
});

describe('Stripe normalization', () => {
  it('upper-cases the currency and trims and lower-cases the email', () => {
    const order = orderFrom(stripeWith({ currency: 'eur', customer_details: { email: '  Lena.HARTMANN@Example.COM \n', name: 'Lena Hartmann' } }));
    expect(order.currency).toBe('EUR');
    expect(order.customer.email).toBe('lena.hartmann@example.com');
  });

  it('takes programVersion and phaseId from metadata, null when absent', () => {
    expect(orderFrom(stripeMetadata({ programId: 'two-step-static', programVersion: '12', phaseId: 'phase-2' }))).toMatchObject({
      programId: 'two-step-static',
      programVersion: 12,
      phaseId: 'phase-2',
    });
    expect(orderFrom(stripeMetadata({ programId: 'two-step-static' }))).toMatchObject({ programVersion: null, phaseId: null });
  });

  it('uses the session id as payment id when there is no PaymentIntent', () => {
    const order = orderFrom(stripeWith({ payment_intent: null }));
    expect(order.paymentId).toBe(order.orderId);
    expect(orderFrom(stripeWith({ payment_intent: undefined })).paymentId).toBe(order.orderId);
  });

  it('a customer without a name has a null name', () => {
    expect(orderFrom(stripeWith({ customer_details: { email: 'a@example.com', name: null } })).customer.name).toBeNull();
    expect(orderFrom(stripeWith({ customer_details: { email: 'a@example.com' } })).customer.name).toBeNull();
  });

  it('maps the phone and the address (line1, line2, postal code, city, country, on one line), trimmed', () => {
    const address = { line1: ' 12 Main St ', line2: 'Apt 4', postal_code: '94107', city: 'San Francisco', state: 'CA', country: 'US' };
    expect(orderFrom(stripeWith({ customer_details: { email: 'a@example.com', name: 'A', phone: ' +1 415 555 0100 ', address } })).customer).toEqual({
      email: 'a@example.com',
      name: 'A',
      phone: '+1 415 555 0100',
      address: '12 Main St, Apt 4, 94107, San Francisco, US',
    });
  });

  it('has no address without a street line (a card checkout collects only country and postal code), and no blank phone', () => {
    const address = { line1: null, line2: null, postal_code: '10115', city: null, state: null, country: 'DE' };
    expect(orderFrom(stripeWith({ customer_details: { email: 'a@example.com', phone: '  ', address } })).customer).toMatchObject({ phone: null, address: null });
    expect(orderFrom(stripeWith({ customer_details: { email: 'a@example.com', phone: null, address: null } })).customer).toMatchObject({ phone: null, address: null });
    expect(orderFrom(stripeWith({ customer_details: { email: 'a@example.com' } })).customer).toMatchObject({ phone: null, address: null });
  });

  it('has no payment fingerprint and no IP address: a Checkout Session carries neither', () => {
    expect(orderFrom(stripeSample())).toMatchObject({ paymentFingerprint: null, ipAddress: null });
  });

  it('keeps test mode', () => {
    expect(orderFrom(stripeWith({}, { livemode: false })).livemode).toBe(false);
  });

  it('an event with fields Propdesk does not know still parses', () => {
    const event = stripeWith(
      { brand_new_field: { nested: [1, 2, 3] }, metadata: { programId: 'two-step-static', programVersion: '1', campaign: 'spring' } },
      { context: 'acct_1SKq0aLwQm4VbT2n', unknown_flag: true },
    );
    expect(orderOf({ ...event, 'replay-name': 'archive-2026-03' })).toEqual(orderOf(stripeSample()));
  });
});

describe('generic refusals and normalization', () => {
  it.each([0, -100, 399.5])('refuses an amount of %j', (amount) => {
    const result = orderOf(genericWith({ amount }));
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((problem) => problem.path)).toEqual(['detail.amount']);
  });

  it('refuses a missing programId', () => {
    expect(orderOf(genericWith({ programId: undefined }))).toEqual(refusal('detail.programId', 'programId names the program bought'));
  });

  it('refuses a programVersion that is not a positive integer', () => {
    for (const programVersion of [0, 1.5, '2']) {
      const result = orderOf(genericWith({ programVersion }));
      expect(result.ok ? [] : result.problems.map((problem) => problem.path)).toEqual(['detail.programVersion']);
    }
  });

  it('refuses a missing email', () => {
    expect(orderOf(genericWith({ customer: { name: 'Marco Rossi' } }))).toEqual(
      refusal('detail.customer.email', 'the customer email is required: the trading account is issued to it'),
    );
  });

  it('refuses a lower-case currency, a bad country, an unknown rail and a time without offset', () => {
    const result = orderOf(
      genericWith({ currency: 'usd', customer: { email: 'm@example.it', name: 'Marco', country: 'ITA' }, rail: 'cash', paidAt: '2026-03-03T10:15:42' }),
    );
    expect(result.ok ? [] : result.problems.map((problem) => problem.path).sort()).toEqual([
      'detail.currency',
      'detail.customer.country',
      'detail.paidAt',
      'detail.rail',
    ]);
  });

  it('trims and lower-cases the email; programVersion and phaseId are null when absent', () => {
    const order = orderFrom(genericWith({ customer: { email: ' Marco.Rossi@Example.IT ', name: ' Marco Rossi ' }, programVersion: undefined, phaseId: undefined }));
    expect(order.customer).toEqual({ email: 'marco.rossi@example.it', name: 'Marco Rossi', phone: null, address: null });
    expect(order).toMatchObject({ programVersion: null, phaseId: null });
  });

  it('takes the phone, address, payment fingerprint and IP address, each null when absent', () => {
    const order = orderFrom(genericWith({ customer: { email: 'm@example.it', name: 'Marco', phone: ' +39 02 1234 ', address: ' Via Roma 1, Milano ' }, ipAddress: '2001:db8:85a3::8a2e:370:7334' }));
    expect(order.customer).toEqual({ email: 'm@example.it', name: 'Marco', phone: '+39 02 1234', address: 'Via Roma 1, Milano' });
    expect(order.ipAddress).toBe('2001:db8:85a3::8a2e:370:7334');
    const bare = orderFrom(genericWith({ customer: { email: 'm@example.it', name: 'Marco' }, paymentFingerprint: undefined, ipAddress: undefined }));
    expect(bare).toMatchObject({ customer: { phone: null, address: null }, paymentFingerprint: null, ipAddress: null });
  });

  it.each(['203.0.113.256', 'localhost', ' 203.0.113.42', '2001:db8::g1', ''])('refuses the IP address %j, naming detail.ipAddress', (ipAddress) => {
    expect(orderOf(genericWith({ ipAddress }))).toEqual(refusal('detail.ipAddress', /IPv4 or IPv6 address/));
  });

  it('refuses a blank or too long phone, address or payment fingerprint, at their paths', () => {
    const result = orderOf(genericWith({ customer: { email: 'm@example.it', name: 'Marco', phone: ' ', address: 'x'.repeat(501) }, paymentFingerprint: '' }));
    expect(result.ok ? [] : result.problems.map((problem) => problem.path).sort()).toEqual(['detail.customer.address', 'detail.customer.phone', 'detail.paymentFingerprint']);
  });

  it('takes the processor name from the source', () => {
    expect(orderFrom(genericWith({}, { source: 'propdesk.processor.btcpay-2' })).processor).toBe('btcpay-2');
  });
});
