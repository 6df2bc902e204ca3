import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompositeQuarantine, DynamoDbQuarantineStore, MAX_STORED_PAYLOAD_BYTES, type QuarantineEntry } from '../../shared/adapters/dynamodb/quarantine-store.js';
import type { QuarantineSink } from '../../shared/ports/quarantine.js';
import type { Quarantined } from '../../shared/stream/decode-record.js';
import { startDynamo, type LocalDynamo } from '../support/dynalite.js';

const START = Date.parse('2026-03-02T09:00:00Z');

function entry(recordId: string, arrivedAt: number, payload = '{"type":"snapshot","equity":"lots"}'): Quarantined {
  return {
    recordId,
    sequenceNumber: recordId.split(':')[1]!,
    partitionKey: 'acc-1',
    arrivedAt,
    reason: 'equity: Invalid input: expected number, received string',
    problems: [{ line: null, path: 'equity', message: 'Invalid input: expected number, received string' }],
    payload,
  };
}

const open = (kept: Quarantined): QuarantineEntry => ({
  ...kept,
  id: `${new Date(kept.arrivedAt).toISOString()}#${kept.recordId}`,
  status: 'open',
  replayedAt: null,
  payloadTruncatedFrom: null,
});

describe('DynamoDbQuarantineStore on dynalite', () => {
  let dynamo: LocalDynamo;

  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  /** Each test gets a table of its own, so listings do not see other tests' entries. */
  async function freshStore(): Promise<DynamoDbQuarantineStore> {
    const tableName = await dynamo.freshTable('quarantine');
    return new DynamoDbQuarantineStore(dynamo.client, tableName);
  }

  it('keeps every entry whole and lists them oldest first', async () => {
    const store = await freshStore();
    const kept = [entry('shardId-000000000001:300', START + 3000), entry('shardId-000000000000:100', START + 1000), entry('shardId-000000000001:200', START + 2000, '')];
    await store.quarantine(kept);
    const page = await store.list({ limit: 10 });
    expect(page.entries).toEqual([kept[1]!, kept[2]!, kept[0]!].map(open));
    expect(page.next).toBeNull();
  });

  it('pages with the cursor it returns', async () => {
    const store = await freshStore();
    const kept = Array.from({ length: 5 }, (_, index) => entry(`shardId-000000000000:${index}`, START + index));
    await store.quarantine(kept);
    const ids: string[][] = [];
    let after: string | undefined;
    do {
      const page = await store.list({ limit: 2, ...(after !== undefined && { after }) });
      ids.push(page.entries.map((listed) => listed.recordId));
      after = page.next ?? undefined;
    } while (after !== undefined);
    expect(ids.flat()).toEqual(kept.map((listed) => listed.recordId));
    expect(ids[0]).toHaveLength(2);
  });

  it('refuses a cursor that is not an entry id', async () => {
    const store = await freshStore();
    await expect(store.list({ limit: 2, after: 'nonsense' })).rejects.toThrow('"nonsense" is not a quarantine entry id');
  });

  it('gets an entry by id, and null for an unknown one', async () => {
    const store = await freshStore();
    const kept = entry('shardId-000000000000:1', START);
    await store.quarantine([kept]);
    expect(await store.get(open(kept).id)).toEqual(open(kept));
    expect(await store.get(`${new Date(START).toISOString()}#shardId-000000000000:2`)).toBeNull();
    expect(await store.get('nonsense')).toBeNull();
  });

  it('marks an entry replayed, and a record quarantined again stays replayed', async () => {
    const store = await freshStore();
    const kept = entry('shardId-000000000000:1', START);
    await store.quarantine([kept]);
    const { id } = open(kept);
    expect(await store.markReplayed(id, new Date('2026-03-03T10:00:00Z'))).toBe('replayed');
    await store.quarantine([kept]);
    expect(await store.get(id)).toEqual({ ...open(kept), status: 'replayed', replayedAt: '2026-03-03T10:00:00.000Z' });
  });

  it('says missing when marking an unknown entry, and creates none', async () => {
    const store = await freshStore();
    const id = `${new Date(START).toISOString()}#shardId-000000000000:9`;
    expect(await store.markReplayed(id)).toBe('missing');
    expect(await store.markReplayed('nonsense')).toBe('missing');
    expect((await store.list({ limit: 10 })).entries).toEqual([]);
  });

  it('stores the start of a payload too large for an item, cut between characters, and its size', async () => {
    const store = await freshStore();
    const payload = `x${'€'.repeat(200_000)}`;
    const kept = entry('shardId-000000000000:1', START, payload);
    await store.quarantine([kept]);
    const stored = (await store.get(open(kept).id))!;
    expect(stored.payloadTruncatedFrom).toBe(600_001);
    expect(Buffer.byteLength(stored.payload, 'utf8')).toBeLessThanOrEqual(MAX_STORED_PAYLOAD_BYTES);
    expect(Buffer.byteLength(stored.payload, 'utf8')).toBeGreaterThan(MAX_STORED_PAYLOAD_BYTES - 3);
    expect(payload.startsWith(stored.payload)).toBe(true);
  });

  it('keeps a batch larger than the puts it sends at once', async () => {
    const store = await freshStore();
    const kept = Array.from({ length: 60 }, (_, index) => entry(`shardId-000000000000:${String(index).padStart(3, '0')}`, START));
    await store.quarantine(kept);
    expect((await store.list({ limit: 100 })).entries.map((listed) => listed.recordId)).toEqual(kept.map((listed) => listed.recordId));
  });
});

describe('CompositeQuarantine', () => {
  class Recording implements QuarantineSink {
    readonly kept: Quarantined[] = [];
    constructor(private readonly failure: Error | null = null) {}
    async quarantine(entries: readonly Quarantined[]): Promise<void> {
      await Promise.resolve();
      if (this.failure !== null) throw this.failure;
      this.kept.push(...entries);
    }
  }

  const kept = [entry('shardId-000000000000:1', START)];

  it('keeps the entries in every sink', async () => {
    const sinks = [new Recording(), new Recording()];
    await new CompositeQuarantine(...sinks).quarantine(kept);
    for (const sink of sinks) expect(sink.kept).toEqual(kept);
  });

  it('throws the failure of a sink once the others have kept the entries', async () => {
    const failure = new Error('queue down');
    const healthy = new Recording();
    await expect(new CompositeQuarantine(new Recording(failure), healthy).quarantine(kept)).rejects.toBe(failure);
    expect(healthy.kept).toEqual(kept);
  });

  it('names every failure when several sinks fail', async () => {
    const composite = new CompositeQuarantine(new Recording(new Error('queue down')), new Recording(new Error('table down')), new Recording());
    await expect(composite.quarantine(kept)).rejects.toThrow('2 of 3 quarantine sinks failed: queue down; table down');
  });
});
