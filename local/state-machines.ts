/**
 * Step Functions locally: the state machine definitions CDK synthesizes, run unchanged by
 * aws-local-stepfunctions (an ASL interpreter; JSONPath only). Its Task states would call AWS, so each is
 * given a local handler by its Resource: Lambda invocations call the same handler the function deploys,
 * PutEvents goes to the local bus, and the `.waitForTaskToken` variants wait for a local SendTaskSuccess or
 * SendTaskFailure (`TaskTokens`), with the state's own TimeoutSeconds. A Resource it cannot serve is refused
 * when the machine is built, not halfway through an execution.
 */
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

// aws-local-stepfunctions uses Promise.withResolvers, a Node 22 API; Lambdas run on 22, this runs on 20 too.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** How a CloudFormation reference in the definition resolves locally: `Ref`, or `Fn::GetAtt` with its attribute. */
export type ResolveReference = (logicalId: string, attribute: string | null) => string;

/** The pseudo parameters a definition's ARNs use that do not depend on the account or region. */
const PSEUDO_PARAMETERS: Readonly<Record<string, string>> = { 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' };

/**
 * The ASL of a synthesized `DefinitionString`: a string, or an `Fn::Join` of strings and references (each
 * token sits inside a JSON string, so substituting text keeps the JSON valid). Any other intrinsic is refused.
 */
export function aslOf(definitionString: unknown, resolve: ResolveReference): StateMachineDefinition {
  const text = (part: unknown): string => {
    if (typeof part === 'string') return part;
    if (typeof part === 'object' && part !== null) {
      const [[name, value]] = Object.entries(part) as [[string, unknown]];
      if (name === 'Ref' && typeof value === 'string') return PSEUDO_PARAMETERS[value] ?? resolve(value, null);
      if (name === 'Fn::GetAtt' && Array.isArray(value)) return resolve(String(value[0]), String(value[1]));
      if (name === 'Fn::Join' && Array.isArray(value)) return (value[1] as unknown[]).map(text).join(String(value[0]));
    }
    throw new Error(`a state machine definition holds an intrinsic the local platform cannot resolve: ${JSON.stringify(part)}`);
  };
  return JSON.parse(text(definitionString)) as StateMachineDefinition;
}

/** Local SendTaskSuccess and SendTaskFailure: a waiting task resumes, or fails with the error given. */
export class TaskTokens {
  private readonly waiting = new Map<string, { resolve: (output: Json) => void; reject: (error: Error) => void }>();
  private issued = 0;

  /** A fresh token and the promise its callback settles. */
  issue(): { token: string; settled: Promise<Json> } {
    const token = `local-task-token-${++this.issued}-${Math.random().toString(36).slice(2)}`;
    const settled = new Promise<Json>((resolve, reject) => this.waiting.set(token, { resolve, reject }));
    // A task may time out while its Lambda is still being invoked, before anyone awaits the outcome.
    settled.catch(() => undefined);
    return { token, settled };
  }

  /** False for a token nobody waits for (unknown, already settled, or its task timed out), as AWS answers TaskTimedOut. */
  succeed(token: string, output: Json): boolean {
    const waiter = this.take(token);
    waiter?.resolve(output);
    return waiter !== undefined;
  }

  fail(token: string, error: string, cause: string): boolean {
    const waiter = this.take(token);
    waiter?.reject(Object.assign(new Error(cause), { name: error }));
    return waiter !== undefined;
  }

  /** Stops waiting for a token (its task timed out or the execution ended). */
  forget(token: string): void {
    this.waiting.delete(token);
  }

  private take(token: string) {
    const waiter = this.waiting.get(token);
    this.waiting.delete(token);
    return waiter;
  }
}

/** What a local execution's Task states reach instead of AWS. */
export interface LocalTaskTargets {
  /** Lambda handlers by the function name or ARN the definition gives `lambda:invoke`. */
  readonly lambda: (functionName: string) => ((payload: unknown) => Promise<unknown>) | undefined;
  /** PutEvents onto the local bus, entries as the `events:putEvents` integration passes them. */
  readonly putEvents: (entries: readonly Record<string, unknown>[]) => Promise<void>;
  readonly tokens: TaskTokens;
}

/** Stands in for `$$.Task.Token` in the execution's context; each waiting task swaps it for a token of its own. */
const TOKEN_PLACEHOLDER = 'local-task-token-placeholder';

type TaskHandler = (input: Json) => Promise<Json>;

interface TaskState {
  readonly Resource: string;
  readonly TimeoutSeconds?: number;
}

/**
 * Node's timers hold at most 2^31 - 1 ms (about 24.8 days); a longer one fires at once. The interpreter times
 * tasks with setTimeout, so a longer TimeoutSeconds (the KYC gate waits the case's whole life) is capped
 * locally at this: a local execution does not wait that long anyway.
 */
export const MAX_LOCAL_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Every Task state of the definition, Parallel branches and Map iterators included, by state name. */
function taskStates(definition: StateMachineDefinition): Map<string, TaskState> {
  const found = new Map<string, TaskState>();
  const visit = (machine: { States: Record<string, unknown> }) => {
    for (const [name, state] of Object.entries(machine.States) as [string, Record<string, unknown>][]) {
      if (state['Type'] === 'Task') found.set(name, state as unknown as TaskState);
      for (const branch of (state['Branches'] as { States: Record<string, unknown> }[] | undefined) ?? []) visit(branch);
      const iterator = (state['ItemProcessor'] ?? state['Iterator']) as { States: Record<string, unknown> } | undefined;
      if (iterator !== undefined) visit(iterator);
    }
  };
  visit(definition as unknown as { States: Record<string, unknown> });
  return found;
}

const replaceToken = (value: Json, token: string): Json => JSON.parse(JSON.stringify(value).split(TOKEN_PLACEHOLDER).join(token)) as Json;

/** A Lambda function's error as Step Functions reports it: the function's error type is the error name. */
async function invoke(targets: LocalTaskTargets, state: string, input: Json): Promise<unknown> {
  const { FunctionName, Payload } = input as { FunctionName: string; Payload: unknown };
  const handler = targets.lambda(FunctionName);
  if (handler === undefined) throw Object.assign(new Error(`state "${state}" invokes ${FunctionName}, which the local platform does not run`), { name: 'Lambda.ResourceNotFoundException' });
  return handler(Payload);
}

/**
 * Waits for the callback of a fresh token. The interpreter ends the task at its TimeoutSeconds (60 when
 * absent, as in AWS); the token is forgotten then too, so a late callback is refused as AWS refuses it.
 */
async function waitFor(targets: LocalTaskTargets, timeoutSeconds: number, send: (token: string) => Promise<void>): Promise<Json> {
  const { token, settled } = targets.tokens.issue();
  const timer = setTimeout(() => targets.tokens.fail(token, 'States.Timeout', 'the task timed out'), timeoutSeconds * 1000);
  try {
    await send(token);
    return await settled;
  } finally {
    clearTimeout(timer);
    targets.tokens.forget(token);
  }
}

function handlerFor({ Resource: resource, TimeoutSeconds: timeoutSeconds = 60 }: TaskState, state: string, targets: LocalTaskTargets): TaskHandler {
  switch (resource) {
    case 'arn:aws:states:::lambda:invoke':
      // CDK's LambdaInvoke reads the integration's whole answer (payloadResponseOnly false): the result is under Payload.
      return async (input) => ({ Payload: (await invoke(targets, state, input)) as Json, StatusCode: 200 });
    case 'arn:aws:states:::lambda:invoke.waitForTaskToken':
      return (input) => waitFor(targets, timeoutSeconds, async (token) => void (await invoke(targets, state, replaceToken(input, token))));
    case 'arn:aws:states:::events:putEvents':
      return async (input) => {
        const entries = (input as { Entries: Record<string, unknown>[] }).Entries;
        await targets.putEvents(entries);
        return { Entries: entries.map((_, index) => ({ EventId: `local-${state}-${index}` })), FailedEntryCount: 0 };
      };
    case 'arn:aws:states:::events:putEvents.waitForTaskToken':
      return (input) => waitFor(targets, timeoutSeconds, (token) => targets.putEvents((replaceToken(input, token) as { Entries: Record<string, unknown>[] }).Entries));
    default:
      throw new Error(`state "${state}" uses ${resource}, which the local platform does not run`);
  }
}

/** A synthesized state machine, runnable locally. */
export class LocalStateMachine {
  private readonly machine: StateMachine;
  private readonly handlers: Record<string, TaskHandler>;

  constructor(
    readonly name: string,
    definition: StateMachineDefinition,
    targets: LocalTaskTargets,
  ) {
    const local = structuredClone(definition);
    // The execution's own timeout too (the interpreter honours it with a timer as well).
    const whole = local as { TimeoutSeconds?: number };
    if (whole.TimeoutSeconds !== undefined) whole.TimeoutSeconds = Math.min(whole.TimeoutSeconds, MAX_LOCAL_TIMEOUT_SECONDS);
    const tasks = taskStates(local);
    for (const state of tasks.values()) {
      if (state.TimeoutSeconds !== undefined) (state as { TimeoutSeconds: number }).TimeoutSeconds = Math.min(state.TimeoutSeconds, MAX_LOCAL_TIMEOUT_SECONDS);
    }
    // The ARNs are local stand-ins, so they are not checked.
    this.machine = new StateMachine(local, { validationOptions: { checkArn: false } });
    this.handlers = Object.fromEntries([...tasks].map(([name, state]) => [name, handlerFor(state, name, targets)]));
  }

  /** Runs one execution to its end; a failed execution rejects with an ExecutionFailed naming the error, as DescribeExecution would. */
  async execute(input: Json, executionName: string): Promise<Json> {
    const context = { Execution: { Name: executionName, Id: `local:${this.name}:${executionName}`, Input: input }, Task: { Token: TOKEN_PLACEHOLDER } };
    try {
      return (await this.machine.run(input, { overrides: { taskResourceLocalHandlers: this.handlers }, context }).result) as Json;
    } catch (error) {
      // Ran past the definition's TimeoutSeconds: DescribeExecution says TIMED_OUT, with this error.
      if ((error as Error).name === 'ExecutionTimeoutError') throw new ExecutionFailed('States.Timeout', 'the execution timed out');
      const raised = (error as { cause?: unknown }).cause;
      throw raised instanceof Error ? new ExecutionFailed(raised.name, raised.message) : error;
    }
  }
}

/** A failed execution: the error and cause its last state raised (a Fail state's, or an uncaught task error). */
export class ExecutionFailed extends Error {
  constructor(
    readonly error: string,
    readonly errorCause: string,
  ) {
    super(`the execution failed with ${error}${errorCause === '' ? '' : `: ${errorCause}`}`);
    this.name = 'ExecutionFailed';
  }
}
