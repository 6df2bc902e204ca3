/**
 * AccountStore on DynamoDB. One item per account: the state as JSON (one attribute, so a save is one
 * PutItem, not a marshalling of fifty fields), its revision, and the fields an operator filters on.
 * Loads are strongly consistent, because the next batch must see the state the last one saved.
 */
import {
  BatchGetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  type KeysAndAttributes,
} from '@aws-sdk/client-dynamodb';
import type { AccountState } from '../../domain/state.js';
import type { AccountStore, SaveOutcome, StoredAccount } from '../../ports/account-store.js';
import { keys, PARTITION_KEY } from './table.js';

/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_LIMIT = 100;
/** Attempts at keys DynamoDB left unprocessed (throttling), with exponential backoff between them. */
const MAX_ATTEMPTS = 8;
const BASE_BACKOFF_MS = 25;

type Sender = Pick<DynamoDBClient, 'send'>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function keyOf(accountId: string): Record<string, AttributeValue> {
  const key = keys.accountState(accountId);
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}

function storedAccount(item: Record<string, AttributeValue>): StoredAccount {
  const state = JSON.parse(item['state']?.S ?? 'null') as AccountState | null;
  if (state?.schema !== 1) throw new Error(`stored account ${item[PARTITION_KEY]?.S} has no state of a known schema`);
  return { state, revision: Number(item['revision']?.N) };
}

export class DynamoDbAccountStore implements AccountStore {
  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
    private readonly pause: (ms: number) => Promise<void> = sleep,
  ) {}

  async load(accountIds: readonly string[]): Promise<Map<string, StoredAccount>> {
    const found = new Map<string, StoredAccount>();
    const unique = [...new Set(accountIds)];
    for (let from = 0; from < unique.length; from += BATCH_GET_LIMIT) {
      let pending: Record<string, KeysAndAttributes> | undefined = {
        [this.tableName]: {
          Keys: unique.slice(from, from + BATCH_GET_LIMIT).map(keyOf),
          ConsistentRead: true,
          ProjectionExpression: '#state, revision',
          ExpressionAttributeNames: { '#state': 'state' },
        },
      };
      for (let attempt = 1; pending !== undefined; attempt++) {
        if (attempt > MAX_ATTEMPTS) throw new Error(`DynamoDB left account keys unprocessed after ${MAX_ATTEMPTS} attempts`);
        if (attempt > 1) await this.pause(BASE_BACKOFF_MS * 2 ** (attempt - 2));
        const output: BatchGetItemCommandOutput = await this.db.send(new BatchGetItemCommand({ RequestItems: pending }));
        for (const item of output.Responses?.[this.tableName] ?? []) {
          const stored = storedAccount(item);
          found.set(stored.state.accountId, stored);
        }
        const unprocessed: Record<string, KeysAndAttributes> | undefined = output.UnprocessedKeys;
        pending = unprocessed !== undefined && Object.keys(unprocessed).length > 0 ? unprocessed : undefined;
      }
    }
    return found;
  }

  async save(state: AccountState, loadedRevision: number | null): Promise<SaveOutcome> {
    const revision = (loadedRevision ?? 0) + 1;
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(state.accountId),
            state: { S: JSON.stringify(state) },
            revision: { N: String(revision) },
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
}
