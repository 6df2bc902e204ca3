import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALARM_THRESHOLDS } from '../../cdk/constructs/monitoring.js';
import {
  loadTenantConfig,
  parseTenantConfig,
  TENANTS_DIRECTORY,
  type TenantConfigInput,
  tenantIds,
  tenantJsonSchema,
} from '../../cdk/tenant-config.js';

const minimal: TenantConfigInput = {
  tenantId: 'acme',
  account: '123456789012',
  region: 'us-east-1',
  dayBoundaries: [{ zone: 'America/New_York', time: '17:00' }],
  stream: { mode: 'on-demand' },
  workflows: { credentialsSender: 'accounts@acme.example' },
};

/** A directory holding the given tenant files, as `cdk/tenants/` would. */
function tenantsDirectory(files: Record<string, string>): URL {
  const directory = mkdtempSync(join(tmpdir(), 'propdesk-tenants-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(directory, name), text);
  return pathToFileURL(`${directory}/`);
}

describe('tenant files', () => {
  it('every file in cdk/tenants is a valid tenant named after its file', () => {
    const ids = tenantIds();
    expect(ids).toContain('demo');
    for (const id of ids) expect(loadTenantConfig(id).tenantId).toBe(id);
  });

  it('cdk/tenants/tenant.schema.json is the export of the zod schema (npm run tenants:schema)', () => {
    expect(readFileSync(new URL('tenant.schema.json', TENANTS_DIRECTORY), 'utf8')).toBe(tenantJsonSchema());
  });

  it('fills every optional setting with its documented default', () => {
    const config = parseTenantConfig(minimal, 'minimal');
    expect(config.evaluator).toEqual({ batchSize: 1000, maxBatchingWindowSeconds: 0, parallelizationFactor: 1, historyRetentionDays: 120 });
    expect(config.ingest).toEqual({ rateLimit: 1000, burstLimit: 2000 });
    expect(config.alarms).toEqual({ emails: [], ...DEFAULT_ALARM_THRESHOLDS });
    expect(config.logRetentionDays).toBe(30);
    expect(config.features).toEqual({ tracing: true });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a tenant id that cannot name resources', { tenantId: 'Acme FX' }, /tenantId: 1 to 32 lower-case letters/],
    ['an account that is not 12 digits', { account: '12345' }, /account: a 12-digit AWS account id/],
    ['a region that is not one', { region: 'Frankfurt' }, /region: an AWS region/],
    ['no day boundary', { dayBoundaries: [] }, /dayBoundaries: /],
    ['a zone that is not IANA', { dayBoundaries: [{ zone: 'Europe/Atlantis', time: '00:00' }] }, /dayBoundaries\.0\.zone: an IANA time zone/],
    ['an abbreviation instead of a zone', { dayBoundaries: [{ zone: 'EST', time: '00:00' }] }, /dayBoundaries\.0\.zone: an IANA time zone/],
    ['24:00', { dayBoundaries: [{ zone: 'Europe/Prague', time: '24:00' }] }, /dayBoundaries\.0\.time: a local time HH:mm/],
    ['zero shards', { stream: { mode: 'provisioned', shards: 0 } }, /stream\.shards: /],
    ['an unknown stream mode', { stream: { mode: 'serverless' } }, /stream\.mode: /],
    ['a batch Lambda cannot take', { evaluator: { batchSize: 20_000 } }, /evaluator\.batchSize: /],
    ['a window over 300 s', { evaluator: { maxBatchingWindowSeconds: 301 } }, /evaluator\.maxBatchingWindowSeconds: /],
    ['a retention CloudWatch does not offer', { logRetentionDays: 31 }, /logRetentionDays: /],
    ['a bad alarm address', { alarms: { emails: ['ops at acme'] } }, /alarms\.emails\.0: /],
    ['a threshold of zero', { alarms: { iteratorAgeSeconds: 0 } }, /alarms\.iteratorAgeSeconds: /],
    ['a misspelt setting', { evaluater: { batchSize: 10 } }, /\(root\): Unrecognized key: "evaluater"/],
    ['no credentials sender', { workflows: {} }, /workflows\.credentialsSender: /],
    [
      'KYC checks too frequent for the expiry (an execution would outgrow its history)',
      { workflows: { credentialsSender: 'a@acme.example', kyc: { checkEverySeconds: 120, expireAfterDays: 10 } } },
      /workflows\.kyc\.checkEverySeconds: checkEverySeconds is too short for expireAfterDays: a verification may check at most 1500 times/,
    ],
  ])('refuses %s, naming the field', (_, override, message) => {
    expect(() => parseTenantConfig({ ...minimal, ...override }, 'cdk/tenants/acme.json')).toThrow(message);
    expect(() => parseTenantConfig({ ...minimal, ...override }, 'cdk/tenants/acme.json')).toThrow(/^cdk\/tenants\/acme\.json is not a valid tenant configuration/);
  });

  it('names the missing choice and the unknown tenant, with the known ones', () => {
    const directory = tenantsDirectory({ 'acme.json': JSON.stringify(minimal), 'tenant.schema.json': '{}' });
    expect(() => loadTenantConfig(undefined, directory)).toThrow('no tenant chosen: pass -c tenant=<id> to cdk (known tenants: acme)');
    expect(() => loadTenantConfig('nobody', directory)).toThrow('unknown tenant "nobody": no cdk/tenants/nobody.json (known tenants: acme)');
    expect(loadTenantConfig('acme', directory).region).toBe('us-east-1');
  });

  it('refuses a file that is not JSON, and one whose id is not its name', () => {
    const directory = tenantsDirectory({ 'broken.json': '{ "tenantId": ', 'beta.json': JSON.stringify({ ...minimal, tenantId: 'gamma' }) });
    expect(() => loadTenantConfig('broken', directory)).toThrow(/cdk\/tenants\/broken\.json is not valid JSON/);
    expect(() => loadTenantConfig('beta', directory)).toThrow('cdk/tenants/beta.json declares tenantId "gamma": the file name and the id must match');
  });
});
