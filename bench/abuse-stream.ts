/**
 * The abuse detectors on the stream as deployed: the detectors Lambda handler with the real DynamoDB adapters
 * against dynalite (in another process, as the local platform runs it), fed SQS batches of the EventBridge
 * events its rules deliver (identity observations, then the evaluator's TradeClosed events in close order),
 * for the first `trades` closed trades of the labelled 20,000-account population. Measures records per second
 * of this process's CPU and of wall time, each batch's time (what a trade waits after the batching window), and
 * DynamoDB requests per trade. Usage: tsx bench/abuse-stream.ts <accounts> <trades> <batchSize>; one JSON line.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { awsAbuseDetection, createDetectorsHandler } from '../functions/detectors/handler.js';
import type { AbuseTrade } from '../shared/abuse/findings.js';
import { DynamoDbProgramStore } from '../shared/adapters/dynamodb/program-store.js';
import { DOMAIN_EVENT_SOURCE, type TradeClosed } from '../shared/stream/domain-events.js';
import type { z } from 'zod';
import { generateScenario } from './abuse-scenarios.js';
import { benchProgram } from './workload.js';
import { ensureTable } from '../local/emulator-resources.js';

export interface AbuseStreamResult {
  readonly accounts: number;
  readonly trades: number;
  readonly batchSize: number;
  readonly recordsPerCpuSecond: number;
  readonly recordsPerSecond: number;
  readonly batchMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly dynamoRequestsPerTrade: number;
  readonly flagsPublished: number;
  readonly failedRecords: number;
}

const TENANT = 'bench';
const [accounts, tradeCount, batchSize] = process.argv.slice(2, 5).map(Number) as [number, number, number];
if (!(accounts > 0 && tradeCount > 0 && batchSize > 0)) throw new Error('usage: tsx bench/abuse-stream.ts <accounts> <trades> <batchSize>');

const server = fork(fileURLToPath(new URL('../local/emulator-process.ts', import.meta.url)), ['dynalite', '0', ''], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
process.on('exit', () => server.kill());
const port = await new Promise<number>((resolve) => server.once('message', (message) => resolve((message as { port: number }).port)));
const dynamo = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
let requests = 0;
dynamo.middlewareStack.add(
  (next) => async (args) => {
    requests += 1;
    return next(args);
  },
  { step: 'initialize', name: 'countRequests' },
);
const table = 'bench-abuse';
await ensureTable(dynamo, table);
const program = { ...benchProgram, id: 'scenario', version: 1 };
await new DynamoDbProgramStore(dynamo, table).put(program);

// The bus accepts every event; the bench counts the flags published.
let flagsPublished = 0;
const eventBridge = {
  send: async (command: { input: { Entries?: { DetailType?: string }[] } }) => {
    const entries = command.input.Entries ?? [];
    for (const entry of entries) if (entry.DetailType === 'AbuseFlagRaised') flagsPublished += 1;
    return { FailedEntryCount: 0, Entries: entries.map((_, index) => ({ EventId: `event-${index}` })) };
  },
} as unknown as Pick<EventBridgeClient, 'send'>;
// The population's programs only flag: no account is failed, so nothing is written to the trade stream.
const kinesis = { send: async () => Promise.reject(new Error('the bench population fails no account')) };
const handler = createDetectorsHandler(awsAbuseDetection({ tenant: TENANT, dynamo, tableName: table, eventBridge, busName: 'bench', kinesis, streamName: 'bench' }), TENANT);
const context = { functionName: 'detectors', awsRequestId: 'bench' } as Context;

let messages = 0;
const recordOf = (detailType: string, source: string, detail: unknown): SQSRecord =>
  ({ messageId: `m${++messages}`, receiptHandle: 'r', body: JSON.stringify({ id: `e${messages}`, source, 'detail-type': detailType, detail }), attributes: { ApproximateReceiveCount: '1' }, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:local:000000000000:abuse', awsRegion: 'local' }) as SQSRecord;

const iso = (time: number): string => new Date(time).toISOString();
function tradeClosed(trade: AbuseTrade): z.input<typeof TradeClosed> {
  const cause = { type: 'deal', seq: 1, eventId: `${trade.positionId}-out`, time: iso(trade.closedAt) };
  return {
    type: 'TradeClosed',
    id: `${TENANT}:${trade.accountId}:${trade.positionId}:0`,
    tenant: TENANT,
    accountId: trade.accountId,
    traderId: trade.traderId,
    programId: trade.programId,
    programVersion: trade.programVersion,
    phaseId: 'phase-1',
    time: iso(trade.closedAt),
    cause,
    positionId: trade.positionId,
    symbol: trade.symbol,
    side: trade.side,
    volume: trade.volume,
    openedAt: iso(trade.openedAt),
    closedAt: iso(trade.closedAt),
    openPrice: trade.openPrice,
    closePrice: trade.closePrice,
    openReferencePrice: trade.openReferencePrice,
    closeReferencePrice: trade.closeReferencePrice,
    netPnl: trade.netPnl,
    hadStopLoss: true,
    excludedFromProfit: false,
  };
}

const scenario = generateScenario(accounts);
const observations = scenario.observations.map((observation) =>
  recordOf('IdentityObserved', 'propdesk.workflows', { ...observation, observedAt: iso(observation.observedAt) }),
);
const trades = scenario.trades.slice(0, tradeCount).map((trade) => recordOf('TradeClosed', DOMAIN_EVENT_SOURCE, tradeClosed(trade)));

async function run(records: readonly SQSRecord[], timed: number[] | null): Promise<number> {
  let failed = 0;
  for (let from = 0; from < records.length; from += batchSize) {
    const event: SQSEvent = { Records: records.slice(from, from + batchSize) };
    const started = process.hrtime.bigint();
    const answer = await handler(event, context);
    timed?.push(Number(process.hrtime.bigint() - started) / 1e6);
    failed += answer.batchItemFailures.length;
  }
  return failed;
}

let failedRecords = await run(observations, null);
const batchTimes: number[] = [];
requests = 0;
const cpu = process.cpuUsage();
const started = process.hrtime.bigint();
failedRecords += await run(trades, batchTimes);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const used = process.cpuUsage(cpu);
const cpuSeconds = (used.user + used.system) / 1e6;
batchTimes.sort((a, b) => a - b);
const at = (share: number): number => Number(batchTimes[Math.min(batchTimes.length - 1, Math.ceil(share * batchTimes.length) - 1)]!.toFixed(1));
const result: AbuseStreamResult = {
  accounts,
  trades: trades.length,
  batchSize,
  recordsPerCpuSecond: Math.round(trades.length / cpuSeconds),
  recordsPerSecond: Math.round(trades.length / seconds),
  batchMs: { p50: at(0.5), p99: at(0.99), max: Number(batchTimes.at(-1)!.toFixed(1)) },
  dynamoRequestsPerTrade: Number((requests / trades.length).toFixed(2)),
  flagsPublished,
  failedRecords,
};
console.log(JSON.stringify(result));
server.kill();
process.exit(0);
