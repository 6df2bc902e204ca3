import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toWire, TradeEvent } from '../../../shared/domain/events.js';
import { translatePlatform, type TranslateContext } from '../../../shared/platforms/index.js';
import { centsOfAmount } from '../../../shared/platforms/mt5.js';

const directory = new URL('../../../events/samples/platforms/mt5/', import.meta.url);
const files = readdirSync(directory);
const fixtures = files.filter((name) => name.endsWith('.json') && !name.endsWith('.expected.json')).map((name) => name.slice(0, -'.json'.length));
const readJson = (name: string): unknown => JSON.parse(readFileSync(new URL(name, directory), 'utf8'));

type Fields = Record<string, unknown>;
type Body = Fields & { records: (Fields & { deal?: Fields; account?: Fields })[] };
const context: TranslateContext = { ctraderSymbols: new Map() };
const translate = (body: unknown) => translatePlatform('mt5', body, context);

/** A fixture's body with its first record only, whose fields and deal or account fields are replaced. */
function changed(fixture: string, payload: Fields, record: Fields = {}): Body {
  const body = readJson(`${fixture}.json`) as Body;
  const first = body.records[0]!;
  const key = first.deal === undefined ? 'account' : 'deal';
  return { ...body, records: [{ ...first, ...record, [key]: { ...first[key], ...payload } }] };
}

function onlyEvent(body: unknown): TradeEvent {
  const result = translate(body);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  expect(result.events).toHaveLength(1);
  return result.events[0]!;
}

describe('MT5 fixtures', () => {
  it('come in pairs: each payload has its expected canonical events', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(8);
    expect(files.filter((name) => name.endsWith('.expected.json')).sort()).toEqual(fixtures.map((name) => `${name}.expected.json`).sort());
  });

  it.each(fixtures)('%s translates to exactly its expected events', (name) => {
    const expected = (readJson(`${name}.expected.json`) as unknown[]).map((event) => TradeEvent.parse(event));
    expect(translate(readJson(`${name}.json`))).toEqual({ ok: true, events: expected });
  });

  it.each(fixtures)('%s events round-trip through the wire format and the canonical schema', (name) => {
    const result = translate(readJson(`${name}.json`));
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    for (const event of result.events) expect(TradeEvent.parse(JSON.parse(JSON.stringify(toWire(event))))).toEqual(event);
  });
});

describe('MT5 mapping', () => {
  it('takes a negative balance operation the bridge does not mark as a payout for a withdrawal', () => {
    expect(onlyEvent(changed('payout', {}, { payout: undefined }))).toMatchObject({ type: 'balance', kind: 'withdrawal', amount: -412500 });
  });

  it.each([
    { action: 5, profit: -12.34, amount: -1234 },
    { action: 19, profit: 57.1, amount: 5710 },
  ])('books Action $action as a correction of its signed Profit', ({ action, profit, amount }) => {
    expect(onlyEvent(changed('deposit', { Action: action, Profit: profit }))).toMatchObject({ type: 'balance', kind: 'correction', amount });
  });

  it('takes a close by an opposite position (out_by) for an out', () => {
    expect(onlyEvent(changed('stop-loss-close', { Entry: 3, Reason: 0 }))).toMatchObject({ entry: 'out', reason: 'client' });
  });

  it.each([
    { code: 0, reason: 'client' },
    { code: 1, reason: 'expert' },
    { code: 3, reason: 'stopLoss' },
    { code: 4, reason: 'takeProfit' },
    { code: 5, reason: 'stopOut' },
    { code: 7, reason: 'client' },
    { code: 10, reason: 'expert' },
    { code: 16, reason: 'client' },
    { code: 17, reason: 'client' },
  ])('maps deal reason $code to $reason', ({ code, reason }) => {
    expect(onlyEvent(changed('partial-close', { Reason: code }))).toMatchObject({ reason });
  });

  it('adds the per-deal Fee to the commission and reads a PriceSL of 0 as no stop loss', () => {
    expect(onlyEvent(changed('buy-open', { Fee: -0.5, PriceSL: 0 }))).toMatchObject({ commission: -750, stopLoss: null });
  });

  it('takes credit out of MT5 equity, which counts it', () => {
    const snapshot = onlyEvent(changed('account-info', { Credit: 500, Equity: 102435.5 }));
    expect(snapshot).toMatchObject({ type: 'snapshot', balance: 10248000, equity: 10193550, floatingPnl: -54450 });
  });

  it.each([
    { offset: -300, text: '2026-02-03T11:29:07.412-05:00' },
    { offset: 0, text: '2026-02-03T11:29:07.412+00:00' },
    { offset: 330, text: '2026-02-03T11:29:07.412+05:30' },
  ])('places server time with the envelope offset $offset', ({ offset, text }) => {
    expect(onlyEvent({ ...changed('buy-open', {}), serverUtcOffsetMinutes: offset }).time).toBe(Date.parse(text));
  });

  it('keeps a UINT64 ticket sent as decimal text exact', () => {
    expect(onlyEvent(changed('buy-open', { Deal: '18446744073709551615' }))).toMatchObject({ dealId: '18446744073709551615' });
  });

  it('rounds amounts in the deal to the nearest cent, halves away from zero', () => {
    expect(onlyEvent(changed('partial-close', { Profit: 1.005, Commission: -0.125, Storage: -2.675 }))).toMatchObject({
      profit: 101,
      commission: -13,
      swap: -268,
    });
  });
});

describe('MT5 refusals', () => {
  it.each([
    { case: 'a credit operation', body: () => changed('deposit', { Action: 3 }), path: 'records[0].deal.Action', message: /DEAL_CREDIT.*no credit/ },
    { case: 'a bonus', body: () => changed('deposit', { Action: 6 }), path: 'records[0].deal.Action', message: /DEAL_BONUS.*credit/ },
    { case: 'a daily commission', body: () => changed('deposit', { Action: 8 }), path: 'records[0].deal.Action', message: /DEAL_COMMISSION_DAILY.*hidden from the loss rules/ },
    { case: 'a cancelled deal', body: () => changed('buy-open', { Action: 13 }), path: 'records[0].deal.Action', message: /DEAL_BUY_CANCELED.*undo/ },
    { case: 'an unknown action', body: () => changed('deposit', { Action: 42 }), path: 'records[0].deal.Action', message: /not an MT5 deal action/ },
    { case: 'an unknown entry', body: () => changed('buy-open', { Entry: 255 }), path: 'records[0].deal.Entry', message: /not an MT5 deal entry/ },
    { case: 'a dealer deal', body: () => changed('buy-open', { Reason: 2 }), path: 'records[0].deal.Reason', message: /DEAL_REASON_DEALER.*no Propdesk reason/ },
    { case: 'a rollover deal', body: () => changed('buy-open', { Reason: 6 }), path: 'records[0].deal.Reason', message: /DEAL_REASON_ROLLOVER/ },
    { case: "another login's deal", body: () => changed('buy-open', { Login: 5210348 }), path: 'records[0].deal.Login', message: /login 5210347/ },
    { case: "another login's account", body: () => changed('account-info', { Login: 5210348 }), path: 'records[0].account.Login', message: /login 5210347/ },
    { case: 'a payout that pays in', body: () => changed('deposit', {}, { payout: true }), path: 'records[0].payout', message: /negative/ },
    { case: 'a trade marked as a payout', body: () => changed('buy-open', {}, { payout: true }), path: 'records[0].payout', message: /only a balance withdrawal/ },
    { case: 'an amount beyond 10^13', body: () => changed('deposit', { Profit: 2e13 }), path: 'records[0].deal.Profit', message: /10\^13/ },
    { case: 'a deal without TimeMsc', body: () => changed('buy-open', { TimeMsc: undefined }), path: 'records[0].deal.TimeMsc', message: /expected number/ },
    { case: 'a record of an unknown kind', body: () => changed('buy-open', {}, { kind: 'position' }), path: 'records[0].kind', message: /./ },
    { case: 'an offset beyond UTC+14', body: () => ({ ...changed('buy-open', {}), serverUtcOffsetMinutes: 900 }), path: 'serverUtcOffsetMinutes', message: /./ },
    { case: 'a trade of no volume', body: () => changed('buy-open', { Volume: 0 }), path: 'records[0]', message: /^translates to an invalid deal event: volume: / },
    { case: 'a trade at price 0', body: () => changed('buy-open', { Price: 0 }), path: 'records[0]', message: /^translates to an invalid deal event: price: / },
    { case: 'a negative margin', body: () => changed('account-info', { Margin: -1 }), path: 'records[0]', message: /invalid snapshot event: margin: / },
  ])('refuses $case with a Problem at $path', ({ body, path, message }) => {
    const result = translate(body());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toContainEqual({ line: null, path, message: expect.stringMatching(message) });
  });

  it('refuses records whose seq does not increase, since the reducer would drop the later one', () => {
    const body = readJson('buy-open.json') as Body;
    body.records[1]!['seq'] = 171;
    expect(translate(body)).toEqual({ ok: false, problems: [{ line: null, path: 'records[1].seq', message: "must be greater than the previous record's seq 171" }] });
  });

  it('refuses an empty envelope and a body that is not one', () => {
    expect(translate({ ...(readJson('deposit.json') as Body), records: [] })).toMatchObject({ ok: false, problems: [{ path: 'records' }] });
    expect(translate('deal')).toMatchObject({ ok: false, problems: [{ path: '' }] });
  });
});

describe('centsOfAmount', () => {
  it.each([
    { amount: 0, cents: 0 },
    { amount: -7, cents: -700 },
    { amount: 12.34, cents: 1234 },
    { amount: 1.005, cents: 101 },
    { amount: -1.005, cents: -101 },
    { amount: 2.675, cents: 268 },
    { amount: 0.125, cents: 13 },
    { amount: -0.125, cents: -13 },
    { amount: 0.005, cents: 1 },
    { amount: -0.005, cents: -1 },
    { amount: 0.0049999, cents: 0 },
    { amount: -0.0049999, cents: 0 },
    { amount: 1e-7, cents: 0 },
    { amount: 123456789.005, cents: 12345678901 },
    { amount: -9999999999999.99, cents: -999999999999999 },
    { amount: 1e13, cents: 1e15 },
  ])('turns $amount into $cents cents', ({ amount, cents }) => {
    // toBe tells 0 from -0: a rounded-away negative amount must be plain 0.
    expect(centsOfAmount(amount)).toBe(cents);
  });

  it.each([1e13 + 0.01, -2e13, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s', (amount) => {
    expect(centsOfAmount(amount)).toBeNull();
  });
});
