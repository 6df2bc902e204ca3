/**
 * The CDK app: one stack per firm, chosen with `-c tenant=<id>`. The tenant registry and stack naming live
 * here so the CLI synth and the local platform (cdk/local-template.ts) build the very same stack.
 */
import { App } from 'aws-cdk-lib';
import { pathToFileURL } from 'node:url';
import { TenantStack, type TenantConfig } from './stacks/tenant-stack.js';
import { demo } from './tenants/demo.js';

/** Every firm this app can deploy, by tenant id (a later issue loads these from tenant files). */
export const TENANTS: Readonly<Record<string, TenantConfig>> = { [demo.tenantId]: demo };

export function tenantConfig(tenantId: unknown): TenantConfig {
  const known = Object.keys(TENANTS).join(', ');
  if (typeof tenantId !== 'string' || tenantId === '') {
    throw new Error(
      `no tenant chosen: pass -c tenant=<id> to cdk, or set CDK_CONTEXT_JSON='{"tenant":"<id>"}' when running cdk/app.ts directly (known tenants: ${known})`,
    );
  }
  const config = Object.hasOwn(TENANTS, tenantId) ? TENANTS[tenantId] : undefined;
  if (config === undefined) throw new Error(`unknown tenant "${tenantId}" (known tenants: ${known})`);
  return config;
}

/** Adds the stack of the tenant named by `-c tenant=<id>` (or `tenantId`) to the app. */
export function addTenantStack(app: App, tenantId: unknown = app.node.tryGetContext('tenant')): TenantStack {
  const config = tenantConfig(tenantId);
  return new TenantStack(app, `Propdesk-${config.tenantId}`, config);
}

// The CDK CLI runs this file; run directly (`npx tsx cdk/app.ts`) it writes the assembly to cdk.out. Imported
// (by the local platform and tests) it only provides the functions above.
const runDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (runDirectly) {
  const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });
  addTenantStack(app);
  app.synth();
}
