/**
 * TradeMemory on the tenant table: three kinds of items, all expiring (EXPIRES_AT) once no window can need them.
 *
 * - The account's window: one item per kept trade in the account's partition, `ABUSE#<closedAt>#<positionId>`
 *   (keys.abuseTrade), created on the condition that it is absent, which is what tells a redelivered trade
 *   (the same event: the same close time and position) from a new one. The window is read back with one
 *   query from the trade's close time minus the window, and cut at the newest trade's close minus the window,
 *   so that items past their window but not yet deleted by TTL (which runs late) never count.
 * - The symbol index: a partition per symbol and 10 minutes of open time (keys.symbolTrade), sorted by open time,
 *   so trades opened within ±5 minutes of one are at most two queries, made at once.
 * - Matches: one item per matched pair of trades on each side's account, `MATCH#<kind>#<peer>#<mine>#<theirs>`
 *   (keys.abuseMatch); putting the same match again rewrites the same item.
 *
 * TTL: a window item expires one day after it left the window (closedAt + window + 1 day). index() and
 * recordMatches() are not told the window, so their items live as long as the longest window a program may
 * set (windowDays at most 90), plus one day: they are small, and outliving the window costs only storage.
 */
import { GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient, type QueryCommandOutput, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { AbuseTrade, TradeRef } from '../../abuse/findings.js';
import { tradeRef } from '../../abuse/findings.js';
import type { AccountMatches, MatchKind, TradeMemory } from '../../ports/abuse.js';
import { sleep, type Pause } from '../backoff.js';
import { queryAll } from './query.js';
import { batchWrite } from './batch.js';
import { epochMs, EXPIRES_AT, keys, PARTITION_KEY, SORT_KEY, SYMBOL_BUCKET_MS, symbolBucket } from './table.js';

type Sender = Pick<DynamoDBClient, 'send'>;

const DAY_MS = 86_400_000;
/** The longest window a program may keep (AbusePolicy's windowDays is at most 90). */
const LONGEST_WINDOW_MS = 90 * DAY_MS;
const WINDOW_PREFIX = 'ABUSE#';
/** Sorts after every `ABUSE#<13 digits>#…` and every `<13 digits>#…`: the open end of a range. */
const AFTER_ALL = '~';

const byClose = (a: AbuseTrade, b: AbuseTrade): number => a.closedAt - b.closedAt || (a.positionId < b.positionId ? -1 : a.positionId > b.positionId ? 1 : 0);
/** When a match was recorded: when the later of its two trades closed (trades are judged in close order). */
const matchedAt = (match: { mine: TradeRef; theirs: TradeRef }): number => Math.max(match.mine.closedAt, match.theirs.closedAt);
const byMatchTime = (a: { mine: TradeRef; theirs: TradeRef }, b: { mine: TradeRef; theirs: TradeRef }): number =>
  matchedAt(a) - matchedAt(b) ||
  a.mine.closedAt - b.mine.closedAt ||
  (a.mine.positionId < b.mine.positionId ? -1 : a.mine.positionId > b.mine.positionId ? 1 : 0) ||
  (a.theirs.positionId < b.theirs.positionId ? -1 : a.theirs.positionId > b.theirs.positionId ? 1 : 0);

/** Epoch seconds one day after `time + windowMs`: when the item may go. */
const expiresAt = (time: number, windowMs: number): AttributeValue => ({ N: String(Math.ceil((time + windowMs + DAY_MS) / 1000)) });

const keyOf = (key: Record<string, string>): Record<string, AttributeValue> => ({ [PARTITION_KEY]: { S: key[PARTITION_KEY]! }, [SORT_KEY]: { S: key[SORT_KEY]! } });
const tradeOf = (item: Record<string, AttributeValue>): AbuseTrade => JSON.parse(item['trade']!.S!) as AbuseTrade;
const isConditionFailure = (error: unknown): boolean => (error as Error).name === 'ConditionalCheckFailedException';

export class DynamoDbTradeMemory implements TradeMemory {
  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
    private readonly pause: Pause = sleep,
  ) {}

  async keep(trade: AbuseTrade, windowMs: number): Promise<{ readonly judged: boolean; readonly window: readonly AbuseTrade[] }> {
    const key = keys.abuseTrade(trade.accountId, trade.closedAt, trade.positionId);
    let judged = false;
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(key),
            trade: { S: JSON.stringify(trade) },
            closedAt: { N: String(trade.closedAt) },
            // windowSize() reads the window's length from the newest item.
            windowMs: { N: String(windowMs) },
            [EXPIRES_AT]: expiresAt(trade.closedAt, windowMs),
          },
          ConditionExpression: `attribute_not_exists(${PARTITION_KEY})`,
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { Item } = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf(key), ProjectionExpression: 'judged', ConsistentRead: true }));
      judged = Item?.['judged']?.BOOL === true;
    }
    const items = await queryAll(this.db, this.tableName, {
      KeyConditionExpression: '#pk = :account AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY, '#trade': 'trade' },
      ExpressionAttributeValues: {
        ':account': { S: key[PARTITION_KEY] },
        ':from': { S: `${WINDOW_PREFIX}${epochMs(Math.max(0, trade.closedAt - windowMs))}` },
        ':to': { S: `${WINDOW_PREFIX}${AFTER_ALL}` },
      },
      ProjectionExpression: '#trade',
    });
    // Sort keys order by close time then position already; sorting again costs nothing and does not rely on it.
    const trades = items.map(tradeOf).sort(byClose);
    const newest = trades.at(-1)?.closedAt ?? trade.closedAt;
    return { judged, window: trades.filter((kept) => kept.closedAt >= newest - windowMs) };
  }

  async markJudged(trade: AbuseTrade): Promise<void> {
    await this.db.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: keyOf(keys.abuseTrade(trade.accountId, trade.closedAt, trade.positionId)),
        UpdateExpression: 'SET judged = :yes',
        ConditionExpression: `attribute_exists(${PARTITION_KEY})`,
        ExpressionAttributeValues: { ':yes': { BOOL: true } },
      }),
    );
  }

  /**
   * The trades within the window of the account's newest trade. The window's length is the one the newest
   * trade was kept with (stored on its item), as the window keep() last returned was cut by it.
   */
  async windowSize(accountId: string): Promise<number> {
    const partition = keys.abuseTrade(accountId, 0, '')[PARTITION_KEY];
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :account AND begins_with(#sk, :window)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
        ExpressionAttributeValues: { ':account': { S: partition }, ':window': { S: WINDOW_PREFIX } },
        ProjectionExpression: 'closedAt, windowMs',
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const newest = Items?.[0];
    if (newest === undefined) return 0;
    const from = Math.max(0, Number(newest['closedAt']!.N) - Number(newest['windowMs']!.N));
    let count = 0;
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :account AND #sk BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
          ExpressionAttributeValues: { ':account': { S: partition }, ':from': { S: `${WINDOW_PREFIX}${epochMs(from)}` }, ':to': { S: `${WINDOW_PREFIX}${AFTER_ALL}` } },
          Select: 'COUNT',
          ConsistentRead: true,
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return count;
  }

  async openedBetween(symbol: string, from: number, to: number): Promise<readonly AbuseTrade[]> {
    const first = Math.max(0, from);
    if (to < first) return [];
    const buckets: number[] = [];
    for (let bucket = first - (first % SYMBOL_BUCKET_MS); bucket <= to; bucket += SYMBOL_BUCKET_MS) buckets.push(bucket);
    const found = await Promise.all(
      buckets.map((bucket) =>
        queryAll(this.db, this.tableName, {
          KeyConditionExpression: '#pk = :bucket AND #sk BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY, '#trade': 'trade' },
          ExpressionAttributeValues: { ':bucket': { S: symbolBucket(symbol, bucket) }, ':from': { S: epochMs(first) }, ':to': { S: `${epochMs(to)}${AFTER_ALL}` } },
          ProjectionExpression: '#trade',
        }),
      ),
    );
    // By open time (the sort key's order, bucket after bucket).
    return found.flat().map(tradeOf);
  }

  async index(trade: AbuseTrade): Promise<void> {
    // The same key for the same trade: indexing it again rewrites the item.
    await this.db.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          ...keyOf(keys.symbolTrade(trade.symbol, trade.openedAt, trade.accountId, trade.positionId)),
          trade: { S: JSON.stringify(trade) },
          [EXPIRES_AT]: expiresAt(trade.closedAt, LONGEST_WINDOW_MS),
        },
      }),
    );
  }

  async recordMatches(kind: MatchKind, latest: AbuseTrade, matched: readonly AbuseTrade[]): Promise<void> {
    const requests = new Map<string, WriteRequest>();
    const add = (mine: AbuseTrade, theirs: AbuseTrade) => {
      const key = keys.abuseMatch(kind, mine.accountId, theirs.accountId, mine.positionId, theirs.positionId);
      requests.set(`${key[PARTITION_KEY]}\u0000${key[SORT_KEY]}`, {
        PutRequest: {
          Item: {
            ...keyOf(key),
            peerAccountId: { S: theirs.accountId },
            peerTraderId: theirs.traderId === null ? { NULL: true } : { S: theirs.traderId },
            mine: { S: JSON.stringify(tradeRef(mine)) },
            theirs: { S: JSON.stringify(tradeRef(theirs)) },
            [EXPIRES_AT]: expiresAt(latest.closedAt, LONGEST_WINDOW_MS),
          },
        },
      });
    };
    for (const other of matched) {
      add(latest, other);
      add(other, latest);
    }
    // One request per key: BatchWriteItem refuses a batch that names an item twice.
    await batchWrite(this.db, this.tableName, [...requests.values()], `${kind} matches`, this.pause);
  }

  /** Peers in the order they first matched, and each peer's matches in the order they were recorded (by when the later trade closed). */
  async matchesOf(kind: MatchKind, accountId: string): Promise<readonly AccountMatches[]> {
    const items = await queryAll(this.db, this.tableName, {
      KeyConditionExpression: '#pk = :account AND begins_with(#sk, :kind)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
      ExpressionAttributeValues: { ':account': { S: keys.abuseMatch(kind, accountId, '', '', '')[PARTITION_KEY] }, ':kind': { S: `MATCH#${kind}#` } },
      ProjectionExpression: 'peerAccountId, peerTraderId, mine, theirs',
    });
    const peers = new Map<string, { traderId: string | null; matches: { mine: TradeRef; theirs: TradeRef }[] }>();
    for (const item of items) {
      const peer = item['peerAccountId']!.S!;
      const match = { mine: JSON.parse(item['mine']!.S!) as TradeRef, theirs: JSON.parse(item['theirs']!.S!) as TradeRef };
      const known = peers.get(peer);
      if (known) known.matches.push(match);
      else peers.set(peer, { traderId: item['peerTraderId']?.S ?? null, matches: [match] });
    }
    return [...peers]
      .map(([peer, { traderId, matches }]) => ({ accountId: peer, traderId, matches: matches.sort(byMatchTime) }))
      .sort((a, b) => matchedAt(a.matches[0]!) - matchedAt(b.matches[0]!) || (a.accountId < b.accountId ? -1 : 1));
  }
}
