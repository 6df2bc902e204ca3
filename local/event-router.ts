/**
 * The firm's event bus, in process: built from the rules the synthesized stack holds (see
 * cdk/local-template.ts), it turns PutEvents entries into EventBridge events and hands each to the
 * targets of every rule whose pattern matches. Targets (queues, functions, state machines) are addressed by
 * their logical id; what receives a target's events is registered with onTarget.
 */
import type { PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { randomUUID } from 'node:crypto';
import { type CompiledEventPattern, compileEventPattern, type EventPattern } from './event-pattern.js';

/** A bus rule as the template declares it (the shape `synthesizeLocal` returns). */
export interface BusRule {
  readonly logicalId: string;
  readonly eventPattern: EventPattern;
  readonly targets: readonly { readonly logicalId: string }[];
}

/** The envelope EventBridge delivers to targets. */
export interface EventBridgeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: { readonly [field: string]: unknown };
}

export type TargetHandler = (event: EventBridgeEvent) => void | Promise<void>;

export interface LocalEventBusOptions {
  readonly rules: readonly BusRule[];
  readonly account: string;
  readonly region: string;
  /** The time stamped on entries without `Time`. @default the wall clock */
  readonly now?: () => Date;
}

export interface PutEventsResult {
  readonly FailedEntryCount: number;
  readonly Entries: PutEventsResultEntry[];
}

/** PutEvents' own limit: more entries in one call is a validation error for the whole call. */
const MAX_ENTRIES_PER_CALL = 10;

interface CompiledRule {
  readonly logicalId: string;
  readonly pattern: CompiledEventPattern;
  readonly targetLogicalIds: readonly string[];
}

export class LocalEventBus {
  private readonly rules: readonly CompiledRule[];
  private readonly handlers = new Map<string, TargetHandler>();
  private readonly events: EventBridgeEvent[] = [];
  private unmatched = 0;

  constructor(private readonly options: LocalEventBusOptions) {
    // Compiled up front: a pattern the local matcher cannot honour fails here, not on the first event.
    this.rules = options.rules.map((rule) => {
      try {
        return { logicalId: rule.logicalId, pattern: compileEventPattern(rule.eventPattern), targetLogicalIds: rule.targets.map((target) => target.logicalId) };
      } catch (error) {
        throw new Error(`rule ${rule.logicalId}: ${(error as Error).message}`, { cause: error });
      }
    });
  }

  /**
   * Registers what receives the events routed to a target. Every target needs one before putEvents. As on
   * AWS, a handler should take the event and return (a queue stores it, StartExecution starts the run):
   * the PutEvents call waits for it.
   */
  onTarget(targetLogicalId: string, handler: TargetHandler): this {
    if (!this.rules.some((rule) => rule.targetLogicalIds.includes(targetLogicalId))) {
      throw new Error(`no rule targets ${targetLogicalId} (targets: ${this.targetLogicalIds().join(', ')})`);
    }
    this.handlers.set(targetLogicalId, handler);
    return this;
  }

  /**
   * Builds each entry's event and delivers it to every matching rule's target, in rule order. An entry
   * without Source, DetailType or a JSON-object Detail fails alone, as PutEvents reports it; a handler that
   * throws makes the call throw (there is no retry locally, so a failure must be seen).
   */
  async putEvents(entries: readonly PutEventsRequestEntry[]): Promise<PutEventsResult> {
    if (entries.length === 0 || entries.length > MAX_ENTRIES_PER_CALL) {
      throw new Error(`PutEvents takes 1 to ${MAX_ENTRIES_PER_CALL} entries, got ${entries.length}`);
    }
    const results: PutEventsResultEntry[] = [];
    for (const entry of entries) {
      const built = this.eventFrom(entry);
      if (!built.ok) {
        results.push(built.failure);
        continue;
      }
      this.events.push(built.event);
      await this.route(built.event);
      results.push({ EventId: built.event.id });
    }
    return { FailedEntryCount: results.filter((result) => result.ErrorCode !== undefined).length, Entries: results };
  }

  /** Every event put on the bus, in order: the bus's archive. */
  get archive(): readonly EventBridgeEvent[] {
    return this.events;
  }

  /** Events that no rule matched. */
  get unmatchedCount(): number {
    return this.unmatched;
  }

  private async route(event: EventBridgeEvent): Promise<void> {
    const matching = this.rules.filter((rule) => rule.pattern.matches(event));
    if (matching.length === 0) {
      this.unmatched += 1;
      return;
    }
    for (const rule of matching) {
      for (const targetLogicalId of rule.targetLogicalIds) {
        const handler = this.handlers.get(targetLogicalId);
        if (handler === undefined) {
          throw new Error(`rule ${rule.logicalId} matched event ${event.id} but target ${targetLogicalId} has no handler: register one with onTarget`);
        }
        await handler(event);
      }
    }
  }

  private eventFrom(
    entry: PutEventsRequestEntry,
  ): { readonly ok: true; readonly event: EventBridgeEvent } | { readonly ok: false; readonly failure: PutEventsResultEntry } {
    if (!entry.Source || !entry.DetailType) {
      return { ok: false, failure: { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source and DetailType are required' } };
    }
    const detail = parseDetail(entry.Detail);
    if (detail === undefined) return { ok: false, failure: { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail must be a JSON object' } };
    const event: EventBridgeEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: this.options.account,
      // EventBridge stamps whole seconds: 2026-03-02T17:00:00Z.
      time: (entry.Time ?? this.options.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.options.region,
      resources: entry.Resources ?? [],
      detail,
    };
    return { ok: true, event };
  }

  private targetLogicalIds(): string[] {
    return [...new Set(this.rules.flatMap((rule) => rule.targetLogicalIds))];
  }
}

function parseDetail(text: string | undefined): { readonly [field: string]: unknown } | undefined {
  if (text === undefined) return undefined;
  try {
    const detail: unknown = JSON.parse(text);
    return typeof detail === 'object' && detail !== null && !Array.isArray(detail) ? (detail as { readonly [field: string]: unknown }) : undefined;
  } catch {
    return undefined;
  }
}
