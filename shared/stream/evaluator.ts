/**
 * The stream evaluator: one Kinesis batch in, every account's state advanced, saved once when it
 * matters, and its domain events delivered. The Lambda handler (functions/evaluator) is a thin shell
 * around it; the local platform and the tests run the same code.
 *
 * Per batch: decode every record (an invalid one is quarantined with its reason and never fails the
 * batch); group the events by account, keeping their order; load the accounts in bulk; deliver any
 * outbox this process has not delivered; apply each account's events to a copy of its state; save it
 * with its outbox when the save policy says so, on the condition that nobody saved it since the load;
 * deliver the outbox. An account that cannot be finished (a conflict, a failed write, a missing
 * program) is reported from its first record in the batch, so Lambda retries from there; the other
 * accounts are done, and their records, redelivered, are ignored as duplicates or re-applied to the
 * same stored state, with the same result.
 */
import type { Effect } from '../domain/effects.js';
import type { TradeEvent } from '../domain/events.js';
import type { NewsIndex } from '../domain/news.js';
import { applyInPlace } from '../domain/reducer.js';
import { refOf } from '../domain/rules/verdicts.js';
import { cloneState, type AccountState } from '../domain/state.js';
import type { AccountStore, StoredAccount } from '../ports/account-store.js';
import type { EventPublisher } from '../ports/event-publisher.js';
import type { ProgramStore } from '../ports/program-store.js';
import type { QuarantineSink } from '../ports/quarantine.js';
import { decodeRecord, quarantined, type Quarantined, type StreamRecord } from './decode-record.js';
import { domainEventOf, type DomainEvent } from './domain-events.js';
import { DEFAULT_SAVE_POLICY, mustSave, type SavePolicy } from './save-policy.js';

export interface EvaluatorPorts {
  readonly accounts: AccountStore;
  readonly programs: ProgramStore;
  readonly publisher: EventPublisher;
  readonly quarantine: QuarantineSink;
  /** The news calendar in force (the caller caches it). */
  readonly news: () => Promise<NewsIndex>;
}

export interface EvaluatorOptions {
  readonly tenant: string;
  readonly policy?: SavePolicy;
  /** Accounts whose writes are in flight at once. */
  readonly concurrency?: number;
}

export interface AccountFailure {
  readonly accountId: string;
  /** The sequence number of the account's first record in the batch: Lambda retries from it. */
  readonly sequenceNumber: string;
  readonly reason: string;
}

export interface BatchReport {
  readonly records: number;
  readonly quarantined: number;
  readonly accounts: number;
  readonly saved: number;
  /** Outboxes found undelivered at load and delivered again. */
  readonly redelivered: number;
  readonly published: number;
  readonly failures: readonly AccountFailure[];
}

interface AccountRecords {
  readonly accountId: string;
  readonly records: StreamRecord[];
  readonly events: TradeEvent[];
}

const DEFAULT_CONCURRENCY = 32;

export class StreamEvaluator {
  /** Outbox revisions this process delivered, by account: a warm container does not deliver twice. */
  private readonly delivered = new Map<string, number>();
  private readonly policy: SavePolicy;
  private readonly concurrency: number;

  constructor(
    private readonly ports: EvaluatorPorts,
    private readonly options: EvaluatorOptions,
  ) {
    this.policy = options.policy ?? DEFAULT_SAVE_POLICY;
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  }

  async evaluate(records: readonly StreamRecord[]): Promise<BatchReport> {
    const toQuarantine: Quarantined[] = [];
    const byAccount = new Map<string, AccountRecords>();
    for (const record of records) {
      const decoded = decodeRecord(record, this.options.tenant);
      if (!decoded.ok) {
        toQuarantine.push(decoded.quarantined);
        continue;
      }
      const accountId = decoded.event.accountId;
      let group = byAccount.get(accountId);
      if (group === undefined) byAccount.set(accountId, (group = { accountId, records: [], events: [] }));
      group.records.push(record);
      group.events.push(decoded.event);
    }

    const stored = await this.ports.accounts.load([...byAccount.keys()]);
    for (const group of byAccount.values()) {
      if (stored.has(group.accountId)) continue;
      byAccount.delete(group.accountId);
      for (const record of group.records) toQuarantine.push(notProvisioned(record, group.accountId));
    }

    const failures: AccountFailure[] = [];
    if (toQuarantine.length > 0) {
      try {
        await this.ports.quarantine.quarantine(toQuarantine);
      } catch (error) {
        for (const entry of toQuarantine) failures.push({ accountId: entry.partitionKey, sequenceNumber: entry.sequenceNumber, reason: `quarantine failed: ${messageOf(error)}` });
      }
    }

    const counts = { saved: 0, redelivered: 0, published: 0 };
    const news = byAccount.size > 0 ? await this.ports.news() : null;
    const groups = [...byAccount.values()];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < groups.length) {
        const group = groups[next++]!;
        try {
          await this.advance(group, stored.get(group.accountId)!, news!, counts);
        } catch (error) {
          failures.push({ accountId: group.accountId, sequenceNumber: group.records[0]!.sequenceNumber, reason: messageOf(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, groups.length) }, worker));

    return { records: records.length, quarantined: toQuarantine.length, accounts: byAccount.size, ...counts, failures };
  }

  private async advance(group: AccountRecords, stored: StoredAccount, news: NewsIndex, counts: { saved: number; redelivered: number; published: number }): Promise<void> {
    if (stored.outbox.length > 0 && this.delivered.get(group.accountId) !== stored.revision) {
      await this.deliver(stored.state, stored.revision, stored.outbox);
      counts.redelivered += 1;
      counts.published += stored.outbox.length;
    }
    const { programId, programVersion } = stored.state;
    const program = await this.ports.programs.get(programId, programVersion);
    if (program === null) throw new Error(`program ${programId} v${programVersion} is not stored`);

    const draft = cloneState(stored.state);
    const effects: Effect[] = [];
    const outbox: DomainEvent[] = [];
    for (const event of group.events) {
      const from = effects.length;
      applyInPlace(draft, event, program, news, effects);
      for (let i = from; i < effects.length; i++) {
        const domainEvent = domainEventOf(draft, effects[i]!, refOf(event), i - from);
        if (domainEvent !== null) outbox.push(domainEvent);
      }
    }
    if (!mustSave(stored.state, draft, effects, this.policy)) return;
    if ((await this.ports.accounts.save(draft, stored.revision, outbox)) === 'conflict') {
      throw new Error(`account ${group.accountId} was saved by someone else since revision ${stored.revision}`);
    }
    counts.saved += 1;
    if (outbox.length === 0) return;
    await this.deliver(draft, stored.revision + 1, outbox);
    counts.published += outbox.length;
  }

  /** Records first, then events: a consumer told of a trade can read it. */
  private async deliver(state: AccountState, revision: number, outbox: readonly DomainEvent[]): Promise<void> {
    await this.ports.accounts.writeRecords(outbox);
    await this.ports.publisher.publish(outbox);
    if (state.status !== 'active') await this.ports.accounts.markDelivered(state, revision);
    this.delivered.set(state.accountId, revision);
  }
}

function notProvisioned(record: StreamRecord, accountId: string): Quarantined {
  const payload = Buffer.from(record.data, 'base64').toString('utf8');
  return quarantined(record, payload, [{ line: null, path: 'accountId', message: `account ${accountId} is not provisioned` }]);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
