/**
 * A firm's deployment settings: one JSON file per tenant in cdk/tenants/, validated here at synth time so a
 * typo or an impossible value stops `cdk synth` with the field at fault instead of reaching CloudFormation.
 * The JSON Schema beside the files (cdk/tenants/tenant.schema.json) is generated from this one, so editors
 * check a tenant file as it is typed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_ALARM_THRESHOLDS } from './constructs/monitoring.js';

export const TENANTS_DIRECTORY = new URL('./tenants/', import.meta.url);

const isIanaZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone.includes('/') || zone === 'UTC';
  } catch {
    return false;
  }
};

export const FirmDayBoundarySchema = z
  .object({
    zone: z.string().refine(isIanaZone, 'an IANA time zone such as Europe/Prague or America/New_York'),
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time HH:mm (24-hour)'),
  })
  .strict()
  .describe('The local time in an IANA zone at which one firm day ends and the next starts');

export const TradeStreamCapacitySchema = z
  .discriminatedUnion('mode', [
    z.object({ mode: z.literal('on-demand') }).strict(),
    z.object({ mode: z.literal('provisioned'), shards: z.int().min(1).max(500) }).strict(),
  ])
  .describe('On-demand scales by itself and has a stream-hour floor; provisioned is cheaper at a steady, known load');

export const EvaluatorBatchingSchema = z
  .object({
    batchSize: z.int().min(1).max(10_000).default(1_000).describe('Records per invocation'),
    maxBatchingWindowSeconds: z.int().min(0).max(300).default(0).describe('How long Lambda may wait to fill a batch: latency traded for fewer invocations'),
    parallelizationFactor: z.int().min(1).max(10).default(1).describe('Concurrent batches per shard; raise when iterator age grows (order per account is kept)'),
    historyRetentionDays: z
      .int()
      .min(1)
      .max(3_650)
      .default(120)
      .describe("Days an account's event history is kept for program dry-runs (DynamoDB TTL), counted from its events' time"),
  })
  .strict();

const positive = (description: string) => z.number().positive().finite().describe(description);

export const AlarmsSchema = z
  .object({
    emails: z.array(z.email()).default([]).describe('Addresses subscribed to the alarm topic (each confirms by email)'),
    iteratorAgeSeconds: positive('Alarm when the oldest unevaluated trade record is this old').default(DEFAULT_ALARM_THRESHOLDS.iteratorAgeSeconds),
    quarantinedRecordsPer5Minutes: positive('Alarm at this many quarantined records in 5 minutes').default(
      DEFAULT_ALARM_THRESHOLDS.quarantinedRecordsPer5Minutes,
    ),
    functionErrorsPer5Minutes: positive('Alarm at this many errors of one function in 5 minutes').default(DEFAULT_ALARM_THRESHOLDS.functionErrorsPer5Minutes),
    functionThrottlesPer5Minutes: positive('Alarm at this many throttles of one function in 5 minutes').default(
      DEFAULT_ALARM_THRESHOLDS.functionThrottlesPer5Minutes,
    ),
    ingest5xxPer5Minutes: positive('Alarm at this many ingest API 5xx responses in 5 minutes').default(DEFAULT_ALARM_THRESHOLDS.ingest5xxPer5Minutes),
    api5xxPer5Minutes: positive('Alarm at this many staff and trader API 5xx responses in 5 minutes').default(DEFAULT_ALARM_THRESHOLDS.api5xxPer5Minutes),
  })
  .strict();

export const IdentitySchema = z
  .discriminatedUnion('provider', [
    z
      .object({
        provider: z.literal('cognito'),
        threatProtection: z
          .boolean()
          .default(false)
          .describe("Cognito's Plus plan: blocks compromised credentials and risky sign-ins (about $0.02 per monthly active user)"),
      })
      .strict(),
    z
      .object({
        provider: z.literal('oidc'),
        issuer: z.url({ protocol: /^https$/ }).describe("The firm's own OpenID Connect issuer (its `iss` claim)"),
        audience: z.array(z.string().min(1)).min(1).describe('Accepted `aud` (or `client_id`) values'),
        rolesClaim: z.string().min(1).default('roles').describe('The claim listing the caller\'s roles: trader, risk, admin, service'),
      })
      .strict(),
  ])
  .describe('Who signs the JWTs the API accepts: a Cognito user pool in the stack, or the firm\'s own OIDC issuer');

export const PaymentProcessorsSchema = z
  .object({
    stripe: z
      .object({
        partnerEventSource: z
          .string()
          .regex(/^aws\.partner\/stripe\.com\/[A-Za-z0-9_.\-\/]+$/, 'the Stripe partner event source name, aws.partner/stripe.com/…')
          .describe('The partner event source Stripe created for this firm, associated in the EventBridge console before the deploy'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .describe("Payment processors whose events reach the firm's bus");

/** Each check of a waiting verification costs about 13 execution events; Step Functions keeps 25,000. */
const MAX_KYC_CHECKS = 1_500;

export const WorkflowsSchema = z
  .object({
    credentialsSender: z.email().describe('The address trading credentials are mailed from: SES must have it (or its domain) verified, and out of the SES sandbox'),
    bridgeAnswerSeconds: z
      .int()
      .min(1)
      .max(86_400)
      .default(900)
      .describe('How long provisioning waits for the trading-platform bridge to create a login before the order fails'),
    kyc: z
      .object({
        sumsub: z
          .object({
            baseUrl: z.url({ protocol: /^https$/ }).default('https://api.sumsub.com').describe("The provider's API"),
            levelName: z.string().min(1).default('basic-kyc-level').describe('The verification level applicants are created at'),
          })
          .strict()
          .prefault({}),
        reminderAfterHours: z.int().positive().default(48).describe('Hours after the trader is asked to verify before the first reminder'),
        reminderEveryHours: z.int().positive().default(72).describe('Hours between reminders'),
        maxReminders: z.int().nonnegative().default(3).describe('Reminders at most each time the trader is asked to act'),
        expireAfterDays: z.int().positive().max(300).default(30).describe('Days after which an unfinished verification expires (waiting activations fail)'),
        checkEverySeconds: z.int().min(1).max(86_400).default(3_600).describe('How often a waiting verification checks whether a reminder or the expiry is due'),
      })
      .strict()
      .refine((kyc) => (kyc.expireAfterDays * 86_400) / kyc.checkEverySeconds <= MAX_KYC_CHECKS, {
        message: `checkEverySeconds is too short for expireAfterDays: a verification may check at most ${MAX_KYC_CHECKS} times before it expires (Step Functions keeps 25,000 events per execution)`,
        path: ['checkEverySeconds'],
      })
      .prefault({})
      .describe('Identity verification: a Sumsub-style provider; the credentials go in the KYC provider secret after the first deploy'),
    payouts: z
      .object({
        approvalWaitSeconds: z.int().min(1).max(30 * 86_400).default(7 * 86_400).describe('How long a payout waits for an analyst before it is rejected'),
        settlementWaitSeconds: z.int().min(1).max(30 * 86_400).default(5 * 86_400).describe("How long a payout waits for the processor's settlement before it fails"),
      })
      .strict()
      .prefault({})
      .describe('Payout approval and settlement'),
  })
  .strict()
  .describe('The purchase, KYC and payout workflows');

/** An API stage's throttle: steady requests per second and the burst above it, with the API's defaults. */
const throttle = (api: string, defaults: { rateLimit: number; burstLimit: number }) =>
  z
    .object({
      rateLimit: z.int().min(1).default(defaults.rateLimit).describe(`Steady requests per second to ${api}`),
      burstLimit: z.int().min(1).default(defaults.burstLimit).describe(`Requests ${api} absorbs at once above the steady rate`),
    })
    .strict()
    .prefault({});

/** CloudWatch Logs accepts only these retention periods. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

export const TenantConfigSchema = z
  .object({
    $schema: z.string().optional(),
    tenantId: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/, '1 to 32 lower-case letters, digits and inner hyphens (it names resources and tags)'),
    account: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id'),
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region such as eu-central-1'),
    dayBoundaries: z.array(FirmDayBoundarySchema).min(1).describe('One rollover schedule per distinct boundary'),
    stream: TradeStreamCapacitySchema,
    evaluator: EvaluatorBatchingSchema.prefault({}),
    ingest: throttle('the ingest API (bridges post batches)', { rateLimit: 1_000, burstLimit: 2_000 }),
    api: throttle('the staff and trader API', { rateLimit: 200, burstLimit: 400 }),
    identity: IdentitySchema.default({ provider: 'cognito', threatProtection: false }),
    paymentProcessors: PaymentProcessorsSchema.prefault({}),
    workflows: WorkflowsSchema,
    alarms: AlarmsSchema.prefault({}),
    logRetentionDays: z
      .literal([...LOG_RETENTION_DAYS])
      .default(30)
      .describe('Days CloudWatch keeps function and access logs'),
    features: z
      .object({
        tracing: z.boolean().default(true).describe('X-Ray active tracing on every function (about $5 per million traces recorded)'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type TenantConfig = z.output<typeof TenantConfigSchema>;
export type TenantConfigInput = z.input<typeof TenantConfigSchema>;
export type FirmDayBoundary = z.output<typeof FirmDayBoundarySchema>;
export type TradeStreamCapacity = z.output<typeof TradeStreamCapacitySchema>;
export type EvaluatorBatching = z.output<typeof EvaluatorBatchingSchema>;
export type AlarmSettings = z.output<typeof AlarmsSchema>;
export type IdentitySettings = z.output<typeof IdentitySchema>;
export type PaymentProcessorSettings = z.output<typeof PaymentProcessorsSchema>;
export type WorkflowSettings = z.output<typeof WorkflowsSchema>;

/** Validates a tenant's settings; the error names the source and every field at fault. */
export function parseTenantConfig(input: unknown, source: string): TenantConfig {
  const parsed = TenantConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `  ${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`);
  throw new Error(`${source} is not a valid tenant configuration:\n${problems.join('\n')}`);
}

/** The tenant ids with a file in the directory, sorted. */
export function tenantIds(directory: URL = TENANTS_DIRECTORY): string[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.json') && !name.endsWith('.schema.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .sort();
}

/** Reads and validates `<directory>/<tenantId>.json`; a missing or unknown tenant lists the known ones. */
export function loadTenantConfig(tenantId: unknown, directory: URL = TENANTS_DIRECTORY): TenantConfig {
  const known = tenantIds(directory);
  const knownList = `known tenants: ${known.join(', ') || 'none'}`;
  if (typeof tenantId !== 'string' || tenantId === '') {
    throw new Error(`no tenant chosen: pass -c tenant=<id> to cdk (${knownList})`);
  }
  if (!known.includes(tenantId)) throw new Error(`unknown tenant "${tenantId}": no cdk/tenants/${tenantId}.json (${knownList})`);
  const file = new URL(`${tenantId}.json`, directory);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cdk/tenants/${tenantId}.json is not valid JSON: ${(error as Error).message}`);
  }
  const config = parseTenantConfig(json, `cdk/tenants/${tenantId}.json`);
  if (config.tenantId !== tenantId) {
    throw new Error(`cdk/tenants/${tenantId}.json declares tenantId "${config.tenantId}": the file name and the id must match`);
  }
  return config;
}

/** The JSON Schema of a tenant file, as editors and `$schema` see it (what may be written, defaults included). */
export function tenantJsonSchema(): string {
  const schema = z.toJSONSchema(TenantConfigSchema, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify({ ...schema, title: 'Propdesk tenant configuration' }, null, 2)}\n`;
}
