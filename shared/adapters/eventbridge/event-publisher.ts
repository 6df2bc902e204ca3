/**
 * EventPublisher on EventBridge. PutEvents takes at most 10 entries per call, and their total size,
 * as EventBridge counts it, must be less than 256 KB: events go out in calls filled up to both
 * limits, one call after another. A call may accept some entries and refuse others (throttling,
 * internal failures): only the refused ones are sent again, with exponential backoff.
 * EventBridge keeps no order between entries, and a consumer deduplicates by the event's `id`.
 */
import { PutEventsCommand, type EventBridgeClient, type PutEventsCommandOutput, type PutEventsRequestEntry, type PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import type { EventPublisher, PublishedEvent } from '../../ports/event-publisher.js';
import { DOMAIN_EVENT_SOURCE, type DomainEvent } from '../../stream/domain-events.js';
import { backOff, MAX_ATTEMPTS, sleep, type Pause } from '../backoff.js';
import { chunksOf } from '../chunks.js';

const PUT_EVENTS_LIMIT = 10;
/** "The total entry size must be less than 256KB." */
const PUT_EVENTS_MAX_BYTES = 256 * 1024 - 1;
/** What EventBridge counts for a Time, whatever its value. */
const TIME_BYTES = 14;
const BASE_BACKOFF_MS = 50;

type Sender = Pick<EventBridgeClient, 'send'>;

interface Pending {
  readonly event: PublishedEvent;
  readonly entry: PutEventsRequestEntry;
  readonly bytes: number;
}

const utf8Bytes = (text: string | undefined): number => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));

/**
 * An entry's size as EventBridge counts it against the request limit: Time as 14 bytes, and the UTF-8
 * bytes of Source, DetailType, Detail and each resource (EventBusName does not count).
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
 */
export function entrySize(entry: PutEventsRequestEntry): number {
  const resources = (entry.Resources ?? []).reduce((sum, resource) => sum + utf8Bytes(resource), 0);
  return (entry.Time === undefined ? 0 : TIME_BYTES) + utf8Bytes(entry.Source) + utf8Bytes(entry.DetailType) + utf8Bytes(entry.Detail) + resources;
}

/** Why EventBridge refused an entry, or null when it accepted it. No EventId is a refusal even without an error code. */
function refusalOf(result: PutEventsResultEntry | undefined): string | null {
  if (result?.EventId !== undefined && result.ErrorCode === undefined) return null;
  const code = result?.ErrorCode ?? 'no result';
  return result?.ErrorMessage === undefined ? code : `${code}: ${result.ErrorMessage}`;
}

/** Publishes under one source: the evaluator's domain events by default, or a workflow's events. */
export class EventBridgePublisher<E extends PublishedEvent = DomainEvent> implements EventPublisher<E> {
  constructor(
    private readonly eventBridge: Sender,
    private readonly busName: string,
    private readonly pause: Pause = sleep,
    private readonly source: string = DOMAIN_EVENT_SOURCE,
  ) {}

  async publish(events: readonly E[]): Promise<void> {
    const pending = events.map((event) => this.pendingOf(event));
    for (const call of chunksOf(pending, PUT_EVENTS_LIMIT, PUT_EVENTS_MAX_BYTES)) await this.putAll(call);
  }

  private pendingOf(event: PublishedEvent): Pending {
    const entry: PutEventsRequestEntry = {
      EventBusName: this.busName,
      Source: this.source,
      DetailType: event.type,
      Detail: JSON.stringify(event),
      Time: new Date(event.time),
      Resources: [],
    };
    const bytes = entrySize(entry);
    // Fails the same way on every attempt, so it is refused before anything is sent.
    if (bytes > PUT_EVENTS_MAX_BYTES) throw new Error(`event ${event.id} is ${bytes} bytes as a PutEvents entry, over EventBridge's limit of 256 KB`);
    return { event, entry, bytes };
  }

  /** Sends the entries, then again only those that were refused, with exponential backoff. */
  private async putAll(call: readonly Pending[]): Promise<void> {
    let pending = call;
    for (let attempt = 1; ; attempt++) {
      await backOff(attempt, BASE_BACKOFF_MS, this.pause);
      const output: PutEventsCommandOutput = await this.eventBridge.send(new PutEventsCommand({ Entries: pending.map((item) => item.entry) }));
      const refused = pending.flatMap((item, index) => {
        const error = refusalOf(output.Entries?.[index]);
        return error === null ? [] : [{ item, error }];
      });
      if (refused.length === 0) return;
      if (attempt === MAX_ATTEMPTS) {
        const named = refused.map(({ item, error }) => `${item.event.id} (${error})`).join(', ');
        throw new Error(`EventBridge bus ${this.busName} refused ${refused.length} of ${call.length} events after ${MAX_ATTEMPTS} attempts: ${named}`);
      }
      pending = refused.map(({ item }) => item);
    }
  }
}
