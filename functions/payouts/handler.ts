/**
 * The payout workflow's steps: invoked by its state machine (cdk/constructs/payout-workflow.ts), one `step`
 * per Task state, each a method of PayoutSteps (shared/workflows/payout-steps.ts).
 *
 * Environment:
 *   TENANT_ID       the firm
 *   TABLE_NAME      the tenant's table: payouts, accounts, programs, KYC cases, traders, the risk queue, abuse scores
 *                   and flags, tokens, audit
 *   EVENT_BUS_NAME  the firm's bus: the processor and bridge commands, the payout outcomes
 *   POWERTOOLS_*    see functions/powertools.ts
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import { sleep } from '../../shared/adapters/backoff.js';
import { DynamoDbAccountStore } from '../../shared/adapters/dynamodb/account-store.js';
import { DynamoDbAuditLog } from '../../shared/adapters/dynamodb/audit-log.js';
import { DynamoDbFlagDesk } from '../../shared/adapters/dynamodb/flag-desk.js';
import { DynamoDbKycCaseStore } from '../../shared/adapters/dynamodb/kyc-case-store.js';
import { DynamoDbOrderBook } from '../../shared/adapters/dynamodb/order-book.js';
import { DynamoDbPayoutLedger } from '../../shared/adapters/dynamodb/payout-ledger.js';
import { DynamoDbProgramStore } from '../../shared/adapters/dynamodb/program-store.js';
import { DynamoDbRiskQueue } from '../../shared/adapters/dynamodb/risk-queue.js';
import { DynamoDbTaskTokenStore } from '../../shared/adapters/dynamodb/task-token-store.js';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge/event-publisher.js';
import { PayoutSteps } from '../../shared/workflows/payout-steps.js';
import { WORKFLOW_EVENT_SOURCE } from '../../shared/workflows/workflow-events.js';
import { parseEnvironment } from '../environment.js';
import { createPowertools, type Powertools } from '../powertools.js';
import { CaughtFailure, createStepHandler, type StepHandler } from '../workflow-step.js';

const payoutId = z.string().min(3);
const token = z.string().min(1);
const waitSeconds = z.int().positive();

/** What each Task state passes (its Payload), by step. */
export const PayoutStep = z.discriminatedUnion('step', [
  z.object({ step: z.literal('evaluate'), payoutId, executionId: z.string().min(1) }),
  z.object({ step: z.literal('awaitApproval'), payoutId, taskToken: token, waitSeconds }),
  z.object({ step: z.literal('recordApproval'), payoutId, approval: z.object({ approvedBy: z.string().min(1), note: z.string() }) }),
  z.object({ step: z.literal('recordRejection'), payoutId, failure: CaughtFailure }),
  z.object({ step: z.literal('instruct'), payoutId, taskToken: token, waitSeconds }),
  z.object({ step: z.literal('settle'), payoutId, settlement: z.object({ reference: z.string().min(1) }) }),
  z.object({ step: z.literal('recordFailure'), payoutId, failure: CaughtFailure }),
]);
export type PayoutStep = z.input<typeof PayoutStep>;

const powertools = createPowertools('payouts');

export function createPayoutHandler(steps: PayoutSteps, tools: Powertools = powertools): StepHandler {
  return createStepHandler(
    'payout',
    PayoutStep,
    async (request) => {
      switch (request.step) {
        case 'evaluate':
          return steps.evaluate(request.payoutId, request.executionId);
        case 'awaitApproval':
          return steps.awaitApproval(request.payoutId, request.taskToken, request.waitSeconds);
        case 'recordApproval':
          return steps.recordApproval(request.payoutId, request.approval);
        case 'recordRejection':
          return steps.recordRejection(request.payoutId, request.failure.Error, request.failure.Cause);
        case 'instruct':
          return steps.instruct(request.payoutId, request.taskToken, request.waitSeconds);
        case 'settle':
          return steps.settle(request.payoutId, request.settlement);
        case 'recordFailure':
          return steps.recordFailure(request.payoutId, request.failure.Error, request.failure.Cause);
      }
    },
    tools,
    (request) => ({ payoutId: request.payoutId }),
  );
}

export interface PayoutClients {
  readonly dynamo: Pick<DynamoDBClient, 'send'>;
  readonly tableName: string;
  readonly eventBridge: Pick<EventBridgeClient, 'send'>;
  readonly busName: string;
  readonly tenant: string;
  readonly now: () => number;
}

/** The steps on the AWS adapters: the deployed function and the local platform build them here. */
export function awsPayoutSteps({ dynamo, tableName, eventBridge, busName, tenant, now }: PayoutClients): PayoutSteps {
  return new PayoutSteps({
    tenant,
    payouts: new DynamoDbPayoutLedger(dynamo, tableName),
    accounts: new DynamoDbAccountStore(dynamo, tableName),
    programs: new DynamoDbProgramStore(dynamo, tableName),
    cases: new DynamoDbKycCaseStore(dynamo, tableName),
    orders: new DynamoDbOrderBook(dynamo, tableName),
    riskQueue: new DynamoDbRiskQueue(dynamo, tableName),
    flags: new DynamoDbFlagDesk(dynamo, tableName),
    tokens: new DynamoDbTaskTokenStore(dynamo, tableName),
    events: new EventBridgePublisher(eventBridge, busName, sleep, WORKFLOW_EVENT_SOURCE),
    audit: new DynamoDbAuditLog(dynamo, tableName),
    now,
  });
}

const Environment = z.object({ TENANT_ID: z.string().min(1), TABLE_NAME: z.string().min(3), EVENT_BUS_NAME: z.string().min(1) });

let fromEnvironment: StepHandler | undefined;

export const handler: StepHandler = (input, context) => {
  if (fromEnvironment === undefined) {
    const { TENANT_ID, TABLE_NAME, EVENT_BUS_NAME } = parseEnvironment('payouts', Environment, process.env);
    const { traced } = powertools;
    fromEnvironment = createPayoutHandler(
      awsPayoutSteps({ dynamo: traced(new DynamoDBClient({})), tableName: TABLE_NAME, eventBridge: traced(new EventBridgeClient({})), busName: EVENT_BUS_NAME, tenant: TENANT_ID, now: Date.now }),
    );
  }
  return fromEnvironment(input, context);
};
