/**
 * What the local platform takes from the synthesized stack: it synthesizes the tenant's real stack (the one
 * `cdk deploy` would ship, minus the Lambda bundles) and reads the bus rules, the evaluator's stream
 * settings, the abuse detectors' queue settings and the rollover schedules from the template JSON, so local routing and batching are exactly
 * what CDK produced and cannot drift from it.
 */
import { App, type CfnResource, type Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventPattern } from '../local/event-pattern.js';
import { addTenantStack } from './app.js';
import type { TenantConfig, WorkflowSettings } from './tenant-config.js';

/** What a rule delivers to: a queue, a Lambda function, or a state machine (StartExecution). */
export interface LocalRuleTarget {
  readonly kind: 'queue' | 'function' | 'stateMachine';
  readonly logicalId: string;
}

export interface LocalBusRule {
  readonly logicalId: string;
  readonly eventBusLogicalId: string;
  readonly eventPattern: EventPattern;
  readonly targets: readonly LocalRuleTarget[];
}

/** A state machine and its definition as the template holds it (intrinsics unresolved: see local/state-machines.ts). */
export interface LocalStateMachineDefinition {
  readonly logicalId: string;
  readonly definitionString: unknown;
}

/** The evaluator's Kinesis event-source mapping, with CloudFormation's property names and values. */
export interface KinesisEventSourceSettings {
  readonly logicalId: string;
  readonly BatchSize: number;
  readonly MaximumBatchingWindowInSeconds: number;
  readonly MaximumRetryAttempts: number;
  readonly MaximumRecordAgeInSeconds: number;
  readonly BisectBatchOnFunctionError: boolean;
  readonly FunctionResponseTypes: readonly string[];
  readonly StartingPosition: string;
  readonly ParallelizationFactor: number;
  readonly onFailureQueueLogicalId: string;
}

/** The abuse detectors' SQS event-source mapping, with CloudFormation's property names and values. */
export interface SqsEventSourceSettings {
  readonly logicalId: string;
  readonly queueLogicalId: string;
  readonly BatchSize: number;
  readonly MaximumBatchingWindowInSeconds: number;
  readonly FunctionResponseTypes: readonly string[];
  /** The queue's redrive policy: receives before a message goes to the dead-letter queue. */
  readonly maxReceiveCount: number;
}

export interface LocalSchedule {
  readonly logicalId: string;
  /** For example `cron(0 17 * * ? *)`. */
  readonly expression: string;
  /** The IANA zone the expression is read in. */
  readonly timezone: string;
  /** The target's input, parsed (the scheduler substitutes `<aws.scheduler.*>` placeholders at run time). */
  readonly input: unknown;
  readonly targetFunctionLogicalId: string;
}

/** Logical ids of the pipeline's queues, by role. */
export interface LocalQueues {
  readonly quarantine: string;
  readonly quarantineDeadLetter: string;
  readonly streamFailure: string;
  readonly accountOutcomes: string;
  readonly accountOutcomesDeadLetter: string;
  readonly riskAlerts: string;
  readonly riskAlertsDeadLetter: string;
  readonly rolloverDeadLetter: string;
  readonly bridgeCommands: string;
  readonly bridgeCommandsDeadLetter: string;
  readonly workflowDeliveryDeadLetter: string;
  readonly payoutCommands: string;
  readonly payoutCommandsDeadLetter: string;
  /** What the abuse detectors consume: TradeClosed and IdentityObserved. */
  readonly abuseDetection: string;
  readonly abuseDetectionDeadLetter: string;
}

export interface LocalTemplate {
  readonly tenantId: string;
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly eventBus: { readonly logicalId: string; readonly name: string };
  readonly rules: readonly LocalBusRule[];
  readonly evaluatorEventSource: KinesisEventSourceSettings;
  readonly detectorsEventSource: SqsEventSourceSettings;
  readonly schedules: readonly LocalSchedule[];
  readonly queues: LocalQueues;
  /** The workflows' settings (KYC policy and waits) the stack was synthesized with. */
  readonly workflowSettings: WorkflowSettings;
  readonly stateMachines: { readonly purchase: LocalStateMachineDefinition; readonly kyc: LocalStateMachineDefinition; readonly payout: LocalStateMachineDefinition };
  /** Logical ids of the functions the workflows and the bus invoke. */
  readonly functions: { readonly purchaseSteps: string; readonly callbacks: string; readonly kycSteps: string; readonly payoutSteps: string; readonly detectors: string };
}

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: { readonly [name: string]: unknown };
}

/** Synthesizes the tenant's stack without bundling (no esbuild run) and describes it from its template. */
export function synthesizeLocal(tenantId: string, adjust?: (config: TenantConfig) => TenantConfig): LocalTemplate {
  const outdir = mkdtempSync(join(tmpdir(), `propdesk-${tenantId}-synth-`));
  try {
    // An empty bundling-stacks list tells CDK no stack needs its assets bundled: NodejsFunction skips
    // esbuild and the template is otherwise identical to a deployable one. CDK's built-in CloudFormation
    // validation (a WASM engine, several seconds to start) is left to `cdk synth`; it only reports warnings.
    const app = new App({ outdir, builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = addTenantStack(app, tenantId, adjust);
    app.synth();
    const template = JSON.parse(readFileSync(join(outdir, stack.templateFile), 'utf8')) as { Resources?: Record<string, TemplateResource> };
    const resources = new TemplateResources(template.Resources ?? {});
    const pipeline = stack.tradePipeline;
    const idOf = (construct: IConstruct) => logicalIdOf(stack, construct);

    const queues: LocalQueues = {
      quarantine: idOf(pipeline.quarantineQueue),
      quarantineDeadLetter: idOf(pipeline.quarantineDeadLetterQueue),
      streamFailure: idOf(pipeline.streamFailureQueue),
      accountOutcomes: idOf(pipeline.accountOutcomesQueue),
      accountOutcomesDeadLetter: idOf(pipeline.accountOutcomesDeadLetterQueue),
      riskAlerts: idOf(pipeline.riskAlertsQueue),
      riskAlertsDeadLetter: idOf(pipeline.riskAlertsDeadLetterQueue),
      rolloverDeadLetter: idOf(pipeline.rolloverDeadLetterQueue),
      bridgeCommands: idOf(stack.purchaseWorkflow.bridgeCommandsQueue),
      bridgeCommandsDeadLetter: idOf(stack.purchaseWorkflow.bridgeCommandsDeadLetterQueue),
      workflowDeliveryDeadLetter: idOf(stack.purchaseWorkflow.deliveryDeadLetterQueue),
      payoutCommands: idOf(stack.payoutWorkflow.processorCommandsQueue),
      payoutCommandsDeadLetter: idOf(stack.payoutWorkflow.processorCommandsDeadLetterQueue),
      abuseDetection: idOf(stack.abuseDetection.queue),
      abuseDetectionDeadLetter: idOf(stack.abuseDetection.deadLetterQueue),
    };
    for (const logicalId of Object.values(queues)) resources.get(logicalId, 'AWS::SQS::Queue');
    const eventBusLogicalId = idOf(pipeline.eventBus);
    const eventBusProperties = resources.get(eventBusLogicalId, 'AWS::Events::EventBus').Properties ?? {};

    return {
      tenantId,
      stackName: stack.stackName,
      account: stack.account,
      region: stack.region,
      eventBus: { logicalId: eventBusLogicalId, name: stringProperty(eventBusProperties, 'Name', `event bus ${eventBusLogicalId}`) },
      rules: readRules(resources, eventBusLogicalId),
      evaluatorEventSource: readEvaluatorEventSource(resources, idOf(pipeline.evaluator)),
      detectorsEventSource: readSqsEventSource(resources, idOf(stack.abuseDetection.detectors)),
      schedules: readSchedules(resources),
      queues,
      workflowSettings: stack.config.workflows,
      stateMachines: {
        purchase: readStateMachine(resources, idOf(stack.purchaseWorkflow.stateMachine)),
        kyc: readStateMachine(resources, idOf(stack.kycWorkflow.stateMachine)),
        payout: readStateMachine(resources, idOf(stack.payoutWorkflow.stateMachine)),
      },
      functions: {
        purchaseSteps: idOf(stack.purchaseWorkflow.steps),
        callbacks: idOf(stack.purchaseWorkflow.callbacks),
        kycSteps: idOf(stack.kycWorkflow.steps),
        payoutSteps: idOf(stack.payoutWorkflow.steps),
        detectors: idOf(stack.abuseDetection.detectors),
      },
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The rules on the firm's bus; those on partner buses (payment processors) have no local counterpart. */
function readRules(resources: TemplateResources, eventBusLogicalId: string): LocalBusRule[] {
  const onFirmBus = ([, properties]: [string, Record<string, unknown>]) => isObject(properties['EventBusName']) && properties['EventBusName']['Ref'] === eventBusLogicalId;
  return resources.ofType('AWS::Events::Rule').filter(onFirmBus).map(([logicalId, properties]) => {
    const where = `rule ${logicalId}`;
    const targets = arrayProperty(properties, 'Targets', where);
    return {
      logicalId,
      eventBusLogicalId: refTarget(properties['EventBusName'], `${where} EventBusName`),
      eventPattern: objectProperty(properties, 'EventPattern', where),
      targets: targets.map((target, index) => ruleTargetOf(resources, isObject(target) ? target['Arn'] : undefined, `${where} target ${index}`)),
    };
  });
}

const TARGET_KINDS: Readonly<Record<string, LocalRuleTarget['kind']>> = {
  'AWS::SQS::Queue': 'queue',
  'AWS::Lambda::Function': 'function',
  'AWS::StepFunctions::StateMachine': 'stateMachine',
};

/** A queue or function target's Arn is a GetAtt; a state machine's is a Ref (its ARN is its physical id). */
function ruleTargetOf(resources: TemplateResources, arn: unknown, where: string): LocalRuleTarget {
  const logicalId = isObject(arn) && 'Ref' in arn ? refTarget(arn, where) : getAttTarget(arn, 'Arn', where);
  const type = resources.type(logicalId);
  const kind = type === undefined ? undefined : TARGET_KINDS[type];
  if (kind === undefined) throw new Error(`template: ${where} is a ${type ?? 'missing resource'}, which the local bus does not deliver to`);
  return { kind, logicalId };
}

function readStateMachine(resources: TemplateResources, logicalId: string): LocalStateMachineDefinition {
  const properties = resources.get(logicalId, 'AWS::StepFunctions::StateMachine').Properties ?? {};
  if (properties['DefinitionString'] === undefined) throw new Error(`template: state machine ${logicalId} has no DefinitionString`);
  return { logicalId, definitionString: properties['DefinitionString'] };
}

function readEvaluatorEventSource(resources: TemplateResources, evaluatorLogicalId: string): KinesisEventSourceSettings {
  const mappings = resources
    .ofType('AWS::Lambda::EventSourceMapping')
    .filter(([, properties]) => isObject(properties['FunctionName']) && properties['FunctionName']['Ref'] === evaluatorLogicalId);
  const [mapping, ...others] = mappings;
  if (mapping === undefined || others.length > 0) {
    throw new Error(`template: expected exactly one event-source mapping for ${evaluatorLogicalId}, found ${mappings.length}`);
  }
  const [logicalId, properties] = mapping;
  const where = `event-source mapping ${logicalId}`;
  const destination = objectProperty(objectProperty(objectProperty(properties, 'DestinationConfig', where), 'OnFailure', where), 'Destination', where);
  return {
    logicalId,
    BatchSize: numberProperty(properties, 'BatchSize', where),
    MaximumBatchingWindowInSeconds: numberProperty(properties, 'MaximumBatchingWindowInSeconds', where),
    MaximumRetryAttempts: numberProperty(properties, 'MaximumRetryAttempts', where),
    MaximumRecordAgeInSeconds: numberProperty(properties, 'MaximumRecordAgeInSeconds', where),
    BisectBatchOnFunctionError: booleanProperty(properties, 'BisectBatchOnFunctionError', where),
    FunctionResponseTypes: arrayProperty(properties, 'FunctionResponseTypes', where).map((type) => String(type)),
    StartingPosition: stringProperty(properties, 'StartingPosition', where),
    ParallelizationFactor: numberProperty(properties, 'ParallelizationFactor', where),
    onFailureQueueLogicalId: getAttTarget(destination, 'Arn', `${where} on-failure destination`),
  };
}

function readSqsEventSource(resources: TemplateResources, functionLogicalId: string): SqsEventSourceSettings {
  const mappings = resources
    .ofType('AWS::Lambda::EventSourceMapping')
    .filter(([, properties]) => isObject(properties['FunctionName']) && properties['FunctionName']['Ref'] === functionLogicalId);
  const [mapping, ...others] = mappings;
  if (mapping === undefined || others.length > 0) {
    throw new Error(`template: expected exactly one event-source mapping for ${functionLogicalId}, found ${mappings.length}`);
  }
  const [logicalId, properties] = mapping;
  const where = `event-source mapping ${logicalId}`;
  const queueLogicalId = getAttTarget(properties['EventSourceArn'], 'Arn', `${where} EventSourceArn`);
  const queue = resources.get(queueLogicalId, 'AWS::SQS::Queue').Properties ?? {};
  const redrive = objectProperty(queue, 'RedrivePolicy', `queue ${queueLogicalId}`);
  return {
    logicalId,
    queueLogicalId,
    BatchSize: numberProperty(properties, 'BatchSize', where),
    MaximumBatchingWindowInSeconds: numberProperty(properties, 'MaximumBatchingWindowInSeconds', where),
    FunctionResponseTypes: arrayProperty(properties, 'FunctionResponseTypes', where).map((type) => String(type)),
    maxReceiveCount: numberProperty(redrive, 'maxReceiveCount', `queue ${queueLogicalId} RedrivePolicy`),
  };
}

function readSchedules(resources: TemplateResources): LocalSchedule[] {
  return resources.ofType('AWS::Scheduler::Schedule').map(([logicalId, properties]) => {
    const where = `schedule ${logicalId}`;
    const target = objectProperty(properties, 'Target', where);
    return {
      logicalId,
      expression: stringProperty(properties, 'ScheduleExpression', where),
      timezone: stringProperty(properties, 'ScheduleExpressionTimezone', where),
      input: JSON.parse(stringProperty(target, 'Input', where)) as unknown,
      targetFunctionLogicalId: getAttTarget(target['Arn'], 'Arn', `${where} target`),
    };
  });
}

class TemplateResources {
  constructor(private readonly resources: Readonly<Record<string, TemplateResource>>) {}

  ofType(type: string): Array<[string, { readonly [name: string]: unknown }]> {
    return Object.entries(this.resources)
      .filter(([, resource]) => resource.Type === type)
      .map(([logicalId, resource]) => [logicalId, resource.Properties ?? {}]);
  }

  type(logicalId: string): string | undefined {
    return this.resources[logicalId]?.Type;
  }

  get(logicalId: string, type: string): TemplateResource {
    const resource = this.resources[logicalId];
    if (resource?.Type !== type) throw new Error(`template: expected ${logicalId} to be a ${type}, found ${resource?.Type ?? 'nothing'}`);
    return resource;
  }
}

function logicalIdOf(stack: Stack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnResource);
}

function isObject(value: unknown): value is { readonly [name: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectProperty(properties: { readonly [name: string]: unknown }, name: string, where: string): { readonly [name: string]: unknown } {
  const value = properties[name];
  if (!isObject(value)) throw new Error(`template: ${where} has no object ${name}`);
  return value;
}

function arrayProperty(properties: { readonly [name: string]: unknown }, name: string, where: string): readonly unknown[] {
  const value = properties[name];
  if (!Array.isArray(value)) throw new Error(`template: ${where} has no list ${name}`);
  return value;
}

function stringProperty(properties: { readonly [name: string]: unknown }, name: string, where: string): string {
  const value = properties[name];
  if (typeof value !== 'string') throw new Error(`template: ${where} has no string ${name}`);
  return value;
}

function numberProperty(properties: { readonly [name: string]: unknown }, name: string, where: string): number {
  const value = properties[name];
  if (typeof value !== 'number') throw new Error(`template: ${where} has no number ${name}`);
  return value;
}

function booleanProperty(properties: { readonly [name: string]: unknown }, name: string, where: string): boolean {
  const value = properties[name];
  if (typeof value !== 'boolean') throw new Error(`template: ${where} has no boolean ${name}`);
  return value;
}

/** The logical id in `{ "Ref": id }`. */
function refTarget(value: unknown, where: string): string {
  const ref = isObject(value) ? value['Ref'] : undefined;
  if (typeof ref !== 'string') throw new Error(`template: ${where} is not a Ref`);
  return ref;
}

/** The logical id in `{ "Fn::GetAtt": [id, attribute] }`. */
function getAttTarget(value: unknown, attribute: string, where: string): string {
  const getAtt = isObject(value) ? value['Fn::GetAtt'] : undefined;
  if (!Array.isArray(getAtt) || typeof getAtt[0] !== 'string' || getAtt[1] !== attribute) {
    throw new Error(`template: ${where} is not a Fn::GetAtt of ${attribute}`);
  }
  return getAtt[0];
}
