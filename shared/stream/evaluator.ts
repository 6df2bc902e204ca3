/**
 * The stream evaluator: one Kinesis batch in, every account's state advanced, saved once when it
 * matters, and its domain events delivered. The Lambda handler (functions/evaluator) is a thin shell
 * around it; the local platform and the tests run the same code.
 *
 * Per batch: decode every record (an invalid one is quarantined with its reason and never fails the
 * batch); group the events by account, keeping their order; take each account's state from what this
 * container last saw of it, or load it (in bulk) and deliver an outbox the load finds; apply the
 * account's events to a copy of its state; save it with its outbox when the save policy says so, on the
 * condition that nobody saved it since, after appending the events applied since its last save to its
 * history (what a program dry-run replays); then deliver the batch's outboxes together. An account that
 * cannot be finished (a conflict, a failed write, a missing program) is forgotten and reported from its
 * first record in the batch, so Lambda retries from there with a fresh load; the other accounts are
 * done, and their records, redelivered, are ignored as duplicates or re-applied to the same state, with
 * the same result.
 *
 * What a warm container knows of an account is what it saved, or that plus quiet ticks the policy did
 * not save; never an unsaved material change. Those ticks wait in memory for the next save's history
 * chunk, so a container that is recycled loses them from the history (never a material change: replaying
 * the history under the live program gives the live verdicts; test/integration/evaluator.test.ts). A write by anyone else shows as a conflict at the next save,
 * and what the container knows expires (`knownForMs`), so an operator's change is seen within that time.
 */
import type { Effect } from '../domain/effects.js';
import type { TradeEvent } from '../domain/events.js';
import type { NewsIndex } from '../domain/news.js';
import { applyInPlace } from '../domain/reducer.js';
import { refOf } from '../domain/rules/verdicts.js';
import { cloneState, type AccountState } from '../domain/state.js';
import type { AccountHistory, HistoryChunk, HistoryOpening } from '../ports/account-history.js';
import type { AccountStore } from '../ports/account-store.js';
import type { EventPublisher } from '../ports/event-publisher.js';
import type { ProgramStore } from '../ports/program-store.js';
import type { QuarantineSink } from '../ports/quarantine.js';
import { decodeRecord, quarantined, type Quarantined, type StreamRecord } from './decode-record.js';
import { domainEventOf, type DomainEvent } from './domain-events.js';
import { DEFAULT_SAVE_POLICY, mustSave, type SavePolicy } from './save-policy.js';

export interface EvaluatorPorts {
  readonly accounts: AccountStore;
  /** Where each save's records go first, for the dry-run of a program change. */
  readonly history: Pick<AccountHistory, 'append'>;
  /** Only reads: the evaluator never stores a program. */
  readonly programs: Pick<ProgramStore, 'get'>;
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
  /** Wall time (epoch ms), for expiring what the container knows; without it, nothing expires. */
  readonly now?: () => number;
  /** How long a known state is used before it is loaded again. */
  readonly knownForMs?: number;
  /** How many accounts' states a container keeps, the least recently used dropped first. */
  readonly maxKnown?: number;
  /** How long, in event time, an account's history is kept for dry-runs. */
  readonly historyRetentionMs?: number;
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
const DEFAULT_KNOWN_FOR_MS = 60_000;
/** About 2 KB each: 100 MB at most, within the evaluator's memory. */
const DEFAULT_MAX_KNOWN = 50_000;
/** Longer than an evaluation phase usually runs, so a dry-run sees whole phases. */
const DEFAULT_HISTORY_RETENTION_MS = 120 * 24 * 60 * 60 * 1000;

/** An account's state as this container last saw it, with what the store holds of it. */
interface Known {
  readonly state: AccountState;
  readonly revision: number;
  /** The clock of the state last saved: how stale the stored state is. */
  readonly savedClock: number;
  /** The records applied since the last save, not yet in the history: the next save's chunk. */
  readonly unsaved: string[];
  readonly knownSince: number;
}

/** An account at the start of a batch: known to this container, or loaded (with the outbox found). */
type Start = Known & { readonly loadedOutbox: readonly DomainEvent[] | null };

/** An account the batch changed enough to save: its new state, its outbox, and its history chunk. */
interface ToSave {
  readonly group: AccountRecords;
  readonly start: Start;
  readonly draft: AccountState;
  readonly outbox: readonly DomainEvent[];
  readonly chunk: HistoryChunk;
}

/** An account's outbox to deliver once the batch's saves are done, and what to remember once it is. */
interface Delivery {
  readonly group: AccountRecords;
  readonly known: Known;
  /** The state of the revision whose item holds the outbox. */
  readonly savedState: AccountState;
  readonly outbox: readonly DomainEvent[];
}

export class StreamEvaluator {
  private readonly known = new Map<string, Known>();
  private readonly policy: SavePolicy;
  private readonly concurrency: number;
  private readonly now: () => number;
  private readonly knownForMs: number;
  private readonly maxKnown: number;

  constructor(
    private readonly ports: EvaluatorPorts,
    private readonly options: EvaluatorOptions,
  ) {
    this.policy = options.policy ?? DEFAULT_SAVE_POLICY;
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.now = options.now ?? (() => 0);
    this.knownForMs = options.now === undefined ? Number.POSITIVE_INFINITY : (options.knownForMs ?? DEFAULT_KNOWN_FOR_MS);
    this.maxKnown = options.maxKnown ?? DEFAULT_MAX_KNOWN;
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

    const starts = await this.startsOf([...byAccount.keys()]);
    for (const group of byAccount.values()) {
      if (starts.has(group.accountId)) continue;
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
    const deliveries: Delivery[] = [];
    let toSave: ToSave[] = [];
    await this.inPool([...byAccount.values()], failures, async (group) => {
      const advanced = await this.advance(group, starts.get(group.accountId)!, news!, counts);
      if (advanced === null) return;
      if ('draft' in advanced) toSave.push(advanced);
      else deliveries.push(advanced);
    });
    if (toSave.length > 0) {
      // The history first, the batch's chunks together: a save whose chunk failed would leave its events out for good.
      try {
        await this.ports.history.append(toSave.map(({ group, chunk }) => ({ accountId: group.accountId, ...chunk })));
      } catch (error) {
        for (const { group } of toSave) this.fail(group, `writing its history failed: ${messageOf(error)}`, failures);
        toSave = [];
      }
    }
    await this.inPool(toSave, failures, async (pending) => {
      const delivery = await this.save(pending, counts);
      if (delivery !== null) deliveries.push(delivery);
    });
    if (deliveries.length > 0) {
      try {
        await this.deliver(deliveries);
        for (const delivery of deliveries) this.remember(delivery.known);
        counts.published += deliveries.reduce((sum, delivery) => sum + delivery.outbox.length, 0);
      } catch (error) {
        // Each outbox is in its account's item: the retry loads it and delivers it again.
        for (const delivery of deliveries) this.fail(delivery.group, `delivering its events failed: ${messageOf(error)}`, failures);
      }
    }

    return { records: records.length, quarantined: toQuarantine.length, accounts: byAccount.size, ...counts, failures };
  }

  /** Runs `work` on every item, `concurrency` at a time; an item whose work throws is failed, the others go on. */
  private async inPool<T extends { readonly group: AccountRecords } | AccountRecords>(items: readonly T[], failures: AccountFailure[], work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const item = items[next++]!;
        try {
          await work(item);
        } catch (error) {
          this.fail('group' in item ? item.group : item, messageOf(error), failures);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, items.length) }, worker));
  }

  private fail(group: AccountRecords, reason: string, failures: AccountFailure[]): void {
    this.known.delete(group.accountId);
    failures.push({ accountId: group.accountId, sequenceNumber: group.records[0]!.sequenceNumber, reason });
  }

  /** Each account's state at the start of the batch; accounts neither known nor stored are absent. */
  private async startsOf(accountIds: readonly string[]): Promise<Map<string, Start>> {
    const starts = new Map<string, Start>();
    const now = this.now();
    const toLoad: string[] = [];
    for (const accountId of accountIds) {
      const known = this.known.get(accountId);
      if (known !== undefined && now - known.knownSince < this.knownForMs) starts.set(accountId, { ...known, loadedOutbox: null });
      else toLoad.push(accountId);
    }
    if (toLoad.length === 0) return starts;
    for (const [accountId, stored] of await this.ports.accounts.load(toLoad)) {
      // The outbox of a revision this container saved was delivered before it was remembered, and the
      // events it applied since are still owed to the history.
      const expired = this.known.get(accountId);
      const savedHere = expired?.revision === stored.revision;
      starts.set(accountId, {
        state: stored.state,
        revision: stored.revision,
        savedClock: stored.state.clock,
        unsaved: savedHere ? expired.unsaved : [],
        knownSince: now,
        loadedOutbox: savedHere ? null : stored.outbox,
      });
    }
    return starts;
  }

  /**
   * Applies the account's events. Returns what to save when the policy says so; otherwise the outbox to
   * deliver (one a load found undelivered), or null when there is none.
   */
  private async advance(group: AccountRecords, start: Start, news: NewsIndex, counts: { redelivered: number }): Promise<ToSave | Delivery | null> {
    const pending = start.loadedOutbox ?? [];
    if (pending.length > 0) counts.redelivered += 1;
    const { programId, programVersion } = start.state;
    const program = await this.ports.programs.get(programId, programVersion);
    if (program === null) throw new Error(`program ${programId} v${programVersion} is not stored`);

    const draft = cloneState(start.state);
    const effects: Effect[] = [];
    const outbox: DomainEvent[] = [...pending];
    for (const event of group.events) {
      const from = effects.length;
      applyInPlace(draft, event, program, news, effects);
      for (let i = from; i < effects.length; i++) {
        const domainEvent = domainEventOf(draft, effects[i]!, refOf(event), i - from);
        if (domainEvent !== null) outbox.push(domainEvent);
      }
    }
    // Appended in place, not copied: the list belongs to this account's entry alone, and an account that
    // fails is forgotten with it. A copy per batch would cost a quiet account quadratic time between saves.
    const { unsaved } = start;
    for (const record of group.records) unsaved.push(record.data);
    if (!mustSave(start.state, draft, effects, this.policy, start.savedClock)) {
      const known = { state: draft, revision: start.revision, savedClock: start.savedClock, unsaved, knownSince: start.knownSince };
      if (pending.length > 0) return { group, known, savedState: start.state, outbox: pending };
      this.remember(known);
      return null;
    }
    const keepUntil = draft.clock + (this.options.historyRetentionMs ?? DEFAULT_HISTORY_RETENTION_MS);
    return { group, start, draft, outbox, chunk: { revision: start.revision + 1, opening: openingOf(start.state), records: unsaved, keepUntil } };
  }

  /** Saves the account on the condition that nobody saved it since; returns its outbox to deliver, if any. */
  private async save({ group, start, draft, outbox }: ToSave, counts: { saved: number }): Promise<Delivery | null> {
    if ((await this.ports.accounts.save(draft, start.revision, outbox)) === 'conflict') {
      throw new Error(`account ${group.accountId} was saved by someone else since revision ${start.revision}`);
    }
    counts.saved += 1;
    const known = { state: draft, revision: start.revision + 1, savedClock: draft.clock, unsaved: [], knownSince: start.knownSince };
    if (outbox.length > 0) return { group, known, savedState: draft, outbox };
    this.remember(known);
    return null;
  }

  /**
   * The batch's outboxes together, records first, then events (a consumer told of a trade can read it):
   * a few large calls rather than one or two per account.
   */
  private async deliver(deliveries: readonly Delivery[]): Promise<void> {
    const events = deliveries.flatMap((delivery) => delivery.outbox);
    await this.ports.accounts.writeRecords(events);
    await this.ports.publisher.publish(events);
    for (const { savedState, known } of deliveries) {
      if (savedState.status !== 'active') await this.ports.accounts.markDelivered(savedState, known.revision);
    }
  }

  /** Keeps the state as the most recently used; the least recently used goes when there are too many. */
  private remember(known: Known): void {
    this.known.delete(known.state.accountId);
    this.known.set(known.state.accountId, known);
    if (this.known.size > this.maxKnown) this.known.delete(this.known.keys().next().value!);
  }
}

const openingOf = (state: AccountState): HistoryOpening => ({ phaseId: state.phaseId, openedAt: state.openedAt, initialBalance: state.initialBalance, traderId: state.traderId });

function notProvisioned(record: StreamRecord, accountId: string): Quarantined {
  const payload = Buffer.from(record.data, 'base64').toString('utf8');
  return quarantined(record, payload, [{ line: null, path: 'accountId', message: `account ${accountId} is not provisioned` }]);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
