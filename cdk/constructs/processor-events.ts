/**
 * Payment processors' events onto the firm's bus. Stripe delivers through an EventBridge partner event
 * source: the firm associates it in the console, which creates a partner event bus named after the source;
 * a rule on that bus forwards every Stripe event to the firm's bus, where the purchase workflow (issue 6)
 * and the one-year archive see them beside every other processor's events.
 */
import { EventBus, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget } from 'aws-cdk-lib/aws-events-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { PaymentProcessorSettings } from '../tenant-config.js';
import { acknowledge } from './nag.js';
import { encryptedQueue } from './trade-pipeline.js';

export interface ProcessorEventsProps {
  readonly processors: PaymentProcessorSettings;
  readonly firmBus: IEventBus;
}

export class ProcessorEvents extends Construct {
  /** One forwarding rule per configured partner event source. */
  readonly forwardingRules: readonly Rule[];
  /** Where an event the firm's bus refused is parked; present when a processor is configured. */
  readonly deadLetterQueue?: Queue;

  constructor(scope: Construct, id: string, props: ProcessorEventsProps) {
    super(scope, id);
    const { stripe } = props.processors;
    if (stripe === undefined) {
      this.forwardingRules = [];
      return;
    }
    const deadLetterQueue = encryptedQueue(this, 'DeadLetterQueue');
    acknowledge(deadLetterQueue, 'SQS3', "It is a dead-letter queue itself: the forwarding rule's, alarmed on depth");
    this.deadLetterQueue = deadLetterQueue;
    this.forwardingRules = [
      new Rule(this, 'StripeToFirmBus', {
        description: 'Every Stripe event from its partner event source, to the firm bus',
        eventBus: EventBus.fromEventBusName(this, 'StripePartnerBus', stripe.partnerEventSource),
        eventPattern: { source: [stripe.partnerEventSource] },
        targets: [new EventBusTarget(props.firmBus, { deadLetterQueue })],
      }),
    ];
  }
}
