/**
 * ProgramStore on the tenant table: one item per program version holding the program as JSON. A put
 * never replaces a version, so an account evaluated under version 3 is judged by the same rules for
 * its whole life. CachedProgramStore keeps what it reads for the life of the process, which is safe
 * only because versions never change.
 */
import { GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseProgram, type Program } from '../../domain/program.js';
import type { Page, PageRequest } from '../../ports/page.js';
import type { ProgramStore, ProgramVersionRef } from '../../ports/program-store.js';
import { pageFrom, startAfter } from './cursor.js';
import { keys, LISTING_INDEX, LISTING_KEY, LISTING_SORT_KEY, listings } from './table.js';

type Sender = Pick<DynamoDBClient, 'send'>;

function keyOf(programId: string, version: number): Record<string, AttributeValue> {
  const key = keys.program(programId, version);
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}

export class DynamoDbProgramStore implements ProgramStore {
  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
  ) {}

  async get(programId: string, version: number): Promise<Program | null> {
    // Strongly consistent: an account opened right after its program is published must find it.
    const { Item } = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf(programId, version), ConsistentRead: true }));
    return programOf(Item, `${programId} version ${version}`);
  }

  async latest(programId: string): Promise<Program | null> {
    const { pk } = keyOf(programId, 0);
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk! },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return programOf(Items[0], `${programId} (latest version)`);
  }

  async put(program: Program): Promise<'stored' | 'exists'> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(program.id, program.version),
            programId: { S: program.id },
            version: { N: String(program.version) },
            program: { S: JSON.stringify(program) },
            [LISTING_KEY]: { S: listings.programs },
            [LISTING_SORT_KEY]: { S: `${program.id}#${String(program.version).padStart(6, '0')}` },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'stored';
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return 'exists';
      throw error;
    }
  }

  async list({ limit, cursor }: PageRequest): Promise<Page<ProgramVersionRef>> {
    const { Items = [], LastEvaluatedKey } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: LISTING_INDEX,
        KeyConditionExpression: '#listing = :listing',
        ExpressionAttributeNames: { '#listing': LISTING_KEY },
        ExpressionAttributeValues: { ':listing': { S: listings.programs } },
        Limit: limit,
        ...startAfter(cursor),
      }),
    );
    const items = Items.map((item) => {
      const [programId = '', version = ''] = (item[LISTING_SORT_KEY]?.S ?? '').split('#');
      return { programId, version: Number(version) };
    });
    return pageFrom(items, LastEvaluatedKey);
  }
}

function programOf(item: Record<string, AttributeValue> | undefined, what: string): Program | null {
  const stored = item?.['program']?.S;
  if (stored === undefined) return null;
  try {
    return parseProgram(JSON.parse(stored));
  } catch (error) {
    throw new Error(`stored program ${what} is not a valid program: ${(error as Error).message}`);
  }
}

/**
 * Remembers every version found, forever: versions are immutable. An absent version is not
 * remembered, since it may be stored a moment later. Concurrent reads of one version share a request.
 */
export class CachedProgramStore implements ProgramStore {
  private readonly found = new Map<string, Promise<Program | null>>();

  constructor(private readonly store: ProgramStore) {}

  get(programId: string, version: number): Promise<Program | null> {
    const key = `${programId}#${version}`;
    const cached = this.found.get(key);
    if (cached !== undefined) return cached;
    const loading = this.store.get(programId, version);
    this.found.set(key, loading);
    // The caller sees a failure through `loading`; here it only clears the entry.
    loading.then(
      (program) => {
        if (program === null) this.found.delete(key);
      },
      () => this.found.delete(key),
    );
    return loading;
  }

  /** Not cached: a new version may be stored at any time. */
  latest(programId: string): Promise<Program | null> {
    return this.store.latest(programId);
  }

  put(program: Program): Promise<'stored' | 'exists'> {
    return this.store.put(program);
  }

  list(page: PageRequest): Promise<Page<ProgramVersionRef>> {
    return this.store.list(page);
  }
}
