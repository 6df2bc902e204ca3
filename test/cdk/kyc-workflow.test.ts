import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PropdeskFunction } from '../../cdk/constructs/propdesk-function.js';
import { TenantStack } from '../../cdk/stacks/tenant-stack.js';
import { KycStep } from '../../functions/kyc/handler.js';
import { KycPolicy } from '../../shared/workflows/kyc.js';
import { actionsOf, arnOf, type Definition, definitionOf, demo, logGroupsOf, payloadAsSent, resolvedArn, type Resource, stateIn, type Statement, statementsOf, statesStatementsOf, tenantStack } from '../support/workflow-template.js';

const DAY_SECONDS = 86_400;

/** A formatted state machine ARN (`arn:<partition>:states:<region>:<account>:stateMachine:<name>`), joined with the partition as `aws`. */
function arnText(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join === undefined) return JSON.stringify(resource);
  return join[1].map((part) => (typeof part === 'string' ? part : JSON.stringify(part) === '{"Ref":"AWS::Partition"}' ? 'aws' : JSON.stringify(part))).join(join[0]);
}

function environmentOf(template: Template, id: (construct: IConstruct) => string, fn: PropdeskFunction): Record<string, unknown> {
  const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
  return (functions[id(fn)]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

/** A value of the shape the state machine holds at each path a Task's Payload reads. */
const SAMPLES: Readonly<Record<string, unknown>> = {
  $: { traderId: 'trader-1', status: 'pending', handledDecisions: 0 },
  '$.verdict': { outcome: 'resubmissionRequested', reasons: ['blurry document'] },
  '$.detail.traderId': 'trader-1',
  '$$.Task.Token': 'task-token',
  '$.provisioning.traderId': 'trader-1',
  '$.provisioning.accountId': 'account-1',
};

describe('the demo tenant KYC workflow', () => {
  let stack: TenantStack;
  let template: Template;
  let id: (construct: IConstruct) => string;
  let kyc: Definition;
  let purchase: Definition;
  const state = (name: string) => stateIn(kyc, name);

  beforeAll(() => {
    ({ stack, template, id } = tenantStack());
    kyc = definitionOf(template, id(stack.kycWorkflow.stateMachine));
    purchase = definitionOf(template, id(stack.purchaseWorkflow.stateMachine));
  });

  it('is a named Standard state machine that logs every event without execution data and ends a day after the case expires', () => {
    const machine = template.findResources('AWS::StepFunctions::StateMachine')[id(stack.kycWorkflow.stateMachine)] as Resource;
    expect(demo.features.tracing).toBe(true);
    expect(machine.Properties).toMatchObject({
      StateMachineName: 'propdesk-demo-kyc',
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
      TracingConfiguration: { Enabled: true },
    });
    expect(demo.workflows.kyc.expireAfterDays).toBe(30);
    expect(kyc.TimeoutSeconds).toBe((demo.workflows.kyc.expireAfterDays + 1) * DAY_SECONDS);
    // Its log group keeps the tenant's retention and outlives the stack, as the functions' do.
    const logGroups = logGroupsOf(template, machine);
    expect(logGroups).toHaveLength(1);
    const logGroup = logGroups[0]!;
    expect(logGroup.Properties.RetentionInDays).toBe(demo.logRetentionDays);
    expect(logGroup.DeletionPolicy).toBe('Retain');
  });

  it('opens the case, then ends if another execution waits, concludes a final case, or waits for the decision', () => {
    expect(kyc.StartAt).toBe('Open case');
    expect(Object.keys(kyc.States).sort()).toEqual(
      ['Open case', 'Opened?', 'Already open', 'Await decision', 'Remind or expire', 'Expired?', 'Verdict?', 'Request resubmission', 'Conclude', 'Concluded'].sort(),
    );
    expect(state('Open case')).toMatchObject({ Type: 'Task', Next: 'Opened?', OutputPath: '$.Payload', Parameters: { Payload: { step: 'openCase', 'traderId.$': '$.detail.traderId' } } });
    expect(state('Opened?')).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.status', StringEquals: 'alreadyOpen', Next: 'Already open' },
        {
          Or: [
            { Variable: '$.status', StringEquals: 'approved' },
            { Variable: '$.status', StringEquals: 'rejected' },
          ],
          Next: 'Conclude',
        },
      ],
      Default: 'Await decision',
    });
    expect(state('Already open').Type).toBe('Succeed');
  });

  it('waits for the decision by task token for checkEverySeconds, then reminds or expires and waits again', () => {
    expect(demo.workflows.kyc.checkEverySeconds).toBe(3600);
    const wait = state('Await decision');
    expect(wait).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      TimeoutSeconds: demo.workflows.kyc.checkEverySeconds,
      ResultPath: '$.verdict',
      Next: 'Verdict?',
      Parameters: { Payload: { step: 'awaitDecision', 'progress.$': '$', 'taskToken.$': '$$.Task.Token', waitSeconds: demo.workflows.kyc.checkEverySeconds } },
    });
    // The wait running out is the clock, not a failure: never retried, it goes to the reminder check.
    expect(wait.Retry?.[0]).toMatchObject({ ErrorEquals: expect.arrayContaining(['States.Timeout']), MaxAttempts: 0 });
    expect(wait.Catch).toEqual([{ ErrorEquals: ['States.Timeout'], ResultPath: null, Next: 'Remind or expire' }]);
    expect(state('Remind or expire')).toMatchObject({ Type: 'Task', Next: 'Expired?', OutputPath: '$.Payload', Parameters: { Payload: { step: 'remindOrExpire', 'progress.$': '$' } } });
    expect(state('Expired?')).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.status', StringEquals: 'expired', Next: 'Conclude' }],
      Default: 'Await decision',
    });
  });

  it('asks for a resubmission and waits again, or concludes on a final verdict', () => {
    expect(state('Verdict?')).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.verdict.outcome', StringEquals: 'resubmissionRequested', Next: 'Request resubmission' },
        // Another execution waits for this trader: this one ends.
        { Variable: '$.verdict.outcome', StringEquals: 'alreadyWaiting', Next: 'Already open' },
      ],
      Default: 'Conclude',
    });
    expect(state('Request resubmission')).toMatchObject({
      Type: 'Task',
      Next: 'Await decision',
      OutputPath: '$.Payload',
      Parameters: { Payload: { step: 'requestResubmission', 'progress.$': '$', 'verdict.$': '$.verdict' } },
    });
    expect(state('Conclude')).toMatchObject({ Type: 'Task', Next: 'Concluded', OutputPath: '$.Payload', Parameters: { Payload: { step: 'conclude', 'progress.$': '$' } } });
    expect(state('Concluded').Type).toBe('Succeed');
  });

  it('invokes the steps function in every Task, with payloads its handler accepts, never retrying a permanent error', () => {
    const tasks = Object.entries(kyc.States).filter(([, candidate]) => candidate.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual(['Await decision', 'Conclude', 'Open case', 'Remind or expire', 'Request resubmission']);
    for (const [name, task] of tasks) {
      expect(task.Resource, name).toMatch(/^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/);
      expect(task.Parameters?.FunctionName, name).toBe(resolvedArn(id(stack.kycWorkflow.steps)));
      const parsed = KycStep.safeParse(payloadAsSent(task.Parameters!.Payload, SAMPLES));
      expect(parsed.success, `${name}: ${parsed.error?.message ?? ''}`).toBe(true);
      const retries = task.Retry ?? [];
      const permanent = retries.findIndex((retry) => retry.ErrorEquals.includes('InvalidStepInput') && retry.ErrorEquals.includes('UnknownTrader'));
      const transient = retries.findIndex((retry) => retry.ErrorEquals.includes('States.TaskFailed'));
      expect(permanent, `${name}: a retrier for the permanent errors`).toBeGreaterThanOrEqual(0);
      expect(retries[permanent]?.MaxAttempts, name).toBe(0);
      expect(transient, `${name}: a States.TaskFailed retrier`).toBeGreaterThan(permanent);
      expect(retries.filter((retry) => retry.ErrorEquals.includes('States.ALL')), name).toEqual([]);
    }
  });

  it('starts on KycNeeded from the workflows, parking undeliverable events in the shared delivery dead-letter queue', () => {
    const rule = template.findResources('AWS::Events::Rule')[id(stack.kycWorkflow.node.findChild('KycNeeded'))] as Resource;
    expect(rule.Properties).toMatchObject({
      EventBusName: { Ref: id(stack.tradePipeline.eventBus) },
      Targets: [
        {
          Arn: { Ref: id(stack.kycWorkflow.stateMachine) },
          DeadLetterConfig: { Arn: arnOf(id(stack.workflowShared.deliveryDeadLetterQueue)) },
          RetryPolicy: { MaximumRetryAttempts: 8 },
        },
      ],
    });
    expect(rule.Properties.EventPattern).toEqual({ source: ['propdesk.workflows'], 'detail-type': ['KycNeeded'] });
    expect(rule.Properties.Targets).toHaveLength(1);
    // The rule's role may start this state machine and do nothing else.
    const roleId = ((rule.Properties.Targets as Array<{ RoleArn: { 'Fn::GetAtt': [string, string] } }>)[0]!.RoleArn)['Fn::GetAtt'][0];
    const statements = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
      .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    expect(statements).toEqual([{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: id(stack.kycWorkflow.stateMachine) } }]);
    // Only this rule starts it.
    const starting = Object.values(template.findResources('AWS::Events::Rule') as Record<string, Resource>).filter((candidate) =>
      JSON.stringify(candidate.Properties.Targets).includes(JSON.stringify({ Ref: id(stack.kycWorkflow.stateMachine) })),
    );
    expect(starting).toEqual([rule]);
  });

  it('serves the provider\u2019s webhook at POST /webhooks/kyc on the ingest API, with no authorizer (the function verifies the signature)', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route') as Record<string, Resource>).filter(
      (route) => route.Properties.RouteKey === 'POST /webhooks/kyc',
    );
    expect(routes).toHaveLength(1);
    const route = routes[0]!.Properties;
    expect(route.ApiId).toEqual({ Ref: id(stack.tradePipeline.ingestApi) });
    expect(route.AuthorizationType).toBe('NONE');
    expect(route.AuthorizerId).toBeUndefined();
    const integrationId = (route.Target as { 'Fn::Join': [string, [string, { Ref: string }]] })['Fn::Join'][1][1].Ref;
    expect((template.findResources('AWS::ApiGatewayV2::Integration')[integrationId] as Resource).Properties).toMatchObject({
      ApiId: { Ref: id(stack.tradePipeline.ingestApi) },
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: arnOf(id(stack.kycWorkflow.webhook)),
      PayloadFormatVersion: '2.0',
    });
    // API Gateway may invoke the webhook function, from this route only.
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission') as Record<string, Resource>).filter(
      (permission) => JSON.stringify(permission.Properties.FunctionName) === JSON.stringify(arnOf(id(stack.kycWorkflow.webhook))),
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]!.Properties).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' });
    expect(JSON.stringify(permissions[0]!.Properties.SourceArn)).toContain('/*/*/webhooks/kyc');
  });

  it('gives the steps function the policy, the provider, its secret and the sender, and lets it mail from the shared identity only', () => {
    const { kyc: settings } = demo.workflows;
    const variables = environmentOf(template, id, stack.kycWorkflow.steps);
    expect(variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'kyc',
      TENANT_ID: 'demo',
      TABLE_NAME: { Ref: id(stack.tradePipeline.table) },
      EVENT_BUS_NAME: { Ref: id(stack.tradePipeline.eventBus) },
      CREDENTIALS_SENDER: demo.workflows.credentialsSender,
      SUMSUB_BASE_URL: settings.sumsub.baseUrl,
      SUMSUB_LEVEL_NAME: settings.sumsub.levelName,
      KYC_PROVIDER_SECRET_ARN: { Ref: id(stack.kycWorkflow.providerSecret) },
    });
    const policy: unknown = JSON.parse(String(variables.KYC_POLICY));
    const { reminderAfterHours, reminderEveryHours, maxReminders, expireAfterDays } = settings;
    expect(policy).toEqual({ reminderAfterHours, reminderEveryHours, maxReminders, expireAfterDays });
    // As the handler reads it: nothing left to its schema's defaults.
    expect(KycPolicy.parse(policy)).toEqual(policy);

    const statements = statementsOf(template, id, stack.kycWorkflow.steps);
    const ses = statements.filter((statement) => actionsOf(statement).some((action) => action.startsWith('ses:')));
    expect(ses).toHaveLength(1);
    expect(actionsOf(ses[0]!)).toContain('ses:SendEmail');
    expect(JSON.stringify(ses[0]!.Resource)).toMatch(new RegExp(`:identity/",\\{"Ref":"${id(stack.workflowShared.sender)}"\\}`));
    const secretReads = statements.filter((statement) => actionsOf(statement).includes('secretsmanager:GetSecretValue'));
    expect(secretReads.map((statement) => statement.Resource)).toEqual([{ Ref: id(stack.kycWorkflow.providerSecret) }]);
  });

  it('gives the webhook function the provider secret and the table, and nothing to mail or publish with', () => {
    const variables = environmentOf(template, id, stack.kycWorkflow.webhook);
    expect(variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'kyc-webhook',
      TENANT_ID: 'demo',
      TABLE_NAME: { Ref: id(stack.tradePipeline.table) },
      KYC_WEBHOOK_SECRET_ARN: { Ref: id(stack.kycWorkflow.providerSecret) },
    });
    // Deployed, the secret is read from Secrets Manager, never from a plain variable (the handler refuses both).
    expect(variables.KYC_WEBHOOK_SECRET).toBeUndefined();
    const actions = statementsOf(template, id, stack.kycWorkflow.webhook).flatMap(actionsOf);
    expect(actions).toContain('secretsmanager:GetSecretValue');
    expect(actions.filter((action) => /^(ses|events|sqs|kinesis):/.test(action))).toEqual([]);
  });

  it('keeps the provider secret (placeholders and a generated webhook secret) when the stack is deleted', () => {
    const secret = template.findResources('AWS::SecretsManager::Secret')[id(stack.kycWorkflow.providerSecret)] as Resource;
    expect(secret.DeletionPolicy).toBe('Retain');
    expect(secret.Properties.GenerateSecretString).toMatchObject({ GenerateStringKey: 'webhookSecret', ExcludePunctuation: true });
    expect(JSON.parse(String((secret.Properties.GenerateSecretString as { SecretStringTemplate: string }).SecretStringTemplate))).toEqual({ appToken: 'set-me', secretKey: 'set-me' });
  });

  it('lets the steps function answer the tasks of both named state machines, and the webhook those of the KYC one only', () => {
    const steps = statesStatementsOf(statementsOf(template, id, stack.kycWorkflow.steps));
    // By name, not by reference: the state machines invoke the steps function, so a reference would be a cycle.
    const stateMachineArn = /^arn:aws:states:eu-central-1:111111111111:stateMachine:(propdesk-demo-(?:kyc|purchase))$/;
    expect(steps.map((statement) => arnText(statement.Resource).match(stateMachineArn)?.[1]).sort()).toEqual(['propdesk-demo-kyc', 'propdesk-demo-purchase']);
    for (const statement of steps) expect(actionsOf(statement).sort()).toEqual(['states:SendTaskFailure', 'states:SendTaskSuccess']);
    // The names granted are the names the state machines have.
    const machines = template.findResources('AWS::StepFunctions::StateMachine') as Record<string, Resource>;
    expect(machines[id(stack.kycWorkflow.stateMachine)]?.Properties.StateMachineName).toBe('propdesk-demo-kyc');
    expect(machines[id(stack.purchaseWorkflow.stateMachine)]?.Properties.StateMachineName).toBe('propdesk-demo-purchase');

    const webhook = statesStatementsOf(statementsOf(template, id, stack.kycWorkflow.webhook));
    expect(webhook).toHaveLength(1);
    expect(webhook[0]!.Resource).toEqual({ Ref: id(stack.kycWorkflow.stateMachine) });
    expect(actionsOf(webhook[0]!).filter((action) => !action.startsWith('states:SendTask'))).toEqual([]);
  });

  it('gates a funded phase\u2019s activation in the purchase state machine, failing the order on a rejection, an expiry or the wait running out', () => {
    expect(stateIn(purchase, 'Funded phase?')).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.provisioning.phaseKind', StringEquals: 'funded', Next: 'Await KYC approval' }],
      Default: 'Request trading account',
    });
    const waitSeconds = (demo.workflows.kyc.expireAfterDays + 1) * DAY_SECONDS;
    expect(stack.kycWorkflow.gateWaitSeconds).toBe(waitSeconds);
    const gate = stateIn(purchase, 'Await KYC approval');
    expect(gate).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      TimeoutSeconds: waitSeconds,
      ResultPath: null,
      Next: 'Request trading account',
      Parameters: {
        FunctionName: resolvedArn(id(stack.kycWorkflow.steps)),
        Payload: { step: 'awaitApproval', 'traderId.$': '$.provisioning.traderId', 'accountId.$': '$.provisioning.accountId', 'taskToken.$': '$$.Task.Token', waitSeconds },
      },
    });
    const parsed = KycStep.safeParse(payloadAsSent(gate.Parameters!.Payload, SAMPLES));
    expect(parsed.success, parsed.error?.message).toBe(true);
    // A verdict is an answer, not a glitch: never asked again; anything else left is recorded as the order's failure.
    const retries = gate.Retry ?? [];
    const verdicts = retries.findIndex((retry) => ['KycRejected', 'KycExpired', 'States.Timeout'].every((error) => retry.ErrorEquals.includes(error)));
    expect(verdicts).toBeGreaterThanOrEqual(0);
    expect(retries[verdicts]?.MaxAttempts).toBe(0);
    expect(retries.findIndex((retry) => retry.ErrorEquals.includes('States.TaskFailed'))).toBeGreaterThan(verdicts);
    expect(gate.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Record failure' }]);
    // The purchase state machine may invoke the KYC steps function (the gate) and nothing else of the KYC workflow.
    const roleArn = (template.findResources('AWS::StepFunctions::StateMachine')[id(stack.purchaseWorkflow.stateMachine)] as Resource).Properties.RoleArn as { 'Fn::GetAtt': [string, string] };
    const purchaseRole = roleArn['Fn::GetAtt'][0];
    const invokes = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
      .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === purchaseRole))
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((statement) => actionsOf(statement).includes('lambda:InvokeFunction'));
    expect(JSON.stringify(invokes)).toContain(JSON.stringify(arnOf(id(stack.kycWorkflow.steps))));
    expect(JSON.stringify(invokes)).not.toContain(id(stack.kycWorkflow.webhook));
  });
});

describe('tenant settings flow into the KYC workflow', () => {
  const { stack, template, id } = tenantStack({
    tenantId: 'acme-fx',
    paymentProcessors: {},
    workflows: {
      credentialsSender: 'accounts@acme-fx.example',
      kyc: { checkEverySeconds: 900, expireAfterDays: 10, maxReminders: 1, sumsub: { baseUrl: 'https://api.sumsub.example', levelName: 'funded-traders' } },
    },
    features: { tracing: false },
  });
  const kyc = definitionOf(template, id(stack.kycWorkflow.stateMachine));
  const purchase = definitionOf(template, id(stack.purchaseWorkflow.stateMachine));

  it('checks every checkEverySeconds and runs a day past expireAfterDays', () => {
    const wait = stateIn(kyc, 'Await decision');
    expect(wait.TimeoutSeconds).toBe(900);
    expect(wait.Parameters?.Payload).toMatchObject({ waitSeconds: 900 });
    expect(kyc.TimeoutSeconds).toBe((10 + 1) * DAY_SECONDS);
    const machine = template.findResources('AWS::StepFunctions::StateMachine')[id(stack.kycWorkflow.stateMachine)] as Resource;
    expect(machine.Properties.StateMachineName).toBe('propdesk-acme-fx-kyc');
    expect((machine.Properties.TracingConfiguration as { Enabled?: boolean } | undefined)?.Enabled ?? false).toBe(false);
  });

  it('makes the purchase gate wait until the case has expired, and a day more, inside the purchase execution', () => {
    const gate = stateIn(purchase, 'Await KYC approval');
    const request = stateIn(purchase, 'Request trading account');
    expect(purchase.TimeoutSeconds).toBeGreaterThan(gate.TimeoutSeconds! + request.TimeoutSeconds!);
    expect(gate.TimeoutSeconds).toBe((10 + 1) * DAY_SECONDS);
    expect(gate.Parameters?.Payload).toMatchObject({ waitSeconds: (10 + 1) * DAY_SECONDS });
  });

  it('hands the policy, the provider and the sender to the steps function, and grants callbacks by the firm\u2019s names', () => {
    const variables = environmentOf(template, id, stack.kycWorkflow.steps);
    expect(variables).toMatchObject({ SUMSUB_BASE_URL: 'https://api.sumsub.example', SUMSUB_LEVEL_NAME: 'funded-traders', CREDENTIALS_SENDER: 'accounts@acme-fx.example' });
    // The schema's defaults for what the firm left out, its own values for the rest.
    expect(JSON.parse(String(variables.KYC_POLICY))).toEqual({ reminderAfterHours: 48, reminderEveryHours: 72, maxReminders: 1, expireAfterDays: 10 });
    const steps = statesStatementsOf(statementsOf(template, id, stack.kycWorkflow.steps));
    expect(steps.map((statement) => arnText(statement.Resource).replace(/^.*:stateMachine:/, '')).sort()).toEqual(['propdesk-acme-fx-kyc', 'propdesk-acme-fx-purchase']);
  });
});
