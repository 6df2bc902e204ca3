/**
 * Builders for the detectors' tests: programs with an abuse policy, the evaluator's TradeClosed events, and
 * those events as the abuse detection queue delivers them (an EventBridge event in an SQS record).
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { TradeClosedEvent } from '../../shared/abuse/detection.js';
import type { AbusePolicyInput } from '../../shared/abuse/policy.js';
import { parseProgram, type Program } from '../../shared/domain/program.js';
import { DOMAIN_EVENT_SOURCE } from '../../shared/stream/domain-events.js';
import { domainEventSample } from './domain-events.js';

export const TENANT = 'demo';

/** A funded-only program judged by `abuse`; $100,000.00. */
export function abuseProgram(id: string, abuse: AbusePolicyInput = {}, version = 1): Program {
  return parseProgram({
    id,
    version,
    name: `Abuse test ${id}`,
    currency: 'USD',
    initialBalance: 10_000_000,
    dayBoundary: { timeZone: 'Europe/Prague', time: '00:00' },
    phases: [{ id: 'funded', name: 'Funded', kind: 'funded', rules: [] }],
    abuse,
  });
}

export interface ClosedTradeOptions {
  readonly accountId: string;
  readonly positionId: string;
  readonly side: 'buy' | 'sell';
  /** ISO 8601. */
  readonly openedAt: string;
  readonly closedAt: string;
  readonly programId: string;
  readonly programVersion?: number;
  readonly traderId?: string | null;
  readonly symbol?: string;
  readonly volume?: number;
  readonly netPnl?: number;
  readonly seq?: number;
  readonly tenant?: string;
}

/** The evaluator's TradeClosed for a position, from the shipped sample. */
export function tradeClosed(options: ClosedTradeOptions): TradeClosedEvent {
  const { accountId, positionId, side, openedAt, closedAt, programId } = options;
  const seq = options.seq ?? 100;
  const tenant = options.tenant ?? TENANT;
  const sample = domainEventSample('TradeClosed', accountId, closedAt, `${tenant}:${accountId}:s${seq}:0`);
  if (sample.type !== 'TradeClosed') throw new Error('the TradeClosed sample is not a TradeClosed');
  return {
    ...sample,
    tenant,
    programId,
    programVersion: options.programVersion ?? 1,
    phaseId: 'funded',
    cause: { type: 'deal', seq, eventId: `${accountId}-${seq}`, time: closedAt },
    traderId: options.traderId === undefined ? 'trd-1' : options.traderId,
    positionId,
    symbol: options.symbol ?? 'XAUUSD',
    side,
    volume: options.volume ?? 10_000,
    openedAt,
    closedAt,
    netPnl: options.netPnl ?? (side === 'buy' ? 17_800 : -18_400),
  };
}

/** The EventBridge event a rule puts on the abuse detection queue. */
export function busEvent(source: string, detailType: string, detail: unknown, id: string = randomUUID()) {
  return { version: '0', id, 'detail-type': detailType, source, account: '111111111111', time: '2026-03-05T10:20:31Z', region: 'eu-central-1', resources: [], detail };
}

export const tradeClosedEvent = (trade: TradeClosedEvent, id?: string) => busEvent(DOMAIN_EVENT_SOURCE, 'TradeClosed', trade, id);

/** An SQS record as Lambda delivers it, `body` the message (an EventBridge event, or anything for a broken one). */
export function sqsRecord(body: unknown, messageId: string = randomUUID(), receiveCount = 1): SQSRecord {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    messageId,
    receiptHandle: `handle-${messageId}-${receiveCount}`,
    body: text,
    attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: '1772706031000', SenderId: 'AIDAIENQZJOLO23YVJ4VO', ApproximateFirstReceiveTimestamp: '1772706031500' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-central-1:111111111111:AbuseDetectionQueue',
    awsRegion: 'eu-central-1',
  };
}

export const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

/**
 * A hedge: a buy on `buyer` and, 45 s later, the opposite sell on `seller`, both held 20 minutes, opened at
 * `hour` o'clock on 5 March 2026.
 */
export function hedgePair(buyer: { accountId: string; traderId: string; programId: string }, seller: { accountId: string; traderId: string; programId: string }, hour = 10): [TradeClosedEvent, TradeClosedEvent] {
  const at = (minute: number, second = 0) => `2026-03-05T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:${String(second).padStart(2, '0')}.000Z`;
  return [
    tradeClosed({ ...buyer, positionId: `${buyer.accountId}-p${hour}`, side: 'buy', openedAt: at(0), closedAt: at(20), seq: hour * 10 }),
    tradeClosed({ ...seller, positionId: `${seller.accountId}-p${hour}`, side: 'sell', openedAt: at(0, 45), closedAt: at(20, 30), seq: hour * 10 + 1 }),
  ];
}
