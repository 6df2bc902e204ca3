import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TenantStack } from '../../cdk/stacks/tenant-stack.js';
import { actionsOf, arnOf, definitionOf, demo, logGroupsOf, resolvedArn, type Resource, type State, type Statement, statementsOf, tenantStack } from '../support/workflow-template.js';

describe('the demo tenant purchase workflow', () => {
  let stack: TenantStack;
  let template: Template;
  let id: (construct: IConstruct) => string;
  let states: Record<string, State>;
  const ruleOf = (name: string): Resource => {
    const rule = stack.purchaseWorkflow.node.tryFindChild(name);
    if (rule === undefined) throw new Error(`no rule ${name}`);
    return template.findResources('AWS::Events::Rule')[id(rule)] as Resource;
  };
  const state = (name: string): State => {
    const found = states[name];
    if (found === undefined) throw new Error(`no state "${name}"`);
    return found;
  };

  beforeAll(() => {
    ({ stack, template, id } = tenantStack());
    const definition = definitionOf(template, id(stack.purchaseWorkflow.stateMachine));
    expect(definition.StartAt).toBe('Claim order');
    states = definition.States;
  });

  it('is one named Standard state machine that logs every event without execution data, traced as the tenant chose', () => {
    // This one, the KYC workflow's (test/cdk/kyc-workflow.test.ts) and the payout workflow's (test/cdk/payout-workflow.test.ts).
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 3);
    const machine = template.findResources('AWS::StepFunctions::StateMachine')[id(stack.purchaseWorkflow.stateMachine)] as Resource;
    expect(demo.features.tracing).toBe(true);
    expect(machine.Properties).toMatchObject({
      // Named, so the KYC steps function can be granted callbacks on it without a reference cycle.
      StateMachineName: 'propdesk-demo-purchase',
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
      TracingConfiguration: { Enabled: true },
    });
    // Its log group keeps the tenant's retention and outlives the stack, as the functions' do.
    const logGroups = logGroupsOf(template, machine);
    expect(logGroups).toHaveLength(1);
    const logGroup = logGroups[0]!;
    expect(logGroup.Properties.RetentionInDays).toBe(demo.logRetentionDays);
    expect(logGroup.DeletionPolicy).toBe('Retain');
  });

  it('claims the order, then ends on a duplicate or on nothing to provision', () => {
    expect(Object.keys(states).sort()).toEqual(
      [
        'Claim order',
        'Claimed?',
        'Already claimed',
        'Nothing to provision',
        'Funded phase?',
        'Await KYC approval',
        'Request trading account',
        'Deliver credentials',
        'Activate account',
        'Account active',
        'Record failure',
        'Provisioning failed',
      ].sort(),
    );
    expect(state('Claim order')).toMatchObject({ Type: 'Task', Next: 'Claimed?', Parameters: { Payload: { step: 'claimOrder' } } });
    expect(state('Claimed?')).toMatchObject({
      Type: 'Choice',
      Choices: [
        { Variable: '$.outcome', StringEquals: 'duplicate', Next: 'Already claimed' },
        { Variable: '$.outcome', StringEquals: 'nothingToProvision', Next: 'Nothing to provision' },
      ],
      Default: 'Funded phase?',
    });
    expect(state('Already claimed').Type).toBe('Succeed');
    expect(state('Nothing to provision').Type).toBe('Succeed');
  });

  it('waits for the bridge by task token for the tenant\u2019s bridgeAnswerSeconds, never retrying a refusal or a timeout', () => {
    expect(demo.workflows.bridgeAnswerSeconds).toBe(900);
    const request = state('Request trading account');
    expect(request).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      TimeoutSeconds: demo.workflows.bridgeAnswerSeconds,
      Next: 'Deliver credentials',
      Parameters: { Payload: { step: 'requestTradingAccount', 'taskToken.$': '$$.Task.Token', waitSeconds: demo.workflows.bridgeAnswerSeconds } },
    });
    expect(request.Retry?.[0]?.ErrorEquals).toEqual(expect.arrayContaining(['BridgeRefused', 'States.Timeout']));
    expect(request.Retry?.[0]?.MaxAttempts).toBe(0);
    expect(request.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Record failure' }]);
  });

  it('waits at the KYC gate before requesting a funded phase\u2019s account, and only then', () => {
    // Tested in full (the gate's payload, retries and catch) in test/cdk/kyc-workflow.test.ts.
    expect(state('Funded phase?')).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.provisioning.phaseKind', StringEquals: 'funded', Next: 'Await KYC approval' }],
      Default: 'Request trading account',
    });
    expect(state('Await KYC approval')).toMatchObject({ Type: 'Task', Next: 'Request trading account' });
  });

  it('delivers the credentials (a failure is recorded), activates the account and succeeds', () => {
    expect(state('Deliver credentials')).toMatchObject({ Type: 'Task', Next: 'Activate account', Parameters: { Payload: { step: 'deliverCredentials' } } });
    expect(state('Deliver credentials').Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Record failure' }]);
    expect(state('Activate account')).toMatchObject({ Type: 'Task', Next: 'Account active', Parameters: { Payload: { step: 'activateAccount' } } });
    expect(state('Account active').Type).toBe('Succeed');
  });

  it('records a failure, then fails the execution with ProvisioningFailed', () => {
    expect(state('Record failure')).toMatchObject({ Type: 'Task', Next: 'Provisioning failed', Parameters: { Payload: { step: 'recordFailure' } } });
    expect(state('Provisioning failed')).toMatchObject({ Type: 'Fail', Error: 'ProvisioningFailed' });
  });

  it('invokes the steps function in every Lambda step (the KYC one at the gate), never retrying a permanent error', () => {
    const lambdaSteps = Object.entries(states).filter(([, candidate]) => candidate.Resource?.startsWith('arn:aws:states:::lambda:invoke') === true);
    expect(lambdaSteps.map(([name]) => name).sort()).toEqual(['Activate account', 'Await KYC approval', 'Claim order', 'Deliver credentials', 'Record failure', 'Request trading account']);
    for (const [name, step] of lambdaSteps) {
      const steps = name === 'Await KYC approval' ? stack.kycWorkflow.steps : stack.purchaseWorkflow.steps;
      expect(step.Parameters?.FunctionName, name).toBe(resolvedArn(id(steps)));
      const retries = step.Retry ?? [];
      const permanent = retries.findIndex((retry) => retry.ErrorEquals.includes('InvalidOrder') && retry.ErrorEquals.includes('InvalidStepInput'));
      const transient = retries.findIndex((retry) => retry.ErrorEquals.includes('States.TaskFailed'));
      expect(permanent, `${name}: a retrier for the permanent errors`).toBeGreaterThanOrEqual(0);
      expect(retries[permanent]?.MaxAttempts, name).toBe(0);
      expect(transient, `${name}: a States.TaskFailed retrier`).toBeGreaterThan(permanent);
    }
  });

  it('starts on a processor payment, a completed Stripe checkout or a passed phase, parking undeliverable events', () => {
    const workflow = stack.purchaseWorkflow;
    const start = Match.objectLike({
      Arn: { Ref: id(workflow.stateMachine) },
      DeadLetterConfig: { Arn: arnOf(id(workflow.deliveryDeadLetterQueue)) },
      RetryPolicy: { MaximumRetryAttempts: 8 },
    });
    const bus = { Ref: id(stack.tradePipeline.eventBus) };
    for (const [name, pattern] of [
      ['ProcessorPayments', { source: [{ prefix: 'propdesk.processor.' }], 'detail-type': ['PaymentSucceeded'] }],
      ['StripeCheckouts', { source: [demo.paymentProcessors.stripe!.partnerEventSource], 'detail-type': ['checkout.session.completed'] }],
      ['PhasesPassed', { source: ['propdesk.evaluator'], 'detail-type': ['PhasePassed'] }],
    ] as const) {
      const rule = ruleOf(name).Properties;
      expect(rule.EventBusName, name).toEqual(bus);
      expect(rule.EventPattern, name).toEqual(pattern);
      expect(rule.Targets, name).toHaveLength(1);
      template.hasResourceProperties('AWS::Events::Rule', { EventPattern: pattern, Targets: [start] });
    }
    expect(workflow.startRules).toHaveLength(3);
    // The shared delivery dead-letter queue (WorkflowShared), not one of its own.
    expect(workflow.deliveryDeadLetterQueue).toBe(stack.workflowShared.deliveryDeadLetterQueue);
    // The rules' role may start this state machine and nothing else; the only other starts are the KycNeeded
    // rule's, of the KYC state machine (test/cdk/kyc-workflow.test.ts), and the PayoutRequests rule's, of the
    // payout state machine (test/cdk/payout-workflow.test.ts).
    const startPolicies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
      .map((policy) => ({ roles: policy.Properties.Roles, statements: (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement }))
      .filter(({ statements }) => statements.some((statement) => actionsOf(statement).includes('states:StartExecution')));
    const startRole = (ruleOf('PhasesPassed').Properties.Targets as Array<{ RoleArn: unknown }>)[0]!.RoleArn;
    expect(startPolicies.map(({ statements }) => statements).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: id(stack.kycWorkflow.stateMachine) } }],
      [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: id(stack.payoutWorkflow.stateMachine) } }],
      [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: id(workflow.stateMachine) } }],
    ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))));
    const purchaseStart = startPolicies.find(({ statements }) => JSON.stringify(statements[0]!.Resource) === JSON.stringify({ Ref: id(workflow.stateMachine) }));
    expect(purchaseStart?.roles).toEqual([{ Ref: (startRole as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0] }]);
    for (const name of ['ProcessorPayments', 'StripeCheckouts']) {
      expect((ruleOf(name).Properties.Targets as Array<{ RoleArn: unknown }>)[0]!.RoleArn, name).toEqual(startRole);
    }
  });

  it('hands the bridges\u2019 answers to the callbacks function, commands to the bridges\u2019 queue and outcomes (KYC and payout ones too) to the outcomes queue', () => {
    const workflow = stack.purchaseWorkflow;
    const pipeline = stack.tradePipeline;
    expect(ruleOf('BridgeAnswers').Properties).toMatchObject({
      EventBusName: { Ref: id(pipeline.eventBus) },
      EventPattern: { source: [{ prefix: 'propdesk.bridge.' }], 'detail-type': ['TradingAccountCreated', 'TradingAccountRefused'] },
      Targets: [{ Arn: arnOf(id(workflow.callbacks)), DeadLetterConfig: { Arn: arnOf(id(workflow.deliveryDeadLetterQueue)) }, RetryPolicy: { MaximumRetryAttempts: 8 } }],
    });
    expect(ruleOf('BridgeAnswers').Properties.EventPattern).toEqual({
      source: [{ prefix: 'propdesk.bridge.' }],
      'detail-type': ['TradingAccountCreated', 'TradingAccountRefused'],
    });
    // The bus may invoke the callbacks function.
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(id(workflow.callbacks)),
      Principal: 'events.amazonaws.com',
      SourceArn: arnOf(id(stack.purchaseWorkflow.node.findChild('BridgeAnswers'))),
    });
    expect(ruleOf('BridgeCommands').Properties).toMatchObject({
      EventBusName: { Ref: id(pipeline.eventBus) },
      EventPattern: { source: ['propdesk.workflows'] },
      Targets: [{ Arn: arnOf(id(workflow.bridgeCommandsQueue)), DeadLetterConfig: { Arn: arnOf(id(workflow.bridgeCommandsDeadLetterQueue)) } }],
    });
    // Exactly these: a new account's login, and a settled payout's balance operation (the payout workflow's Settle).
    expect((ruleOf('BridgeCommands').Properties.EventPattern as Record<string, unknown>)['detail-type']).toEqual(['TradingAccountRequested', 'BalanceOperationRequested']);
    expect(ruleOf('Outcomes').Properties).toMatchObject({
      EventBusName: { Ref: id(pipeline.eventBus) },
      EventPattern: { source: ['propdesk.workflows'] },
      Targets: [{ Arn: arnOf(id(pipeline.accountOutcomesQueue)), DeadLetterConfig: { Arn: arnOf(id(pipeline.accountOutcomesDeadLetterQueue)) } }],
    });
    // Exactly these: toMatchObject would let an extra (or a missing) KYC conclusion or payout outcome through.
    expect((ruleOf('Outcomes').Properties.EventPattern as Record<string, unknown>)['detail-type']).toEqual([
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
    ]);
    // The payout workflow's commands go elsewhere: PayoutInstructed to the processor's queue, PayoutRequested to
    // its state machine (test/cdk/payout-workflow.test.ts); neither is an outcome.
    const outcomeTypes = (ruleOf('Outcomes').Properties.EventPattern as Record<string, string[]>)['detail-type'];
    for (const command of ['PayoutRequested', 'PayoutInstructed', 'BalanceOperationRequested', 'TradingAccountRequested']) expect(outcomeTypes).not.toContain(command);
    // Bridges failing a command 5 times park it in the commands' dead-letter queue.
    const queues = template.findResources('AWS::SQS::Queue') as Record<string, Resource>;
    expect(queues[id(workflow.bridgeCommandsQueue)]?.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: arnOf(id(workflow.bridgeCommandsDeadLetterQueue)), maxReceiveCount: 5 });
  });

  it('lets the callbacks function answer tasks of this state machine and the payout state machine only', () => {
    const workflow = stack.purchaseWorkflow;
    const taskResponses = statementsOf(template, id, workflow.callbacks).filter((statement) => actionsOf(statement).some((action) => action.startsWith('states:')));
    // One statement per state machine: the bridges' answers resume purchases, the payout processor's answers
    // (the payout workflow's ProcessorAnswers rule) resume payouts' settlement waits.
    expect(taskResponses.map((statement) => statement.Resource).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      [{ Ref: id(workflow.stateMachine) }, { Ref: id(stack.payoutWorkflow.stateMachine) }].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    for (const statement of taskResponses) {
      expect(statement.Effect).toBe('Allow');
      expect(actionsOf(statement)).toEqual(expect.arrayContaining(['states:SendTaskSuccess', 'states:SendTaskFailure']));
      // grantTaskResponse adds SendTaskHeartbeat; nothing else (no StartExecution, no StopExecution).
      expect(actionsOf(statement).filter((action) => !action.startsWith('states:SendTask'))).toEqual([]);
    }
    // No other purchase or pipeline function may resume or fail a task. (The KYC steps function answers the
    // KYC gate's tokens, by the purchase state machine's name: test/cdk/kyc-workflow.test.ts; the API function
    // answers the payout approval wait: test/cdk/payout-workflow.test.ts.)
    for (const fn of [workflow.steps, stack.tradePipeline.evaluator, stack.tradePipeline.ingest, stack.tradePipeline.rollover]) {
      expect(statementsOf(template, id, fn).flatMap(actionsOf).filter((action) => action.startsWith('states:')), fn.node.path).toEqual([]);
    }
    const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
    expect((functions[id(workflow.callbacks)]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'callbacks',
      TABLE_NAME: { Ref: id(stack.tradePipeline.table) },
    });
  });

  it('gives the steps function its sender, table and bus, and lets it mail from the shared sender identity only', () => {
    const workflow = stack.purchaseWorkflow;
    const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
    expect((functions[id(workflow.steps)]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'purchase',
      CREDENTIALS_SENDER: demo.workflows.credentialsSender,
      TABLE_NAME: { Ref: id(stack.tradePipeline.table) },
      EVENT_BUS_NAME: { Ref: id(stack.tradePipeline.eventBus) },
    });
    // One identity, the workflows' shared one (WorkflowShared), which the KYC steps function mails from too.
    const identities = Object.entries(template.findResources('AWS::SES::EmailIdentity') as Record<string, Resource>);
    expect(identities.map(([, identity]) => identity.Properties.EmailIdentity)).toEqual([demo.workflows.credentialsSender]);
    const [senderId] = identities[0]!;
    expect(senderId).toBe(id(stack.workflowShared.sender));
    const ses = statementsOf(template, id, workflow.steps).filter((statement) => actionsOf(statement).some((action) => action.startsWith('ses:')));
    expect(ses).toHaveLength(1);
    expect(actionsOf(ses[0]!)).toContain('ses:SendEmail');
    expect(ses[0]!.Resource).not.toBe('*');
    expect(JSON.stringify(ses[0]!.Resource)).toMatch(new RegExp(`:identity/",\\{"Ref":"${senderId}"\\}`));
    // The callbacks function does not mail (of the KYC workflow's, only its steps function does: test/cdk/kyc-workflow.test.ts).
    expect(statementsOf(template, id, workflow.callbacks).flatMap(actionsOf).filter((action) => action.startsWith('ses:'))).toEqual([]);
  });
});

describe('tenant settings flow into the purchase workflow', () => {
  const { stack, template, id } = tenantStack({
    tenantId: 'acme-fx',
    paymentProcessors: {},
    workflows: { credentialsSender: 'accounts@acme-fx.example', bridgeAnswerSeconds: 120 },
    features: { tracing: false },
  });
  const workflow = stack.purchaseWorkflow;

  it('starts on no Stripe checkout when the firm has no Stripe', () => {
    expect(workflow.node.tryFindChild('StripeCheckouts')).toBeUndefined();
    expect(workflow.startRules).toHaveLength(2);
    const rules = Object.values(template.findResources('AWS::Events::Rule') as Record<string, Resource>);
    const starting = rules.filter((rule) => (rule.Properties.Targets as Array<{ Arn: unknown }>).some((target) => JSON.stringify(target.Arn) === JSON.stringify({ Ref: id(workflow.stateMachine) })));
    expect(starting.map((rule) => rule.Properties.EventPattern)).toEqual([
      { source: [{ prefix: 'propdesk.processor.' }], 'detail-type': ['PaymentSucceeded'] },
      { source: ['propdesk.evaluator'], 'detail-type': ['PhasePassed'] },
    ]);
    expect(JSON.stringify(rules)).not.toContain('checkout.session.completed');
  });

  it('waits bridgeAnswerSeconds for the bridge, mails from the firm\u2019s sender and traces as the firm chose', () => {
    const request = definitionOf(template, id(workflow.stateMachine)).States['Request trading account'];
    expect(request?.TimeoutSeconds).toBe(120);
    expect(request?.Parameters?.Payload).toMatchObject({ waitSeconds: 120 });
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'accounts@acme-fx.example' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'purchase', CREDENTIALS_SENDER: 'accounts@acme-fx.example' }) },
    });
    const machine = template.findResources('AWS::StepFunctions::StateMachine')[id(workflow.stateMachine)] as Resource;
    expect((machine.Properties.TracingConfiguration as { Enabled?: boolean } | undefined)?.Enabled ?? false).toBe(false);
  });
});
