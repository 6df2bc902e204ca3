/**
 * A firm's alarms and dashboard, built on the public members of the trade pipeline, the purchase, KYC and payout workflows and abuse detection. Every alarm notifies one
 * KMS-encrypted SNS topic on ALARM and on OK, treats missing data as fine (an idle firm is not an incident)
 * and tells the on-call engineer what it means and what to look at first. The alarms are declared as data
 * (one list, one helper), so adding one is one entry.
 */
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  type IWidget,
  MathExpression,
  Metric,
  type MetricOptions,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { tableDefinition } from '../../shared/adapters/dynamodb/table.js';
import { METRICS, METRICS_NAMESPACE } from '../../functions/metrics.js';
import type { PropdeskFunction } from './propdesk-function.js';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { AbuseDetection } from './abuse-detection.js';
import type { ManagementApi } from './management-api.js';
import type { KycWorkflow } from './kyc-workflow.js';
import type { PayoutWorkflow } from './payout-workflow.js';
import type { ProcessorEvents } from './processor-events.js';
import type { PurchaseWorkflow } from './purchase-workflow.js';
import { type TradePipeline, tableSchema } from './trade-pipeline.js';

export interface AlarmThresholds {
  /** Oldest record's age on the trade stream the evaluator has not processed, seconds (Maximum over 1 min). */
  readonly iteratorAgeSeconds: number;
  /** Quarantined records per 5 minutes before alarming (>= this). */
  readonly quarantinedRecordsPer5Minutes: number;
  /** Function errors per 5 minutes, per function (>=). */
  readonly functionErrorsPer5Minutes: number;
  /** Function throttles per 5 minutes, per function (>=). */
  readonly functionThrottlesPer5Minutes: number;
  /** Ingest API 5xx responses per 5 minutes (>=). */
  readonly ingest5xxPer5Minutes: number;
  /** Staff and trader API 5xx responses per 5 minutes (>=). */
  readonly api5xxPer5Minutes: number;
}

const ONE_MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);
/**
 * The age of the oldest message on the abuse detection queue, seconds, before alarming (3 minutes in a row).
 * Above the queue's visibility timeout (6 minutes), so one retried record alone does not alarm: two failed
 * receives in a row, or a backlog the detectors do not catch up with, do.
 */
export const ABUSE_QUEUE_AGE_SECONDS = 900;

export const DEFAULT_ALARM_THRESHOLDS: AlarmThresholds = {
  iteratorAgeSeconds: 60,
  quarantinedRecordsPer5Minutes: 1,
  functionErrorsPer5Minutes: 1,
  functionThrottlesPer5Minutes: 1,
  ingest5xxPer5Minutes: 1,
  api5xxPer5Minutes: 1,
};

export interface MonitoringProps {
  readonly tenantId: string;
  readonly pipeline: TradePipeline;
  readonly managementApi: ManagementApi;
  readonly processorEvents: ProcessorEvents;
  readonly purchaseWorkflow: PurchaseWorkflow;
  readonly kycWorkflow: KycWorkflow;
  readonly payoutWorkflow: PayoutWorkflow;
  readonly abuseDetection: AbuseDetection;
  readonly thresholds: AlarmThresholds;
  /** Addresses subscribed to the alarm topic by email (may be empty). */
  readonly alarmEmails: readonly string[];
}

/**
 * The custom-metric contract between the functions and this construct: the handlers emit these with
 * Powertools Metrics (EMF) under `namespace`, with the dimensions `service` (the key below, the function's
 * POWERTOOLS_SERVICE_NAME) and `tenant` (the tenant id). Everything here reads the names from this object.
 * The names come from functions/metrics.ts, the contract the handlers emit by.
 */
type MetricNames = { readonly [S in keyof typeof METRICS]: { readonly [N in (typeof METRICS)[S][number]]: N } };

export const PROPDESK_METRICS = {
  namespace: METRICS_NAMESPACE,
  dimensions: { service: 'service', tenant: 'tenant' },
  services: Object.fromEntries(Object.entries(METRICS).map(([service, names]) => [service, Object.fromEntries(names.map((name) => [name, name]))])) as MetricNames,
} as const;

export type PropdeskService = keyof typeof PROPDESK_METRICS.services;
export type PropdeskMetricName<S extends PropdeskService> = keyof (typeof PROPDESK_METRICS.services)[S] & string;

/** One of the functions' custom metrics for one tenant (Sum over 5 minutes unless `options` says otherwise). */
export function propdeskMetric<S extends PropdeskService>(
  tenantId: string,
  service: S,
  metricName: PropdeskMetricName<S>,
  options: MetricOptions = {},
): Metric {
  return new Metric({
    namespace: PROPDESK_METRICS.namespace,
    metricName,
    dimensionsMap: { [PROPDESK_METRICS.dimensions.service]: service, [PROPDESK_METRICS.dimensions.tenant]: tenantId },
    statistic: Stats.SUM,
    period: FIVE_MINUTES,
    ...options,
  });
}

/** CloudWatch refuses an alarm whose metric math uses more metrics than this. */
const MAX_METRICS_PER_ALARM = 10;

/** One alarm, as data: `id` is the construct id and, kebab-cased, the end of the alarm's name. */
interface AlarmSpec {
  readonly id: string;
  readonly metric: IMetric;
  /** Alarms at or above this value. */
  readonly threshold: number;
  /** Consecutive breaching periods needed (all of them). @default 1 */
  readonly evaluationPeriods?: number;
  /** What it means and what to look at first. */
  readonly description: string;
}

export class Monitoring extends Construct {
  /** Encrypts the alarm topic; its policy lets CloudWatch (the alarms' publisher) use it. */
  readonly alarmTopicKey: Key;
  /** Every alarm's ALARM and OK action. */
  readonly alarmTopic: Topic;
  readonly alarms: readonly Alarm[];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    // Checked before anything is added to the tree.
    validateThresholds(props.thresholds);
    const emails = validateEmails(props.alarmEmails);
    super(scope, id);
    const { tenantId, pipeline, managementApi, processorEvents, purchaseWorkflow, kycWorkflow, payoutWorkflow, abuseDetection, thresholds } = props;
    const alarmNamePrefix = `propdesk-${tenantId}-`;

    this.alarmTopicKey = new Key(this, 'AlarmTopicKey', {
      description: `Propdesk ${tenantId}: alarm notifications topic`,
      enableKeyRotation: true,
      // It protects only notifications in flight; nothing outlives the topic that needs it.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // CloudWatch publishes as its service principal; SNS then encrypts with this key on its behalf, which
    // fails (and the notification is dropped, visible only in the alarm history) unless the key policy lets
    // the principal generate and decrypt data keys. The key encrypts this topic only.
    this.alarmTopicKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );

    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `Propdesk ${tenantId} alarms`,
      masterKey: this.alarmTopicKey,
      // Denies Publish over plain HTTP (cdk-nag AwsSolutions-SNS3).
      enforceSSL: true,
    });
    // enforceSSL attaches a topic policy, which replaces SNS's default one (the one that lets the account's
    // services publish), so CloudWatch needs its own statement, scoped to this firm's alarms.
    this.alarmTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowThisFirmsAlarmsToPublish',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${alarmNamePrefix}*` },
        },
      }),
    );
    for (const email of emails) this.alarmTopic.addSubscription(new EmailSubscription(email));

    const functions: ReadonlyArray<readonly [string, PropdeskFunction, string]> = [
      ['Evaluator', pipeline.evaluator, 'applies the trade stream to account state'],
      ['Ingest', pipeline.ingest, 'serves the bridges\u2019 ingest API'],
      ['Rollover', pipeline.rollover, 'closes firm days on schedule'],
      ['Api', managementApi.handler, 'serves the staff and trader API, publishes payout requests and resumes payouts with the analysts\u2019 decisions'],
      ['PurchaseSteps', purchaseWorkflow.steps, 'runs the purchase workflow\u2019s steps; the state machine retries its failures, then records the order as failed'],
      ['PurchaseCallbacks', purchaseWorkflow.callbacks, 'resumes waiting purchases with the bridges\u2019 answers and waiting payouts with the payout processor\u2019s; the bus retries it, then parks the answer in the workflows\u2019 delivery DLQ'],
      ['KycSteps', kycWorkflow.steps, 'runs the KYC workflow\u2019s steps and the KYC gate of funded activations; the state machines retry its failures, then the verification or the activation fails'],
      ['KycWebhook', kycWorkflow.webhook, 'records the KYC provider\u2019s signed verdicts and resumes the waiting verification; the provider retries a failed delivery'],
      ['PayoutSteps', payoutWorkflow.steps, 'runs the payout workflow\u2019s steps; the state machine retries its failures, then records a payout whose instruction failed as failed, and fails the execution on a failure in any other step (in Settle: a paid payout left unbooked)'],
      ['AbuseDetectors', abuseDetection.detectors, 'judges closed trades and identity observations for abuse; a failed invocation returns its whole batch to the abuse detection queue, retried after the visibility timeout, 5 receives, then the DLQ'],
    ];
    const deadLetterQueues: ReadonlyArray<readonly [string, string, IQueue, string]> = [
      [
        'QuarantineDlqDepth',
        'Quarantine DLQ',
        pipeline.quarantineDeadLetterQueue,
        'Quarantine messages failed 5 receives. Inspect them in the quarantine dead-letter queue, fix the consumer, then redrive them to the quarantine queue.',
      ],
      [
        'AccountOutcomesDlqDepth',
        'AccountOutcomes DLQ',
        pipeline.accountOutcomesDeadLetterQueue,
        'Account outcomes were not delivered: the event bus could not put them on the queue, or the bridge consumer failed them 5 times. Check the FailedInvocations of the AccountOutcomes rule (failed / phase passed) and of the purchase workflow\u2019s Outcomes rule (activations, failed or refused orders, KYC conclusions, payout outcomes and ScalingDue), and the consumer, then redrive: until then a failed account may still be able to trade.',
      ],
      [
        'RiskAlertsDlqDepth',
        'RiskAlerts DLQ',
        pipeline.riskAlertsDeadLetterQueue,
        'Risk alerts (violations / warnings, abuse RiskAlertRaised) were not delivered: the event bus could not put them on the queue, or the risk-desk consumer failed them 5 times. Check the FailedInvocations of the RiskAlerts rule and of abuse detection\u2019s AbuseAlerts rule, and the consumer, then redrive.',
      ],
      [
        'StreamFailureQueueDepth',
        'Stream failure queue',
        pipeline.streamFailureQueue,
        'The evaluator gave up on a trade-stream batch (5 retries or 1 h record age): those trades are NOT applied to account state. Each message holds the shard and sequence range; find the cause in the evaluator logs, then re-read and replay the range within the stream\u2019s 24 h retention.',
      ],
      [
        'RolloverDlqDepth',
        'Rollover DLQ',
        pipeline.rolloverDeadLetterQueue,
        'A scheduled rollover failed for good, so a firm day may not have closed. Read the rollover logs for the scheduled time in the message, fix the cause and invoke the rollover with that scheduledTime.',
      ],
      ...(processorEvents.deadLetterQueue
        ? [
            [
              'ProcessorEventsDlqDepth',
              'Processor events DLQ',
              processorEvents.deadLetterQueue,
              'A payment processor\u2019s event could not be forwarded to the firm\u2019s bus, so a purchase may not be provisioned. Check the forwarding rule\u2019s FailedInvocations, then re-send the events in the message to the firm\u2019s bus.',
            ] as const,
          ]
        : []),
      [
        'BridgeCommandsDlqDepth',
        'BridgeCommands DLQ',
        purchaseWorkflow.bridgeCommandsDeadLetterQueue,
        'Commands to the trading-platform bridges were not delivered: the event bus could not put them on the commands queue, or the bridges failed them 5 times. A TradingAccountRequested: the waiting purchase fails when its bridge-answer time runs out (ProvisioningFailed); retry the failed orders rather than redriving stale commands. A BalanceOperationRequested: the payout is paid and booked (PayoutSettled) but its gross amount was NOT taken off the trading account, so the trader may withdraw it again; redrive it (the bridge applies an operationId once) or apply the balance operation by hand. Check the BridgeCommands rule\u2019s FailedInvocations and the bridge consumer first.',
      ],
      [
        'PayoutCommandsDlqDepth',
        'PayoutCommands DLQ',
        payoutWorkflow.processorCommandsDeadLetterQueue,
        'Commands to the payout processor (PayoutInstructed) were not delivered: the event bus could not put them on the processor commands queue, or the processor failed them 5 times. The processor has not paid them (unless it paid and then failed the message: ask it); each waiting payout fails when its settlement wait runs out (Record failure, PayoutFailed, nothing booked). Check the ProcessorCommands rule\u2019s FailedInvocations and the processor\u2019s consumer; redrive only commands whose payouts still wait (the processor pays a requestId once), otherwise let them fail and have the trader re-request.',
      ],
      [
        'AbuseDetectionDlqDepth',
        'AbuseDetection DLQ',
        abuseDetection.deadLetterQueue,
        'Closed trades or identity observations were NOT judged for abuse: the bus could not put them on the abuse detection queue (FailedInvocations of the TradesClosed / IdentitiesObserved rules), or the detectors failed them 5 times (a program version not stored, the table throttled: the detectors function\u2019s \u201crecords to retry\u201d warnings name the event ids and errors). Fix the cause, then redrive to the abuse detection queue; a trade judged before is not judged again.',
      ],
      [
        // The workflows' shared delivery DLQ (WorkflowShared); the alarm keeps its first name.
        'PurchaseDeliveryDlqDepth',
        'Workflow delivery DLQ',
        purchaseWorkflow.deliveryDeadLetterQueue,
        'Events the bus could not deliver to a workflow. Starts of the purchase state machine (ProcessorPayments, StripeCheckouts, PhasesPassed rules: that account is NOT provisioned), of the KYC one (KycNeeded: the verification never opens, so the funded activation waiting at its gate fails) or of the payout one (PayoutRequests: a PayoutRequested never evaluated, the payout stays requested); answers for the callbacks function from a bridge (BridgeAnswers) or the payout processor (ProcessorAnswers: PayoutProcessorSettled / PayoutProcessorFailed): the purchase or payout fails when its wait runs out, though a settled payout WAS paid. Check those rules\u2019 FailedInvocations, fix the cause, then re-put the events on the firm\u2019s bus: purchase and KYC starts may repeat (Claim order skips a claimed order, Open case an open verification); a PayoutRequested only while its payout is still requested, an answer only while its purchase or payout still waits.',
      ],
    ];

    const specs: AlarmSpec[] = [
      {
        id: 'EvaluatorIteratorAge',
        metric: pipeline.evaluator.metric('IteratorAge', { statistic: Stats.MAXIMUM, period: ONE_MINUTE }),
        threshold: thresholds.iteratorAgeSeconds * 1000,
        evaluationPeriods: 3,
        description: `The evaluator has fallen behind the trade stream: its oldest unprocessed record has been older than ${thresholds.iteratorAgeSeconds} s for 3 minutes, so verdicts are late. Check the evaluator's errors, throttles and duration on the dashboard first; if it is healthy but slow, raise the mapping's parallelization factor. Records older than 1 h go to the stream-failure queue.`,
      },
      ...deadLetterQueues.map(([alarmId, , queue, meaning]) => ({
        id: alarmId,
        metric: queue.metricApproximateNumberOfMessagesVisible({ statistic: Stats.MAXIMUM, period: ONE_MINUTE }),
        threshold: 1,
        description: `Messages are waiting in a dead-letter / failure queue. ${meaning}`,
      })),
      {
        id: 'RecordsQuarantined',
        metric: propdeskMetric(tenantId, 'evaluator', 'RecordsQuarantined'),
        threshold: thresholds.quarantinedRecordsPer5Minutes,
        description: `The evaluator quarantined at least ${thresholds.quarantinedRecordsPer5Minutes} trade record(s) in 5 minutes (malformed, or for an account it does not know); they are not applied to account state. Read the messages on the quarantine queue and the evaluator logs to see why, usually a bridge sending a new or broken payload.`,
      },
      {
        id: 'AbuseInvalidRecords',
        metric: propdeskMetric(tenantId, 'detectors', 'InvalidRecords'),
        threshold: 1,
        description: 'The abuse detectors dropped at least 1 invalid record in 5 minutes: a TradeClosed or IdentityObserved breaking its contract (events/README.md, Abuse detection), or a trade of another tenant. It is not retried and nothing judged it. Find the warning \u201cbatch finished with invalid records\u201d in the detectors function\u2019s logs: each record\u2019s reason and event id (its source in the bus archive names the sender); have the sender fixed, then re-put corrected events.',
      },
      {
        id: 'AbuseQueueAge',
        metric: abuseDetection.queue.metricApproximateAgeOfOldestMessage({ statistic: Stats.MAXIMUM, period: ONE_MINUTE }),
        threshold: ABUSE_QUEUE_AGE_SECONDS,
        evaluationPeriods: 3,
        description: `Abuse detection is late: the oldest message on its queue has been older than ${ABUSE_QUEUE_AGE_SECONDS / 60} minutes for 3 minutes, so flags and risk alerts are late (and a \u201cfail\u201d program\u2019s accounts trade on). Either records keep failing (the detectors function\u2019s \u201crecords to retry\u201d warnings, its errors and throttles, table throttling) or the detectors cannot keep up (two batches at a time; see the dashboard\u2019s abuse row).`,
      },
      {
        id: 'BridgeAnswersInvalid',
        metric: propdeskMetric(tenantId, 'callbacks', 'AnswersInvalid'),
        threshold: 1,
        description: 'A trading-platform bridge or the payout processor sent at least 1 malformed answer (a TradingAccountCreated / TradingAccountRefused, or a PayoutProcessorSettled / PayoutProcessorFailed, breaking the contract or naming another account or payout than its request) in 5 minutes; it resumed no workflow, so the purchase or payout waiting for it fails when its wait runs out. Find the warning \u201canswer not delivered to a workflow\u201d in the callbacks function\u2019s logs (its event id and source name the sender; the event is in the bus archive) and have that sender fixed.',
      },
      {
        id: 'PurchaseExecutionsFailed',
        metric: purchaseWorkflow.stateMachine.metricFailed({ statistic: Stats.SUM, period: FIVE_MINUTES }),
        threshold: 1,
        description: 'At least 1 purchase execution failed in 5 minutes: a purchase could not be provisioned (the bridge refused or did not answer, the credentials were not delivered, or a step failed for good). Read the ProvisioningFailed / OrderRefused event on the account outcomes queue and the execution\u2019s failure in the Step Functions console (its failed state and cause), then refund the trader or retry the order.',
      },
      {
        id: 'PurchaseExecutionsTimedOut',
        metric: purchaseWorkflow.stateMachine.metricTimedOut({ statistic: Stats.SUM, period: FIVE_MINUTES }),
        threshold: 1,
        description: 'At least 1 purchase execution timed out as a whole in 5 minutes. Unlike a bridge that does not answer (caught, and recorded as ProvisioningFailed), nothing recorded this failure: the order may be left half-provisioned. Open the execution in the Step Functions console, see the state it stopped in, then finish the provisioning by hand, or refund the trader.',
      },
      {
        id: 'KycExecutionsFailed',
        metric: kycWorkflow.stateMachine.metricFailed({ statistic: Stats.SUM, period: FIVE_MINUTES }),
        threshold: 1,
        description: 'At least 1 KYC execution failed in 5 minutes: a trader\u2019s identity verification is stuck (a step failed for good: the provider, the table or the mail), nothing will conclude it, and the funded activations waiting for it at the KYC gate fail when their wait runs out. Open the execution in the Step Functions console (its failed state and cause) and the kyc function\u2019s logs, fix the cause, then re-put the KycNeeded event of its input on the firm\u2019s bus. The new execution opens a case never opened, concludes a concluded one again (releasing the gates), and takes over a case left pending or awaiting resubmission; only while another execution still waits for the trader does it end at \u201cAlready open\u201d.',
      },
      {
        id: 'KycExecutionsTimedOut',
        metric: kycWorkflow.stateMachine.metricTimedOut({ statistic: Stats.SUM, period: FIVE_MINUTES }),
        threshold: 1,
        description: 'At least 1 KYC execution timed out as a whole in 5 minutes (it runs at most expireAfterDays + 1 days; a resubmission late in the case restarts the trader\u2019s expiry clock past that). Nothing concluded that verification: no KycApproved / KycRejected / KycExpired was published and the gates waiting for it were neither released nor failed (they fail when their own wait runs out). Open the execution in the Step Functions console, see the state it stopped in and the trader\u2019s KYC case, then re-put the KycNeeded event of its input on the firm\u2019s bus (the new execution takes the open case over; it ends at \u201cAlready open\u201d only while another execution still waits for the trader).',
      },
      {
        id: 'PayoutExecutionsFailed',
        metric: payoutWorkflow.stateMachine.metricFailed({ statistic: Stats.SUM, period: FIVE_MINUTES }),
        threshold: 1,
        description: 'At least 1 payout execution failed in 5 minutes: a payout failed (the processor did not pay, or never answered within the settlement wait) or one of its steps failed for good. Read the PayoutFailed event on the account outcomes queue and the execution in the Step Functions console (its failed state and cause) first. Ended in \u201cPayout failed\u201d (after Record failure): nothing was booked and the balance is untouched; have the trader re-request, or pay by hand. Failed in Settle: the processor DID pay (its reference is in the execution\u2019s history) but nothing was booked, no PayoutSettled and no balance operation: do NOT re-request; book it and apply the balance operation by hand. Failed in Evaluate, Record approval or Record rejection: nothing was paid; the payout record is stuck where it was (GET /v1/payouts/{payoutId}).',
      },
      {
        id: 'PayoutExecutionsTimedOut',
        metric: payoutWorkflow.stateMachine.metricTimedOut({ statistic: Stats.SUM, period: FIVE_MINUTES }),
        threshold: 1,
        description: 'At least 1 payout execution timed out as a whole in 5 minutes (it runs at most approvalWaitSeconds + settlementWaitSeconds + 1 h; each wait has its own timeout, caught and recorded, so its steps and their retries took the hour). Nothing recorded this failure: no PayoutFailed / PayoutRejected was published. Open the execution in the Step Functions console and see the state it stopped in and the payout record (GET /v1/payouts/{payoutId}): before \u201cInstruct processor\u201d nothing was paid (re-request); from it on, ask the processor whether it paid the request settle:<payoutId> before booking it by hand or re-requesting.',
      },
      ...functions.flatMap(([name, fn, role]) => [
        {
          id: `${name}Errors`,
          metric: fn.metricErrors({ statistic: Stats.SUM, period: FIVE_MINUTES }),
          threshold: thresholds.functionErrorsPer5Minutes,
          description: `The ${words(name)} function (it ${role}) failed at least ${thresholds.functionErrorsPer5Minutes} invocation(s) in 5 minutes. Read its log group for the errors first (X-Ray traces show which call failed).`,
        },
        {
          id: `${name}Throttles`,
          metric: fn.metricThrottles({ statistic: Stats.SUM, period: FIVE_MINUTES }),
          threshold: thresholds.functionThrottlesPer5Minutes,
          description: `The ${words(name)} function (it ${role}) was throttled at least ${thresholds.functionThrottlesPer5Minutes} time(s) in 5 minutes. Check the account's Lambda concurrency (ConcurrentExecutions against the regional limit) and other functions eating it; request a limit raise or reserve concurrency.`,
        },
      ]),
      {
        id: 'IngestApiServerErrors',
        metric: pipeline.ingestApi.metricServerError({ statistic: Stats.SUM, period: FIVE_MINUTES }),
        threshold: thresholds.ingest5xxPer5Minutes,
        description: `The ingest API answered at least ${thresholds.ingest5xxPer5Minutes} request(s) with 5xx in 5 minutes: bridges are retrying and trades may be delayed, or the KYC provider is retrying its webhooks (POST /webhooks/kyc) and verdicts are late. Check the ingest and KYC webhook functions' errors and logs first (the API's access logs give the route), then the trade stream's write throttling.`,
      },
      {
        id: 'ApiServerErrors',
        metric: managementApi.api.metricServerError({ statistic: Stats.SUM, period: FIVE_MINUTES }),
        threshold: thresholds.api5xxPer5Minutes,
        description: `The staff and trader API answered at least ${thresholds.api5xxPer5Minutes} request(s) with 5xx in 5 minutes. Check the errors of the functions behind its routes, then the API's access logs (integrationError, authorizerError).`,
      },
      {
        id: 'TradeStreamWriteThrottles',
        metric: pipeline.tradeStream.metricWriteProvisionedThroughputExceeded({ statistic: Stats.SUM, period: FIVE_MINUTES }),
        threshold: 1,
        description: 'Writes to the trade stream were throttled (the shards\u2019 write limit): ingest and rollover retry, and may fail. On a provisioned stream add shards (or switch to on-demand); on-demand, check for a hot partition key (one account flooding).',
      },
      {
        id: 'TableThrottles',
        metric: tableThrottleEvents(pipeline, FIVE_MINUTES),
        threshold: 1,
        description: 'Reads or writes on the firm\u2019s table (or its indexes) were throttled: saves are retried and may fail. Check the table\u2019s throttle metrics per index and for a hot key, and the account\u2019s on-demand throughput limits.',
      },
    ];

    const topicAction = new SnsAction(this.alarmTopic);
    const makeAlarm = (spec: AlarmSpec): Alarm => {
      const evaluationPeriods = spec.evaluationPeriods ?? 1;
      const alarm = new Alarm(this, spec.id, {
        alarmName: `${alarmNamePrefix}${kebabCase(spec.id)}`,
        alarmDescription: spec.description,
        metric: spec.metric,
        threshold: spec.threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods,
        datapointsToAlarm: evaluationPeriods,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(topicAction);
      alarm.addOkAction(topicAction);
      return alarm;
    };
    this.alarms = specs.map(makeAlarm);

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `propdesk-${tenantId}`, defaultInterval: Duration.hours(3) });
    const custom = <S extends PropdeskService>(service: S, name: PropdeskMetricName<S>) =>
      propdeskMetric(tenantId, service, name, { label: name });
    const graph = (title: string, left: IMetric[], width: number): GraphWidget => new GraphWidget({ title, left, width, height: 6 });
    /** `name` prefixes the titles where a row shows more than one function. */
    const functionHealth = (fn: PropdeskFunction, width: number, name?: string): GraphWidget[] => [
      graph(name ? `${name}: errors, throttles` : 'Errors, throttles', [fn.metricErrors({ label: 'Errors' }), fn.metricThrottles({ label: 'Throttles' })], width),
      graph(name ? `${name}: duration p50 / p99` : 'Duration p50 / p99', [fn.metricDuration({ statistic: Stats.p(50), label: 'p50' }), fn.metricDuration({ statistic: Stats.p(99), label: 'p99' })], width),
    ];
    const apiTraffic = (api: HttpApi): GraphWidget[] => [
      graph('API requests, 4xx, 5xx', [api.metricCount({ statistic: Stats.SUM, label: 'Requests' }), api.metricClientError({ label: '4xx' }), api.metricServerError({ label: '5xx' })], 6),
      graph('API latency p99', [api.metricLatency({ statistic: Stats.p(99), label: 'Latency p99' }), api.metricIntegrationLatency({ statistic: Stats.p(99), label: 'Integration latency p99' })], 6),
    ];
    const queueDepth = (entries: ReadonlyArray<readonly [string, IQueue]>) =>
      entries.map(([label, queue]) => queue.metricApproximateNumberOfMessagesVisible({ statistic: Stats.MAXIMUM, label }));
    const rows: ReadonlyArray<readonly [string, IWidget[]]> = [
      [
        'Trade stream',
        [
          graph('Incoming records', [pipeline.tradeStream.metricIncomingRecords({ statistic: Stats.SUM, label: 'IncomingRecords' })], 8),
          graph('Write throttled', [pipeline.tradeStream.metricWriteProvisionedThroughputExceeded({ statistic: Stats.SUM, label: 'WriteProvisionedThroughputExceeded' })], 8),
          new GraphWidget({
            title: 'Evaluator iterator age (ms, max)',
            left: [pipeline.evaluator.metric('IteratorAge', { statistic: Stats.MAXIMUM, period: ONE_MINUTE, label: 'IteratorAge' })],
            leftAnnotations: [{ value: thresholds.iteratorAgeSeconds * 1000, label: 'alarm' }],
            width: 8,
            height: 6,
          }),
        ],
      ],
      [
        'Evaluator',
        [
          graph('Records', [custom('evaluator', 'RecordsEvaluated'), custom('evaluator', 'RecordsQuarantined')], 6),
          graph('Accounts, events', [custom('evaluator', 'AccountsSaved'), custom('evaluator', 'AccountsRetried'), custom('evaluator', 'EventsPublished')], 6),
          ...functionHealth(pipeline.evaluator, 4),
          graph('Concurrency (max)', [pipeline.evaluator.metric('ConcurrentExecutions', { statistic: Stats.MAXIMUM, label: 'ConcurrentExecutions' })], 4),
        ],
      ],
      [
        'Ingest',
        [
          ...apiTraffic(pipeline.ingestApi),
          graph('Events', [custom('ingest', 'EventsAccepted'), custom('ingest', 'RequestsRejected'), custom('ingest', 'RequestsFailed')], 4),
          ...functionHealth(pipeline.ingest, 4),
        ],
      ],
      ['Staff and trader API', [...apiTraffic(managementApi.api), ...functionHealth(managementApi.handler, 6)]],
      [
        'Rollover',
        [graph('Clock events put', [custom('rollover', 'ClockEventsPut')], 8), ...functionHealth(pipeline.rollover, 8)],
      ],
      [
        'Purchase workflow',
        [
          graph('Executions', [
            purchaseWorkflow.stateMachine.metricStarted({ statistic: Stats.SUM, label: 'ExecutionsStarted' }),
            purchaseWorkflow.stateMachine.metricSucceeded({ statistic: Stats.SUM, label: 'ExecutionsSucceeded' }),
            purchaseWorkflow.stateMachine.metricFailed({ statistic: Stats.SUM, label: 'ExecutionsFailed' }),
            purchaseWorkflow.stateMachine.metricTimedOut({ statistic: Stats.SUM, label: 'ExecutionsTimedOut' }),
          ], 8),
          graph('Execution time p50 / p99', [
            purchaseWorkflow.stateMachine.metricTime({ statistic: Stats.p(50), label: 'p50' }),
            purchaseWorkflow.stateMachine.metricTime({ statistic: Stats.p(99), label: 'p99' }),
          ], 8),
          graph('Bridge answers', [custom('callbacks', 'AnswersResumed'), custom('callbacks', 'AnswersLate'), custom('callbacks', 'AnswersInvalid')], 8),
        ],
      ],
      ['Purchase steps and callbacks', [...functionHealth(purchaseWorkflow.steps, 6, 'Steps'), ...functionHealth(purchaseWorkflow.callbacks, 6, 'Callbacks')]],
      [
        'KYC workflow',
        [
          graph('Executions', [
            kycWorkflow.stateMachine.metricStarted({ statistic: Stats.SUM, label: 'ExecutionsStarted' }),
            kycWorkflow.stateMachine.metricSucceeded({ statistic: Stats.SUM, label: 'ExecutionsSucceeded' }),
            kycWorkflow.stateMachine.metricFailed({ statistic: Stats.SUM, label: 'ExecutionsFailed' }),
            kycWorkflow.stateMachine.metricTimedOut({ statistic: Stats.SUM, label: 'ExecutionsTimedOut' }),
          ], 8),
          ...functionHealth(kycWorkflow.steps, 4, 'Steps'),
          ...functionHealth(kycWorkflow.webhook, 4, 'Webhook'),
        ],
      ],
      [
        'Payout workflow',
        [
          graph('Executions', [
            payoutWorkflow.stateMachine.metricStarted({ statistic: Stats.SUM, label: 'ExecutionsStarted' }),
            payoutWorkflow.stateMachine.metricSucceeded({ statistic: Stats.SUM, label: 'ExecutionsSucceeded' }),
            payoutWorkflow.stateMachine.metricFailed({ statistic: Stats.SUM, label: 'ExecutionsFailed' }),
            payoutWorkflow.stateMachine.metricTimedOut({ statistic: Stats.SUM, label: 'ExecutionsTimedOut' }),
          ], 8),
          // Mostly the approval and settlement waits: hours to days.
          graph('Execution time p50 / p99', [
            payoutWorkflow.stateMachine.metricTime({ statistic: Stats.p(50), label: 'p50' }),
            payoutWorkflow.stateMachine.metricTime({ statistic: Stats.p(99), label: 'p99' }),
          ], 8),
          ...functionHealth(payoutWorkflow.steps, 4, 'Steps'),
        ],
      ],
      [
        'Abuse detection',
        [
          graph('Judged', [custom('detectors', 'TradesJudged'), custom('detectors', 'IdentitiesObserved'), custom('detectors', 'InvalidRecords'), custom('detectors', 'RecordsRetried')], 6),
          graph('Flags, alerts', [custom('detectors', 'FlagsRaised'), custom('detectors', 'AlertsRaised')], 6),
          graph('Queue age (s, max)', [abuseDetection.queue.metricApproximateAgeOfOldestMessage({ statistic: Stats.MAXIMUM, period: ONE_MINUTE, label: 'ApproximateAgeOfOldestMessage' })], 4),
          ...functionHealth(abuseDetection.detectors, 4),
        ],
      ],
      [
        'Table',
        [
          graph('Consumed capacity', [
            pipeline.table.metricConsumedWriteCapacityUnits({ statistic: Stats.SUM, label: 'WCU' }),
            pipeline.table.metricConsumedReadCapacityUnits({ statistic: Stats.SUM, label: 'RCU' }),
          ], 12),
          graph('Throttle events (table and indexes)', [tableThrottleEvents(pipeline, FIVE_MINUTES)], 12),
        ],
      ],
      [
        'Queues (messages visible, max)',
        [
          graph('Work queues', queueDepth([
            ['Quarantine', pipeline.quarantineQueue],
            ['AccountOutcomes', pipeline.accountOutcomesQueue],
            ['RiskAlerts', pipeline.riskAlertsQueue],
            ['BridgeCommands', purchaseWorkflow.bridgeCommandsQueue],
            ['PayoutCommands', payoutWorkflow.processorCommandsQueue],
            ['AbuseDetection', abuseDetection.queue],
          ]), 12),
          graph('Dead-letter and failure queues', queueDepth(deadLetterQueues.map(([, label, queue]) => [label, queue] as const)), 12),
        ],
      ],
    ];
    for (const [title, widgets] of rows) {
      this.dashboard.addWidgets(new TextWidget({ markdown: `## ${title}`, width: 24, height: 1 }));
      this.dashboard.addWidgets(...widgets);
    }
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms], width: 24, height: 2 + Math.ceil(this.alarms.length / 4) }),
    );
  }
}

/**
 * Throttle events on the table and each of its global secondary indexes (an index that cannot keep up
 * throttles the table's writes), read and write, summed. Read from the same table definition the pipeline
 * builds the table from, so a new index is covered without touching this file.
 */
function tableThrottleEvents(pipeline: TradePipeline, period: Duration): MathExpression {
  const indexes = tableSchema(tableDefinition('unused')).globalSecondaryIndexes.map((index) => index.indexName);
  const usingMetrics: Record<string, IMetric> = {};
  const owners: ReadonlyArray<readonly [string, Record<string, string>]> = [
    ['table', {}],
    ...indexes.map((indexName, position) => [`index${position}`, { GlobalSecondaryIndexName: indexName }] as const),
  ];
  for (const [owner, dimensions] of owners) {
    for (const metricName of ['ReadThrottleEvents', 'WriteThrottleEvents']) {
      usingMetrics[`${owner}${metricName.startsWith('Read') ? 'Read' : 'Write'}`] = pipeline.table.metric(metricName, {
        statistic: Stats.SUM,
        period,
        dimensionsMap: { TableName: pipeline.table.tableName, ...dimensions },
      });
    }
  }
  const ids = Object.keys(usingMetrics);
  if (ids.length > MAX_METRICS_PER_ALARM) {
    throw new Error(`table throttle alarm: ${indexes.length} indexes need ${ids.length} metrics, CloudWatch allows ${MAX_METRICS_PER_ALARM} per alarm; split the alarm`);
  }
  return new MathExpression({
    expression: ids.map((metricId) => `FILL(${metricId}, 0)`).join(' + '),
    usingMetrics,
    label: 'Throttle events',
    period,
  });
}

function validateThresholds(thresholds: AlarmThresholds): void {
  for (const field of Object.keys(DEFAULT_ALARM_THRESHOLDS) as Array<keyof AlarmThresholds>) {
    const value: unknown = thresholds[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new Error(`alarm threshold ${field} must be a positive finite number, got ${String(value)}`);
    }
  }
}

function validateEmails(emails: readonly string[]): readonly string[] {
  const seen = new Set<string>();
  for (const email of emails) {
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new Error(`alarm email "${email}" is not an email address`);
    const key = email.toLowerCase();
    if (seen.has(key)) throw new Error(`alarm email "${email}" is listed twice`);
    seen.add(key);
  }
  return emails;
}

/** `PurchaseSteps` -> `purchase steps`. */
function words(id: string): string {
  return kebabCase(id).replaceAll('-', ' ');
}

/** `EvaluatorIteratorAge` -> `evaluator-iterator-age`. */
function kebabCase(id: string): string {
  return id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
