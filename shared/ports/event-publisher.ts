/** The firm's event bus. publish() resolves once every event is accepted and throws otherwise. */
import type { DomainEvent } from '../stream/domain-events.js';

export interface EventPublisher {
  publish(events: readonly DomainEvent[]): Promise<void>;
}
