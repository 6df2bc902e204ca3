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
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IEmailIdentity } from 'aws-cdk-lib/aws-ses';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Choice, Condition, DefinitionBody, IntegrationPattern, JsonPath, LogLevel, StateMachine, StateMachineType, Succeed, TaskInput, Timeout } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { KycStep } from '../../functions/kyc/handler.js';
import { WORKFLOW_EVENT_SOURCE } from '../../shared/workflows/workflow-events.js';
import type { WorkflowSettings } from '../tenant-config.js';
import { acknowledge } from './nag.js';
import { type FunctionSettings, PropdeskFunction } from './propdesk-function.js';
import { handlerEntry } from './trade-pipeline.js';

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

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: workflowStateMachineName(tenantId, 'kyc'),
      stateMachineType: StateMachineType.STANDARD,
      comment: "A trader's identity verification, from the provider's applicant to a verdict",
      definitionBody: DefinitionBody.fromChainable(this.definition(kyc.checkEverySeconds)),
      // The case expires by then; a day's margin for the last check and the conclusion.
      timeout: Duration.days(expireAfterDays + 1),
      logs: {
        destination: new LogGroup(this, 'StateMachineLogs', { retention: props.functions.logRetentionDays as RetentionDays, removalPolicy: RemovalPolicy.RETAIN }),
        level: LogLevel.ALL,
        includeExecutionData: false,
      },
      tracingEnabled: props.functions.tracing,
    });
    if (!props.functions.tracing) acknowledge(this.stateMachine, 'SF2', 'Tracing is off for this tenant (features.tracing false), as for every function');
    acknowledge(this.stateMachine.role, 'IAM5[Resource::*]', 'Step Functions log delivery (logs:CreateLogDelivery and kin) and X-Ray support no resource-level permissions');
    acknowledge(this.stateMachine.role, `IAM5[Resource::<${logicalIdOf(this.steps)}.Arn>:*]`, "CDK's LambdaInvoke grant covers the steps function's versions and aliases; it is this one function");
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

  /** The gate as a Task of another state machine: waits until the trader at `traderIdPath` is verified. */
  gate(scope: Construct, id: string, paths: { readonly traderId: string; readonly accountId: string }): LambdaInvoke {
    const payload: KycStep = { step: 'awaitApproval', traderId: paths.traderId, accountId: paths.accountId, taskToken: JsonPath.taskToken, waitSeconds: this.gateWaitSeconds };
    return new LambdaInvoke(scope, id, {
      lambdaFunction: this.steps,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({ ...payload, traderId: JsonPath.stringAt(paths.traderId), accountId: JsonPath.stringAt(paths.accountId) }),
      taskTimeout: Timeout.duration(Duration.seconds(this.gateWaitSeconds)),
      resultPath: JsonPath.DISCARD,
      retryOnServiceExceptions: false,
    });
  }

  private definition(checkEverySeconds: number) {
    const step = (name: string, payload: Record<string, unknown>, more: { outputPath?: string; resultPath?: string } = {}) => {
      const task = new LambdaInvoke(this, name, { lambdaFunction: this.steps, payload: TaskInput.fromObject(payload), retryOnServiceExceptions: false, ...more });
      task.addRetry({ errors: PERMANENT_ERRORS, maxAttempts: 0 });
      task.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(2), maxAttempts: 5, backoffRate: 2 });
      return task;
    };
    const progress = JsonPath.objectAt('$');
    const open = step('Open case', { step: 'openCase', traderId: JsonPath.stringAt('$.detail.traderId') }, { outputPath: '$.Payload' });
    const wait = new LambdaInvoke(this, 'Await decision', {
      lambdaFunction: this.steps,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({ step: 'awaitDecision', progress, taskToken: JsonPath.taskToken, waitSeconds: checkEverySeconds }),
      taskTimeout: Timeout.duration(Duration.seconds(checkEverySeconds)),
      resultPath: '$.verdict',
      retryOnServiceExceptions: false,
    });
    wait.addRetry({ errors: ['States.Timeout', ...PERMANENT_ERRORS], maxAttempts: 0 });
    wait.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(2), maxAttempts: 5, backoffRate: 2 });
    const remind = step('Remind or expire', { step: 'remindOrExpire', progress }, { outputPath: '$.Payload' });
    wait.addCatch(remind, { errors: ['States.Timeout'], resultPath: JsonPath.DISCARD });
    const conclude = step('Conclude', { step: 'conclude', progress }, { outputPath: '$.Payload' });
    const concluded = conclude.next(new Succeed(this, 'Concluded'));
    const resubmit = step('Request resubmission', { step: 'requestResubmission', progress, verdict: JsonPath.objectAt('$.verdict') }, { outputPath: '$.Payload' });
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

/** The workflows' state machines have names, so a function they invoke can be granted callbacks on them without a reference cycle. */
export const workflowStateMachineName = (tenantId: string, workflow: string) => `propdesk-${tenantId}-${workflow}`;

const logicalIdOf = (fn: PropdeskFunction) => fn.stack.getLogicalId(fn.node.defaultChild as never);
