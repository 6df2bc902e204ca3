/**
 * Payouts. The API stores a trader's request and puts PayoutRequested on the bus, which starts the Payout
 * state machine:
 *
 *   Evaluate → rejected by its gates: end · approved (auto) · awaiting an analyst → Await approval (the API's
 *   decision route resumes it; declined or undecided: Record rejection) → Instruct processor (waits for the
 *   processor's settlement answer) → Settle (ledger, balance operation, scaling review)
 *   the processor failed or never answered → Record failure (nothing booked) → Fail
 *
 * The processor commands go to their own queue (the processor polls it); the balance operation goes to the
 * bridges' commands queue; the processor's answers reach the callbacks function through a rule.
 */
import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Match, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SfnStateMachine, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Choice, Condition, Fail, JsonPath, type StateMachine, Succeed } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { WORKFLOW_EVENT_SOURCE } from '../../shared/workflows/workflow-events.js';
import type { WorkflowSettings } from '../tenant-config.js';
import { type FunctionSettings, PropdeskFunction } from './propdesk-function.js';
import { handlerEntry, queueWithDeadLetterQueue } from './trade-pipeline.js';
import type { WorkflowShared } from './workflow-shared.js';
import { type StepOptions, stepTask, waitTask, workflowStateMachine } from './workflow-state-machine.js';

export interface PayoutWorkflowProps {
  readonly tenantId: string;
  readonly table: ITable;
  readonly eventBus: IEventBus;
  readonly settings: WorkflowSettings;
  readonly functions: FunctionSettings;
  readonly shared: WorkflowShared;
  /** Resumes the settlement wait with the processor's answer (the purchase workflow's callbacks function). */
  readonly callbacks: PropdeskFunction;
}

export const PROCESSOR_ANSWER_DETAIL_TYPES: readonly string[] = ['PayoutProcessorSettled', 'PayoutProcessorFailed'];

const PERMANENT_ERRORS = ['InvalidStepInput', 'UnknownPayout'];

export class PayoutWorkflow extends Construct {
  readonly steps: PropdeskFunction;
  readonly stateMachine: StateMachine;
  readonly processorCommandsQueue: Queue;
  readonly processorCommandsDeadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: PayoutWorkflowProps) {
    super(scope, id);
    const { tenantId, table, eventBus, settings } = props;
    this.steps = new PropdeskFunction(this, 'Steps', {
      tenantId,
      settings: props.functions,
      serviceName: 'payouts',
      entry: handlerEntry('payouts'),
      description: `Propdesk ${tenantId}: the payout workflow's steps`,
    })
      .bindTable(table, 'readWrite', 'TABLE_NAME')
      .bindBus(eventBus, 'EVENT_BUS_NAME');

    const { approvalWaitSeconds, settlementWaitSeconds } = settings.payouts;
    this.stateMachine = workflowStateMachine(this, {
      tenantId,
      workflow: 'payout',
      comment: "A trader's payout request, from its gates to the money paid and booked",
      definition: this.definition(approvalWaitSeconds, settlementWaitSeconds),
      // Both waits plus an hour of steps and retries.
      timeout: Duration.seconds(approvalWaitSeconds + settlementWaitSeconds + 3600),
      functions: props.functions,
      invokes: [this.steps],
    });
    // The callbacks function answers the settlement wait; the API answers the approval wait (management-api).
    this.stateMachine.grantTaskResponse(props.callbacks);

    new Rule(this, 'PayoutRequests', {
      eventBus,
      description: "A trader's payout request (from the API)",
      eventPattern: { source: [WORKFLOW_EVENT_SOURCE], detailType: ['PayoutRequested'] },
      targets: [new SfnStateMachine(this.stateMachine, { deadLetterQueue: props.shared.deliveryDeadLetterQueue, retryAttempts: 8 })],
    });
    [this.processorCommandsQueue, this.processorCommandsDeadLetterQueue] = queueWithDeadLetterQueue(this, 'ProcessorCommands');
    new Rule(this, 'ProcessorCommands', {
      eventBus,
      description: 'Commands for the payout processor',
      eventPattern: { source: [WORKFLOW_EVENT_SOURCE], detailType: ['PayoutInstructed'] },
      targets: [new SqsQueue(this.processorCommandsQueue, { deadLetterQueue: this.processorCommandsDeadLetterQueue })],
    });
    new Rule(this, 'ProcessorAnswers', {
      eventBus,
      description: "The payout processor's settlement answers",
      eventPattern: { source: Match.prefix('propdesk.processor.'), detailType: [...PROCESSOR_ANSWER_DETAIL_TYPES] },
      targets: [new LambdaFunction(props.callbacks, { deadLetterQueue: props.shared.deliveryDeadLetterQueue, retryAttempts: 8 })],
    });
  }

  private definition(approvalWaitSeconds: number, settlementWaitSeconds: number) {
    const payoutId = JsonPath.stringAt('$.payoutId');
    const step = (name: string, payload: Record<string, unknown>, options: StepOptions) => stepTask(this, name, this.steps, { payoutId, ...payload }, PERMANENT_ERRORS, options);
    /** A wait whose answer may carry `answers` (failures never retried). */
    const waitFor = (name: string, stepName: 'awaitApproval' | 'instruct', waitSeconds: number, resultPath: string, answers: readonly string[]) =>
      waitTask(this, name, this.steps, { step: stepName, payoutId }, { waitSeconds, resultPath, answers, permanentErrors: PERMANENT_ERRORS });
    // The execution's input is the PayoutRequested event; from here on the state is { payoutId, outcome, … }.
    const evaluate = step('Evaluate', { step: 'evaluate', payoutId: JsonPath.stringAt('$.detail.payoutId'), executionId: JsonPath.stringAt('$$.Execution.Id') }, { outputPath: '$.Payload' });
    const approval = waitFor('Await approval', 'awaitApproval', approvalWaitSeconds, '$.approval', ['PayoutDeclined']);
    const recordApproval = step('Record approval', { step: 'recordApproval', approval: JsonPath.objectAt('$.approval') }, { resultPath: JsonPath.DISCARD });
    const recordRejection = step('Record rejection', { step: 'recordRejection', failure: JsonPath.objectAt('$.failure') }, { resultPath: JsonPath.DISCARD });
    approval.addCatch(recordRejection, { errors: ['PayoutDeclined', 'States.Timeout'], resultPath: '$.failure' });
    recordRejection.next(new Succeed(this, 'Declined'));
    const instruct = waitFor('Instruct processor', 'instruct', settlementWaitSeconds, '$.settlement', ['PayoutFailed']);
    const settle = step('Settle', { step: 'settle', settlement: JsonPath.objectAt('$.settlement') }, { resultPath: JsonPath.DISCARD });
    const recordFailure = step('Record failure', { step: 'recordFailure', failure: JsonPath.objectAt('$.failure') }, { resultPath: JsonPath.DISCARD });
    // Compensation: the money did not move, so nothing is booked and the balance stays.
    instruct.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.failure' });
    recordFailure.next(new Fail(this, 'Payout failed', { error: 'PayoutFailed', cause: 'the processor did not pay: see the payout and the PayoutFailed event' }));
    const pay = instruct.next(settle).next(new Succeed(this, 'Paid'));
    approval.next(recordApproval).next(pay);

    return evaluate.next(
      new Choice(this, 'Decided?')
        .when(Condition.stringEquals('$.outcome', 'rejected'), new Succeed(this, 'Rejected by its gates'))
        .when(Condition.stringEquals('$.outcome', 'alreadyHandled'), new Succeed(this, 'Already handled', { comment: 'another execution handles this request' }))
        .when(Condition.stringEquals('$.outcome', 'awaitingApproval'), approval)
        .otherwise(pay),
    );
  }
}
