/**
 * FlagDesk (and the engine's RiskLedger) on the tenant table.
 *
 * - A flag is one item in its account's partition, found from its id alone: the id is
 *   `<detector>:<accountId>:<YYYY-MM-DD>` (flagIdOf), the item `FLAG#<day>#<detector>` (keys.abuseFlag), so an
 *   account's flags list by day, newest first, and by detector within a day. The item holds the flag as JSON,
 *   its state and handling, and its listing in the byListing index, `FLAGS#<state>` sorted
 *   `<flag's ISO time>#<flag id>` (the desk's queue, newest first). A move rewrites state and listing on the
 *   condition that the flag is in a state FLAG_MOVES allows the move from.
 * - Ownership is the trader's account link the purchase workflow writes (keys.traderAccount), created here only
 *   where it is absent, with the same `accountId` attribute; links the instance has seen are remembered, so
 *   that only an account's first trade in a warm Lambda costs a (conditional) write.
 * - Scores: the latest at `RISK#<subject>#<subjectId>` / `LATEST`, and each score saved in the history beside
 *   it at `AT#<at, 13 digits>#<hash of the score>`: saving the same score again (a retried event) rewrites
 *   one item, two different scores of one instant keep two (in hash order, not save order).
 */
import { GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import type { RiskScore, ScoredFlag } from '../../abuse/score.js';
import {
  FLAG_MOVES,
  FLAG_STATES,
  type Flag,
  type FlagDesk,
  type FlagMove,
  type FlagMoveOutcome,
  type FlagOutcome,
  type FlagState,
  type StoredFlag,
} from '../../ports/abuse.js';
import { InvalidCursorError, type Page, type PageRequest } from '../../ports/page.js';
import { sleep, type Pause } from '../backoff.js';
import { queryAll } from './query.js';
import { decodeCursor, pageFrom } from './cursor.js';
import { listingPage } from './listing.js';
import { keys, LISTING_KEY, LISTING_SORT_KEY, listings, PARTITION_KEY, SORT_KEY } from './table.js';

type Sender = Pick<DynamoDBClient, 'send'>;

const FLAG_PREFIX = 'FLAG#';
const HISTORY_PREFIX = 'AT#';
const ACCOUNT_PREFIX = 'ACCOUNT#';

/** The detector, account and day a flag id names, or null for an id that is not a flag's. */
export function parseFlagId(flagId: string): { detector: string; accountId: string; day: string } | null {
  const first = flagId.indexOf(':');
  const last = flagId.lastIndexOf(':');
  if (first <= 0 || last <= first + 1) return null;
  const day = flagId.slice(last + 1);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  // Detector ids hold no ':'; account ids may, so the account is everything between the first and the last.
  return { detector: flagId.slice(0, first), accountId: flagId.slice(first + 1, last), day };
}

/** The queue's sort key: the flag's time, then its id for flags of one instant. */
export const flagListingSortKey = (flag: Flag): string => `${new Date(flag.at).toISOString()}#${flag.flagId}`;

const toKey = (key: Record<string, string>): Record<string, AttributeValue> => ({ [PARTITION_KEY]: { S: key[PARTITION_KEY]! }, [SORT_KEY]: { S: key[SORT_KEY]! } });

function flagKeyOf(flagId: string): Record<string, AttributeValue> | null {
  const named = parseFlagId(flagId);
  return named === null ? null : toKey(keys.abuseFlag(named.accountId, named.day, named.detector));
}

const FLAG_PROJECTION = {
  ProjectionExpression: '#pk, #sk, #flag, flagState, outcome, handledBy, handledAt, note, decisionId',
  ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY, '#flag': 'flag' },
};

const text = (value: AttributeValue | undefined): string | null => value?.S ?? null;

function storedFlagOf(item: Record<string, AttributeValue>): StoredFlag {
  return {
    flag: JSON.parse(item['flag']!.S!) as Flag,
    state: item['flagState']!.S! as FlagState,
    outcome: text(item['outcome']) as FlagOutcome | null,
    handledBy: text(item['handledBy']),
    handledAt: text(item['handledAt']),
    note: text(item['note']),
    decisionId: text(item['decisionId']),
  };
}

const scoreOf = (item: Record<string, AttributeValue>): RiskScore => JSON.parse(item['score']!.S!) as RiskScore;

/** How many trader-account links an instance remembers before it starts over (about 100 bytes each). */
const OWNED_REMEMBERED = 100_000;

const isConditionFailure = (error: unknown): boolean => (error as Error).name === 'ConditionalCheckFailedException';

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a page holds at least one item; the limit was ${limit}`);
}

/** A cursor of a query on `partition`'s sort keys under `prefix`, or InvalidCursorError. */
function partitionCursor(cursor: string | undefined, partition: string, prefix: string): { ExclusiveStartKey?: Record<string, AttributeValue> } {
  if (cursor === undefined) return {};
  const start = decodeCursor(cursor);
  if (start[PARTITION_KEY]?.S !== partition || !start[SORT_KEY]?.S?.startsWith(prefix) || Object.keys(start).length !== 2) throw new InvalidCursorError();
  return { ExclusiveStartKey: start };
}

export class DynamoDbFlagDesk implements FlagDesk {
  /** Links this instance wrote or found (a warm Lambda's), so that only an account's first trade writes one. */
  private readonly owned = new Set<string>();

  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
    private readonly pause: Pause = sleep,
  ) {}

  async raise(flag: Flag): Promise<boolean> {
    const named = parseFlagId(flag.flagId);
    if (named === null || named.accountId !== flag.accountId || named.detector !== flag.detector) {
      throw new RangeError(`flag ${flag.flagId} is not named after its detector, account and day`);
    }
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...toKey(keys.abuseFlag(named.accountId, named.day, named.detector)),
            flag: { S: JSON.stringify(flag) },
            flagState: { S: 'open' },
            [LISTING_KEY]: { S: listings.flags('open') },
            [LISTING_SORT_KEY]: { S: flagListingSortKey(flag) },
          },
          ConditionExpression: `attribute_not_exists(${PARTITION_KEY})`,
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const stored = await this.getFlag(flag.flagId);
      return stored !== null && stored.flag.at === flag.at;
    }
  }

  /** Account after account as given; an account's flags by time, then id. */
  async countingFlags(accountIds: readonly string[]): Promise<readonly ScoredFlag[]> {
    const perAccount = await Promise.all(
      [...new Set(accountIds)].map(async (accountId) => {
        const items = await queryAll(this.db, this.tableName, {
          KeyConditionExpression: '#pk = :account AND begins_with(#sk, :flag)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY, '#flag': 'flag' },
          ExpressionAttributeValues: { ':account': { S: `${ACCOUNT_PREFIX}${accountId}` }, ':flag': { S: FLAG_PREFIX } },
          ProjectionExpression: '#flag, outcome',
        });
        return items
          .filter((item) => item['outcome']?.S !== 'dismissed')
          .map((item) => JSON.parse(item['flag']!.S!) as Flag)
          .sort((a, b) => a.at - b.at || (a.flagId < b.flagId ? -1 : a.flagId > b.flagId ? 1 : 0))
          .map((flag): ScoredFlag => ({ flagId: flag.flagId, detector: flag.detector, accountId: flag.accountId, message: flag.message }));
      }),
    );
    return perAccount.flat();
  }

  /** Every account the trader owns (the engine's and the purchase workflow's links), by account id. */
  async accountsOf(traderId: string): Promise<readonly string[]> {
    const items = await queryAll(this.db, this.tableName, {
      KeyConditionExpression: '#pk = :trader AND begins_with(#sk, :account)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
      ExpressionAttributeValues: { ':trader': { S: keys.traderAccount(traderId, '')[PARTITION_KEY] }, ':account': { S: ACCOUNT_PREFIX } },
      ProjectionExpression: '#sk',
    });
    return items.map((item) => item[SORT_KEY]!.S!.slice(ACCOUNT_PREFIX.length));
  }

  async own(traderId: string, accountId: string): Promise<void> {
    // The engine says so on every trade; a link is never removed, so one known here needs no write.
    const link = `${traderId}\u0000${accountId}`;
    if (this.owned.has(link)) return;
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          // The attribute the account store writes and its trader listing reads.
          Item: { ...toKey(keys.traderAccount(traderId, accountId)), accountId: { S: accountId } },
          ConditionExpression: `attribute_not_exists(${PARTITION_KEY})`,
        }),
      );
    } catch (error) {
      // Already linked, perhaps with more than this: left as it is.
      if (!isConditionFailure(error)) throw error;
    }
    if (this.owned.size >= OWNED_REMEMBERED) this.owned.clear();
    this.owned.add(link);
  }

  async score(subject: RiskScore['subject'], subjectId: string): Promise<RiskScore | null> {
    const { Item } = await this.db.send(
      new GetItemCommand({ TableName: this.tableName, Key: toKey(keys.riskScore(subject, subjectId)), ConsistentRead: true, ProjectionExpression: 'score' }),
    );
    return Item === undefined ? null : scoreOf(Item);
  }

  async saveScore(score: RiskScore): Promise<void> {
    const json = JSON.stringify(score);
    const tag = createHash('sha256').update(json).digest('hex').slice(0, 16);
    // History first: a latest score is always in the history.
    await this.db.send(new PutItemCommand({ TableName: this.tableName, Item: { ...toKey(keys.riskScoreAt(score.subject, score.subjectId, score.at, tag)), score: { S: json } } }));
    await this.db.send(new PutItemCommand({ TableName: this.tableName, Item: { ...toKey(keys.riskScore(score.subject, score.subjectId)), score: { S: json } } }));
  }

  async scoreHistory(subject: RiskScore['subject'], subjectId: string, { limit, cursor }: PageRequest): Promise<Page<RiskScore>> {
    checkLimit(limit);
    const partition = keys.riskScore(subject, subjectId)[PARTITION_KEY];
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :subject AND begins_with(#sk, :history)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
        ExpressionAttributeValues: { ':subject': { S: partition }, ':history': { S: HISTORY_PREFIX } },
        ProjectionExpression: 'score',
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
        ...partitionCursor(cursor, partition, HISTORY_PREFIX),
      }),
    );
    return pageFrom((page.Items ?? []).map(scoreOf), page.LastEvaluatedKey);
  }

  async listFlags(state: FlagState, page: PageRequest): Promise<Page<StoredFlag>> {
    return listingPage(this.db, this.tableName, listings.flags(state), page, {
      newestFirst: true,
      projection: FLAG_PROJECTION,
      parse: (item) => {
        const flag = storedFlagOf(item);
        return flag.state === state ? flag : null;
      },
      pause: this.pause,
    });
  }

  /** The account's flags by day, newest first, and within a day by detector id (descending). */
  async flagsOfAccount(accountId: string, { limit, cursor }: PageRequest): Promise<Page<StoredFlag>> {
    checkLimit(limit);
    const partition = `${ACCOUNT_PREFIX}${accountId}`;
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :account AND begins_with(#sk, :flag)',
        ExpressionAttributeNames: FLAG_PROJECTION.ExpressionAttributeNames,
        ExpressionAttributeValues: { ':account': { S: partition }, ':flag': { S: FLAG_PREFIX } },
        ProjectionExpression: FLAG_PROJECTION.ProjectionExpression,
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
        ...partitionCursor(cursor, partition, FLAG_PREFIX),
      }),
    );
    return pageFrom((page.Items ?? []).map(storedFlagOf), page.LastEvaluatedKey);
  }

  async getFlag(flagId: string): Promise<StoredFlag | null> {
    const key = flagKeyOf(flagId);
    if (key === null) return null;
    const { Item } = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true, ...FLAG_PROJECTION }));
    return Item === undefined ? null : storedFlagOf(Item);
  }

  async moveFlag(flagId: string, move: FlagMove): Promise<FlagMoveOutcome> {
    const key = flagKeyOf(flagId);
    if (key === null) return { moved: false, reason: 'notFound' };
    const from = FLAG_STATES.filter((state) => FLAG_MOVES[state].includes(move.to));
    if (from.length > 0) {
      const values: Record<string, AttributeValue> = {
        ':to': { S: move.to },
        ':listing': { S: listings.flags(move.to) },
        ':by': { S: move.by },
        ':at': { S: move.at },
        ':note': { S: move.note },
        ':decision': { S: move.decisionId },
        ...Object.fromEntries(from.map((state, i) => [`:from${i}`, { S: state }])),
        ...(move.to === 'resolved' ? { ':outcome': { S: move.outcome } } : {}),
      };
      try {
        // Written without reading first: the condition is the state the move may leave.
        const { Attributes } = await this.db.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: `SET flagState = :to, #listing = :listing, handledBy = :by, handledAt = :at, note = :note, decisionId = :decision${move.to === 'resolved' ? ', outcome = :outcome' : ''}`,
            ConditionExpression: `flagState IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
            ExpressionAttributeNames: { '#listing': LISTING_KEY },
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { moved: true, flag: storedFlagOf(Attributes!) };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    // Absent, or in a state the move may not leave (perhaps another analyst moved it first): as it is now.
    const now = await this.getFlag(flagId);
    return now === null ? { moved: false, reason: 'notFound' } : { moved: false, reason: 'notAllowed', flag: now };
  }
}
