/**
 * The KYC workflow's steps, and the KYC gate the purchase workflow waits at: invoked by the state machines
 * (cdk/constructs/kyc-workflow.ts), one `step` per Task state, each a method of KycSteps
 * (shared/workflows/kyc-steps.ts).
 *
 * Environment:
 *   TENANT_ID                the firm
 *   TABLE_NAME               the tenant's table: KYC cases and gates, traders, task tokens, audit
 *   EVENT_BUS_NAME           the firm's bus: KycNeeded, KycRequested and the conclusions
 *   CREDENTIALS_SENDER       the SES-verified address the verification mails are sent from
 *   KYC_POLICY               JSON: reminderAfterHours, reminderEveryHours, maxReminders, expireAfterDays
 *   SUMSUB_BASE_URL, SUMSUB_LEVEL_NAME  the provider's API and the verification level applicants get
 *   KYC_PROVIDER_SECRET_ARN  Secrets Manager: {"appToken": "...", "secretKey": "...", "webhookSecret": "..."}
 *   POWERTOOLS_*             see functions/powertools.ts
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { z } from 'zod';
import { sleep } from '../../shared/adapters/backoff.js';
import { DynamoDbAuditLog } from '../../shared/adapters/dynamodb/audit-log.js';
import { DynamoDbKycCaseStore } from '../../shared/adapters/dynamodb/kyc-case-store.js';
import { DynamoDbOrderBook } from '../../shared/adapters/dynamodb/order-book.js';
import { DynamoDbTaskTokenStore } from '../../shared/adapters/dynamodb/task-token-store.js';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge/event-publisher.js';
import { SumsubProvider } from '../../shared/adapters/kyc/sumsub.js';
import { SesMailer } from '../../shared/adapters/ses/mailer.js';
import { StepFunctionsTaskCallbacks } from '../../shared/adapters/stepfunctions/task-callbacks.js';
import type { Mailer } from '../../shared/ports/credentials.js';
import type { TaskCallbacks } from '../../shared/ports/task-tokens.js';
import { KycPolicy, type KycProvider } from '../../shared/workflows/kyc.js';
import { KycProgress, KycSteps } from '../../shared/workflows/kyc-steps.js';
import { WORKFLOW_EVENT_SOURCE } from '../../shared/workflows/workflow-events.js';
import { parseEnvironment } from '../environment.js';
import { createPowertools, type Powertools } from '../powertools.js';
import { createStepHandler, type StepHandler } from '../workflow-step.js';

const token = z.string().min(1);
const waitSeconds = z.int().positive();

/** What each Task state passes (its Payload), by step. */
export const KycStep = z.discriminatedUnion('step', [
  z.object({ step: z.literal('openCase'), traderId: z.string().min(1) }),
  z.object({ step: z.literal('awaitDecision'), progress: KycProgress, taskToken: token, waitSeconds }),
  z.object({ step: z.literal('remindOrExpire'), progress: KycProgress }),
  z.object({ step: z.literal('requestResubmission'), progress: KycProgress, verdict: z.object({ reasons: z.array(z.string()) }) }),
  z.object({ step: z.literal('conclude'), progress: KycProgress }),
  z.object({ step: z.literal('awaitApproval'), traderId: z.string().min(1), accountId: z.string().min(1), taskToken: token, waitSeconds }),
]);
export type KycStep = z.input<typeof KycStep>;

const powertools = createPowertools('kyc');

/** `steps` is built per invocation: the provider's credentials come from a secret that may rotate. */
export function createKycHandler(steps: () => Promise<KycSteps>, tools: Powertools = powertools): StepHandler {
  return createStepHandler(
    'kyc',
    KycStep,
    async (request) => {
      const kyc = await steps();
      switch (request.step) {
        case 'openCase':
          return kyc.openCase(request.traderId);
        case 'awaitDecision':
          return kyc.awaitDecision(request.progress, request.taskToken, request.waitSeconds);
        case 'remindOrExpire':
          return kyc.remindOrExpire(request.progress);
        case 'requestResubmission':
          return kyc.requestResubmission(request.progress, request.verdict.reasons);
        case 'conclude':
          return kyc.conclude(request.progress);
        case 'awaitApproval':
          return kyc.awaitApproval(request.traderId, request.accountId, request.taskToken, request.waitSeconds);
      }
    },
    tools,
  );
}

export interface KycClients {
  readonly dynamo: Pick<DynamoDBClient, 'send'>;
  readonly tableName: string;
  readonly eventBridge: Pick<EventBridgeClient, 'send'>;
  readonly busName: string;
  readonly callbacks: TaskCallbacks;
  readonly mailer: Mailer;
  readonly provider: KycProvider;
  readonly policy: KycPolicy;
  readonly tenant: string;
  readonly now: () => number;
}

/** The steps on the AWS adapters: the deployed function and the local platform build them here. */
export function awsKycSteps({ dynamo, tableName, eventBridge, busName, callbacks, mailer, provider, policy, tenant, now }: KycClients): KycSteps {
  return new KycSteps({
    tenant,
    cases: new DynamoDbKycCaseStore(dynamo, tableName),
    provider,
    orders: new DynamoDbOrderBook(dynamo, tableName),
    tokens: new DynamoDbTaskTokenStore(dynamo, tableName),
    callbacks,
    mailer,
    events: new EventBridgePublisher(eventBridge, busName, sleep, WORKFLOW_EVENT_SOURCE),
    audit: new DynamoDbAuditLog(dynamo, tableName),
    policy,
    now,
  });
}

const Environment = z.object({
  TENANT_ID: z.string().min(1),
  TABLE_NAME: z.string().min(3),
  EVENT_BUS_NAME: z.string().min(1),
  CREDENTIALS_SENDER: z.email(),
  KYC_POLICY: z.string().transform((text, context) => {
    const parsed = KycPolicy.safeParse(JSON.parse(text));
    if (!parsed.success) context.addIssue({ code: 'custom', message: parsed.error.message });
    return parsed.data!;
  }),
  SUMSUB_BASE_URL: z.url(),
  SUMSUB_LEVEL_NAME: z.string().min(1),
  KYC_PROVIDER_SECRET_ARN: z.string().min(1),
});

/** The provider's credentials as the firm stores them after the first deploy. */
export const KycProviderSecret = z.object({ appToken: z.string().min(1), secretKey: z.string().min(1), webhookSecret: z.string().min(1) });

/** Five minutes, as the ingest secrets: a rotated secret is read within that time. */
const SECRET_MAX_AGE_SECONDS = 300;

let fromEnvironment: StepHandler | undefined;

export const handler: StepHandler = (input, context) => {
  if (fromEnvironment === undefined) {
    const env = parseEnvironment('kyc', Environment, process.env);
    const { traced } = powertools;
    const secrets = new SecretsProvider({ awsSdkV3Client: traced(new SecretsManagerClient({})) });
    const clients = {
      dynamo: traced(new DynamoDBClient({})),
      tableName: env.TABLE_NAME,
      eventBridge: traced(new EventBridgeClient({})),
      busName: env.EVENT_BUS_NAME,
      callbacks: new StepFunctionsTaskCallbacks(traced(new SFNClient({}))),
      mailer: new SesMailer(traced(new SESv2Client({})), env.CREDENTIALS_SENDER),
      policy: env.KYC_POLICY,
      tenant: env.TENANT_ID,
      now: Date.now,
    };
    fromEnvironment = createKycHandler(async () => {
      const secret = KycProviderSecret.parse(await secrets.get(env.KYC_PROVIDER_SECRET_ARN, { maxAge: SECRET_MAX_AGE_SECONDS, transform: 'json' }));
      const provider = new SumsubProvider({ baseUrl: env.SUMSUB_BASE_URL, levelName: env.SUMSUB_LEVEL_NAME, appToken: secret.appToken, secretKey: secret.secretKey, fetch: globalThis.fetch, now: Date.now });
      return awsKycSteps({ ...clients, provider });
    });
  }
  return fromEnvironment(input, context);
};
