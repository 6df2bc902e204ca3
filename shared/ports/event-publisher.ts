/** The firm's event bus. publish() resolves once every event is accepted and throws otherwise. */
import type { DomainEvent } from '../stream/domain-events.js';

/** What every event Propdesk publishes carries: the detail-type, a deterministic id and its time (ISO 8601). */
export interface PublishedEvent {
  readonly id: string;
  readonly type: string;
  readonly time: string;
}

export interface EventPublisher<E extends PublishedEvent = DomainEvent> {
  publish(events: readonly E[]): Promise<void>;
}
