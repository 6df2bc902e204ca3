/**
 * The CDK app: one stack per firm, chosen with `-c tenant=<id>` from cdk/tenants/<id>.json. Every synth runs
 * cdk-nag's AwsSolutions checks as a policy-validation plugin: a finding that is not acknowledged with a
 * reason fails the synth, and the findings are written to the assembly's policy-validation-report.json.
 */
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { pathToFileURL } from 'node:url';
import { TenantStack } from './stacks/tenant-stack.js';
import { loadTenantConfig, type TenantConfig } from './tenant-config.js';

/** The stack name a tenant deploys as (CloudFormation console, `cdk deploy`, `cdk destroy`). */
export const stackNameOf = (tenantId: string) => `Propdesk-${tenantId}`;

/**
 * Adds the stack of the tenant named by `-c tenant=<id>` (or `tenantId`) to the app. `adjust` changes the
 * loaded settings first: the local platform's tests shorten the workflows' waits with it.
 */
export function addTenantStack(app: App, tenantId: unknown = app.node.tryGetContext('tenant'), adjust: (config: TenantConfig) => TenantConfig = (config) => config): TenantStack {
  const config = adjust(loadTenantConfig(tenantId));
  return new TenantStack(app, stackNameOf(config.tenantId), { config });
}

/** An app that checks what it synthesizes against the AwsSolutions rules (as `cdk synth` and `cdk deploy` do). */
export function checkedApp(props: AppProps = {}): App {
  const app = new App({
    ...props,
    // The report as JSON in the cloud assembly, so tests (and CI) can read every finding.
    context: { '@aws-cdk/core:validationReportJson': true, ...props.context },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return app;
}

// The CDK CLI runs this file. Imported (by the local platform and tests) it only provides the functions above.
const runDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (runDirectly) {
  const app = checkedApp();
  try {
    addTenantStack(app);
  } catch (error) {
    // A configuration mistake is the user's to fix: the message, without a stack trace of CDK internals.
    console.error(`\n${(error as Error).message}\n`);
    process.exit(1);
  }
  app.synth();
}
