/**
 * Purchase to active account. A payment processor's event (Stripe's checkout.session.completed, or the generic
 * PaymentSucceeded) or the evaluator's PhasePassed starts the Purchase state machine:
 *
 *   Claim order → (duplicate, or nothing to provision: end) → Request trading account (waits for the bridge's
 *   answer, by task token, up to the tenant's bridgeAnswerSeconds) → Deliver credentials → Activate account
 *
 * A refused or unanswered request records the failure and fails the execution. The definition is JSONPath
 * only: the local platform runs this same synthesized definition (local/state-machines.ts).
 *
 * Commands to bridges go to a queue the bridges poll; their answers come back as events on the firm's bus,
 * where a rule hands them to the callbacks function, which resumes the waiting task.
 */
import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Match, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SfnStateMachine, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Choice, Condition, Fail, JsonPath, type StateMachine, Succeed } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DOMAIN_EVENT_SOURCE } from '../../shared/stream/domain-events.js';
import { BRIDGE_SOURCE_PREFIX, WORKFLOW_EVENT_SOURCE } from '../../shared/workflows/workflow-events.js';
import type { PaymentProcessorSettings, WorkflowSettings } from '../tenant-config.js';
import { type FunctionSettings, PropdeskFunction } from './propdesk-function.js';
import type { KycWorkflow } from './kyc-workflow.js';
import { handlerEntry, queueWithDeadLetterQueue } from './trade-pipeline.js';
import type { WorkflowShared } from './workflow-shared.js';
import { type StepOptions, stepTask, waitTask, workflowStateMachine, workflowStateMachineName } from './workflow-state-machine.js';

export interface PurchaseWorkflowProps {
  readonly tenantId: string;
  readonly table: ITable;
  readonly eventBus: IEventBus;
  /** Where activations and failed or refused orders go, beside the evaluator's outcomes. */
  readonly outcomes: { readonly queue: Queue; readonly deadLetterQueue: Queue };
  readonly processors: PaymentProcessorSettings;
  readonly settings: WorkflowSettings;
  readonly functions: FunctionSettings;
  readonly shared: WorkflowShared;
  /** A funded phase activates only for a verified trader: the KYC gate waits for it. */
  readonly kyc: KycWorkflow;
}

/** The workflow's commands to bridges; the bridges poll the commands queue for them. */
export const BRIDGE_COMMAND_DETAIL_TYPES: readonly string[] = ['TradingAccountRequested', 'BalanceOperationRequested'];
export const BRIDGE_ANSWER_DETAIL_TYPES: readonly string[] = ['TradingAccountCreated', 'TradingAccountRefused'];
export const WORKFLOW_OUTCOME_DETAIL_TYPES: readonly string[] = [
  'AccountActivated',
  'ProvisioningFailed',
  'OrderRefused',
  'KycApproved',
  'KycRejected',
  'KycExpired',
  'PayoutRejected',
  'PayoutSettled',
  'PayoutFailed',
  'ScalingDue',
];

/** The Lambda errors a step raises that no retry can mend. */
const PERMANENT_ERRORS = ['InvalidOrder', 'InvalidStepInput'];

export class PurchaseWorkflow extends Construct {
  readonly steps: PropdeskFunction;
  readonly callbacks: PropdeskFunction;
  readonly stateMachine: StateMachine;
  readonly bridgeCommandsQueue: Queue;
  readonly bridgeCommandsDeadLetterQueue: Queue;
  /** The dead-letter queue of its rules' targets (shared with the other workflows). */
  readonly deliveryDeadLetterQueue: Queue;
  readonly startRules: readonly Rule[];

  constructor(scope: Construct, id: string, props: PurchaseWorkflowProps) {
    super(scope, id);
    const { tenantId, table, eventBus, settings } = props;
    const functionDefaults = { tenantId, settings: props.functions };

    this.steps = new PropdeskFunction(this, 'Steps', {
      ...functionDefaults,
      serviceName: 'purchase',
      entry: handlerEntry('purchase'),
      description: `Propdesk ${tenantId}: the purchase workflow's steps`,
      environment: { CREDENTIALS_SENDER: settings.credentialsSender },
    })
      .bindTable(table, 'readWrite', 'TABLE_NAME')
      .bindBus(eventBus, 'EVENT_BUS_NAME');
    props.shared.sender.grantSendEmail(this.steps);

    this.stateMachine = workflowStateMachine(this, {
      tenantId,
      workflow: 'purchase',
      comment: 'A payment or a passed phase becomes an active account',
      definition: this.definition(settings, props.kyc),
      // The KYC gate's and the bridge's waits plus an hour of steps and retries.
      timeout: Duration.seconds(props.kyc.gateWaitSeconds + settings.bridgeAnswerSeconds + 3600),
      functions: props.functions,
      invokes: [this.steps, props.kyc.steps],
    });

    [this.bridgeCommandsQueue, this.bridgeCommandsDeadLetterQueue] = queueWithDeadLetterQueue(this, 'BridgeCommands');
    const { deliveryDeadLetterQueue } = props.shared;
    this.deliveryDeadLetterQueue = deliveryDeadLetterQueue;
    props.kyc.allowGateCallbacks(workflowStateMachineName(tenantId, 'purchase'));
    new Rule(this, 'BridgeCommands', {
      eventBus,
      description: 'Commands for the trading-platform bridges',
      eventPattern: { source: [WORKFLOW_EVENT_SOURCE], detailType: [...BRIDGE_COMMAND_DETAIL_TYPES] },
      targets: [new SqsQueue(this.bridgeCommandsQueue, { deadLetterQueue: this.bridgeCommandsDeadLetterQueue })],
    });

    new Rule(this, 'Outcomes', {
      eventBus,
      description: 'Activated accounts, orders that failed or were refused, concluded identity verifications, payout outcomes',
      eventPattern: { source: [WORKFLOW_EVENT_SOURCE], detailType: [...WORKFLOW_OUTCOME_DETAIL_TYPES] },
      targets: [new SqsQueue(props.outcomes.queue, { deadLetterQueue: props.outcomes.deadLetterQueue })],
    });

    this.callbacks = new PropdeskFunction(this, 'Callbacks', {
      ...functionDefaults,
      serviceName: 'callbacks',
      entry: handlerEntry('callbacks'),
      description: `Propdesk ${tenantId}: resumes workflows with the bridges' and payout processors' answers`,
    }).bindTable(table, 'readWrite', 'TABLE_NAME');
    this.stateMachine.grantTaskResponse(this.callbacks);
    new Rule(this, 'BridgeAnswers', {
      eventBus,
      description: "The bridges' answers to the workflows' commands",
      eventPattern: { source: Match.prefix(BRIDGE_SOURCE_PREFIX), detailType: [...BRIDGE_ANSWER_DETAIL_TYPES] },
      targets: [new LambdaFunction(this.callbacks, { deadLetterQueue: deliveryDeadLetterQueue, retryAttempts: 8 })],
    });

    const start = new SfnStateMachine(this.stateMachine, { deadLetterQueue: deliveryDeadLetterQueue, retryAttempts: 8 });
    const { stripe } = props.processors;
    this.startRules = [
      new Rule(this, 'ProcessorPayments', {
        eventBus,
        description: 'A payment at a processor other than Stripe',
        eventPattern: { source: Match.prefix('propdesk.processor.'), detailType: ['PaymentSucceeded'] },
        targets: [start],
      }),
      ...(stripe === undefined
        ? []
        : [
            new Rule(this, 'StripeCheckouts', {
              eventBus,
              description: 'A completed Stripe Checkout session (forwarded from the partner bus)',
              eventPattern: { source: [stripe.partnerEventSource], detailType: ['checkout.session.completed'] },
              targets: [start],
            }),
          ]),
      new Rule(this, 'PhasesPassed', {
        eventBus,
        description: 'A passed phase: the next phase is provisioned',
        eventPattern: { source: [DOMAIN_EVENT_SOURCE], detailType: ['PhasePassed'] },
        targets: [start],
      }),
    ];
  }

  private definition(settings: WorkflowSettings, kyc: KycWorkflow) {
    const step = (name: string, payload: Record<string, unknown>, options: StepOptions) => stepTask(this, name, this.steps, payload, PERMANENT_ERRORS, options);
    const provisioning = JsonPath.objectAt('$.provisioning');
    const login = JsonPath.objectAt('$.login');

    const claim = step('Claim order', { step: 'claimOrder', event: JsonPath.entirePayload, executionId: JsonPath.stringAt('$$.Execution.Id') }, { outputPath: '$.Payload' });
    // The bridge's refusal and the wait running out are answers, not glitches: never asked again.
    const request = waitTask(this, 'Request trading account', this.steps, { step: 'requestTradingAccount', provisioning }, {
      waitSeconds: settings.bridgeAnswerSeconds,
      resultPath: '$.login',
      answers: ['BridgeRefused'],
      permanentErrors: PERMANENT_ERRORS,
    });
    const deliver = step('Deliver credentials', { step: 'deliverCredentials', provisioning, login }, { resultPath: JsonPath.DISCARD });
    const activate = step('Activate account', { step: 'activateAccount', provisioning, login }, { resultPath: '$.activation' });
    const recordFailure = step('Record failure', { step: 'recordFailure', provisioning, failure: JsonPath.objectAt('$.failure') }, { resultPath: JsonPath.DISCARD });
    request.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.failure' });
    // No login for a funded phase before the trader is verified; a rejected or expired verification fails the order.
    const awaitKyc = kyc.gate(this, 'Await KYC approval', { traderId: '$.provisioning.traderId', accountId: '$.provisioning.accountId' }, PERMANENT_ERRORS);
    awaitKyc.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.failure' });
    // The login exists but the trader never got it: staff resend the credentials rather than activate blind.
    deliver.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.failure' });
    // Mailed but not activated: the order must not look provisioned.
    activate.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.failure' });
    recordFailure.next(new Fail(this, 'Provisioning failed', { error: 'ProvisioningFailed', cause: 'the trading account was not created: see the order and the ProvisioningFailed event' }));

    return claim.next(
      new Choice(this, 'Claimed?')
        .when(Condition.stringEquals('$.outcome', 'duplicate'), new Succeed(this, 'Already claimed', { comment: 'another execution provisions this order' }))
        .when(Condition.stringEquals('$.outcome', 'nothingToProvision'), new Succeed(this, 'Nothing to provision'))
        .otherwise(
          new Choice(this, 'Funded phase?')
            .when(Condition.stringEquals('$.provisioning.phaseKind', 'funded'), awaitKyc.next(request))
            .otherwise(request.next(deliver).next(activate).next(new Succeed(this, 'Account active'))),
        ),
    );
  }
}

