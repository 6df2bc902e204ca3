/**
 * The workflows on the local platform: every state machine of the synthesized stack, run from its own
 * definition by LocalStateMachine, started by the bus rules that target it (as StartExecution would: the
 * PutEvents returns at once, the execution runs on), its Lambda tasks served by the handlers that deploy.
 * Lambda targets of bus rules are invoked the same way, asynchronously, as EventBridge invokes them.
 */
import type { LocalTemplate } from '../cdk/local-template.js';
import type { TaskCallbacks } from '../shared/ports/task-tokens.js';
import type { EventBridgeEvent, LocalEventBus } from './event-router.js';
import { aslOf, ExecutionFailed, LocalStateMachine, TaskTokens } from './state-machines.js';

type Json = Parameters<LocalStateMachine['execute']>[0];

export type LambdaHandler = (payload: unknown) => Promise<unknown>;

export interface LocalExecution {
  readonly id: string;
  readonly stateMachineLogicalId: string;
  readonly input: unknown;
  status: 'running' | 'succeeded' | 'failed';
  output?: unknown;
  error?: string;
  cause?: string;
}

/** SendTaskSuccess and SendTaskFailure against the local runner's tokens. */
export class LocalTaskCallbacks implements TaskCallbacks {
  constructor(private readonly tokens: TaskTokens) {}

  async succeed(token: string, output: unknown): Promise<boolean> {
    return this.tokens.succeed(token, output as Json);
  }

  async fail(token: string, error: string, cause: string): Promise<boolean> {
    return this.tokens.fail(token, error, cause);
  }
}

export interface LocalWorkflowsOptions {
  readonly template: LocalTemplate;
  readonly bus: LocalEventBus;
  /** The handler of each function the state machines and the bus invoke, by logical id. */
  readonly functions: Readonly<Record<string, LambdaHandler>>;
  readonly tokens: TaskTokens;
  /** Told of every execution that ends, and of every asynchronous invocation that throws. */
  readonly onExecutionEnd?: (execution: LocalExecution) => void;
  readonly onInvocationError?: (functionLogicalId: string, error: unknown) => void;
}

export class LocalWorkflows {
  readonly executions: LocalExecution[] = [];
  private readonly machines = new Map<string, LocalStateMachine>();
  private readonly running = new Set<Promise<unknown>>();
  private started = 0;

  constructor(private readonly options: LocalWorkflowsOptions) {
    const { template, bus, tokens } = options;
    const functionArn = (logicalId: string) => `arn:aws:lambda:${template.region}:${template.account}:function:${logicalId}`;
    const lambda = (functionName: string) => options.functions[functionName.slice(functionName.lastIndexOf(':') + 1)];
    for (const { logicalId, definitionString } of Object.values(template.stateMachines)) {
      const definition = aslOf(definitionString, (id, attribute) => (attribute === 'Arn' ? functionArn(id) : id));
      this.machines.set(logicalId, new LocalStateMachine(logicalId, definition, { lambda, putEvents: async (entries) => void (await bus.putEvents(entries)), tokens }));
    }
  }

  /** StartExecution: the execution runs on after this returns. */
  start(stateMachineLogicalId: string, input: unknown): LocalExecution {
    const machine = this.machines.get(stateMachineLogicalId);
    if (machine === undefined) throw new Error(`no state machine ${stateMachineLogicalId} in the template`);
    const execution: LocalExecution = { id: `local:${stateMachineLogicalId}:${++this.started}`, stateMachineLogicalId, input, status: 'running' };
    this.executions.push(execution);
    this.track(
      machine.execute(input as Json, execution.id).then(
        (output) => Object.assign(execution, { status: 'succeeded', output }),
        (error: unknown) => {
          // Anything else is the runner's own failure: the execution is failed with it, so nothing waits for it forever.
          const failure = error instanceof ExecutionFailed ? { error: error.error, cause: error.errorCause } : { error: (error as Error).name, cause: (error as Error).message };
          Object.assign(execution, { status: 'failed', ...failure });
        },
      ).finally(() => this.options.onExecutionEnd?.(execution)),
    );
    return execution;
  }

  /** An asynchronous Lambda invocation (a bus rule's function target). */
  invoke(functionLogicalId: string, event: EventBridgeEvent): void {
    const handler = this.options.functions[functionLogicalId];
    if (handler === undefined) throw new Error(`no local handler for function ${functionLogicalId}`);
    this.track(handler(event).catch((error: unknown) => this.options.onInvocationError?.(functionLogicalId, error)));
  }

  /** Resolves once no execution or invocation is running (one that starts meanwhile is waited for too). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private track(work: Promise<unknown>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work)).catch(() => undefined);
  }
}
