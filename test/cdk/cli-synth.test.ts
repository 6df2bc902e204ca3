import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cdk = (args: string[]) =>
  run('node_modules/.bin/cdk', [...args, '--no-notices', '--no-version-reporting'], { env: { ...process.env, CI: 'true' }, maxBuffer: 16 * 1024 * 1024 });

/** The real CLI, as a firm's engineer runs it: bundling, CloudFormation validation and cdk-nag included. */
describe('npx cdk synth', () => {
  it('synthesizes the demo tenant: every function bundled, no unacknowledged cdk-nag finding', { timeout: 120_000 }, async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'propdesk-cdk-out-'));
    await cdk(['synth', '-c', 'tenant=demo', '--quiet', '-o', outdir]);
    const template = JSON.parse(readFileSync(join(outdir, 'Propdesk-demo.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Metadata?: Record<string, string> }> };
    const functions = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function');
    // The pipeline's three (evaluator, ingest, rollover), the staff API's one, the purchase workflow's two
    // (steps, callbacks), the KYC workflow's two (steps, webhook), the payout workflow's one (steps) and abuse
    // detection's one (detectors): each with its own bundle.
    expect(functions).toHaveLength(10);
    for (const fn of functions) {
      const asset = fn.Metadata?.['aws:asset:path'];
      expect(asset && existsSync(join(outdir, asset, 'index.mjs')), `bundle of ${asset}`).toBe(true);
    }
    const report = join(outdir, 'policy-validation-report.json');
    const violations = existsSync(report) ? (JSON.parse(readFileSync(report, 'utf8')) as { pluginReports: unknown[] }).pluginReports : [];
    expect(violations).toEqual([]);
  });

  it('stops with a clear error when the tenant is missing or unknown', { timeout: 120_000 }, async () => {
    // Each run its own output directory: the CLI locks the one it writes.
    const stderrOf = (args: string[]) =>
      cdk([...args, '-o', mkdtempSync(join(tmpdir(), 'propdesk-cdk-out-'))]).then(() => 'exit 0', (error: { stderr: string }) => error.stderr);
    const [missing, unknown] = await Promise.all([stderrOf(['synth', '--quiet']), stderrOf(['synth', '-c', 'tenant=nobody', '--quiet'])]);
    expect(missing).toMatch(/no tenant chosen: pass -c tenant=<id> to cdk \(known tenants: demo\)/);
    expect(unknown).toMatch(/unknown tenant "nobody": no cdk\/tenants\/nobody\.json \(known tenants: demo\)/);
  });
});
