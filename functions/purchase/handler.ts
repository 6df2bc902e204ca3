/**
 * The purchase workflow's steps: invoked by its state machine (cdk/constructs/purchase-workflow.ts), one
 * `step` per Task state, each a method of PurchaseSteps (shared/workflows/purchase.ts). The state machine
 * decides the order, the retries and the waits; this function only does one step at a time.
 *
 * Environment:
 *   TENANT_ID           the firm
 *   TABLE_NAME          the tenant's table: programs, orders, traders, task tokens, credentials, accounts, audit
 *   EVENT_BUS_NAME      the firm's bus: commands to bridges and the workflow's outcomes
 *   CREDENTIALS_SENDER  the SES-verified address credentials are mailed from
 *   POWERTOOLS_*        see functions/powertools.ts
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { z } from 'zod';
import { DynamoDbAccountStore } from '../../shared/adapters/dynamodb/account-store.js';
import { DynamoDbAuditLog } from '../../shared/adapters/dynamodb/audit-log.js';
import { DynamoDbCredentialVault } from '../../shared/adapters/dynamodb/credential-vault.js';
import { DynamoDbOrderBook } from '../../shared/adapters/dynamodb/order-book.js';
import { DynamoDbProgramStore } from '../../shared/adapters/dynamodb/program-store.js';
import { DynamoDbTaskTokenStore } from '../../shared/adapters/dynamodb/task-token-store.js';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge/event-publisher.js';
import { sleep } from '../../shared/adapters/backoff.js';
import { SesMailer } from '../../shared/adapters/ses/mailer.js';
import type { Mailer } from '../../shared/ports/credentials.js';
import { PlatformLogin, Provisioning, PurchaseSteps } from '../../shared/workflows/purchase.js';
import { WORKFLOW_EVENT_SOURCE } from '../../shared/workflows/workflow-events.js';
import { parseEnvironment } from '../environment.js';
import { createPowertools, type Powertools } from '../powertools.js';
import { CaughtFailure, createStepHandler, type StepHandler } from '../workflow-step.js';

/** What each Task state passes (its Payload), by step. */
export const PurchaseStep = z.discriminatedUnion('step', [
  z.object({ step: z.literal('claimOrder'), event: z.unknown(), executionId: z.string().min(1) }),
  z.object({ step: z.literal('requestTradingAccount'), provisioning: Provisioning, taskToken: z.string().min(1), waitSeconds: z.int().positive() }),
  z.object({ step: z.literal('deliverCredentials'), provisioning: Provisioning, login: PlatformLogin }),
  z.object({ step: z.literal('activateAccount'), provisioning: Provisioning, login: PlatformLogin }),
  z.object({ step: z.literal('recordFailure'), provisioning: Provisioning, failure: CaughtFailure }),
]);
export type PurchaseStep = z.input<typeof PurchaseStep>;

const powertools = createPowertools('purchase');

export function createPurchaseHandler(steps: PurchaseSteps, tools: Powertools = powertools): StepHandler {
  return createStepHandler(
    'purchase',
    PurchaseStep,
    async (request) => {
      switch (request.step) {
        case 'claimOrder':
          return steps.claimOrder(request.event, request.executionId);
        case 'requestTradingAccount':
          return steps.requestTradingAccount(request.provisioning, request.taskToken, request.waitSeconds);
        case 'deliverCredentials':
          return steps.deliverCredentials(request.provisioning, request.login);
        case 'activateAccount':
          return steps.activateAccount(request.provisioning, request.login);
        case 'recordFailure':
          return steps.recordFailure(request.provisioning, request.failure.Error, request.failure.Cause);
      }
    },
    tools,
  );
}

const Environment = z.object({
  TENANT_ID: z.string().min(1),
  TABLE_NAME: z.string().min(3),
  EVENT_BUS_NAME: z.string().min(1),
  CREDENTIALS_SENDER: z.email(),
});

export interface PurchaseClients {
  readonly dynamo: Pick<DynamoDBClient, 'send'>;
  readonly tableName: string;
  readonly eventBridge: Pick<EventBridgeClient, 'send'>;
  readonly busName: string;
  readonly mailer: Mailer;
  readonly tenant: string;
  readonly now: () => number;
}

/** The steps on the AWS adapters: the deployed function and the local platform build them here. */
export function awsPurchaseSteps({ dynamo, tableName, eventBridge, busName, mailer, tenant, now }: PurchaseClients): PurchaseSteps {
  return new PurchaseSteps({
    tenant,
    programs: new DynamoDbProgramStore(dynamo, tableName),
    orders: new DynamoDbOrderBook(dynamo, tableName),
    accounts: new DynamoDbAccountStore(dynamo, tableName),
    tokens: new DynamoDbTaskTokenStore(dynamo, tableName),
    vault: new DynamoDbCredentialVault(dynamo, tableName),
    mailer,
    events: new EventBridgePublisher(eventBridge, busName, sleep, WORKFLOW_EVENT_SOURCE),
    audit: new DynamoDbAuditLog(dynamo, tableName),
    now,
  });
}

let fromEnvironment: StepHandler | undefined;

export const handler: StepHandler = (input, context) => {
  if (fromEnvironment === undefined) {
    const { TENANT_ID, TABLE_NAME, EVENT_BUS_NAME, CREDENTIALS_SENDER } = parseEnvironment('purchase', Environment, process.env);
    const { traced } = powertools;
    fromEnvironment = createPurchaseHandler(
      awsPurchaseSteps({
        dynamo: traced(new DynamoDBClient({})),
        tableName: TABLE_NAME,
        eventBridge: traced(new EventBridgeClient({})),
        busName: EVENT_BUS_NAME,
        mailer: new SesMailer(traced(new SESv2Client({})), CREDENTIALS_SENDER),
        tenant: TENANT_ID,
        now: Date.now,
      }),
    );
  }
  return fromEnvironment(input, context);
};
