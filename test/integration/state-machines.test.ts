/**
 * The local Step Functions runner on a definition CDK synthesizes: Lambda invocations with retries and
 * catches, PutEvents, and callbacks by task token, with their timeouts; the definition as the template holds
 * it, intrinsics and all.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Choice, Condition, DefinitionBody, Fail, IntegrationPattern, JsonPath, StateMachine, Succeed, TaskInput, Timeout } from 'aws-cdk-lib/aws-stepfunctions';
import { EventBridgePutEvents, LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { describe, expect, it } from 'vitest';
import { aslOf, LocalStateMachine, TaskTokens, type LocalTaskTargets } from '../../local/state-machines.js';

/** A small purchase-like workflow: validate (retried), ask a bridge and wait for its callback, then decide. */
function synthesizedDefinition(callbackTimeoutSeconds: number) {
  const stack = new Stack(new App(), 'Workflow');
  const validate = new LambdaFunction(stack, 'Validate', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => ({})') });
  const bus = new EventBus(stack, 'Bus');
  const validateOrder = new LambdaInvoke(stack, 'Validate order', { lambdaFunction: validate, resultSelector: { 'order.$': '$.Payload' }, resultPath: '$.validated' });
  validateOrder.addRetry({ errors: ['ProcessorUnavailable'], maxAttempts: 2, interval: Duration.seconds(1), backoffRate: 1 });
  const askBridge = new EventBridgePutEvents(stack, 'Ask the bridge for an account', {
    integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    entries: [{ eventBus: bus, source: 'propdesk.workflows', detailType: 'CreateTradingAccount', detail: TaskInput.fromObject({ taskToken: JsonPath.taskToken, orderId: JsonPath.stringAt('$.orderId') }) }],
    taskTimeout: Timeout.duration(Duration.seconds(callbackTimeoutSeconds)),
    resultPath: '$.bridge',
  });
  const failed = new Fail(stack, 'Not provisioned', { error: 'NotProvisioned' });
  askBridge.addCatch(failed, { errors: ['States.Timeout', 'BridgeRefused'] });
  validateOrder.addCatch(new Fail(stack, 'Invalid order', { error: 'InvalidOrder' }), { errors: ['InvalidOrder'] });
  const definition = validateOrder.next(askBridge).next(new Choice(stack, 'Created?').when(Condition.stringEquals('$.bridge.login', ''), failed).otherwise(new Succeed(stack, 'Provisioned')));
  const machine = new StateMachine(stack, 'Purchase', { definitionBody: DefinitionBody.fromChainable(definition) });
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Properties: { DefinitionString: unknown } }> };
  const logicalIds = { validate: stack.getLogicalId(validate.node.defaultChild as never), machine: stack.getLogicalId(machine.node.defaultChild as never) };
  const arnOf = (logicalId: string) => `arn:aws:lambda:local:000000000000:function:${logicalId}`;
  return { asl: aslOf(template.Resources[logicalIds.machine]!.Properties.DefinitionString, (id, attribute) => (attribute === 'Arn' ? arnOf(id) : id)), validateArn: arnOf(logicalIds.validate) };
}

interface Harness {
  readonly machine: LocalStateMachine;
  readonly tokens: TaskTokens;
  readonly sent: Record<string, unknown>[];
  validations: number;
}

function harness(validate: (payload: unknown, attempt: number) => Promise<unknown>, callbackTimeoutSeconds = 5): Harness {
  const { asl, validateArn } = synthesizedDefinition(callbackTimeoutSeconds);
  const tokens = new TaskTokens();
  const state: Harness = { machine: undefined as never, tokens, sent: [], validations: 0 };
  const targets: LocalTaskTargets = {
    lambda: (name) => (name === validateArn ? (payload) => validate(payload, ++state.validations) : undefined),
    putEvents: async (entries) => void state.sent.push(...entries),
    tokens,
  };
  return Object.assign(state, { machine: new LocalStateMachine('Purchase', asl, targets) });
}

/** The token the workflow put in the event it sent, once it has sent it. */
async function sentToken(h: Harness): Promise<string> {
  while (h.sent.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  return (h.sent[0]!['Detail'] as { taskToken: string }).taskToken;
}

const refused = (name: string) => Object.assign(new Error(`${name} happened`), { name });

describe('the local Step Functions runner on a synthesized definition', () => {
  it('invokes the Lambda, sends the event with a fresh task token, and resumes with the callback output', async () => {
    const h = harness(async (payload) => ({ ok: true, saw: payload }));
    const execution = h.machine.execute({ orderId: 'ord-1' }, 'ord-1');
    const token = await sentToken(h);
    expect(token).toMatch(/^local-task-token-/);
    expect(h.sent[0]).toMatchObject({ Source: 'propdesk.workflows', DetailType: 'CreateTradingAccount' });
    // As the integration passes it: Detail an object, the token swapped in for $$.Task.Token.
    expect(h.sent[0]!['Detail']).toEqual({ taskToken: token, orderId: 'ord-1' });
    expect(h.tokens.succeed(token, { login: '5210347' })).toBe(true);
    expect(await execution).toEqual({ orderId: 'ord-1', validated: { order: { ok: true, saw: { orderId: 'ord-1' } } }, bridge: { login: '5210347' } });
    // A second callback for a settled token is refused, as AWS refuses it.
    expect(h.tokens.succeed(token, { login: 'again' })).toBe(false);
  });

  it("retries a Lambda error the definition retries, and takes the definition's catch for one it catches", async () => {
    const flaky = harness(async (_payload, attempt) => {
      if (attempt < 3) throw refused('ProcessorUnavailable');
      return {};
    });
    const execution = flaky.machine.execute({ orderId: 'ord-2' }, 'ord-2');
    flaky.tokens.succeed(await sentToken(flaky), { login: 'x' });
    await execution;
    expect(flaky.validations).toBe(3);

    const invalid = harness(async () => Promise.reject(refused('InvalidOrder')));
    await expect(invalid.machine.execute({ orderId: 'ord-3' }, 'ord-3')).rejects.toMatchObject({ name: 'ExecutionFailed', error: 'InvalidOrder' });
    expect(invalid.sent).toEqual([]);
  });

  it('fails the task with the error a SendTaskFailure gives, and times it out at its TimeoutSeconds', async () => {
    const refusedByBridge = harness(async () => ({}));
    const execution = refusedByBridge.machine.execute({ orderId: 'ord-4' }, 'ord-4');
    expect(refusedByBridge.tokens.fail(await sentToken(refusedByBridge), 'BridgeRefused', 'login taken')).toBe(true);
    await expect(execution).rejects.toMatchObject({ error: 'NotProvisioned' });

    const silent = harness(async () => ({}), 1);
    const started = Date.now();
    const silentExecution = silent.machine.execute({ orderId: 'ord-5' }, 'ord-5');
    const token = await sentToken(silent);
    await expect(silentExecution).rejects.toMatchObject({ error: 'NotProvisioned' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(silent.tokens.succeed(token, { login: 'late' })).toBe(false);
  });

  it('refuses, when built, a definition with a Task it cannot run locally', () => {
    const { asl } = synthesizedDefinition(5);
    const states = (asl as unknown as { States: Record<string, Record<string, unknown>> }).States;
    states['Validate order']!['Resource'] = 'arn:aws:states:::sqs:sendMessage';
    expect(() => new LocalStateMachine('Purchase', asl, { lambda: () => undefined, putEvents: async () => undefined, tokens: new TaskTokens() })).toThrow(
      'state "Validate order" uses arn:aws:states:::sqs:sendMessage, which the local platform does not run',
    );
  });

  it('refuses an intrinsic it cannot resolve', () => {
    expect(() => aslOf({ 'Fn::Sub': 'x' }, () => '')).toThrow(/cannot resolve/);
  });
});
