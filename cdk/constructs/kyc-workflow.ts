/**
 * Identity verification. The KYC state machine starts when a gate needs a verified trader (the KycNeeded
 * event): it opens the trader's case at the provider, mails the link, and waits for the provider's verdict,
 * which its webhook (POST /webhooks/kyc on the ingest API) records and hands back by task token. While it
 * waits it checks every `checkEverySeconds` whether to remind the trader or expire the case; a resubmission
 * request mails the trader and waits again; a final verdict releases every gate waiting for it.
 *
 *   Open case → (already open or final: end) → Await decision ⟲ (timeout: Remind or expire)
 *     → approved / rejected: Conclude · resubmission: Request resubmission → Await decision
 *
 * The steps function also serves the gate (`awaitApproval`), which other state machines call with their own
 * task token: they must grant it SendTaskSuccess/Failure on themselves (`allowGateCallbacks`).
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IEmailIdentity } from 'aws-cdk-lib/aws-ses';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Choice, Condition, JsonPath, type StateMachine, Succeed } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { WORKFLOW_EVENT_SOURCE } from '../../shared/workflows/workflow-events.js';
import type { WorkflowSettings } from '../tenant-config.js';
import { acknowledge } from './nag.js';
import { type FunctionSettings, PropdeskFunction } from './propdesk-function.js';
import { handlerEntry } from './trade-pipeline.js';
import { stepTask, waitTask, workflowStateMachine, workflowStateMachineName } from './workflow-state-machine.js';

export interface KycWorkflowProps {
  readonly tenantId: string;
  readonly table: ITable;
  readonly eventBus: IEventBus;
  readonly ingestApi: HttpApi;
  /** The verified sender the verification mails come from (the purchase workflow's). */
  readonly sender: IEmailIdentity;
  readonly settings: WorkflowSettings;
  readonly functions: FunctionSettings;
  /** Where a KycNeeded the bus could not hand to the state machine is parked. */
  readonly deliveryDeadLetterQueue: Queue;
}

/** The Lambda errors a step raises that no retry can mend. */
const PERMANENT_ERRORS = ['InvalidStepInput', 'UnknownTrader'];

export class KycWorkflow extends Construct {
  readonly steps: PropdeskFunction;
  readonly webhook: PropdeskFunction;
  readonly stateMachine: StateMachine;
  /** {"appToken", "secretKey", "webhookSecret"}: placeholders until the firm stores its provider's values. */
  readonly providerSecret: Secret;
  /** How long a gate waits for a verdict: the case expires (and fails the gate) before this runs out. */
  readonly gateWaitSeconds: number;

  constructor(scope: Construct, id: string, props: KycWorkflowProps) {
    super(scope, id);
    const { tenantId, table, eventBus, settings } = props;
    const { kyc } = settings;
    const functionDefaults = { tenantId, settings: props.functions };
    this.gateWaitSeconds = (kyc.expireAfterDays + 1) * 86_400;

    this.providerSecret = new Secret(this, 'ProviderSecret', {
      description: `Propdesk ${tenantId}: the KYC provider's app token, secret key and webhook secret`,
      generateSecretString: { secretStringTemplate: JSON.stringify({ appToken: 'set-me', secretKey: 'set-me' }), generateStringKey: 'webhookSecret', excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(this.providerSecret, 'SMG4', "The provider issues these credentials; they are rotated in the provider's console and stored here by the firm");

    const { reminderAfterHours, reminderEveryHours, maxReminders, expireAfterDays } = kyc;
    this.steps = new PropdeskFunction(this, 'Steps', {
      ...functionDefaults,
      serviceName: 'kyc',
      entry: handlerEntry('kyc'),
      description: `Propdesk ${tenantId}: the KYC workflow's steps and the KYC gate`,
      environment: {
        CREDENTIALS_SENDER: settings.credentialsSender,
        KYC_POLICY: JSON.stringify({ reminderAfterHours, reminderEveryHours, maxReminders, expireAfterDays }),
        SUMSUB_BASE_URL: kyc.sumsub.baseUrl,
        SUMSUB_LEVEL_NAME: kyc.sumsub.levelName,
      },
    })
      .bindTable(table, 'readWrite', 'TABLE_NAME')
      .bindBus(eventBus, 'EVENT_BUS_NAME')
      .bindSecretRead(this.providerSecret, 'KYC_PROVIDER_SECRET_ARN');
    props.sender.grantSendEmail(this.steps);

    this.webhook = new PropdeskFunction(this, 'Webhook', {
      ...functionDefaults,
      serviceName: 'kyc-webhook',
      entry: handlerEntry('kyc-webhook'),
      description: `Propdesk ${tenantId}: the KYC provider's signed webhooks`,
    })
      .bindTable(table, 'readWrite', 'TABLE_NAME')
      .bindSecretRead(this.providerSecret, 'KYC_WEBHOOK_SECRET_ARN');
    props.ingestApi.addRoutes({ path: '/webhooks/kyc', methods: [HttpMethod.POST], integration: new HttpLambdaIntegration('KycWebhookIntegration', this.webhook) });

    this.stateMachine = workflowStateMachine(this, {
      tenantId,
      workflow: 'kyc',
      comment: "A trader's identity verification, from the provider's applicant to a verdict",
      definition: this.definition(kyc.checkEverySeconds),
      // The case expires by then; a day's margin for the last check and the conclusion.
      timeout: Duration.days(expireAfterDays + 1),
      functions: props.functions,
      invokes: [this.steps],
    });
    this.allowGateCallbacks(workflowStateMachineName(tenantId, 'kyc'));
    this.stateMachine.grantTaskResponse(this.webhook);

    new Rule(this, 'KycNeeded', {
      eventBus,
      description: 'A gate waits for a trader with no open verification',
      eventPattern: { source: [WORKFLOW_EVENT_SOURCE], detailType: ['KycNeeded'] },
      targets: [new SfnStateMachine(this.stateMachine, { deadLetterQueue: props.deliveryDeadLetterQueue, retryAttempts: 8 })],
    });
  }

  /**
   * Lets the steps function answer the task tokens of the named state machine's executions (waiting at the
   * gate, or for a decision that came first). By name, not by reference: the state machine invokes this
   * function, so a reference back would be a dependency cycle.
   */
  allowGateCallbacks(stateMachineName: string): void {
    const arn = Stack.of(this).formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.steps.addToRolePolicy(new PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: [arn] }));
  }

  /**
   * The gate as a Task of another state machine: waits until the trader at `paths.traderId` is verified. A
   * rejected or expired verification is an answer, never retried; nor are the caller's `permanentErrors`.
   */
  gate(scope: Construct, id: string, paths: { readonly traderId: string; readonly accountId: string }, permanentErrors: readonly string[]): LambdaInvoke {
    const payload = { step: 'awaitApproval', traderId: JsonPath.stringAt(paths.traderId), accountId: JsonPath.stringAt(paths.accountId) };
    return waitTask(scope, id, this.steps, payload, { waitSeconds: this.gateWaitSeconds, resultPath: JsonPath.DISCARD, answers: ['KycRejected', 'KycExpired'], permanentErrors });
  }

  private definition(checkEverySeconds: number) {
    const step = (name: string, payload: Record<string, unknown>) => stepTask(this, name, this.steps, payload, PERMANENT_ERRORS, { outputPath: '$.Payload' });
    const progress = JsonPath.objectAt('$');
    const open = step('Open case', { step: 'openCase', traderId: JsonPath.stringAt('$.detail.traderId') });
    const wait = waitTask(this, 'Await decision', this.steps, { step: 'awaitDecision', progress }, { waitSeconds: checkEverySeconds, resultPath: '$.verdict', answers: [], permanentErrors: PERMANENT_ERRORS });
    const remind = step('Remind or expire', { step: 'remindOrExpire', progress });
    wait.addCatch(remind, { errors: ['States.Timeout'], resultPath: JsonPath.DISCARD });
    const conclude = step('Conclude', { step: 'conclude', progress });
    const concluded = conclude.next(new Succeed(this, 'Concluded'));
    const resubmit = step('Request resubmission', { step: 'requestResubmission', progress, verdict: JsonPath.objectAt('$.verdict') });
    resubmit.next(wait);
    remind.next(new Choice(this, 'Expired?').when(Condition.stringEquals('$.status', 'expired'), conclude).otherwise(wait));
    const alreadyOpen = new Succeed(this, 'Already open', { comment: 'another execution waits for this trader' });
    wait.next(
      new Choice(this, 'Verdict?')
        .when(Condition.stringEquals('$.verdict.outcome', 'resubmissionRequested'), resubmit)
        .when(Condition.stringEquals('$.verdict.outcome', 'alreadyWaiting'), alreadyOpen)
        .otherwise(concluded),
    );
    return open.next(
      new Choice(this, 'Opened?')
        .when(Condition.stringEquals('$.status', 'alreadyOpen'), alreadyOpen)
        .when(Condition.or(Condition.stringEquals('$.status', 'approved'), Condition.stringEquals('$.status', 'rejected')), conclude)
        .otherwise(wait),
    );
  }
}

