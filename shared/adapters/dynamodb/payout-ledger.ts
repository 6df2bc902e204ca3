/**
 * PayoutLedger on the tenant table. A payout is one item in its account's partition, sorted by number
 * (`PAYOUT#<number, 6 digits>`), holding the record as JSON plus its state in `payoutState`. The item is also
 * listed firm-wide in the byListing index under `PAYOUTS#<state>`, sorted `<requested ISO time>#<payout id>`
 * (oldest first); a move rewrites the item, its listing included, on the condition that its state is still
 * the one it moves from.
 */
import { GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvalidCursorError, type Page, type PageRequest } from '../../ports/page.js';
import {
  PAYOUT_MOVES,
  parsePayoutId,
  payoutIdOf,
  type MoveResult,
  type PayoutChange,
  type PayoutLedger,
  type PayoutRecord,
  type PayoutState,
} from '../../ports/payouts.js';
import { sleep, type Pause } from '../backoff.js';
import { decodeCursor, pageFrom } from './cursor.js';
import { listingPage } from './listing.js';
import { keys, LISTING_KEY, LISTING_SORT_KEY, listings, PARTITION_KEY, SORT_KEY } from './table.js';

type Sender = Pick<DynamoDBClient, 'send'>;

const SORT_PREFIX = 'PAYOUT#';
/** The largest number a payout id names (parsePayoutId reads at most 6 digits). */
const MAX_NUMBER = 999_999;
const ITEM_PROJECTION = { ProjectionExpression: '#record', ExpressionAttributeNames: { '#record': 'record' } };

/** Refuses a record the ledger could not give back under its id. */
export function checkPayoutRecord(record: PayoutRecord): void {
  if (!Number.isInteger(record.number) || record.number < 1 || record.number > MAX_NUMBER) {
    throw new RangeError(`a payout number is a whole number from 1 to ${MAX_NUMBER}, not ${record.number}`);
  }
  if (record.payoutId !== payoutIdOf(record.accountId, record.number)) {
    throw new RangeError(`payout ${record.payoutId} is not named after its account and number (${payoutIdOf(record.accountId, record.number)})`);
  }
  if (!Number.isFinite(record.requestedAt)) throw new RangeError(`payout ${record.payoutId} has no valid request time`);
}

/** Where a move may go; anything else is a caller's bug, refused loudly. */
export function checkPayoutMove(from: PayoutState, to: PayoutState): void {
  if (!PAYOUT_MOVES[from].includes(to)) throw new Error(`a payout cannot move from ${from} to ${to}`);
}

/** The record after a move: only the fields a change may set, then the new state and time. */
export function movedRecord(current: PayoutRecord, to: PayoutState, change: PayoutChange, at: number): PayoutRecord {
  const fields = (['gates', 'split', 'decision', 'settlement', 'executionId'] as const).filter((name) => change[name] !== undefined);
  return { ...current, ...Object.fromEntries(fields.map((name) => [name, change[name]])), state: to, updatedAt: at };
}

/** The firm-wide listing's sort key: the request time, then the id for requests at the same instant. */
export const payoutListingSortKey = (record: PayoutRecord): string => `${new Date(record.requestedAt).toISOString()}#${record.payoutId}`;

function keyOf(accountId: string, number: number): Record<string, AttributeValue> {
  const key = keys.payout(accountId, number);
  return { [PARTITION_KEY]: { S: key[PARTITION_KEY]! }, [SORT_KEY]: { S: key[SORT_KEY]! } };
}

function itemOf(record: PayoutRecord): Record<string, AttributeValue> {
  return {
    ...keyOf(record.accountId, record.number),
    record: { S: JSON.stringify(record) },
    payoutState: { S: record.state },
    [LISTING_KEY]: { S: listings.payouts(record.state) },
    [LISTING_SORT_KEY]: { S: payoutListingSortKey(record) },
  };
}

const recordOf = (item: Record<string, AttributeValue>): PayoutRecord => JSON.parse(item['record']!.S!) as PayoutRecord;

const isConditionFailure = (error: unknown): boolean => (error as Error).name === 'ConditionalCheckFailedException';

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a page holds at least one payout; the limit was ${limit}`);
}

export class DynamoDbPayoutLedger implements PayoutLedger {
  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
    private readonly pause: Pause = sleep,
  ) {}

  async create(record: PayoutRecord): Promise<boolean> {
    checkPayoutRecord(record);
    try {
      await this.db.send(new PutItemCommand({ TableName: this.tableName, Item: itemOf(record), ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (error) {
      // The number is taken: by a racing request, or by this one's earlier attempt.
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async get(payoutId: string): Promise<PayoutRecord | undefined> {
    const named = parsePayoutId(payoutId);
    if (named === undefined) return undefined;
    const { Item } = await this.db.send(
      new GetItemCommand({ TableName: this.tableName, Key: keyOf(named.accountId, named.number), ConsistentRead: true, ...ITEM_PROJECTION }),
    );
    return Item === undefined ? undefined : recordOf(Item);
  }

  async listForAccount(accountId: string, { limit, cursor }: PageRequest): Promise<Page<PayoutRecord>> {
    checkLimit(limit);
    const partition = keys.payout(accountId, 1)[PARTITION_KEY]!;
    const start = cursor === undefined ? undefined : decodeCursor(cursor);
    // A cursor of another account's listing, or of another listing, is refused rather than handed on.
    if (start !== undefined && (start[PARTITION_KEY]?.S !== partition || !start[SORT_KEY]?.S?.startsWith(SORT_PREFIX) || Object.keys(start).length !== 2)) {
      throw new InvalidCursorError();
    }
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :account AND begins_with(sk, :payout)',
        ExpressionAttributeValues: { ':account': { S: partition }, ':payout': { S: SORT_PREFIX } },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
        ...ITEM_PROJECTION,
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      }),
    );
    return pageFrom((page.Items ?? []).map(recordOf), page.LastEvaluatedKey);
  }

  async listByState(state: PayoutState, page: PageRequest): Promise<Page<PayoutRecord>> {
    return listingPage(this.db, this.tableName, listings.payouts(state), page, {
      newestFirst: false,
      projection: { ProjectionExpression: '#pk, #sk, #record', ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY, '#record': 'record' } },
      parse: (item) => {
        const record = recordOf(item);
        return record.state === state ? record : null;
      },
      pause: this.pause,
    });
  }

  async move(payoutId: string, from: PayoutState, to: PayoutState, change: PayoutChange, at: number): Promise<MoveResult> {
    checkPayoutMove(from, to);
    const current = await this.get(payoutId);
    // Not in `from` (someone moved it, or this move is repeated): the record as it is answers.
    if (current === undefined || current.state !== from) return { moved: false, record: current };
    const record = movedRecord(current, to, change, at);
    try {
      // States only move forward, so a record still in `from` is still the one read above.
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: itemOf(record),
          ConditionExpression: 'payoutState = :from',
          ExpressionAttributeValues: { ':from': { S: from } },
        }),
      );
      return { moved: true, record };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { moved: false, record: await this.get(payoutId) };
    }
  }
}
