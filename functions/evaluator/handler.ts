/**
 * The evaluator: Lambda on the Kinesis trade stream (ReportBatchItemFailures on). A thin shell around
 * StreamEvaluator (shared/stream/evaluator.ts): Kinesis records in, the accounts that could not be
 * finished out as batchItemFailures, one log line and one set of metrics per batch (functions/README.md).
 *
 * Environment:
 *   TENANT_ID             the firm whose stream this is; records of another tenant are quarantined
 *   TABLE_NAME            the tenant's table: accounts, programs, records, quarantine, news calendar
 *   EVENT_BUS_NAME        the firm's EventBridge bus for domain events
 *   QUARANTINE_QUEUE_URL  the SQS queue that alerts on quarantined records
 *   POWERTOOLS_*          see functions/powertools.ts
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { z } from 'zod';
import { DynamoDbAccountHistory } from '../../shared/adapters/dynamodb/account-history.js';
import { DynamoDbAccountStore } from '../../shared/adapters/dynamodb/account-store.js';
import { DynamoDbNewsCalendar } from '../../shared/adapters/dynamodb/news-calendar.js';
import { CachedProgramStore, DynamoDbProgramStore } from '../../shared/adapters/dynamodb/program-store.js';
import { CompositeQuarantine, DynamoDbQuarantineStore } from '../../shared/adapters/dynamodb/quarantine-store.js';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge/event-publisher.js';
import { SqsQuarantineQueue } from '../../shared/adapters/sqs/quarantine-queue.js';
import type { StreamRecord } from '../../shared/stream/decode-record.js';
import { StreamEvaluator, type EvaluatorPorts } from '../../shared/stream/evaluator.js';
import { parseEnvironment } from '../environment.js';
import { createPowertools, type Powertools } from '../powertools.js';

export type EvaluatorHandler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

const powertools = createPowertools('evaluator');

/**
 * A Kinesis record as the evaluator reads it, read through rather than copied: the evaluator reads the
 * data and the partition key of every record, the rest only for the few it quarantines or retries.
 */
class KinesisRecordView implements StreamRecord {
  constructor(private readonly record: KinesisStreamRecord) {}
  get recordId(): string {
    return this.record.eventID;
  }
  get sequenceNumber(): string {
    return this.record.kinesis.sequenceNumber;
  }
  get partitionKey(): string {
    return this.record.kinesis.partitionKey;
  }
  get data(): string {
    return this.record.kinesis.data;
  }
  /** Lambda gives the arrival in epoch seconds, with a fraction. */
  get arrivedAt(): number {
    return Math.round(this.record.kinesis.approximateArrivalTimestamp * 1000);
  }
}

const streamRecordOf = (record: KinesisStreamRecord): StreamRecord => new KinesisRecordView(record);

export function createEvaluatorHandler(evaluator: StreamEvaluator, { logger, middlewares, count }: Powertools<'evaluator'> = powertools): EvaluatorHandler {
  return middy<KinesisStreamEvent, KinesisStreamBatchResponse>()
    .use(middlewares)
    .handler(async (event) => {
      const report = await evaluator.evaluate(event.Records.map(streamRecordOf));
      const { failures, ...counts } = report;
      // Per batch, never per record: this is the hot path.
      count({
        RecordsEvaluated: report.records,
        RecordsQuarantined: report.quarantined,
        AccountsSaved: report.saved,
        // A quarantine that failed reports each of its records; the account is retried once.
        AccountsRetried: new Set(failures.map((failure) => failure.accountId)).size,
        EventsPublished: report.published,
      });
      // One line per batch, no personal data: account ids and reasons only for accounts that failed.
      if (failures.length > 0) logger.warn('batch finished with accounts to retry', { ...counts, failures });
      else logger.info('batch evaluated', counts);
      return { batchItemFailures: failures.map((failure) => ({ itemIdentifier: failure.sequenceNumber })) };
    });
}

const Environment = z.object({
  TENANT_ID: z.string().min(1),
  TABLE_NAME: z.string().min(3),
  EVENT_BUS_NAME: z.string().min(1),
  QUARANTINE_QUEUE_URL: z.url(),
  HISTORY_RETENTION_DAYS: z.coerce.number().int().min(1).default(120),
});

export interface EvaluatorClients {
  readonly dynamo: Pick<DynamoDBClient, 'send'>;
  readonly tableName: string;
  readonly eventBridge: Pick<EventBridgeClient, 'send'>;
  readonly busName: string;
  readonly sqs: Pick<SQSClient, 'send'>;
  readonly quarantineQueueUrl: string;
}

/** The evaluator's ports on the AWS adapters: the deployed function and the local platform build them here. */
export function awsEvaluatorPorts({ dynamo, tableName, eventBridge, busName, sqs, quarantineQueueUrl }: EvaluatorClients): EvaluatorPorts {
  const calendar = new DynamoDbNewsCalendar(dynamo, tableName);
  return {
    accounts: new DynamoDbAccountStore(dynamo, tableName),
    history: new DynamoDbAccountHistory(dynamo, tableName),
    programs: new CachedProgramStore(new DynamoDbProgramStore(dynamo, tableName)),
    publisher: new EventBridgePublisher(eventBridge, busName),
    quarantine: new CompositeQuarantine(new DynamoDbQuarantineStore(dynamo, tableName), new SqsQuarantineQueue(sqs, quarantineQueueUrl)),
    news: () => calendar.current(),
  };
}

/** The evaluator with the AWS adapters, from this Lambda's environment. */
export function evaluatorFromEnvironment(env: NodeJS.ProcessEnv): StreamEvaluator {
  const { TENANT_ID, TABLE_NAME, EVENT_BUS_NAME, QUARANTINE_QUEUE_URL, HISTORY_RETENTION_DAYS } = parseEnvironment('evaluator', Environment, env);
  const { traced } = powertools;
  const clients = { dynamo: traced(new DynamoDBClient({})), eventBridge: traced(new EventBridgeClient({})), sqs: traced(new SQSClient({})) };
  return new StreamEvaluator(awsEvaluatorPorts({ ...clients, tableName: TABLE_NAME, busName: EVENT_BUS_NAME, quarantineQueueUrl: QUARANTINE_QUEUE_URL }), {
    tenant: TENANT_ID,
    now: Date.now,
    historyRetentionMs: HISTORY_RETENTION_DAYS * DAY_MS,
  });
}

const DAY_MS = 24 * 60 * 60 * 1000;

// Built on the first invocation rather than at import, so tests and the local platform can import
// createEvaluatorHandler without this Lambda's environment. Kept for the container's life: its
// program cache and the account states it knows are what make warm invocations cheap.
let fromEnvironment: EvaluatorHandler | undefined;

export const handler: EvaluatorHandler = (event, context) => {
  fromEnvironment ??= createEvaluatorHandler(evaluatorFromEnvironment(process.env));
  return fromEnvironment(event, context);
};
