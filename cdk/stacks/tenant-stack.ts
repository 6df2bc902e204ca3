/**
 * One firm (tenant), one stack: everything the firm runs on, tagged `tenant=<id>` for cost allocation.
 * The stack composes one construct per capability; this issue brings the trade pipeline, later issues add
 * alarms, dashboards and provisioning beside it.
 */
import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type EvaluatorBatching, type FirmDayBoundary, TradePipeline, type TradeStreamCapacity } from '../constructs/trade-pipeline.js';

/** A firm's deployment settings (a later issue reads them from validated tenant files). */
export interface TenantConfig {
  /** Lower-case letters, digits and hyphens: it becomes part of resource names and tags. */
  readonly tenantId: string;
  /** Explicit, never environment-agnostic: a firm deploys to one known account and region. */
  readonly env: { readonly account: string; readonly region: string };
  readonly dayBoundaries: readonly FirmDayBoundary[];
  readonly stream: TradeStreamCapacity;
  readonly evaluator: EvaluatorBatching;
  readonly ingestSecrets: readonly string[];
}

export type TenantStackProps = Omit<StackProps, 'env'> & TenantConfig;

const TENANT_ID = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

export class TenantStack extends Stack {
  readonly tenantId: string;
  readonly tradePipeline: TradePipeline;

  constructor(scope: Construct, id: string, props: TenantStackProps) {
    const { tenantId, dayBoundaries, stream, evaluator, ingestSecrets, ...stackProps } = props;
    if (!TENANT_ID.test(tenantId)) {
      throw new Error(`tenant id "${tenantId}": use 1 to 32 lower-case letters, digits and inner hyphens`);
    }
    super(scope, id, { description: `Propdesk back office for firm ${tenantId}`, ...stackProps });
    this.tenantId = tenantId;
    Tags.of(this).add('tenant', tenantId);

    // The construct id is part of every logical id below it: renaming it would replace the table and stream.
    this.tradePipeline = new TradePipeline(this, 'TradePipeline', { tenantId, dayBoundaries, stream, evaluator, ingestSecrets });

    new CfnOutput(this, 'IngestUrl', {
      description: 'Bridges POST to <url>/ingest/events or <url>/ingest/<platform>',
      value: this.tradePipeline.ingestApi.apiEndpoint,
    });
    new CfnOutput(this, 'AccountOutcomesQueueUrl', { value: this.tradePipeline.accountOutcomesQueue.queueUrl });
    new CfnOutput(this, 'RiskAlertsQueueUrl', { value: this.tradePipeline.riskAlertsQueue.queueUrl });
  }
}
