/**
 * AccountStore on DynamoDB. One item per account: the state as JSON (one attribute, so a save is one
 * PutItem, not a marshalling of fifty fields), its revision, its outbox, and the fields an operator
 * filters on. Loads are strongly consistent, because the next batch must see the state the last one
 * saved. Records (trades, days, verdicts) are items of their own under the account's partition.
 */
import {
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
  type QueryCommandOutput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { AccountState, AccountStatus } from '../../domain/state.js';
import { recordKindOf, type AccountReader, type RecordKind } from '../../ports/account-reader.js';
import type { AccountListing, AccountStore, SaveOutcome, StoredAccount } from '../../ports/account-store.js';
import type { Page, PageRequest } from '../../ports/page.js';
import type { DomainEvent } from '../../stream/domain-events.js';
import { batchGet, batchWrite } from './batch.js';
import { pageFrom, startAfter } from './cursor.js';
import { queueEntry } from './risk-queue.js';
import { sleep, type Pause } from '../backoff.js';
import { keys, LISTING_INDEX, LISTING_KEY, LISTING_SORT_KEY, listings, PARTITION_KEY } from './table.js';


type Sender = Pick<DynamoDBClient, 'send'>;

function keyOf(accountId: string): Record<string, AttributeValue> {
  const key = keys.accountState(accountId);
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}

function storedAccount(item: Record<string, AttributeValue>): StoredAccount {
  const state = JSON.parse(item['state']?.S ?? 'null') as AccountState | null;
  if (state?.schema !== 1) throw new Error(`stored account ${item[PARTITION_KEY]?.S} has no state of a known schema`);
  const outbox = item['outbox']?.S;
  return { state, revision: Number(item['revision']?.N), outbox: outbox === undefined ? [] : (JSON.parse(outbox) as DomainEvent[]) };
}

/** The sort-key prefix of each kind of record (recordSortKey below writes them). */
const RECORD_PREFIX: Record<RecordKind, string> = { trades: 'TRADE#', days: 'DAY#', verdicts: 'VERDICT#', objectives: 'OBJECTIVE#', overrides: 'OVERRIDE#' };

/** The sort key of an event's record: by kind, then time, so an account's trades or verdicts list in order. */
function recordSortKey(event: DomainEvent): string {
  const prefix = RECORD_PREFIX[recordKindOf(event)];
  if (event.type === 'TradeClosed') return `${prefix}${event.closedAt}#${event.id}`;
  if (event.type === 'DayClosed') return `${prefix}${event.day}`;
  return `${prefix}${event.time}#${event.id}`;
}

export class DynamoDbAccountStore implements AccountStore, AccountReader {
  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
    private readonly pause: Pause = sleep,
  ) {}

  async load(accountIds: readonly string[]): Promise<Map<string, StoredAccount>> {
    const found = new Map<string, StoredAccount>();
    const items = await batchGet(this.db, this.tableName, [...new Set(accountIds)].map(keyOf), { ProjectionExpression: '#state, revision, outbox', ExpressionAttributeNames: { '#state': 'state' } }, this.pause);
    for (const item of items) {
      const stored = storedAccount(item);
      found.set(stored.state.accountId, stored);
    }
    return found;
  }

  async save(state: AccountState, loadedRevision: number | null, outbox: readonly DomainEvent[]): Promise<SaveOutcome> {
    const revision = (loadedRevision ?? 0) + 1;
    // The owner's link before the account itself: a link to an account whose first save failed lists
    // nothing (its state is absent), while an account without its link would be hidden from its trader.
    if (loadedRevision === null && state.traderId !== null) {
      const link = keys.traderAccount(state.traderId, state.accountId);
      await this.db.send(new PutItemCommand({ TableName: this.tableName, Item: { pk: { S: link.pk }, sk: { S: link.sk }, accountId: { S: state.accountId } } }));
    }
    // A terminal account gets no later save to replace its outbox: it is listed until marked delivered.
    const listing = state.status !== 'active' && outbox.length > 0 ? listings.outboxPending : listings.status(state.status);
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(state.accountId),
            state: { S: JSON.stringify(state) },
            revision: { N: String(revision) },
            ...(outbox.length > 0 ? { outbox: { S: JSON.stringify(outbox) } } : {}),
            [LISTING_KEY]: { S: listing },
            [LISTING_SORT_KEY]: { S: state.accountId },
            lastSeq: { N: String(state.lastSeq) },
            status: { S: state.status },
            programId: { S: state.programId },
            programVersion: { N: String(state.programVersion) },
            phaseId: { S: state.phaseId },
          },
          ...(loadedRevision === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'revision = :loaded', ExpressionAttributeValues: { ':loaded': { N: String(loadedRevision) } } }),
        }),
      );
      return 'saved';
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return 'conflict';
      throw error;
    }
  }

  async writeRecords(events: readonly DomainEvent[]): Promise<void> {
    const requests: WriteRequest[] = [];
    const verdicts: Record<string, AttributeValue>[] = [];
    for (const event of events) {
      const key = keys.accountRecord(event.accountId, recordSortKey(event));
      const item = { pk: { S: key.pk }, sk: { S: key.sk }, type: { S: event.type }, time: { S: event.time }, event: { S: JSON.stringify(event) } };
      if (recordKindOf(event) === 'verdicts') verdicts.push({ ...item, ...queueEntry(event) });
      else requests.push({ PutRequest: { Item: item } });
    }
    // A verdict joins the risk queue once: written again (a redelivered outbox), it keeps the desk's handling.
    await Promise.all(verdicts.map((item) => this.putIfAbsent(item)));
    await batchWrite(this.db, this.tableName, requests, 'records', this.pause);
  }

  private async putIfAbsent(item: Record<string, AttributeValue>): Promise<void> {
    try {
      await this.db.send(new PutItemCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  async markDelivered(state: AccountState, revision: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(state.accountId),
          UpdateExpression: 'REMOVE outbox SET #listing = :listing',
          ConditionExpression: 'revision = :revision',
          ExpressionAttributeNames: { '#listing': LISTING_KEY },
          ExpressionAttributeValues: { ':revision': { N: String(revision) }, ':listing': { S: listings.status(state.status) } },
        }),
      );
    } catch (error) {
      // A later save replaced the outbox, and whoever made it delivers that one.
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  async *list(listing: AccountListing): AsyncIterable<readonly string[]> {
    const value = listing === 'active' ? listings.status('active') : listings.outboxPending;
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: LISTING_INDEX,
          KeyConditionExpression: '#listing = :listing',
          ExpressionAttributeNames: { '#listing': LISTING_KEY },
          ExpressionAttributeValues: { ':listing': { S: value } },
          ExclusiveStartKey: start,
        }),
      );
      const ids = (page.Items ?? []).map((item) => item[LISTING_SORT_KEY]!.S!);
      if (ids.length > 0) yield ids;
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
  }

  async listByStatus(status: AccountStatus, { limit, cursor }: PageRequest): Promise<Page<string>> {
    const page = await this.query({
      IndexName: LISTING_INDEX,
      KeyConditionExpression: '#listing = :listing',
      ExpressionAttributeNames: { '#listing': LISTING_KEY },
      ExpressionAttributeValues: { ':listing': { S: listings.status(status) } },
      Limit: limit,
      ...startAfter(cursor),
    });
    return pageFrom((page.Items ?? []).map((item) => item[LISTING_SORT_KEY]!.S!), page.LastEvaluatedKey);
  }

  async listByTrader(traderId: string, { limit, cursor }: PageRequest): Promise<Page<string>> {
    const page = await this.query({
      KeyConditionExpression: 'pk = :trader AND begins_with(sk, :account)',
      ExpressionAttributeValues: { ':trader': { S: keys.traderAccount(traderId, '').pk }, ':account': { S: 'ACCOUNT#' } },
      Limit: limit,
      ...startAfter(cursor),
    });
    return pageFrom((page.Items ?? []).map((item) => item['accountId']!.S!), page.LastEvaluatedKey);
  }

  async records(accountId: string, kind: RecordKind, { limit, cursor }: PageRequest): Promise<Page<DomainEvent>> {
    const page = await this.query({
      KeyConditionExpression: 'pk = :account AND begins_with(sk, :kind)',
      ExpressionAttributeValues: { ':account': { S: keys.accountState(accountId).pk }, ':kind': { S: RECORD_PREFIX[kind] } },
      ScanIndexForward: false,
      Limit: limit,
      ...startAfter(cursor),
    });
    return pageFrom((page.Items ?? []).map((item) => JSON.parse(item['event']!.S!) as DomainEvent), page.LastEvaluatedKey);
  }

  private query(input: Omit<QueryCommandInput, 'TableName'>): Promise<QueryCommandOutput> {
    return this.db.send(new QueryCommand({ TableName: this.tableName, ...input }));
  }
}
