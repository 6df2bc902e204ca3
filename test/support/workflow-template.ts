/**
 * Reading a synthesized tenant stack's workflows in CDK tests: the stack built from the demo tenant with
 * changes, its state machine definitions as the local platform parses them, and the IAM statements of a role.
 */
import { App, type CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { PropdeskFunction } from '../../cdk/constructs/propdesk-function.js';
import { TenantStack } from '../../cdk/stacks/tenant-stack.js';
import { loadTenantConfig, parseTenantConfig } from '../../cdk/tenant-config.js';
import { aslOf } from '../../local/state-machines.js';

export const appWithoutBundling = () => new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });

export const demo = loadTenantConfig('demo');

/** The demo tenant's stack, with `changes` to its settings. */
export function tenantStack(changes: Record<string, unknown> = {}) {
  const config = parseTenantConfig({ ...demo, ...changes }, 'test');
  const stack = new TenantStack(appWithoutBundling(), `Propdesk-${config.tenantId}`, { config });
  const template = Template.fromStack(stack);
  const id = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnResource);
  return { stack, template, id, config };
}

export type Resource = { Properties: Record<string, unknown>; DeletionPolicy?: string };
export type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
export type ChoiceRule = { Variable?: string; StringEquals?: string; Or?: ChoiceRule[]; Next?: string };
export type State = {
  Type: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: ChoiceRule[];
  TimeoutSeconds?: number;
  ResultPath?: string | null;
  OutputPath?: string;
  Retry?: Array<{ ErrorEquals: string[]; MaxAttempts?: number }>;
  Catch?: Array<{ ErrorEquals: string[]; ResultPath?: string | null; Next: string }>;
  Parameters?: { FunctionName: string; Payload: Record<string, unknown> };
  Comment?: string;
  Error?: string;
  Cause?: string;
};
export type Definition = { StartAt: string; TimeoutSeconds?: number; States: Record<string, State> };

export const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
/** How the definition's references read once resolved: an ARN naming the logical id, or the id itself. */
export const resolvedArn = (logicalId: string) => `arn:aws:lambda:::function:${logicalId}`;

/** The synthesized definition as ASL, parsed the way the local platform runs it. */
export function definitionOf(template: Template, stateMachineId: string): Definition {
  const machine = template.findResources('AWS::StepFunctions::StateMachine')[stateMachineId] as Resource | undefined;
  if (machine === undefined) throw new Error(`no state machine ${stateMachineId}`);
  return aslOf(machine.Properties.DefinitionString, (logicalId, attribute) => (attribute === 'Arn' ? resolvedArn(logicalId) : logicalId)) as unknown as Definition;
}

export const stateIn = (definition: Definition, name: string): State => {
  const found = definition.States[name];
  if (found === undefined) throw new Error(`no state "${name}"`);
  return found;
};

/** Every statement of the inline policies attached to the role `roleId`. */
export function statementsOfRole(template: Template, roleId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** Every statement of the inline policies attached to `fn`'s role. */
export function statementsOf(template: Template, id: (construct: IConstruct) => string, fn: PropdeskFunction): Statement[] {
  if (fn.role === undefined) throw new Error(`${fn.node.path} has no role`);
  return statementsOfRole(template, id(fn.role));
}

export const actionsOf = (statement: Statement): string[] => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);
export const statesStatementsOf = (statements: Statement[]) => statements.filter((statement) => actionsOf(statement).some((action) => action.startsWith('states:')));

/**
 * A Task's Payload as the function receives it: each `key.$` path replaced by the sample value `at` gives for
 * that path (of the shape the state machine holds there), so the handler's own schema can judge it.
 */
export function payloadAsSent(payload: Record<string, unknown>, at: Readonly<Record<string, unknown>>): unknown {
  return Object.fromEntries(
    Object.entries(payload).map(([key, value]) => {
      if (!key.endsWith('.$')) return [key, value];
      if (!(String(value) in at)) throw new Error(`no sample value for the path ${String(value)}`);
      return [key.slice(0, -2), at[String(value)]];
    }),
  );
}

/** The log groups a state machine logs to (its LoggingConfiguration's destinations). */
export function logGroupsOf(template: Template, machine: Resource): Resource[] {
  const { Destinations } = machine.Properties.LoggingConfiguration as { Destinations: Array<{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [string, string] } } }> };
  const groups = template.findResources('AWS::Logs::LogGroup');
  return Destinations.map((destination) => groups[destination.CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0]] as Resource);
}
