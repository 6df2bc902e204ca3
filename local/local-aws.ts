/**
 * The two AWS services the local platform has no API server for (aws-notes.md: no npm emulator speaks
 * the current SQS and EventBridge protocols), as in-process stand-ins for the SDK clients the adapters
 * take. The adapters' own code (chunking, retries of failed entries) runs unchanged against them.
 */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LocalEventBus } from './event-router.js';

/** An EventBridge client whose PutEvents goes to the in-process bus. */
export function localEventBridgeClient(bus: LocalEventBus): Pick<EventBridgeClient, 'send'> {
  const send = async (command: unknown) => {
    if (!(command instanceof PutEventsCommand)) throw new Error('the local EventBridge client only serves PutEvents');
    return { $metadata: {}, ...(await bus.putEvents(command.input.Entries ?? [])) };
  };
  return { send } as unknown as Pick<EventBridgeClient, 'send'>;
}

/** An SQS client whose SendMessageBatch hands each message body to `receive`. */
export function localSqsClient(receive: (queueUrl: string, body: string) => void): Pick<SQSClient, 'send'> {
  const send = async (command: unknown) => {
    if (!(command instanceof SendMessageBatchCommand)) throw new Error('the local SQS client only serves SendMessageBatch');
    const { QueueUrl, Entries = [] } = command.input;
    for (const entry of Entries) receive(QueueUrl!, entry.MessageBody!);
    return { $metadata: {}, Successful: Entries.map((entry, index) => ({ Id: entry.Id!, MessageId: `local-${Date.now()}-${index}`, MD5OfMessageBody: '' })), Failed: [] };
  };
  return { send } as unknown as Pick<SQSClient, 'send'>;
}
