/**
 * What the workflows' state machines share: a named Standard state machine that logs every event without
 * execution data (inputs hold traders' emails and names) and traces as the tenant chose, and the two kinds of
 * Lambda task its definition is made of: a step, retried on transient failures but never on the errors no
 * retry mends, and a wait, which hands the function its task token and waits for the answer.
 */
import { type Duration as DurationType, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, type IChainable, IntegrationPattern, JsonPath, LogLevel, StateMachine, StateMachineType, TaskInput, Timeout } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { acknowledge } from './nag.js';
import type { FunctionSettings, PropdeskFunction } from './propdesk-function.js';

/** The workflows' state machines have names, so a function they invoke can be granted callbacks on them without a reference cycle. */
export const workflowStateMachineName = (tenantId: string, workflow: string) => `propdesk-${tenantId}-${workflow}`;

export interface WorkflowStateMachineProps {
  readonly tenantId: string;
  /** `purchase`, `kyc`, `payout`: the last part of the name. */
  readonly workflow: string;
  readonly comment: string;
  readonly definition: IChainable;
  /** Long enough for every wait of the definition: a stuck execution ends (and alarms) instead of waiting a year. */
  readonly timeout: DurationType;
  readonly functions: FunctionSettings;
  /** The functions its tasks invoke. */
  readonly invokes: readonly PropdeskFunction[];
}

/** `StateMachine` (and `StateMachineLogs`) in `scope`. */
export function workflowStateMachine(scope: Construct, props: WorkflowStateMachineProps): StateMachine {
  const stateMachine = new StateMachine(scope, 'StateMachine', {
    stateMachineName: workflowStateMachineName(props.tenantId, props.workflow),
    stateMachineType: StateMachineType.STANDARD,
    timeout: props.timeout,
    comment: props.comment,
    definitionBody: DefinitionBody.fromChainable(props.definition),
    logs: {
      destination: new LogGroup(scope, 'StateMachineLogs', { retention: props.functions.logRetentionDays as RetentionDays, removalPolicy: RemovalPolicy.RETAIN }),
      level: LogLevel.ALL,
      // Inputs hold the trader's email and name; the execution history in Step Functions keeps them, logs need not.
      includeExecutionData: false,
    },
    tracingEnabled: props.functions.tracing,
  });
  if (!props.functions.tracing) acknowledge(stateMachine, 'SF2', 'Tracing is off for this tenant (features.tracing false), as for every function');
  acknowledge(stateMachine.role, 'IAM5[Resource::*]', 'Step Functions log delivery (logs:CreateLogDelivery and kin) and X-Ray support no resource-level permissions');
  for (const fn of props.invokes) {
    const logicalId = fn.stack.getLogicalId(fn.node.defaultChild as never);
    acknowledge(stateMachine.role, `IAM5[Resource::<${logicalId}.Arn>:*]`, "CDK's LambdaInvoke grant covers the function's versions and aliases; it is this one function");
  }
  return stateMachine;
}

export interface StepOptions {
  readonly outputPath?: string;
  readonly resultPath?: string;
}

/** Transient failures (a throttled table, a cold network) retried with backoff. */
function retryTransient(task: LambdaInvoke): void {
  task.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(2), maxAttempts: 5, backoffRate: 2 });
}

/** A Lambda step: `permanentErrors` are never retried, anything else up to 5 times. */
export function stepTask(scope: Construct, id: string, fn: PropdeskFunction, payload: Record<string, unknown>, permanentErrors: readonly string[], options: StepOptions = {}): LambdaInvoke {
  const task = new LambdaInvoke(scope, id, { lambdaFunction: fn, payload: TaskInput.fromObject(payload), retryOnServiceExceptions: false, ...options });
  task.addRetry({ errors: [...permanentErrors], maxAttempts: 0 });
  retryTransient(task);
  return task;
}

export interface WaitOptions {
  /** The wait's timeout; also passed to the function as `waitSeconds` (how long to keep the token). */
  readonly waitSeconds: number;
  readonly resultPath: string;
  /** Failures the answer itself may carry (BridgeRefused, PayoutDeclined, ...): never retried, nor is the timeout. */
  readonly answers: readonly string[];
  readonly permanentErrors: readonly string[];
}

/** A Lambda step that parks its task token (`taskToken` in the payload) and waits for the answer. */
export function waitTask(scope: Construct, id: string, fn: PropdeskFunction, payload: Record<string, unknown>, options: WaitOptions): LambdaInvoke {
  const task = new LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: TaskInput.fromObject({ ...payload, taskToken: JsonPath.taskToken, waitSeconds: options.waitSeconds }),
    taskTimeout: Timeout.duration(Duration.seconds(options.waitSeconds)),
    resultPath: options.resultPath,
    retryOnServiceExceptions: false,
  });
  task.addRetry({ errors: [...options.answers, 'States.Timeout', ...options.permanentErrors], maxAttempts: 0 });
  retryTransient(task);
  return task;
}
