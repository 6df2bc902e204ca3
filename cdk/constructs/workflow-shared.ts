/** What the firm's workflows share: the verified address they mail from, and the dead-letter queue of their bus rules' targets. */
import { EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './nag.js';
import { encryptedQueue } from './trade-pipeline.js';

export class WorkflowShared extends Construct {
  /** SES sends a verification mail to it on the first deploy. */
  readonly sender: EmailIdentity;
  /** Events the bus could not hand to a workflow (a start, or an answer to the callbacks function). */
  readonly deliveryDeadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: { readonly senderAddress: string }) {
    super(scope, id);
    this.sender = new EmailIdentity(this, 'Sender', { identity: Identity.email(props.senderAddress) });
    this.deliveryDeadLetterQueue = encryptedQueue(this, 'DeliveryDeadLetterQueue');
    acknowledge(this.deliveryDeadLetterQueue, 'SQS3', "It is a dead-letter queue itself: the workflow rules' targets', alarmed on depth");
  }
}
