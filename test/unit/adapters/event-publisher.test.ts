import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput, type PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { entrySize, EventBridgePublisher } from '../../../shared/adapters/eventbridge/event-publisher.js';
import { DOMAIN_EVENT_SOURCE, type DomainEvent } from '../../../shared/stream/domain-events.js';

const BUS = 'propdesk-demo';

/** An AccountFailed event; `padding` lengthens it to test the size limit. */
function failed(seq: number, padding = 0): DomainEvent {
  const time = new Date(Date.parse('2026-03-02T09:00:00Z') + seq * 1000).toISOString();
  return {
    type: 'AccountFailed',
    id: `demo:acc-1:s${seq}:0`,
    tenant: 'demo',
    accountId: 'acc-1',
    programId: 'two-step-static',
    programVersion: 1,
    phaseId: 'phase-1',
    time,
    cause: { type: 'snapshot', seq, eventId: `ev-${seq}`, time },
    rule: `maxLoss${'x'.repeat(padding)}`,
  };
}

const seqs = (count: number): number[] => Array.from({ length: count }, (_, index) => index + 1);
const accepted = (index: number): PutEventsResultEntry => ({ EventId: `eb-${index}` });
const throttled: PutEventsResultEntry = { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' };

describe('EventBridgePublisher', () => {
  const client = new EventBridgeClient({ region: 'local' });
  const eventBridge = mockClient(client);
  let pauses: number[];
  let publisher: EventBridgePublisher;

  beforeEach(() => {
    eventBridge.reset();
    pauses = [];
    publisher = new EventBridgePublisher(client, BUS, async (ms) => {
      pauses.push(ms);
    });
  });

  const sentDetails = (): string[][] =>
    eventBridge.commandCalls(PutEventsCommand).map((call) => (call.args[0].input.Entries ?? []).map((entry) => (JSON.parse(entry.Detail!) as DomainEvent).id));
  const acceptAll = () => eventBridge.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({ FailedEntryCount: 0, Entries: input.Entries!.map((_, index) => accepted(index)) }));

  it('sends each event as an entry from the evaluator, typed by the event, on the bus, with its time', async () => {
    acceptAll();
    const event = failed(1);
    await publisher.publish([event]);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [{ EventBusName: BUS, Source: DOMAIN_EVENT_SOURCE, DetailType: 'AccountFailed', Detail: JSON.stringify(event), Time: new Date(event.time), Resources: [] }],
    });
  });

  it('sends nothing for no events', async () => {
    await publisher.publish([]);
    expect(eventBridge).not.toHaveReceivedAnyCommand();
  });

  it('sends at most 10 entries per call, in order', async () => {
    acceptAll();
    const events = seqs(23).map((seq) => failed(seq));
    await publisher.publish(events);
    expect(sentDetails()).toEqual([events.slice(0, 10), events.slice(10, 20), events.slice(20)].map((call) => call.map((event) => event.id)));
  });

  it('keeps each call under 256 KB as EventBridge counts entries', async () => {
    acceptAll();
    const events = seqs(5).map((seq) => failed(seq, 100_000));
    await publisher.publish(events);
    expect(sentDetails().map((ids) => ids.length)).toEqual([2, 2, 1]);
    for (const call of eventBridge.commandCalls(PutEventsCommand)) {
      const bytes = call.args[0].input.Entries!.reduce((sum, entry) => sum + entrySize(entry), 0);
      expect(bytes).toBeLessThan(256 * 1024);
    }
  });

  it('counts an entry per the AWS formula: 14 bytes for Time, UTF-8 bytes of the rest', () => {
    const entry = { Source: 'src', DetailType: 'Typé', Detail: '{"a":"€"}', Time: new Date(), Resources: ['arn:x'], EventBusName: 'not counted' };
    expect(entrySize(entry)).toBe(14 + 3 + 5 + 11 + 5);
    expect(entrySize({ Source: 'src', DetailType: 'T' })).toBe(4);
  });

  it('refuses an event too large for any call before sending anything', async () => {
    acceptAll();
    await expect(publisher.publish([failed(1), failed(2, 300_000)])).rejects.toThrow(/demo:acc-1:s2:0 is \d+ bytes/);
    expect(eventBridge).not.toHaveReceivedAnyCommand();
  });

  it('sends again only the refused entries, after a backoff', async () => {
    const events = seqs(4).map((seq) => failed(seq));
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 2, Entries: [accepted(0), throttled, accepted(2), { ErrorCode: 'InternalFailure' }] })
      .resolvesOnce({ FailedEntryCount: 1, Entries: [accepted(0), throttled] })
      .resolvesOnce({ FailedEntryCount: 0, Entries: [accepted(0)] });
    await publisher.publish(events);
    expect(sentDetails()).toEqual([events.map((event) => event.id), [events[1]!.id, events[3]!.id], [events[3]!.id]]);
    expect(pauses).toEqual([50, 100]);
  });

  it('counts an entry without a result as refused', async () => {
    eventBridge.on(PutEventsCommand).resolvesOnce({ FailedEntryCount: 0, Entries: [accepted(0)] }).resolvesOnce({ FailedEntryCount: 0, Entries: [accepted(0)] });
    const events = [failed(1), failed(2)];
    await publisher.publish(events);
    expect(sentDetails()).toEqual([[events[0]!.id, events[1]!.id], [events[1]!.id]]);
  });

  it('gives up after 8 attempts, naming the events refused and why', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({
      FailedEntryCount: 1,
      Entries: input.Entries!.map((entry, index) => (entry.Detail!.includes('s2:0') ? throttled : accepted(index))),
    }));
    await expect(publisher.publish([failed(1), failed(2), failed(3)])).rejects.toThrow(
      `EventBridge bus ${BUS} refused 1 of 3 events after 8 attempts: demo:acc-1:s2:0 (ThrottlingException: Rate exceeded)`,
    );
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 8);
    expect(pauses).toEqual([50, 100, 200, 400, 800, 1600, 3200]);
  });
});
