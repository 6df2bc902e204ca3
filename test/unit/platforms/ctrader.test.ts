import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toWire, TradeEvent } from '../../../shared/domain/events.js';
import { centsOfScaled } from '../../../shared/platforms/ctrader.js';
import { translatePlatform, type CtraderSymbolCatalogue } from '../../../shared/platforms/index.js';

const directory = new URL('../../../events/samples/platforms/ctrader/', import.meta.url);
const files = readdirSync(directory);
const fixtures = files.filter((name) => name.endsWith('.json') && !name.endsWith('.expected.json')).map((name) => name.slice(0, -'.json'.length));
const readJson = (name: string): unknown => JSON.parse(readFileSync(new URL(name, directory), 'utf8'));

/** The symbols the fixtures trade, as a bridge reads them from ProtoOASymbolByIdRes (lotSize in cents of units). */
const symbols: CtraderSymbolCatalogue = new Map([
  ['1', { name: 'EURUSD', lotSize: 10_000_000 }],
  ['41', { name: 'XAUUSD', lotSize: 10_000 }],
]);
const translate = (body: unknown, ctraderSymbols = symbols) => translatePlatform('ctrader', body, { ctraderSymbols });

type Fields = Record<string, unknown>;
type Execution = Fields & { deal?: Fields & { closePositionDetail?: Fields }; order?: Fields; depositWithdraw?: Fields; position?: Fields };
type Body = Fields & { records: (Fields & { execution: Execution })[] };

/** A fixture's body with its last record only, which `change` may edit in place. */
function changed(fixture: string, change: (execution: Execution, record: Fields) => void): Body {
  const body = readJson(`${fixture}.json`) as Body;
  const record = body.records[body.records.length - 1]!;
  change(record.execution, record);
  return { ...body, records: [record] };
}

function events(body: unknown): TradeEvent[] {
  const result = translate(body);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.events;
}

describe('cTrader fixtures', () => {
  it('come in pairs: each payload has its expected canonical events', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(6);
    expect(files.filter((name) => name.endsWith('.expected.json')).sort()).toEqual(fixtures.map((name) => `${name}.expected.json`).sort());
  });

  it.each(fixtures)('%s translates to exactly its expected events', (name) => {
    const expected = (readJson(`${name}.expected.json`) as unknown[]).map((event) => TradeEvent.parse(event));
    expect(translate(readJson(`${name}.json`))).toEqual({ ok: true, events: expected });
  });

  it.each(fixtures)('%s events round-trip through the wire format and the canonical schema', (name) => {
    for (const event of events(readJson(`${name}.json`))) expect(TradeEvent.parse(JSON.parse(JSON.stringify(toWire(event))))).toEqual(event);
  });
});

describe('cTrader mapping', () => {
  it.each(['ORDER_ACCEPTED', 'ORDER_REPLACED', 'ORDER_CANCEL_REJECTED', 'SWAP', 2, 9])('gives no event for executionType %s', (executionType) => {
    expect(events(changed('limit-order-accepted-then-cancelled', (execution) => Object.assign(execution, { executionType })))).toEqual([]);
  });

  it.each(['MARKET', 'MARKET_RANGE', 'STOP_LOSS_TAKE_PROFIT'])('gives no event for a cancelled %s order', (orderType) => {
    expect(events(changed('limit-order-accepted-then-cancelled', (execution) => Object.assign(execution.order!, { orderType })))).toEqual([]);
  });

  it.each([
    { executionType: 'ORDER_EXPIRED', orderType: 'STOP', status: 'cancelled', canonicalType: 'stop', requestedPrice: 2031.5 },
    { executionType: 'ORDER_REJECTED', orderType: 'STOP_LIMIT', status: 'rejected', canonicalType: 'stopLimit', requestedPrice: 2031.5 },
    { executionType: 7, orderType: 2, status: 'rejected', canonicalType: 'limit', requestedPrice: 2025 },
  ])('records an $executionType $orderType order as $status', ({ executionType, orderType, status, canonicalType, requestedPrice }) => {
    const body = changed('limit-order-accepted-then-cancelled', (execution) => {
      Object.assign(execution, { executionType });
      Object.assign(execution.order!, { orderType, stopPrice: 2031.5 });
    });
    expect(events(body)).toMatchObject([{ type: 'order', orderType: canonicalType, status, requestedPrice }]);
  });

  it('takes a partial fill for a deal', () => {
    const body = changed('fill-open', (execution) => {
      execution['executionType'] = 'ORDER_PARTIAL_FILL';
      Object.assign(execution.deal!, { filledVolume: 2_500_000, dealStatus: 'PARTIALLY_FILLED' });
    });
    expect(events(body)).toMatchObject([{ type: 'deal', entry: 'in', volume: 2500 }]);
  });

  it('takes a closing deal that fills more than it closes for a reverse', () => {
    const body = changed('full-close', (execution) => Object.assign(execution.deal!, { filledVolume: '9000000' }));
    expect(events(body)).toMatchObject([{ entry: 'reverse', volume: 9000 }]);
  });

  it.each([
    { order: { isStopOut: true }, reason: 'stopOut' },
    { order: { takeProfit: 1.1 }, reason: 'stopLoss' },
    { order: { stopLoss: undefined }, reason: 'takeProfit' },
    { order: { stopLoss: undefined, takeProfit: undefined }, reason: 'stopLoss' },
    { order: { orderType: 'LIMIT' }, reason: 'pendingOrder' },
    { order: { orderType: 'MARKET_RANGE' }, reason: 'client' },
  ])('says a fill by $order was by $reason', ({ order, reason }) => {
    expect(events(changed('full-close', (execution) => Object.assign(execution.order!, order)))).toMatchObject([{ reason }]);
  });

  it('rounds realised money in other moneyDigits to the nearest cent, and folds the conversion fee into commission', () => {
    const body = changed('full-close', (execution) => {
      Object.assign(execution.deal!.closePositionDetail!, { moneyDigits: 8, grossProfit: '12345678900', swap: '-524500000', commission: '-360000000', pnlConversionFee: '-31000000' });
    });
    expect(events(body)).toMatchObject([{ profit: 12346, swap: -525, commission: -391 }]);
  });

  it('reads money without moneyDigits as cents, the API default', () => {
    expect(events(changed('partial-close', (execution) => delete execution.deal!.closePositionDetail!['moneyDigits']))).toMatchObject([{ profit: 7440 }]);
  });

  it.each([
    { operationType: 'BALANCE_WITHDRAW', delta: -500000, kind: 'withdrawal', amount: -500000 },
    { operationType: 'BALANCE_DEPOSIT_TRANSFER', delta: 250000, kind: 'deposit', amount: 250000 },
    { operationType: 37, delta: 250000, kind: 'withdrawal', amount: -250000 },
    { operationType: 'BALANCE_DEPOSIT_NEGATIVE_BALANCE_PROTECTION', delta: 12345, kind: 'correction', amount: 12345 },
  ])('books $operationType as a $kind, signed by its type', ({ operationType, delta, kind, amount }) => {
    const body = changed('withdrawal-payout', (execution, record) => {
      delete record['payout'];
      Object.assign(execution.depositWithdraw!, { operationType, delta });
    });
    expect(events(body)).toMatchObject([{ type: 'balance', kind, amount }]);
  });
});

describe('cTrader refusals', () => {
  const at = 'records[0].execution';
  it.each([
    { case: 'a bonus', body: () => changed('deposit', (e) => Object.assign(e, { executionType: 'BONUS_DEPOSIT_WITHDRAW' })), path: `${at}.executionType`, message: /bonus/ },
    { case: 'an unknown execution type', body: () => changed('deposit', (e) => Object.assign(e, { executionType: 99 })), path: `${at}.executionType`, message: /^99 is not a known value/ },
    { case: 'another message', body: () => changed('deposit', (e) => Object.assign(e, { payloadType: 2132 })), path: `${at}.payloadType`, message: /2126/ },
    { case: 'a swap charge', body: () => changed('deposit', (e) => Object.assign(e.depositWithdraw!, { operationType: 'BALANCE_WITHDRAW_SWAP' })), path: `${at}.depositWithdraw.operationType`, message: /not a cash flow/ },
    { case: 'a rebate by number', body: () => changed('deposit', (e) => Object.assign(e.depositWithdraw!, { operationType: 9 })), path: `${at}.depositWithdraw.operationType`, message: /^9 is not a cash flow/ },
    { case: 'a deposit marked as a payout', body: () => changed('deposit', (_, r) => Object.assign(r, { payout: true })), path: `${at}.depositWithdraw.operationType`, message: /only a withdrawal/ },
    { case: 'a fill marked as a payout', body: () => changed('fill-open', (_, r) => Object.assign(r, { payout: true })), path: 'records[0].payout', message: /only a DEPOSIT_WITHDRAW/ },
    { case: "another account's execution", body: () => changed('fill-open', (e) => Object.assign(e, { ctidTraderAccountId: 40123457 })), path: `${at}.ctidTraderAccountId`, message: /40123456/ },
    { case: 'a symbol not in the catalogue', body: () => changed('fill-open', (e) => Object.assign(e.deal!, { symbolId: 7 })), path: `${at}.deal.symbolId`, message: /symbol 7 is not in the symbol catalogue/ },
    { case: 'a volume that is not a whole 1/10,000 lot', body: () => changed('fill-open', (e) => Object.assign(e.deal!, { filledVolume: 100 })), path: `${at}.deal.filledVolume`, message: /not a whole 1\/10,000 lot of EURUSD/ },
    { case: 'a fill without its deal', body: () => changed('fill-open', (e) => delete e.deal), path: `${at}.deal`, message: /^is missing/ },
    { case: 'a fill without its order', body: () => changed('fill-open', (e) => delete e.order), path: `${at}.order`, message: /^is missing/ },
    { case: 'a fill without a price', body: () => changed('fill-open', (e) => delete e.deal!['executionPrice']), path: `${at}.deal.executionPrice`, message: /^is missing/ },
    { case: 'a fill of a rejected deal', body: () => changed('fill-open', (e) => Object.assign(e.deal!, { dealStatus: 'REJECTED' })), path: `${at}.deal.dealStatus`, message: /REJECTED/ },
    { case: "another position's state", body: () => changed('fill-open', (e) => Object.assign(e.position!, { positionId: 1 })), path: `${at}.position.positionId`, message: /308812230/ },
    { case: 'a close of more than the fill', body: () => changed('full-close', (e) => Object.assign(e.deal!.closePositionDetail!, { closedVolume: '7000000' })), path: `${at}.deal.closePositionDetail.closedVolume`, message: /more than/ },
    { case: 'money beyond a safe integer', body: () => changed('full-close', (e) => Object.assign(e.deal!.closePositionDetail!, { grossProfit: '9223372036854775807' })), path: `${at}.deal.closePositionDetail.grossProfit`, message: /beyond/ },
    { case: 'an int64 that is not an integer', body: () => changed('deposit', (e) => Object.assign(e.depositWithdraw!, { delta: '12.5' })), path: `${at}.depositWithdraw.delta`, message: /./ },
    { case: 'a limit order without its price', body: () => changed('limit-order-accepted-then-cancelled', (e) => delete e.order!['limitPrice']), path: `${at}.order.limitPrice`, message: /^is missing/ },
    { case: 'an order without its update time', body: () => changed('limit-order-accepted-then-cancelled', (e) => delete e.order!['utcLastUpdateTimestamp']), path: `${at}.order.utcLastUpdateTimestamp`, message: /cancelled/ },
  ])('refuses $case with a Problem at $path', ({ body, path, message }) => {
    const result = translate(body());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toContainEqual({ line: null, path, message: expect.stringMatching(message) });
  });

  it("refuses a catalogue lot size that is not a positive integer, rather than dividing by it", () => {
    const result = translate(readJson('fill-open.json'), new Map([['1', { name: 'EURUSD', lotSize: 0 }]]));
    expect(result).toMatchObject({ ok: false, problems: [{ path: `${at}.deal.symbolId`, message: expect.stringMatching(/lot size of EURUSD is 0/) }] });
  });

  it('refuses records whose seq does not increase', () => {
    const body = readJson('limit-order-accepted-then-cancelled.json') as Body;
    body.records[1]!['seq'] = 13;
    expect(translate(body)).toMatchObject({ ok: false, problems: [{ path: 'records[1].seq' }] });
  });
});

describe('centsOfScaled', () => {
  it.each([
    { value: 12345n, digits: 2, cents: 12345 },
    { value: -12345n, digits: 2, cents: -12345 },
    { value: 7n, digits: 0, cents: 700 },
    { value: 15n, digits: 1, cents: 150 },
    { value: 5n, digits: 3, cents: 1 },
    { value: -5n, digits: 3, cents: -1 },
    { value: 4n, digits: 3, cents: 0 },
    { value: -4n, digits: 3, cents: 0 },
    { value: 10053099944n, digits: 8, cents: 10053 },
    { value: -524500000n, digits: 8, cents: -525 },
    { value: -524499999n, digits: 8, cents: -524 },
    { value: 900719925474099149n, digits: 4, cents: Number.MAX_SAFE_INTEGER },
  ])('turns $value / 10^$digits into $cents cents', ({ value, digits, cents }) => {
    expect(centsOfScaled(value, digits)).toBe(cents);
  });

  it.each([
    { value: 2n ** 62n, digits: 2 },
    { value: -(2n ** 60n), digits: 0 },
    { value: 900719925474099150n, digits: 4 },
  ])('refuses $value / 10^$digits, beyond a safe integer of cents', ({ value, digits }) => {
    expect(centsOfScaled(value, digits)).toBeNull();
  });
});
