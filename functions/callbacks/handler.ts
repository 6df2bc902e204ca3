/**
 * Answers to the workflows' commands, from the firm's bus (a rule per answer kind targets this function):
 * each resumes, or fails, the workflow task waiting for it (shared/workflows/callbacks.ts). An answer
 * nobody waits for (late, or sent twice) and an answer that does not parse are logged and counted, never
 * retried: the event itself stays in the bus archive.
 *
 * Environment:
 *   TENANT_ID     the firm
 *   TABLE_NAME    the tenant's table: task tokens, credentials
 *   POWERTOOLS_*  see functions/powertools.ts
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { DynamoDbCredentialVault } from '../../shared/adapters/dynamodb/credential-vault.js';
import { DynamoDbTaskTokenStore } from '../../shared/adapters/dynamodb/task-token-store.js';
import { StepFunctionsTaskCallbacks } from '../../shared/adapters/stepfunctions/task-callbacks.js';
import type { TaskCallbacks } from '../../shared/ports/task-tokens.js';
import { WorkflowAnswers, type CallbackOutcome } from '../../shared/workflows/callbacks.js';
import { parseEnvironment } from '../environment.js';
import { createPowertools, type Powertools } from '../powertools.js';

export type CallbacksHandler = (event: EventBridgeEvent<string, unknown>, context: Context) => Promise<CallbackOutcome>;

const powertools = createPowertools('callbacks');

export function createCallbacksHandler(bridge: WorkflowAnswers, { logger, middlewares, count }: Powertools<'callbacks'> = powertools): CallbacksHandler {
  return middy<EventBridgeEvent<string, unknown>, CallbackOutcome>()
    .use(middlewares)
    .handler(async (event) => {
      const outcome = await bridge.answer(event);
      count({ AnswersResumed: outcome.outcome === 'resumed' || outcome.outcome === 'refused' ? 1 : 0, AnswersLate: outcome.outcome === 'late' ? 1 : 0, AnswersInvalid: outcome.outcome === 'invalid' ? 1 : 0 });
      // The event id finds the answer in the archive; never the detail, which may hold a password.
      const context = { eventId: event.id, source: event.source, detailType: event['detail-type'], ...outcome };
      if (outcome.outcome === 'late' || outcome.outcome === 'invalid') logger.warn('answer not delivered to a workflow', context);
      else logger.info('answer delivered', context);
      return outcome;
    });
}

const Environment = z.object({ TENANT_ID: z.string().min(1), TABLE_NAME: z.string().min(3) });

export interface CallbackClients {
  readonly dynamo: Pick<DynamoDBClient, 'send'>;
  readonly tableName: string;
  readonly callbacks: TaskCallbacks;
  readonly now: () => number;
}

export function awsWorkflowAnswers({ dynamo, tableName, callbacks, now }: CallbackClients): WorkflowAnswers {
  return new WorkflowAnswers({ tokens: new DynamoDbTaskTokenStore(dynamo, tableName), vault: new DynamoDbCredentialVault(dynamo, tableName), callbacks, now });
}

let fromEnvironment: CallbacksHandler | undefined;

export const handler: CallbacksHandler = (event, context) => {
  if (fromEnvironment === undefined) {
    const { TABLE_NAME } = parseEnvironment('callbacks', Environment, process.env);
    const { traced } = powertools;
    fromEnvironment = createCallbacksHandler(
      awsWorkflowAnswers({ dynamo: traced(new DynamoDBClient({})), tableName: TABLE_NAME, callbacks: new StepFunctionsTaskCallbacks(traced(new SFNClient({}))), now: Date.now }),
    );
  }
  return fromEnvironment(event, context);
};
