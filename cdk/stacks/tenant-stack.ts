/**
 * One firm (tenant), one stack: everything the firm runs on, in the firm's own account and region, tagged
 * `tenant=<id>` for cost allocation. The stack composes one construct per capability.
 */
import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AbuseDetection } from '../constructs/abuse-detection.js';
import { ManagementApi } from '../constructs/management-api.js';
import { Monitoring } from '../constructs/monitoring.js';
import { ProcessorEvents } from '../constructs/processor-events.js';
import { KycWorkflow } from '../constructs/kyc-workflow.js';
import { PayoutWorkflow } from '../constructs/payout-workflow.js';
import { PurchaseWorkflow } from '../constructs/purchase-workflow.js';
import { WorkflowShared } from '../constructs/workflow-shared.js';
import { TradePipeline } from '../constructs/trade-pipeline.js';
import type { TenantConfig } from '../tenant-config.js';

export interface TenantStackProps extends Omit<StackProps, 'env'> {
  /** Validated by `loadTenantConfig` (cdk/tenant-config.ts). */
  readonly config: TenantConfig;
}

export class TenantStack extends Stack {
  readonly tenantId: string;
  /** The tenant's settings the stack was built from (the local platform reads the workflows' settings here). */
  readonly config: TenantConfig;
  readonly tradePipeline: TradePipeline;
  readonly managementApi: ManagementApi;
  readonly processorEvents: ProcessorEvents;
  readonly workflowShared: WorkflowShared;
  readonly kycWorkflow: KycWorkflow;
  readonly purchaseWorkflow: PurchaseWorkflow;
  readonly payoutWorkflow: PayoutWorkflow;
  readonly abuseDetection: AbuseDetection;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: TenantStackProps) {
    const { config, ...stackProps } = props;
    const { tenantId } = config;
    super(scope, id, {
      description: `Propdesk back office for firm ${tenantId}`,
      // Explicit, never environment-agnostic: a firm deploys to one known account and region.
      env: { account: config.account, region: config.region },
      ...stackProps,
    });
    this.tenantId = tenantId;
    this.config = config;
    Tags.of(this).add('tenant', tenantId);

    // Construct ids are part of every logical id below them: renaming one would replace the table and stream.
    const functions = { logRetentionDays: config.logRetentionDays, tracing: config.features.tracing };
    this.tradePipeline = new TradePipeline(this, 'TradePipeline', {
      tenantId,
      dayBoundaries: config.dayBoundaries,
      stream: config.stream,
      evaluator: config.evaluator,
      ingestThrottle: config.ingest,
      functions,
    });
    this.managementApi = new ManagementApi(this, 'ManagementApi', {
      tenantId,
      identity: config.identity,
      throttle: config.api,
      functions,
      table: this.tradePipeline.table,
      tradeStream: this.tradePipeline.tradeStream,
    });
    this.processorEvents = new ProcessorEvents(this, 'ProcessorEvents', { processors: config.paymentProcessors, firmBus: this.tradePipeline.eventBus });
    this.workflowShared = new WorkflowShared(this, 'Workflows', { senderAddress: config.workflows.credentialsSender });
    this.kycWorkflow = new KycWorkflow(this, 'KycWorkflow', {
      tenantId,
      table: this.tradePipeline.table,
      eventBus: this.tradePipeline.eventBus,
      ingestApi: this.tradePipeline.ingestApi,
      sender: this.workflowShared.sender,
      settings: config.workflows,
      functions,
      deliveryDeadLetterQueue: this.workflowShared.deliveryDeadLetterQueue,
    });
    this.purchaseWorkflow = new PurchaseWorkflow(this, 'PurchaseWorkflow', {
      shared: this.workflowShared,
      kyc: this.kycWorkflow,
      tenantId,
      table: this.tradePipeline.table,
      eventBus: this.tradePipeline.eventBus,
      outcomes: { queue: this.tradePipeline.accountOutcomesQueue, deadLetterQueue: this.tradePipeline.accountOutcomesDeadLetterQueue },
      processors: config.paymentProcessors,
      settings: config.workflows,
      functions,
    });
    this.payoutWorkflow = new PayoutWorkflow(this, 'PayoutWorkflow', {
      tenantId,
      table: this.tradePipeline.table,
      eventBus: this.tradePipeline.eventBus,
      settings: config.workflows,
      functions,
      shared: this.workflowShared,
      callbacks: this.purchaseWorkflow.callbacks,
    });
    // Payout requests go on the bus; analysts' decisions resume the payout's approval wait.
    this.managementApi.handler.bindBus(this.tradePipeline.eventBus, 'EVENT_BUS_NAME');
    this.payoutWorkflow.stateMachine.grantTaskResponse(this.managementApi.handler);
    this.abuseDetection = new AbuseDetection(this, 'AbuseDetection', {
      tenantId,
      table: this.tradePipeline.table,
      eventBus: this.tradePipeline.eventBus,
      tradeStream: this.tradePipeline.tradeStream,
      riskAlerts: { queue: this.tradePipeline.riskAlertsQueue, deadLetterQueue: this.tradePipeline.riskAlertsDeadLetterQueue },
      functions,
    });
    const { emails: alarmEmails, ...thresholds } = config.alarms;
    this.monitoring = new Monitoring(this, 'Monitoring', {
      tenantId,
      pipeline: this.tradePipeline,
      managementApi: this.managementApi,
      processorEvents: this.processorEvents,
      purchaseWorkflow: this.purchaseWorkflow,
      kycWorkflow: this.kycWorkflow,
      payoutWorkflow: this.payoutWorkflow,
      abuseDetection: this.abuseDetection,
      thresholds,
      alarmEmails,
    });

    new CfnOutput(this, 'IngestUrl', {
      description: 'Bridges POST to <url>/ingest/events or <url>/ingest/<platform>',
      value: this.tradePipeline.ingestApi.apiEndpoint,
    });
    new CfnOutput(this, 'IngestSecretArn', {
      description: 'The HMAC secrets bridges sign with: aws secretsmanager get-secret-value --secret-id <arn>',
      value: this.tradePipeline.ingestSecret.secretArn,
    });
    new CfnOutput(this, 'ApiUrl', { description: 'The API for traders, the risk desk and admins (JWT)', value: this.managementApi.api.apiEndpoint });
    if (this.managementApi.userPool && this.managementApi.userPoolClient) {
      new CfnOutput(this, 'UserPoolId', { value: this.managementApi.userPool.userPoolId });
      new CfnOutput(this, 'UserPoolClientId', { value: this.managementApi.userPoolClient.userPoolClientId });
    }
    new CfnOutput(this, 'AccountOutcomesQueueUrl', { value: this.tradePipeline.accountOutcomesQueue.queueUrl });
    new CfnOutput(this, 'RiskAlertsQueueUrl', { value: this.tradePipeline.riskAlertsQueue.queueUrl });
    new CfnOutput(this, 'BridgeCommandsQueueUrl', {
      description: 'Bridges poll it for commands (TradingAccountRequested) and answer on the event bus',
      value: this.purchaseWorkflow.bridgeCommandsQueue.queueUrl,
    });
    new CfnOutput(this, 'PayoutCommandsQueueUrl', {
      description: 'The payout processor polls it for PayoutInstructed and answers on the event bus',
      value: this.payoutWorkflow.processorCommandsQueue.queueUrl,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.alarmTopic.topicArn });
  }
}
