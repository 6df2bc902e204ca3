/** Published domain events for tests: the shipped sample of a type (events/samples/domain/), moved to an account, time and id. */
import { readFileSync } from 'node:fs';
import type { DomainEvent } from '../../shared/stream/domain-events.js';

export function domainEventSample(type: DomainEvent['type'], accountId: string, time: string, id: string): DomainEvent {
  const sample = JSON.parse(readFileSync(new URL(`../../events/samples/domain/${type}.json`, import.meta.url), 'utf8')) as DomainEvent;
  return { ...sample, accountId, time, id } as DomainEvent;
}
