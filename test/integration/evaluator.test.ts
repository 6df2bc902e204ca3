/**
 * The evaluator on the local platform, end to end: events on kinesalite, the poller with Lambda's
 * event-source semantics, the evaluator handler, dynalite, the bus. One seeded stream, with duplicates,
 * a late event and poison records, is run at batch sizes from 1 to 1,000 while faults are injected:
 * conditional-write conflicts from a second writer, failed record writes and publishes, handler
 * crashes after the work is done, and cold starts that forget which outboxes were delivered. Every
 * run must end with the final states and the published events (deduplicated by id, as a consumer
 * does) that applying each account's events one by one, unbatched, gives.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbAccountHistory } from '../../shared/adapters/dynamodb/account-history.js';
import { DynamoDbAccountStore } from '../../shared/adapters/dynamodb/account-store.js';
import { DynamoDbQuarantineStore } from '../../shared/adapters/dynamodb/quarantine-store.js';
import type { Effect } from '../../shared/domain/effects.js';
import { toWire, type TradeEvent } from '../../shared/domain/events.js';
import { NO_NEWS } from '../../shared/domain/news.js';
import { parseProgram } from '../../shared/domain/program.js';
import { applyInPlace } from '../../shared/domain/reducer.js';
import { refOf } from '../../shared/domain/rules/verdicts.js';
import { openAccount, type AccountState } from '../../shared/domain/state.js';
import type { AccountEventHistory } from '../../shared/ports/account-history.js';
import type { AccountStore } from '../../shared/ports/account-store.js';
import type { EventPublisher } from '../../shared/ports/event-publisher.js';
import { seededRandom } from '../../shared/seeded-random.js';
import { DOMAIN_EVENT_SOURCE, DomainEvent, domainEventOf } from '../../shared/stream/domain-events.js';
import { DEFAULT_SAVE_POLICY, TICK_FIELDS } from '../../shared/stream/save-policy.js';
import { startPlatform, type Platform, type PlatformOptions } from '../../local/platform.js';
import { PROFILES, SimulatedTrader } from '../../local/simulated-traders.js';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';

const TENANT = 'demo';
const OPENED = Date.parse('2026-03-02T22:50:00Z');
/** Prague midnight: the firm day closes inside the stream. */
const BOUNDARY = Date.parse('2026-03-02T23:00:00Z');

// Tight limits, so a few minutes of trading give warnings, breaches, a failure and a pass.
const program = parseProgram({
  id: 'stream-test',
  version: 1,
  name: 'Stream test',
  currency: 'USD',
  initialBalance: 10_000_000,
  dayBoundary: { timeZone: 'Europe/Prague', time: '00:00' },
  phases: [
    {
      id: 'phase-1',
      name: 'Challenge',
      kind: 'evaluation',
      passCheck: 'onTradeClose',
      rules: [
        { kind: 'dailyLoss', severity: 'hard', reference: 'dayStartBalance', limit: { bps: 40, of: 'initial' }, breachAt: 'cross', warnAtBps: [5000, 8000] },
        { kind: 'maxLoss', severity: 'hard', floor: 'trailing', trailSource: 'intradayEquity', limit: { bps: 80, of: 'initial' }, breachAt: 'cross', warnAtBps: [7000] },
        { kind: 'profitTarget', target: { bps: 15, of: 'initial' }, measure: 'balance', requireFlat: true },
        { kind: 'maxOpenPositions', severity: 'soft', max: 1 },
      ],
    },
    { id: 'funded', name: 'Funded', kind: 'funded', rules: [{ kind: 'maxLoss', severity: 'hard', floor: 'static', limit: { bps: 80, of: 'initial' }, breachAt: 'cross' }] },
  ],
});

const ACCOUNTS = [
  { accountId: 'acc-steady', profile: PROFILES.steady, seed: 1 },
  { accountId: 'acc-winner', profile: PROFILES.winner, seed: 2 },
  { accountId: 'acc-reckless', profile: PROFILES.reckless, seed: 3 },
  { accountId: 'acc-reckless-2', profile: PROFILES.reckless, seed: 4 },
];

interface Stream {
  /** Every event in the order it is put on the stream, duplicates and the late one included. */
  readonly events: TradeEvent[];
  /** Records that must be quarantined: not JSON, another tenant, an account nobody provisioned. */
  readonly poison: { partitionKey: string; data: string }[];
}

/** Twenty minutes of four traders across the day boundary, with the scheduler's clocks at the boundary. */
function buildStream(): Stream {
  const random = seededRandom(7);
  const traders = ACCOUNTS.map(({ accountId, profile, seed }) => new SimulatedTrader({ tenant: TENANT, accountId, profile, balance: 10_000_000, seed, firstSeq: 1, startAt: OPENED }));
  const events: TradeEvent[] = [];
  for (let time = OPENED + 1000; time <= BOUNDARY + 10 * 60_000; time += 1000) {
    if (time === BOUNDARY) for (const { accountId } of ACCOUNTS) events.push({ type: 'clock', schemaVersion: 1, tenant: TENANT, accountId, time });
    for (const trader of traders) {
      for (const event of trader.step(time)) {
        events.push(event);
        // A bridge retrying a send: the same event again, now or a little later.
        if (random() < 0.03) events.splice(events.length - Math.floor(random() * 5), 0, event);
      }
    }
  }
  // A late tick: a higher seq than anything sent, timed a minute earlier than the event before it.
  const last = events.at(-1)!;
  if (last.type === 'clock') throw new Error('the stream should end with a trade event');
  const steady = events.filter((event): event is Extract<TradeEvent, { type: 'snapshot' }> => event.type === 'snapshot' && event.accountId === 'acc-steady').at(-1)!;
  events.push({ ...steady, seq: steady.seq + 10_000, eventId: 'late-1', time: steady.time - 60_000 });
  const first = toWire(events[0]!);
  const wrongTenant = { ...first, tenant: 'other-firm' };
  const nobody = { ...first, accountId: 'acc-nobody' };
  const poison = [
    { partitionKey: 'acc-steady', data: '{"type": "snapshot",' },
    { partitionKey: String(first['accountId']), data: JSON.stringify(wrongTenant) },
    { partitionKey: 'acc-nobody', data: JSON.stringify(nobody) },
  ];
  return { events, poison };
}

/** What applying each account's events one at a time, with no batching at all, gives. */
function expected(stream: Stream): { states: Map<string, AccountState>; events: Map<string, DomainEvent> } {
  return applied(new Map(ACCOUNTS.map(({ accountId }) => [accountId, openAccount(program, { tenant: TENANT, accountId, openedAt: OPENED })])), stream.events);
}

/** What replaying each account's stored history from its opening gives: what a dry-run starts from. */
function replayed(histories: ReadonlyMap<string, AccountEventHistory>): Map<string, DomainEvent> {
  const states = new Map([...histories].map(([accountId, { opening }]) => [accountId, openAccount(program, { tenant: TENANT, accountId, ...opening })]));
  return applied(states, [...histories.values()].flatMap((history) => history.events)).events;
}

function applied(states: Map<string, AccountState>, events: readonly TradeEvent[]): { states: Map<string, AccountState>; events: Map<string, DomainEvent> } {
  const published = new Map<string, DomainEvent>();
  for (const event of events) {
    const state = states.get(event.accountId)!;
    const effects: Effect[] = [];
    applyInPlace(state, event, program, NO_NEWS, effects);
    effects.forEach((effect, index) => {
      const domainEvent = domainEventOf(state, effect, refOf(event), index);
      if (domainEvent !== null) published.set(domainEvent.id, domainEvent);
    });
  }
  return { states, events: published };
}

interface Faults {
  readonly seed: number;
  /** Chance that a second writer saves the account between the evaluator's load and its save. */
  readonly conflict: number;
  readonly failedPublish: number;
  readonly failedRecordWrite: number;
  /** Chance that the handler crashes after all its work (Lambda retries the whole batch). */
  readonly crashAfter: number;
  /** Chance that an invocation lands on a new container, which knows of no delivered outbox. */
  readonly coldStart: number;
}

/** The account store with a second writer and failing record writes, for fault injection. */
function faultyAccounts(inner: AccountStore, faults: Faults, random: () => number): AccountStore {
  return {
    load: (ids) => inner.load(ids),
    save: async (state, revision, outbox) => {
      if (revision !== null && random() < faults.conflict) {
        // A second writer (a redelivered batch, say) saves the stored state again: the evaluator's save must conflict.
        const stored = (await inner.load([state.accountId])).get(state.accountId)!;
        await inner.save(stored.state, stored.revision, stored.outbox);
      }
      return inner.save(state, revision, outbox);
    },
    writeRecords: async (events) => {
      if (random() < faults.failedRecordWrite) throw new Error('injected: record write failed');
      await inner.writeRecords(events);
    },
    markDelivered: (state, revision) => inner.markDelivered(state, revision),
    list: (listing) => inner.list(listing),
  };
}

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

interface Run {
  readonly states: Map<string, AccountState>;
  readonly published: DomainEvent[];
  readonly quarantined: string[];
  readonly histories: Map<string, AccountEventHistory>;
}

async function run(stream: Stream, batchSize: number, faults: Faults | null): Promise<Run> {
  const random = seededRandom(faults?.seed ?? 1);
  const options: PlatformOptions = {
    tenantId: TENANT,
    batchSize,
    maximumBatchingWindowInSeconds: 0,
    onStreamFailure: (failure) => expect.fail(`records skipped to the on-failure destination: ${JSON.stringify(failure.KinesisBatchInfo)}`),
    ...(faults === null
      ? {}
      : {
          faults: {
            accounts: (accounts: AccountStore) => faultyAccounts(accounts, faults, random),
            publisher: (publisher: EventPublisher): EventPublisher => ({
              publish: async (events) => {
                if (random() < faults.failedPublish) throw new Error('injected: publish failed');
                await publisher.publish(events);
              },
            }),
            crashAfter: () => random() < faults.crashAfter,
            coldStart: () => random() < faults.coldStart,
          },
        }),
  };
  platform = await startPlatform(options);
  await platform.programs.put(program);
  for (const { accountId } of ACCOUNTS) await platform.accounts.save(openAccount(program, { tenant: TENANT, accountId, openedAt: OPENED }), null, []);

  await platform.tradeStream.put(stream.events);
  await platform.kinesis.send(
    new PutRecordsCommand({ StreamName: platform.streamName, Records: stream.poison.map(({ partitionKey, data }) => ({ PartitionKey: partitionKey, Data: Buffer.from(data) })) }),
  );
  await platform.drained();

  const store = new DynamoDbAccountStore(platform.dynamo, platform.tableName);
  const stored = await store.load(ACCOUNTS.map(({ accountId }) => accountId));
  const states = new Map([...stored].map(([id, account]) => [id, account.state]));
  // The evaluator's events; a PhasePassed also starts the purchase workflow, whose events are not under test here.
  const published = platform.bus.archive.filter((event) => event.source === DOMAIN_EVENT_SOURCE).map((event) => event.detail as unknown as DomainEvent);
  const quarantine = await new DynamoDbQuarantineStore(platform.dynamo, platform.tableName).list({ limit: 100 });
  const history = new DynamoDbAccountHistory(platform.dynamo, platform.tableName);
  const histories = new Map<string, AccountEventHistory>();
  for (const { accountId } of ACCOUNTS) histories.set(accountId, (await history.read(accountId, 100_000))!);
  return { states, published, quarantined: quarantine.entries.map((entry) => entry.reason), histories };
}

const byId = (events: readonly DomainEvent[]) => new Map(events.map((event) => [event.id, event]));

/** Asserts the stored states equal the reference but for tick fields, which are at most the staleness bound old. */
function expectSameStates(stored: Map<string, AccountState>, reference: Map<string, AccountState>): void {
  const material = (state: AccountState) => Object.fromEntries(Object.entries(state).filter(([field]) => !TICK_FIELDS.has(field as keyof AccountState)));
  expect(new Map([...stored].map(([id, state]) => [id, material(state)]))).toEqual(new Map([...reference].map(([id, state]) => [id, material(state)])));
  for (const [id, state] of reference) {
    if (state.status !== 'active') continue;
    expect(stored.get(id)!.clock).toBeGreaterThanOrEqual(state.clock - DEFAULT_SAVE_POLICY.maxStaleMs);
  }
}

describe('the evaluator on the local platform', () => {
  const stream = buildStream();
  const reference = expected(stream);

  it('has a stream worth testing: verdicts of every kind, a failure, a pass, a day close', () => {
    const types = new Set([...reference.events.values()].map((event) => event.type));
    expect([...types].sort()).toEqual(['AccountFailed', 'DayClosed', 'ObjectiveUpdated', 'PhasePassed', 'TradeClosed', 'ViolationRecorded', 'WarningRaised']);
    expect(stream.events.length).toBeGreaterThan(1_500);
    // What is published keeps to the contract in events/schemas/domain-event.schema.json.
    for (const event of reference.events.values()) DomainEvent.parse(event);
  });

  it.each([1, 10, 100, 1000])('ends, at batch size %i and without faults, with the unbatched states and events, each published once', async (batchSize) => {
    const result = await run(stream, batchSize, null);
    expectSameStates(result.states, reference.states);
    expect(byId(result.published)).toEqual(reference.events);
    expect(result.published).toHaveLength(reference.events.size);
    expect(replayed(result.histories)).toEqual(reference.events);
    expect(result.quarantined.sort()).toEqual([
      'accountId: account acc-nobody is not provisioned',
      expect.stringMatching(/^not valid JSON/),
      expect.stringMatching(/^tenant: belongs to tenant other-firm/),
    ]);
  });

  it.each([
    { batchSize: 7, seed: 11 },
    { batchSize: 100, seed: 12 },
    { batchSize: 1000, seed: 13 },
  ])('ends with the same states and events at batch size $batchSize under injected faults (seed $seed)', async ({ batchSize, seed }) => {
    const result = await run(stream, batchSize, { seed, conflict: 0.05, failedPublish: 0.05, failedRecordWrite: 0.03, crashAfter: 0.05, coldStart: 0.05 });
    expectSameStates(result.states, reference.states);
    expect(byId(result.published)).toEqual(reference.events);
    // A cold start loses the quiet ticks its container held unsaved; the live program's verdicts never depended on them.
    expect(replayed(result.histories)).toEqual(reference.events);
  });
});
