import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachedProgramStore, DynamoDbProgramStore } from '../../shared/adapters/dynamodb/program-store.js';
import { keys } from '../../shared/adapters/dynamodb/table.js';
import type { Program } from '../../shared/domain/program.js';
import { InvalidCursorError } from '../../shared/ports/page.js';
import { getPreset, presetIds } from '../../shared/presets/index.js';
import { startDynamo, type LocalDynamo } from '../support/dynalite.js';
import { MemoryProgramStore } from '../support/program-store.js';

const preset = (id: string): Program => getPreset(id)!;
/** A preset under another id, so tests do not share programs. */
const programAs = (id: string, version = 1): Program => ({ ...preset('two-step-static'), id, version });

describe('DynamoDbProgramStore on dynalite', () => {
  let dynamo: LocalDynamo;
  let store: DynamoDbProgramStore;

  beforeAll(async () => {
    dynamo = await startDynamo();
    store = new DynamoDbProgramStore(dynamo.client, dynamo.tableName);
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('stores every preset and reads each back unchanged', async () => {
    for (const id of presetIds()) expect(await store.put(preset(id))).toBe('stored');
    for (const id of presetIds()) expect(await store.get(id, preset(id).version)).toEqual(preset(id));
  });

  it('never replaces a stored version', async () => {
    const original = programAs('immutable');
    expect(await store.put(original)).toBe('stored');
    expect(await store.put({ ...original, name: 'Changed' })).toBe('exists');
    expect(await store.get('immutable', 1)).toEqual(original);
  });

  it('keeps versions apart', async () => {
    const second = { ...programAs('versioned', 2), name: 'Second' };
    await store.put(programAs('versioned', 1));
    await store.put(second);
    expect(await store.get('versioned', 2)).toEqual(second);
    expect((await store.get('versioned', 1))?.name).toBe(preset('two-step-static').name);
  });

  it('returns null for a version not stored', async () => {
    await store.put(programAs('sparse', 1));
    expect(await store.get('sparse', 2)).toBeNull();
    expect(await store.get('no-such-program', 1)).toBeNull();
  });

  it('lists every stored version in order, a page at a time, and refuses an altered cursor', async () => {
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ limit: 3, ...(cursor === undefined ? {} : { cursor }) });
      expect(page.items.length).toBeLessThanOrEqual(3);
      listed.push(...page.items.map((item) => `${item.programId}@${item.version}`));
      cursor = page.cursor;
    } while (cursor !== undefined);
    expect(listed).toEqual(expect.arrayContaining(['versioned@1', 'versioned@2', 'immutable@1', ...presetIds().map((id) => `${id}@${preset(id).version}`)]));
    expect(listed.indexOf('versioned@1')).toBe(listed.indexOf('versioned@2') - 1);
    expect(new Set(listed).size).toBe(listed.length);
    await expect(store.list({ limit: 3, cursor: 'bm90IGEgY3Vyc29y' })).rejects.toThrow(InvalidCursorError);
  });

  it('refuses a stored program the schema rejects, naming it', async () => {
    const broken = { ...programAs('broken'), initialBalance: -1 };
    const key = keys.program('broken', 1);
    await dynamo.client.send(new PutItemCommand({ TableName: dynamo.tableName, Item: { pk: { S: key.pk }, sk: { S: key.sk }, program: { S: JSON.stringify(broken) } } }));
    await expect(store.get('broken', 1)).rejects.toThrow(/stored program broken version 1 is not a valid program: .*initialBalance/s);
  });
});

describe('CachedProgramStore', () => {
  /** A store in memory that counts reads and can be made to fail. */
  class CountingStore extends MemoryProgramStore {
    reads = 0;
    failure: Error | null = null;

    override async get(programId: string, version: number): Promise<Program | null> {
      this.reads++;
      await Promise.resolve();
      if (this.failure !== null) throw this.failure;
      return super.get(programId, version);
    }
  }

  it('reads a version once, however often and however concurrently it is asked for', async () => {
    const inner = new CountingStore();
    const cached = new CachedProgramStore(inner);
    await cached.put(programAs('cached'));
    const [first, second] = await Promise.all([cached.get('cached', 1), cached.get('cached', 1)]);
    expect(await cached.get('cached', 1)).toBe(first);
    expect(second).toBe(first);
    expect(first).toEqual(programAs('cached'));
    expect(inner.reads).toBe(1);
  });

  it('does not remember an absent version: it may be stored later', async () => {
    const inner = new CountingStore();
    const cached = new CachedProgramStore(inner);
    expect(await cached.get('later', 1)).toBeNull();
    expect(await cached.put(programAs('later'))).toBe('stored');
    expect(await cached.get('later', 1)).toEqual(programAs('later'));
    expect(inner.reads).toBe(2);
  });

  it('does not remember a failed read', async () => {
    const inner = new CountingStore();
    const cached = new CachedProgramStore(inner);
    await inner.put(programAs('flaky'));
    inner.failure = new Error('throttled');
    await expect(cached.get('flaky', 1)).rejects.toThrow('throttled');
    inner.failure = null;
    expect(await cached.get('flaky', 1)).toEqual(programAs('flaky'));
  });

  it('passes puts through, reporting an existing version', async () => {
    const cached = new CachedProgramStore(new CountingStore());
    expect(await cached.put(programAs('twice'))).toBe('stored');
    expect(await cached.put(programAs('twice'))).toBe('exists');
  });
});
