/**
 * The day rollover: invoked by an EventBridge Scheduler schedule at each firm day boundary with
 * `{ "scheduledTime": "<aws.scheduler.scheduled-time>" }`. The scheduled time, not the invocation's
 * clock, is the clock events' time, so a late or retried invocation closes the same day.
 *
 * Environment:
 *   TENANT_ID          the firm
 *   TABLE_NAME         the tenant's table, to list the active accounts
 *   TRADE_STREAM_NAME  the Kinesis trade stream the clock events go to
 *   POWERTOOLS_*       see functions/powertools.ts
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { DynamoDbAccountStore } from '../../shared/adapters/dynamodb/account-store.js';
import { KinesisTradeStream } from '../../shared/adapters/kinesis/trade-stream.js';
import type { AccountStore } from '../../shared/ports/account-store.js';
import type { TradeStream } from '../../shared/ports/trade-stream.js';
import { rollDay, type RolloverReport } from '../../shared/stream/rollover.js';
import { parseEnvironment } from '../environment.js';
import { createPowertools, type Powertools } from '../powertools.js';

export const RolloverInput = z.object({ scheduledTime: z.iso.datetime({ offset: true }).transform((text) => Date.parse(text)) });

export type RolloverHandler = (input: unknown, context: Context) => Promise<RolloverReport>;

const powertools = createPowertools('rollover');

export function createRolloverHandler(accounts: AccountStore, stream: TradeStream, tenant: string, { logger, middlewares, count }: Powertools<'rollover'> = powertools): RolloverHandler {
  return middy<unknown, RolloverReport>()
    .use(middlewares)
    .handler(async (input) => {
      const { scheduledTime } = RolloverInput.parse(input);
      const report = await rollDay(accounts, stream, tenant, scheduledTime);
      count({ ClockEventsPut: report.clocks });
      logger.info('day rollover put clock events', { ...report });
      return report;
    });
}

const Environment = z.object({ TENANT_ID: z.string().min(1), TABLE_NAME: z.string().min(3), TRADE_STREAM_NAME: z.string().min(1) });

let fromEnvironment: RolloverHandler | undefined;

export const handler: RolloverHandler = (input, context) => {
  if (fromEnvironment === undefined) {
    const { TENANT_ID, TABLE_NAME, TRADE_STREAM_NAME } = parseEnvironment('rollover', Environment, process.env);
    const { traced } = powertools;
    fromEnvironment = createRolloverHandler(
      new DynamoDbAccountStore(traced(new DynamoDBClient({})), TABLE_NAME),
      new KinesisTradeStream(traced(new KinesisClient({})), TRADE_STREAM_NAME),
      TENANT_ID,
    );
  }
  return fromEnvironment(input, context);
};
