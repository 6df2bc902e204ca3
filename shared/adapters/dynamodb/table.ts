/**
 * The one table of a tenant: its key schema, indexes and key shapes, shared by the adapters, the local
 * platform and the CDK stack so that all three describe the same table. Access patterns: ARCHITECTURE.md.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { AccountStatus } from '../../domain/state.js';
import type { FlagState, MatchKind } from '../../ports/abuse.js';
import type { PayoutState } from '../../ports/payouts.js';
import type { QueueState } from '../../ports/risk-queue.js';

export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';

/** Accounts by listing: active ones (the day rollover), terminal ones by outcome, undelivered outboxes. */
export const LISTING_INDEX = 'byListing';
export const LISTING_KEY = 'listing';
export const LISTING_SORT_KEY = 'listingSk';

export const listings = {
  status: (status: AccountStatus) => `STATUS#${status}`,
  outboxPending: 'OUTBOX#pending',
  /** Every program version; the sort key `<programId>#<version, 6 digits>` orders them. */
  programs: 'PROGRAMS',
  /** The firm's verdict records in one risk-queue state; the sort key `<time>#<event id>` orders them. */
  riskQueue: (state: QueueState) => `QUEUE#${state}`,
  /** The firm's payouts in one state; the sort key `<requested ISO time>#<payout id>` orders them oldest first. */
  payouts: (state: PayoutState) => `PAYOUTS#${state}`,
  /** The firm's abuse flags in one state; the sort key `<flag's ISO time>#<flag id>` orders them (listed newest first). */
  flags: (state: FlagState) => `FLAGS#${state}`,
};

export const keys = {
  accountState: (accountId: string) => ({ [PARTITION_KEY]: `ACCOUNT#${accountId}`, [SORT_KEY]: 'STATE' }),
  /** A trader's accounts: a query on the partition lists them, no index needed. */
  traderAccount: (traderId: string, accountId: string) => ({ [PARTITION_KEY]: `TRADER#${traderId}`, [SORT_KEY]: `ACCOUNT#${accountId}` }),
  program: (programId: string, version: number) => ({ [PARTITION_KEY]: `PROGRAM#${programId}`, [SORT_KEY]: `VERSION#${String(version).padStart(6, '0')}` }),
  /** An account's records sort by kind, then time: a query on the prefix `TRADE#` lists its trades in order. */
  accountRecord: (accountId: string, sortKey: string) => ({ [PARTITION_KEY]: `ACCOUNT#${accountId}`, [SORT_KEY]: sortKey }),
  /** A purchase (or automatic next phase), claimed once: `<processor>:<order id>` or `phase:<account>:<phase>`. */
  order: (orderKey: string) => ({ [PARTITION_KEY]: `ORDER#${orderKey}`, [SORT_KEY]: 'ORDER' }),
  /** Beside the trader's account links, which all sort under `ACCOUNT#`. */
  traderProfile: (traderId: string) => ({ [PARTITION_KEY]: `TRADER#${traderId}`, [SORT_KEY]: 'PROFILE' }),
  /** A waiting workflow task's token, by the id its answer will name. */
  taskToken: (correlationId: string) => ({ [PARTITION_KEY]: `TASK#${correlationId}`, [SORT_KEY]: 'TOKEN' }),
  /** A trading password between the bridge's answer and the credentials email (short TTL). */
  credentials: (accountId: string) => ({ [PARTITION_KEY]: `ACCOUNT#${accountId}`, [SORT_KEY]: 'CREDENTIALS' }),
  /** A trader's KYC case, and beside it the gates waiting for its verdict. */
  kycCase: (traderId: string) => ({ [PARTITION_KEY]: `KYC#${traderId}`, [SORT_KEY]: 'CASE' }),
  kycGate: (traderId: string, gateId: string) => ({ [PARTITION_KEY]: `KYC#${traderId}`, [SORT_KEY]: `GATE#${gateId}` }),
  newsCalendar: () => ({ [PARTITION_KEY]: 'CONFIG', [SORT_KEY]: 'NEWS_CALENDAR' }),
  quarantined: (arrivedAt: string, recordId: string) => ({ [PARTITION_KEY]: 'QUARANTINE', [SORT_KEY]: `${arrivedAt}#${recordId}` }),
  /** Per caller: two callers may choose the same key. */
  idempotency: (subject: string, key: string) => ({ [PARTITION_KEY]: `IDEMPOTENCY#${subject}#${key}`, [SORT_KEY]: 'REQUEST' }),
  /** The audit log, a partition per UTC day: `<ISO time>#<entry id>` orders a day's entries. */
  audit: (day: string, time: string, entryId: string) => ({ [PARTITION_KEY]: `AUDIT#${day}`, [SORT_KEY]: `${time}#${entryId}` }),
  /** An account's payout requests by number: a query on the prefix `PAYOUT#` lists them in number order. */
  payout: (accountId: string, number: number) => ({ [PARTITION_KEY]: `ACCOUNT#${accountId}`, [SORT_KEY]: `PAYOUT#${String(number).padStart(6, '0')}` }),
  /**
   * A part of the history chunk written before the save of account revision `revision`: chunks list in
   * save order, and a chunk written again before the same save (a retry) replaces the first.
   */
  historyChunk: (accountId: string, revision: number, part: number) => ({
    [PARTITION_KEY]: `ACCOUNT#${accountId}`,
    [SORT_KEY]: `HISTORY#${String(revision).padStart(12, '0')}#${String(part).padStart(4, '0')}`,
  }),
  /** A trade in its account's abuse window: a query on `ABUSE#` from a time lists the window in close order (TTL). */
  abuseTrade: (accountId: string, closedAt: number, positionId: string) => ({ [PARTITION_KEY]: `ACCOUNT#${accountId}`, [SORT_KEY]: `ABUSE#${epochMs(closedAt)}#${positionId}` }),
  /** Every account's trades on a symbol, a partition per 10 minutes of open time, sorted by open time (TTL). */
  symbolTrade: (symbol: string, openedAt: number, accountId: string, positionId: string) => ({
    [PARTITION_KEY]: symbolBucket(symbol, openedAt),
    [SORT_KEY]: `${epochMs(openedAt)}#${accountId}#${positionId}`,
  }),
  /** A copy or hedge between one of the account's trades and a peer's, seen from the account: `MATCH#<kind>#` lists them (TTL). */
  abuseMatch: (kind: MatchKind, accountId: string, peerAccountId: string, myPositionId: string, theirPositionId: string) => ({
    [PARTITION_KEY]: `ACCOUNT#${accountId}`,
    [SORT_KEY]: `MATCH#${kind}#${peerAccountId}#${myPositionId}#${theirPositionId}`,
  }),
  /** A trader holding an identity key: a query on the key's partition lists its holders. */
  identityHolder: (identityKey: string, traderId: string) => ({ [PARTITION_KEY]: `IDENTITY#${identityKey}`, [SORT_KEY]: `TRADER#${traderId}` }),
  /** The reverse: a query on the prefix `IDENTITY#` lists a trader's identity keys. */
  traderIdentity: (traderId: string, identityKey: string) => ({ [PARTITION_KEY]: `TRADER#${traderId}`, [SORT_KEY]: `IDENTITY#${identityKey}` }),
  /**
   * An abuse flag, found from its id `<detector>:<accountId>:<YYYY-MM-DD>` alone: a query on the prefix
   * `FLAG#` lists the account's flags by day, then detector.
   */
  abuseFlag: (accountId: string, day: string, detector: string) => ({ [PARTITION_KEY]: `ACCOUNT#${accountId}`, [SORT_KEY]: `FLAG#${day}#${detector}` }),
  /** The latest risk score of an account or trader. */
  riskScore: (subject: 'account' | 'trader', subjectId: string) => ({ [PARTITION_KEY]: `RISK#${subject}#${subjectId}`, [SORT_KEY]: 'LATEST' }),
  /** A score in its subject's history: a query on the prefix `AT#` lists it by time; `tag` tells apart scores of one instant. */
  riskScoreAt: (subject: 'account' | 'trader', subjectId: string, at: number, tag: string) => ({
    [PARTITION_KEY]: `RISK#${subject}#${subjectId}`,
    [SORT_KEY]: `AT#${epochMs(at)}#${tag}`,
  }),
};

/** An epoch time in milliseconds as 13 digits, so that sort keys order by time (until the year 2286). */
export function epochMs(time: number): string {
  if (!Number.isSafeInteger(time) || time < 0) throw new RangeError(`a key's time is whole milliseconds since 1970, not ${time}`);
  return String(time).padStart(13, '0');
}

/**
 * The symbol index buckets open times by 10 minutes: a lookup of ±5 minutes (hedging's window) reads two
 * partitions. Each query costs a store round trip on every closed trade; a bucket of a busy symbol is still
 * well under a query page.
 */
export const SYMBOL_BUCKET_MS = 600_000;

/** The partition of the symbol index holding trades on `symbol` opened at `openedAt`. */
export const symbolBucket = (symbol: string, openedAt: number): string => `SYMBOL#${symbol}#${epochMs(openedAt - (openedAt % SYMBOL_BUCKET_MS))}`;

/** Items with this attribute (epoch seconds) are deleted by DynamoDB's TTL after that time. */
export const EXPIRES_AT = 'expiresAt';

/** The table as CreateTable describes it (on-demand capacity; the stack adds encryption and recovery). */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: PARTITION_KEY, AttributeType: 'S' },
      { AttributeName: SORT_KEY, AttributeType: 'S' },
      { AttributeName: LISTING_KEY, AttributeType: 'S' },
      { AttributeName: LISTING_SORT_KEY, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
      { AttributeName: SORT_KEY, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: LISTING_INDEX,
        KeySchema: [
          { AttributeName: LISTING_KEY, KeyType: 'HASH' },
          { AttributeName: LISTING_SORT_KEY, KeyType: 'RANGE' },
        ],
        // Keys only: a save that keeps the account's listing writes nothing to the index.
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
  };
}
