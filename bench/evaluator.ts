/**
 * The evaluator handler on the realistic mix, in a process of its own:
 * `tsx bench/evaluator.ts <accounts> <days> <batchSize> <dynalite|memory> [scalping|intraday]`. Kinesis events are built as Lambda delivers
 * them (base64 JSON, one shard's batches in arrival order) and handed to the same handler that deploys,
 * with the real DynamoDB adapters talking to dynalite in a child process and the domain events going
 * to the in-process bus. Measures this process's CPU time (decoding, the reducer, the SDK's
 * serialization; not the DynamoDB server) and counts every DynamoDB write the handler makes:
 * account saves, history chunks (and their gzipped bytes), records, outbox clears. With `memory`, the
 * account store keeps each item's JSON in a map, and the history gzips each chunk as the adapter does,
 * instead: the handler's own work without the SDK and the network, which is what the records/s per
 * core target is about.
 * Prints one JSON line.
 */
import { DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { awsEvaluatorPorts, createEvaluatorHandler } from '../functions/evaluator/handler.js';
import { LocalEventBus } from '../local/event-router.js';
import { localEventBridgeClient, localSqsClient } from '../local/local-aws.js';
import { encode } from '../shared/adapters/dynamodb/account-history.js';
import { DynamoDbAccountStore } from '../shared/adapters/dynamodb/account-store.js';
import { DynamoDbProgramStore } from '../shared/adapters/dynamodb/program-store.js';
import { toWire } from '../shared/domain/events.js';
import { openAccount } from '../shared/domain/state.js';
import { seededRandom } from '../shared/seeded-random.js';
import type { AccountChunk, AccountHistory } from '../shared/ports/account-history.js';
import type { AccountStore, StoredAccount } from '../shared/ports/account-store.js';
import type { DomainEvent } from '../shared/stream/domain-events.js';
import { StreamEvaluator } from '../shared/stream/evaluator.js';
import { accountCursors, benchNews, benchProgram, dayOfEvents, FIRST_DAY, type TradingMix } from './workload.js';
import { ensureTable } from '../local/emulator-resources.js';

export interface EvaluatorResult {
  accounts: number;
  days: number;
  batchSize: number;
  storage: 'dynalite' | 'memory';
  mix: TradingMix;
  records: number;
  cpuSeconds: number;
  recordsPerCpuSecond: number;
  wallSeconds: number;
  writes: Writes;
  /** Gzipped bytes of the history chunks per event: DynamoDB bills a write unit per KB of item. */
  historyBytesPerEvent: number;
  writesPerEvent: number;
  accountSavesPerEvent: number;
  published: number;
}

interface Writes {
  accountSaves: number;
  historyChunks: number;
  historyBytes: number;
  records: number;
  outboxClears: number;
}

/** Items as JSON text, like the DynamoDB adapter's `state` and `outbox` attributes, counting writes alike. */
class JsonAccountStore implements AccountStore {
  private readonly items = new Map<string, { state: string; revision: number; outbox: string }>();
  constructor(private readonly counts: Writes) {}
  async load(ids: readonly string[]): Promise<Map<string, StoredAccount>> {
    const found = new Map<string, StoredAccount>();
    for (const id of ids) {
      const item = this.items.get(id);
      if (item !== undefined) found.set(id, { state: JSON.parse(item.state), revision: item.revision, outbox: JSON.parse(item.outbox) as DomainEvent[] });
    }
    return found;
  }
  async save(state: StoredAccount['state'], loadedRevision: number | null, outbox: readonly DomainEvent[]) {
    if ((this.items.get(state.accountId)?.revision ?? null) !== loadedRevision) return 'conflict' as const;
    this.items.set(state.accountId, { state: JSON.stringify(state), revision: (loadedRevision ?? 0) + 1, outbox: JSON.stringify(outbox) });
    this.counts.accountSaves += 1;
    return 'saved' as const;
  }
  async writeRecords(events: readonly DomainEvent[]): Promise<void> {
    for (const event of events) JSON.stringify(event);
    this.counts.records += events.length;
  }
  async markDelivered(): Promise<void> {
    this.counts.outboxClears += 1;
  }
  async *list(): AsyncIterable<readonly string[]> {
    yield [...this.items.keys()];
  }
}

/** Each chunk encoded as the DynamoDB history encodes it, and counted; nothing kept. */
class EncodingHistory implements Pick<AccountHistory, 'append'> {
  constructor(private readonly counts: Writes) {}
  async append(chunks: readonly AccountChunk[]): Promise<void> {
    for (const chunk of chunks) {
      for (const part of encode(chunk.records, chunk.accountId)) {
        this.counts.historyChunks += 1;
        this.counts.historyBytes += part.gzipped.length;
      }
    }
  }
}

const [accounts, days, batchSize] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const storage = process.argv[5] === 'memory' ? 'memory' : 'dynalite';
const mix: TradingMix = process.argv[6] === 'intraday' ? 'intraday' : 'scalping';

// dynalite in another process, as the local platform runs it, so its CPU is not counted as the handler's.
const server = fork(fileURLToPath(new URL('../local/emulator-process.ts', import.meta.url)), ['dynalite', '0', ''], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
process.on('exit', () => server.kill());
const port = await new Promise<number>((resolve) => server.once('message', (message) => resolve((message as { port: number }).port)));
const dynamo = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const writes: Writes = { accountSaves: 0, historyChunks: 0, historyBytes: 0, records: 0, outboxClears: 0 };
dynamo.middlewareStack.add(
  (next, context) => async (args) => {
    const input = args.input as { RequestItems?: Record<string, unknown[]>; Item?: Record<string, AttributeValue> };
    const sortKey = input.Item?.['sk']?.S ?? '';
    if (context.commandName === 'PutItemCommand' && sortKey === 'STATE') writes.accountSaves += 1;
    else if (context.commandName === 'PutItemCommand') writes.records += 1;
    else if (context.commandName === 'UpdateItemCommand') writes.outboxClears += 1;
    else if (context.commandName === 'BatchWriteItemCommand') {
      for (const request of Object.values(input.RequestItems ?? {}).flat() as Array<{ PutRequest?: { Item: Record<string, AttributeValue> } }>) {
        const item = request.PutRequest?.Item;
        if (item?.['sk']?.S?.startsWith('HISTORY#') === true) {
          writes.historyChunks += 1;
          writes.historyBytes += item['chunk']!.B!.length;
        } else writes.records += 1;
      }
    }
    return next(args);
  },
  { step: 'initialize', name: 'countWrites' },
);
const table = 'bench-evaluator';
await ensureTable(dynamo, table);
const accountStore: AccountStore = storage === 'memory' ? new JsonAccountStore(writes) : new DynamoDbAccountStore(dynamo, table);
const programs = new DynamoDbProgramStore(dynamo, table);
await programs.put(benchProgram);
const cursors = accountCursors(accounts);
for (let from = 0; from < cursors.length; from += 100) {
  await Promise.all(cursors.slice(from, from + 100).map((cursor) => accountStore.save(openAccount(benchProgram, { tenant: 'bench', accountId: cursor.accountId, openedAt: FIRST_DAY - 3_600_000 }), null, [])));
}
writes.accountSaves = 0;

const bus = new LocalEventBus({ rules: [], account: '111111111111', region: 'local' });
const news = benchNews(days);
const ports = awsEvaluatorPorts({
  dynamo,
  tableName: table,
  eventBridge: localEventBridgeClient(bus),
  busName: 'bench',
  sqs: localSqsClient(() => undefined),
  quarantineQueueUrl: 'bench',
});
const history = storage === 'memory' ? new EncodingHistory(writes) : ports.history;
const handler = createEvaluatorHandler(new StreamEvaluator({ ...ports, accounts: accountStore, history, news: async () => news }, { tenant: 'bench' }));
const context = { functionName: 'bench' } as Context;

let sequence = 0n;
function kinesisRecord(data: string, partitionKey: string, arrival: number): KinesisStreamRecord {
  const sequenceNumber = String(49_000_000_000_000_000_000n + sequence++);
  return {
    kinesis: { kinesisSchemaVersion: '1.0', partitionKey, sequenceNumber, data, approximateArrivalTimestamp: arrival / 1000 },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::111111111111:role/bench',
    awsRegion: 'local',
    eventSourceARN: 'arn:aws:kinesis:local:111111111111:stream/bench',
  };
}

const next = seededRandom(20_260_302 + accounts);
let records = 0;
let cpuMicros = 0;
let wallMs = 0;
for (let day = 0; day < days; day++) {
  const { events } = dayOfEvents(cursors, day, next, mix);
  // Built outside the measurement: this is what Lambda hands the function.
  const batches: KinesisStreamEvent[] = [];
  for (let from = 0; from < events.length; from += batchSize) {
    batches.push({
      Records: events.slice(from, from + batchSize).map((event) => kinesisRecord(Buffer.from(JSON.stringify(toWire(event))).toString('base64'), event.accountId, event.time)),
    });
  }
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  for (const batch of batches) {
    const response = await handler(batch, context);
    if (response.batchItemFailures.length > 0) throw new Error(`the bench batch failed for ${response.batchItemFailures.length} accounts`);
  }
  const cpu = process.cpuUsage(cpuBefore);
  cpuMicros += cpu.user + cpu.system;
  wallMs += performance.now() - wallBefore;
  records += events.length;
}
server.kill();

const totalWrites = writes.accountSaves + writes.historyChunks + writes.records + writes.outboxClears;
const result: EvaluatorResult = {
  accounts,
  days,
  batchSize,
  records,
  cpuSeconds: Number((cpuMicros / 1e6).toFixed(2)),
  recordsPerCpuSecond: Math.round(records / (cpuMicros / 1e6)),
  wallSeconds: Number((wallMs / 1000).toFixed(2)),
  storage,
  mix,
  writes,
  writesPerEvent: Number((totalWrites / records).toFixed(4)),
  accountSavesPerEvent: Number((writes.accountSaves / records).toFixed(4)),
  historyBytesPerEvent: Number((writes.historyBytes / records).toFixed(1)),
  published: bus.archive.length,
};
console.log(JSON.stringify(result));
process.exit(0);
