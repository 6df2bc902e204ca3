/**
 * Abuse detection: the evaluator's closed trades and the identity observations of bridges, payment processors,
 * the KYC provider and the workflows reach the detectors function through one queue, fed by rules on the firm's
 * bus:
 *
 *   TradeClosed (propdesk.evaluator) ─┐
 *                                     ├─▶ AbuseDetection queue (DLQ) ─▶ detectors (batches of up to 100)
 *   IdentityObserved (propdesk.*) ────┘
 *
 * A queue rather than a rule invoking the function: batches (the engine's reads are per trade, the Lambda
 * invocation is not), retries per record (ReportBatchItemFailures) and a dead-letter queue that holds what
 * failed for good. The detectors publish AbuseFlagRaised, RiskScoreChanged and RiskAlertRaised (source
 * `propdesk.abuse`) on the bus, where RiskAlertRaised joins the evaluator's violations and warnings on the risk
 * desk's queue, and put the override of a `fail` flag on the trade stream.
 */
import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Match, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { CfnQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ABUSE_EVENT_SOURCE } from '../../shared/abuse/abuse-events.js';
import { IDENTITY_SOURCE_PREFIX } from '../../shared/abuse/detection.js';
import { DOMAIN_EVENT_SOURCE } from '../../shared/stream/domain-events.js';
import { type FunctionSettings, PropdeskFunction } from './propdesk-function.js';
import { handlerEntry, queueWithDeadLetterQueue } from './trade-pipeline.js';

export interface AbuseDetectionProps {
  readonly tenantId: string;
  readonly table: ITable;
  readonly eventBus: IEventBus;
  /** Where the override of a `fail` flag goes, to be applied in order with the account's trading. */
  readonly tradeStream: IStream;
  /** The risk desk's queue (the trade pipeline's RiskAlerts), where abuse alerts join violations and warnings. */
  readonly riskAlerts: { readonly queue: Queue; readonly deadLetterQueue: Queue };
  readonly functions: FunctionSettings;
}

export const ABUSE_ALERT_DETAIL_TYPES: readonly string[] = ['RiskAlertRaised'];

/** The detectors' event source: batches of up to 100 records, gathered for up to a second. */
export const DETECTORS_BATCH_SIZE = 100;
export const DETECTORS_BATCHING_WINDOW = Duration.seconds(1);
/**
 * At most two batches at once (the least Lambda allows): the cross-account detectors (hedging, copy trading)
 * see a trade only once it is judged, so two trades judged at the same moment miss each other; fewer pollers
 * make that rarer. The queue absorbs bursts; its age is alarmed.
 */
export const DETECTORS_MAX_CONCURRENCY = 2;
/** A batch of 100 trades judged one by one, each a dozen table calls, with headroom. */
export const DETECTORS_TIMEOUT = Duration.minutes(1);
/**
 * Six times the function's timeout, as AWS advises for a Lambda-polled queue: a message being worked on is not
 * handed out again, and a record reported as failed is retried after this long (5 receives, then the DLQ).
 */
export const DETECTORS_VISIBILITY_TIMEOUT = Duration.seconds(DETECTORS_TIMEOUT.toSeconds() * 6);

export class AbuseDetection extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  /** TradeClosed from the evaluator. */
  readonly tradesRule: Rule;
  /** IdentityObserved from Propdesk's sources. */
  readonly identitiesRule: Rule;
  /** RiskAlertRaised to the risk desk's queue. */
  readonly alertsRule: Rule;
  readonly detectors: PropdeskFunction;
  readonly eventSource: SqsEventSource;

  constructor(scope: Construct, id: string, props: AbuseDetectionProps) {
    super(scope, id);
    const { tenantId, table, eventBus, tradeStream } = props;

    [this.queue, this.deadLetterQueue] = queueWithDeadLetterQueue(this, 'AbuseDetection');
    (this.queue.node.defaultChild as CfnQueue).visibilityTimeout = DETECTORS_VISIBILITY_TIMEOUT.toSeconds();

    // The bus's own retries, then the dead-letter queue: an event it could not put on the queue is parked
    // beside the records the detectors failed for good.
    const toQueue = new SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue });
    this.tradesRule = new Rule(this, 'TradesClosed', {
      eventBus,
      description: "The evaluator's closed trades, for the abuse detectors",
      // The source exactly: a closed trade from anyone else would have the detectors judge, and perhaps fail, an account on a forged trade.
      eventPattern: { source: [DOMAIN_EVENT_SOURCE], detailType: ['TradeClosed'] },
      targets: [toQueue],
    });
    this.identitiesRule = new Rule(this, 'IdentitiesObserved', {
      eventBus,
      description: 'What bridges, payment processors, the KYC provider and the workflows saw of a trader (IP, device, payment, KYC, contact details)',
      eventPattern: { source: Match.prefix(IDENTITY_SOURCE_PREFIX), detailType: ['IdentityObserved'] },
      targets: [toQueue],
    });
    this.alertsRule = new Rule(this, 'AbuseAlerts', {
      eventBus,
      description: 'Risk scores that reached their alert threshold, for the risk desk',
      eventPattern: { source: [ABUSE_EVENT_SOURCE], detailType: [...ABUSE_ALERT_DETAIL_TYPES] },
      targets: [new SqsQueue(props.riskAlerts.queue, { deadLetterQueue: props.riskAlerts.deadLetterQueue })],
    });

    this.detectors = new PropdeskFunction(this, 'Detectors', {
      tenantId,
      settings: props.functions,
      serviceName: 'detectors',
      entry: handlerEntry('detectors'),
      description: `Propdesk ${tenantId}: judges closed trades and identity observations for abuse`,
      timeout: DETECTORS_TIMEOUT,
    })
      // Programs, the news calendar and the abuse memory read; windows, matches, identities, flags and scores written.
      .bindTable(table, 'readWrite', 'TABLE_NAME')
      .bindBus(eventBus, 'EVENT_BUS_NAME')
      .bindStreamWrite(tradeStream, 'TRADE_STREAM_NAME');

    this.eventSource = new SqsEventSource(this.queue, {
      batchSize: DETECTORS_BATCH_SIZE,
      maxBatchingWindow: DETECTORS_BATCHING_WINDOW,
      // Only the records that failed are retried; the others are deleted from the queue.
      reportBatchItemFailures: true,
      maxConcurrency: DETECTORS_MAX_CONCURRENCY,
    });
    this.detectors.addEventSource(this.eventSource);
  }
}
