import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { addTenantStack, checkedApp } from '../../cdk/app.js';
import { PROCESSOR_ANSWER_DETAIL_TYPES } from '../../cdk/constructs/payout-workflow.js';
import type { PropdeskFunction } from '../../cdk/constructs/propdesk-function.js';
import { TenantStack } from '../../cdk/stacks/tenant-stack.js';
import { type TenantConfig } from '../../cdk/tenant-config.js';
import { PayoutStep } from '../../functions/payouts/handler.js';
import { payoutSettlementTokenId } from '../../shared/ports/payouts.js';
import { ProcessorAnswer } from '../../shared/workflows/workflow-events.js';
import { actionsOf, arnOf, type Definition, definitionOf, demo, logGroupsOf, payloadAsSent, resolvedArn, type Resource, stateIn, type Statement, statementsOf, statementsOfRole, statesStatementsOf, tenantStack } from '../support/workflow-template.js';

const HOUR_SECONDS = 3_600;

function environmentOf(template: Template, id: (construct: IConstruct) => string, fn: PropdeskFunction): Record<string, unknown> {
  const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
  return (functions[id(fn)]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

const PAYOUT_ID = 'acc-5c1f0e2a9b7d4c36:1';

/** A value of the shape the state machine holds at each path a Task's Payload reads. */
const SAMPLES: Readonly<Record<string, unknown>> = {
  // The execution's input is the PayoutRequested event; after Evaluate the state is its Payload.
  '$.detail.payoutId': PAYOUT_ID,
  '$.payoutId': PAYOUT_ID,
  '$$.Task.Token': 'task-token',
  '$$.Execution.Id': 'arn:aws:states:eu-central-1:111111111111:execution:propdesk-demo-payout:run-1',
  // What the API's decision route resumes the approval wait with (SendTaskSuccess).
  '$.approval': { approvedBy: 'analyst-7f3c', note: 'consistent trading, documents on file' },
  // What a Catch puts at its ResultPath.
  '$.failure': { Error: 'PayoutDeclined', Cause: 'the destination account is not in the trader\u2019s name' },
  // What the callbacks function resumes the settlement wait with (the processor's reference).
  '$.settlement': { reference: 'PO-20260319-004187' },
};

describe('the demo tenant payout workflow', () => {
  let stack: TenantStack;
  let template: Template;
  let id: (construct: IConstruct) => string;
  let payout: Definition;
  const state = (name: string) => stateIn(payout, name);
  const ruleOf = (name: string): Resource => template.findResources('AWS::Events::Rule')[id(stack.payoutWorkflow.node.findChild(name))] as Resource;

  beforeAll(() => {
    ({ stack, template, id } = tenantStack());
    payout = definitionOf(template, id(stack.payoutWorkflow.stateMachine));
  });

  it('is a named Standard state machine that logs every event without execution data, ending an hour after both waits', () => {
    const machine = template.findResources('AWS::StepFunctions::StateMachine')[id(stack.payoutWorkflow.stateMachine)] as Resource;
    expect(demo.features.tracing).toBe(true);
    expect(machine.Properties).toMatchObject({
      // Named, like the others, so a grant can name it.
      StateMachineName: 'propdesk-demo-payout',
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
      TracingConfiguration: { Enabled: true },
    });
    // The tenant file leaves payouts out: the schema's defaults, a week to approve and five days to settle.
    const { approvalWaitSeconds, settlementWaitSeconds } = demo.workflows.payouts;
    expect([approvalWaitSeconds, settlementWaitSeconds]).toEqual([7 * 86_400, 5 * 86_400]);
    expect(payout.TimeoutSeconds).toBe(approvalWaitSeconds + settlementWaitSeconds + HOUR_SECONDS);
    // Its log group keeps the tenant's retention and outlives the stack, as the functions' do.
    const logGroups = logGroupsOf(template, machine);
    expect(logGroups).toHaveLength(1);
    const logGroup = logGroups[0]!;
    expect(logGroup.Properties.RetentionInDays).toBe(demo.logRetentionDays);
    expect(logGroup.DeletionPolicy).toBe('Retain');
  });

  it('evaluates the request named by the PayoutRequested event, then ends on a refusal, waits for an analyst or pays', () => {
    expect(payout.StartAt).toBe('Evaluate');
    expect(Object.keys(payout.States).sort()).toEqual(
      [
        'Evaluate',
        'Decided?',
        'Rejected by its gates',
        'Already handled',
        'Await approval',
        'Record approval',
        'Record rejection',
        'Declined',
        'Instruct processor',
        'Settle',
        'Paid',
        'Record failure',
        'Payout failed',
      ].sort(),
    );
    expect(state('Evaluate')).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Next: 'Decided?',
      // The step's answer ({ payoutId, outcome }) is the state from here on.
      OutputPath: '$.Payload',
      Parameters: { Payload: { step: 'evaluate', 'payoutId.$': '$.detail.payoutId', 'executionId.$': '$$.Execution.Id' } },
    });
    // The event's payout, not a path the event lacks; the execution, so a second one for the same request stops.
    expect(Object.keys(state('Evaluate').Parameters!.Payload).sort()).toEqual(['executionId.$', 'payoutId.$', 'step']);
    expect(state('Decided?')).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.outcome', StringEquals: 'rejected', Next: 'Rejected by its gates' },
        { Variable: '$.outcome', StringEquals: 'alreadyHandled', Next: 'Already handled' },
        { Variable: '$.outcome', StringEquals: 'awaitingApproval', Next: 'Await approval' },
      ],
      // Approved automatically.
      Default: 'Instruct processor',
    });
    expect(state('Rejected by its gates').Type).toBe('Succeed');
  });

  it('waits approvalWaitSeconds for an analyst by task token: approved goes on to pay, declined or undecided is recorded as a rejection', () => {
    const { approvalWaitSeconds } = demo.workflows.payouts;
    const approval = state('Await approval');
    expect(approval).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      TimeoutSeconds: approvalWaitSeconds,
      ResultPath: '$.approval',
      Next: 'Record approval',
      Parameters: { Payload: { step: 'awaitApproval', 'payoutId.$': '$.payoutId', 'taskToken.$': '$$.Task.Token', waitSeconds: approvalWaitSeconds } },
    });
    expect(approval.Catch).toEqual([{ ErrorEquals: ['PayoutDeclined', 'States.Timeout'], ResultPath: '$.failure', Next: 'Record rejection' }]);
    // A decision is an answer, not a glitch: never asked again.
    const answers = (approval.Retry ?? []).find((retry) => retry.ErrorEquals.includes('PayoutDeclined'));
    expect(answers?.ErrorEquals).toContain('States.Timeout');
    expect(answers?.MaxAttempts).toBe(0);
    expect(state('Record approval')).toMatchObject({
      Type: 'Task',
      ResultPath: null,
      Next: 'Instruct processor',
      Parameters: { Payload: { step: 'recordApproval', 'payoutId.$': '$.payoutId', 'approval.$': '$.approval' } },
    });
    expect(state('Record rejection')).toMatchObject({
      Type: 'Task',
      ResultPath: null,
      Next: 'Declined',
      Parameters: { Payload: { step: 'recordRejection', 'payoutId.$': '$.payoutId', 'failure.$': '$.failure' } },
    });
    expect(state('Declined').Type).toBe('Succeed');
  });

  it('instructs the processor and waits settlementWaitSeconds for its answer, then settles; any failure there is recorded and fails the execution', () => {
    const { settlementWaitSeconds } = demo.workflows.payouts;
    const instruct = state('Instruct processor');
    expect(instruct).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      TimeoutSeconds: settlementWaitSeconds,
      ResultPath: '$.settlement',
      Next: 'Settle',
      Parameters: { Payload: { step: 'instruct', 'payoutId.$': '$.payoutId', 'taskToken.$': '$$.Task.Token', waitSeconds: settlementWaitSeconds } },
    });
    // The processor's refusal (the callbacks function fails the task with PayoutFailed) and the wait running
    // out are answers: never asked again (a second instruction could pay twice).
    const answers = (instruct.Retry ?? []).find((retry) => retry.ErrorEquals.includes('PayoutFailed'));
    expect(answers?.ErrorEquals).toContain('States.Timeout');
    expect(answers?.MaxAttempts).toBe(0);
    expect(instruct.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Record failure' }]);
    expect(state('Settle')).toMatchObject({
      Type: 'Task',
      ResultPath: null,
      Next: 'Paid',
      Parameters: { Payload: { step: 'settle', 'payoutId.$': '$.payoutId', 'settlement.$': '$.settlement' } },
    });
    expect(state('Paid').Type).toBe('Succeed');
    expect(state('Record failure')).toMatchObject({
      Type: 'Task',
      ResultPath: null,
      Next: 'Payout failed',
      Parameters: { Payload: { step: 'recordFailure', 'payoutId.$': '$.payoutId', 'failure.$': '$.failure' } },
    });
    expect(state('Payout failed')).toMatchObject({ Type: 'Fail', Error: 'PayoutFailed' });
    // Only the processor's wait is compensated by Record failure; the other steps have no catch-all.
    const catchingAll = Object.entries(payout.States).filter(([, candidate]) => (candidate.Catch ?? []).some((handler) => handler.ErrorEquals.includes('States.ALL')));
    expect(catchingAll.map(([name]) => name)).toEqual(['Instruct processor']);
  });

  it('invokes the steps function in every Task, with payloads its handler accepts, never retrying a permanent error', () => {
    const tasks = Object.entries(payout.States).filter(([, candidate]) => candidate.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual(['Await approval', 'Evaluate', 'Instruct processor', 'Record approval', 'Record failure', 'Record rejection', 'Settle']);
    const steps = new Set<string>();
    for (const [name, task] of tasks) {
      expect(task.Resource, name).toMatch(/^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/);
      expect(task.Parameters?.FunctionName, name).toBe(resolvedArn(id(stack.payoutWorkflow.steps)));
      const parsed = PayoutStep.safeParse(payloadAsSent(task.Parameters!.Payload, SAMPLES));
      expect(parsed.success, `${name}: ${parsed.error?.message ?? ''}`).toBe(true);
      steps.add(parsed.data!.step);
      const retries = task.Retry ?? [];
      const permanent = retries.findIndex((retry) => retry.ErrorEquals.includes('InvalidStepInput') && retry.ErrorEquals.includes('UnknownPayout'));
      const transient = retries.findIndex((retry) => retry.ErrorEquals.includes('States.TaskFailed'));
      expect(permanent, `${name}: a retrier for the permanent errors`).toBeGreaterThanOrEqual(0);
      expect(retries[permanent]?.MaxAttempts, name).toBe(0);
      expect(transient, `${name}: a States.TaskFailed retrier`).toBeGreaterThan(permanent);
      expect(retries.filter((retry) => retry.ErrorEquals.includes('States.ALL')), name).toEqual([]);
    }
    // Every step the handler knows is run by some Task.
    expect([...steps].sort()).toEqual(PayoutStep.options.map((option) => option.shape.step.value).sort());
    // The state machine may invoke the steps function and no other.
    const roleArn = (template.findResources('AWS::StepFunctions::StateMachine')[id(stack.payoutWorkflow.stateMachine)] as Resource).Properties.RoleArn as { 'Fn::GetAtt': [string, string] };
    const invokes = statementsOfRole(template, roleArn['Fn::GetAtt'][0]).filter((statement) => actionsOf(statement).includes('lambda:InvokeFunction'));
    expect(invokes).toHaveLength(1);
    expect(invokes[0]!.Resource).toEqual([arnOf(id(stack.payoutWorkflow.steps)), { 'Fn::Join': ['', [arnOf(id(stack.payoutWorkflow.steps)), ':*']] }]);
  });

  it('starts on PayoutRequested from the workflows, parking undeliverable events in the shared delivery dead-letter queue', () => {
    const rule = ruleOf('PayoutRequests');
    expect(rule.Properties).toMatchObject({
      EventBusName: { Ref: id(stack.tradePipeline.eventBus) },
      Targets: [
        {
          Arn: { Ref: id(stack.payoutWorkflow.stateMachine) },
          DeadLetterConfig: { Arn: arnOf(id(stack.workflowShared.deliveryDeadLetterQueue)) },
          RetryPolicy: { MaximumRetryAttempts: 8 },
        },
      ],
    });
    expect(rule.Properties.EventPattern).toEqual({ source: ['propdesk.workflows'], 'detail-type': ['PayoutRequested'] });
    expect(rule.Properties.Targets).toHaveLength(1);
    // The rule's role may start this state machine and do nothing else.
    const roleId = ((rule.Properties.Targets as Array<{ RoleArn: { 'Fn::GetAtt': [string, string] } }>)[0]!.RoleArn)['Fn::GetAtt'][0];
    expect(statementsOfRole(template, roleId)).toEqual([{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: id(stack.payoutWorkflow.stateMachine) } }]);
    // Only this rule starts it.
    const starting = Object.values(template.findResources('AWS::Events::Rule') as Record<string, Resource>).filter((candidate) =>
      JSON.stringify(candidate.Properties.Targets).includes(JSON.stringify({ Ref: id(stack.payoutWorkflow.stateMachine) })),
    );
    expect(starting).toEqual([rule]);
  });

  it('sends PayoutInstructed to the processor commands queue, whose failures park in its own dead-letter queue', () => {
    const workflow = stack.payoutWorkflow;
    const rule = ruleOf('ProcessorCommands');
    expect(rule.Properties).toMatchObject({
      EventBusName: { Ref: id(stack.tradePipeline.eventBus) },
      Targets: [{ Arn: arnOf(id(workflow.processorCommandsQueue)), DeadLetterConfig: { Arn: arnOf(id(workflow.processorCommandsDeadLetterQueue)) } }],
    });
    expect(rule.Properties.EventPattern).toEqual({ source: ['propdesk.workflows'], 'detail-type': ['PayoutInstructed'] });
    expect(rule.Properties.Targets).toHaveLength(1);
    const queues = template.findResources('AWS::SQS::Queue') as Record<string, Resource>;
    // The processor failing a command 5 times parks it in the commands' dead-letter queue.
    expect(queues[id(workflow.processorCommandsQueue)]?.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: arnOf(id(workflow.processorCommandsDeadLetterQueue)), maxReceiveCount: 5 });
    for (const queue of [workflow.processorCommandsQueue, workflow.processorCommandsDeadLetterQueue]) {
      expect(queues[id(queue)]?.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    }
    // The bus may send to both (the queue, and the dead-letter queue for what it could not deliver).
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy') as Record<string, Resource>);
    for (const queue of [workflow.processorCommandsQueue, workflow.processorCommandsDeadLetterQueue]) {
      const policy = policies.find((candidate) => JSON.stringify(candidate.Properties.Queues) === JSON.stringify([{ Ref: id(queue) }]));
      expect(JSON.stringify(policy?.Properties.PolicyDocument), queue.node.path).toContain('"Principal":{"Service":"events.amazonaws.com"}');
    }
    // The processor finds the queue by the stack output.
    template.hasOutput('PayoutCommandsQueueUrl', { Value: { Ref: id(workflow.processorCommandsQueue) } });
  });

  it('hands the processor\u2019s answers to the purchase workflow\u2019s callbacks function, which may answer the settlement wait', () => {
    const callbacks = stack.purchaseWorkflow.callbacks;
    const rule = ruleOf('ProcessorAnswers');
    expect(rule.Properties).toMatchObject({
      EventBusName: { Ref: id(stack.tradePipeline.eventBus) },
      Targets: [{ Arn: arnOf(id(callbacks)), DeadLetterConfig: { Arn: arnOf(id(stack.workflowShared.deliveryDeadLetterQueue)) }, RetryPolicy: { MaximumRetryAttempts: 8 } }],
    });
    expect(rule.Properties.EventPattern).toEqual({ source: [{ prefix: 'propdesk.processor.' }], 'detail-type': ['PayoutProcessorSettled', 'PayoutProcessorFailed'] });
    // Exactly the answers the callbacks function parses.
    expect([...PROCESSOR_ANSWER_DETAIL_TYPES].sort()).toEqual(ProcessorAnswer.options.map((option) => option.shape.type.value).sort());
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(id(callbacks)),
      Principal: 'events.amazonaws.com',
      SourceArn: arnOf(id(stack.payoutWorkflow.node.findChild('ProcessorAnswers'))),
    });
    const onPayouts = statesStatementsOf(statementsOf(template, id, callbacks)).filter((statement) => JSON.stringify(statement.Resource) === JSON.stringify({ Ref: id(stack.payoutWorkflow.stateMachine) }));
    expect(onPayouts).toHaveLength(1);
    expect(actionsOf(onPayouts[0]!)).toEqual(expect.arrayContaining(['states:SendTaskSuccess', 'states:SendTaskFailure']));
    expect(actionsOf(onPayouts[0]!).filter((action) => !action.startsWith('states:SendTask'))).toEqual([]);
    // The answer names the request the token waits under.
    expect(payoutSettlementTokenId(PAYOUT_ID)).toBe(`settle:${PAYOUT_ID}`);
  });

  it('gives the steps function the table and the bus, and nothing to answer tasks, send to queues or mail with', () => {
    const steps = stack.payoutWorkflow.steps;
    expect(environmentOf(template, id, steps)).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      TENANT_ID: 'demo',
      POWERTOOLS_SERVICE_NAME: 'payouts',
      POWERTOOLS_METRICS_NAMESPACE: 'Propdesk',
      POWERTOOLS_TRACE_ENABLED: 'true',
      TABLE_NAME: { Ref: id(stack.tradePipeline.table) },
      EVENT_BUS_NAME: { Ref: id(stack.tradePipeline.eventBus) },
    });
    const statements = statementsOf(template, id, steps);
    const actions = statements.flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'events:PutEvents']));
    // It publishes on the firm's bus only.
    expect(statements.filter((statement) => actionsOf(statement).some((action) => action.startsWith('events:')))).toEqual([
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: arnOf(id(stack.tradePipeline.eventBus)) },
    ]);
    // The token is parked in the table; the API and the callbacks function answer it, never the steps function.
    expect(actions.filter((action) => /^(states|sqs|ses|kinesis|secretsmanager):/.test(action))).toEqual([]);
  });

  it('lets the API function publish payout requests and answer the approval wait of this state machine only', () => {
    const api = stack.managementApi.handler;
    expect(environmentOf(template, id, api)).toMatchObject({ EVENT_BUS_NAME: { Ref: id(stack.tradePipeline.eventBus) } });
    const statements = statementsOf(template, id, api);
    expect(statements.filter((statement) => actionsOf(statement).some((action) => action.startsWith('events:')))).toEqual([
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: arnOf(id(stack.tradePipeline.eventBus)) },
    ]);
    const taskResponses = statesStatementsOf(statements);
    expect(taskResponses).toHaveLength(1);
    expect(taskResponses[0]).toMatchObject({ Effect: 'Allow', Resource: { Ref: id(stack.payoutWorkflow.stateMachine) } });
    expect(actionsOf(taskResponses[0]!)).toEqual(expect.arrayContaining(['states:SendTaskSuccess', 'states:SendTaskFailure']));
    // grantTaskResponse adds SendTaskHeartbeat; nothing else (no StartExecution: the bus starts payouts).
    expect(actionsOf(taskResponses[0]!).filter((action) => !action.startsWith('states:SendTask'))).toEqual([]);
  });

  it('lets no one but the API and the callbacks function answer its tasks', () => {
    const machine = JSON.stringify({ Ref: id(stack.payoutWorkflow.stateMachine) });
    const machineName = 'propdesk-demo-payout';
    const answering = Object.entries(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
      .filter(([, policy]) =>
        (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.some(
          (statement) => actionsOf(statement).some((action) => action.startsWith('states:SendTask')) && (JSON.stringify(statement.Resource).includes(machine) || JSON.stringify(statement.Resource).includes(machineName)),
        ),
      )
      .flatMap(([, policy]) => (policy.Properties.Roles as Array<{ Ref: string }>).map((role) => role.Ref));
    expect(answering.sort()).toEqual([id(stack.managementApi.handler.role!), id(stack.purchaseWorkflow.callbacks.role!)].sort());
  });
});

describe('tenant settings flow into the payout workflow', () => {
  const { stack, template, id, config } = tenantStack({
    tenantId: 'acme-fx',
    paymentProcessors: {},
    workflows: { credentialsSender: 'accounts@acme-fx.example', payouts: { approvalWaitSeconds: 3_600, settlementWaitSeconds: 7_200 } },
    features: { tracing: false },
  });
  const payout = definitionOf(template, id(stack.payoutWorkflow.stateMachine));

  it('waits approvalWaitSeconds for an analyst and settlementWaitSeconds for the processor, and an hour more as a whole', () => {
    expect(config.workflows.payouts).toEqual({ approvalWaitSeconds: 3_600, settlementWaitSeconds: 7_200 });
    const approval = stateIn(payout, 'Await approval');
    expect(approval.TimeoutSeconds).toBe(3_600);
    expect(approval.Parameters?.Payload).toMatchObject({ waitSeconds: 3_600 });
    const instruct = stateIn(payout, 'Instruct processor');
    expect(instruct.TimeoutSeconds).toBe(7_200);
    expect(instruct.Parameters?.Payload).toMatchObject({ waitSeconds: 7_200 });
    expect(payout.TimeoutSeconds).toBe(3_600 + 7_200 + HOUR_SECONDS);
  });

  it('names the state machine after the firm and traces as the firm chose', () => {
    const machine = template.findResources('AWS::StepFunctions::StateMachine')[id(stack.payoutWorkflow.stateMachine)] as Resource;
    expect(machine.Properties.StateMachineName).toBe('propdesk-acme-fx-payout');
    expect((machine.Properties.TracingConfiguration as { Enabled?: boolean } | undefined)?.Enabled ?? false).toBe(false);
    const steps = (template.findResources('AWS::Lambda::Function') as Record<string, Resource>)[id(stack.payoutWorkflow.steps)];
    expect(steps?.Properties.TracingConfig).toBeUndefined();
    expect(environmentOf(template, id, stack.payoutWorkflow.steps)).toMatchObject({ TENANT_ID: 'acme-fx', POWERTOOLS_TRACE_ENABLED: 'false' });
  });

  it('leaves cdk-nag nothing to report for a firm without tracing, the payout workflow included', () => {
    // The demo tenant (tracing on) is checked in security.test.ts; tracing off takes the state machines' SF2
    // acknowledgements (the payout workflow's among them), which only a firm like this one exercises.
    const outdir = mkdtempSync(join(tmpdir(), 'propdesk-payout-nag-'));
    const app = checkedApp({ outdir, builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
    const acme = (base: TenantConfig): TenantConfig => ({ ...base, tenantId: 'acme-fx', features: { tracing: false }, workflows: config.workflows });
    const checked = addTenantStack(app, 'demo', acme);
    try {
      app.synth();
    } catch {
      // The report below is the evidence either way.
    }
    const reportFile = join(outdir, 'policy-validation-report.json');
    const report = (existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) : { pluginReports: [] }) as {
      pluginReports: Array<{ violations: Array<{ ruleName: string; violatingResources: Array<{ constructPath?: string }> }> }>;
    };
    const findings = report.pluginReports.flatMap((plugin) => plugin.violations.flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} ${resource.constructPath ?? '?'}`)));
    expect(checked.payoutWorkflow.stateMachine.node.path).toBe('Propdesk-acme-fx/PayoutWorkflow/StateMachine');
    expect(findings).toEqual([]);
  });
});
