import { describe, expect, it } from 'vitest';
import { MemoryIdentityGraph, MemoryRiskLedger, MemoryTradeMemory } from '../../../bench/abuse-memory.js';
import { AbuseEvent, type AbuseEvent as PublishedAbuseEvent } from '../../../shared/abuse/abuse-events.js';
import { ABUSE_ACTOR, AbuseDetection, failOverrideIdOf, failOverrideOf, tradeOf, UnknownProgramError, type DetectionInput, type DetectionPorts } from '../../../shared/abuse/detection.js';
import { AbuseEngine } from '../../../shared/abuse/engine.js';
import { IdentityObservation } from '../../../shared/abuse/identity.js';
import { AbusePolicy, type AbusePolicyInput } from '../../../shared/abuse/policy.js';
import { OverrideEvent } from '../../../shared/domain/events.js';
import { NO_NEWS } from '../../../shared/domain/news.js';
import type { Program } from '../../../shared/domain/program.js';
import type { Flag } from '../../../shared/ports/abuse.js';
import { abuseProgram, hedgePair, TENANT, tradeClosed } from '../../support/abuse-detection.js';

const ALICE = { accountId: 'acc-1', traderId: 'trd-1', programId: 'p-strict' };
const ALICE_2 = { accountId: 'acc-2', traderId: 'trd-1', programId: 'p-strict' };

/** The core on in-memory ports, with every program, publish and fail recorded. */
function detectionWith(programs: readonly Program[], options: { failPublish?: () => boolean; identityPolicy?: AbusePolicyInput } = {}) {
  const ledger = new MemoryRiskLedger();
  const engine = new AbuseEngine({ trades: new MemoryTradeMemory(), identities: new MemoryIdentityGraph(), ledger });
  const published: PublishedAbuseEvent[][] = [];
  const failed: Flag[] = [];
  const reads = { programs: 0, news: 0 };
  const ports: DetectionPorts = {
    engine,
    programs: {
      get: async (programId, version) => {
        reads.programs += 1;
        return programs.find((program) => program.id === programId && program.version === version) ?? null;
      },
    },
    news: async () => {
      reads.news += 1;
      return NO_NEWS;
    },
    events: {
      publish: async (events) => {
        if (options.failPublish?.() === true) throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
        published.push([...events]);
      },
    },
    failAccount: async (flag) => void failed.push(flag),
    tenant: TENANT,
    ...(options.identityPolicy ? { identityPolicy: AbusePolicy.parse(options.identityPolicy) } : {}),
  };
  return { detection: new AbuseDetection(ports), ledger, published, failed, reads };
}

const trade = (event: ReturnType<typeof tradeClosed>): DetectionInput => ({ kind: 'trade', event });
const typesOf = (events: readonly PublishedAbuseEvent[]) => events.map((event) => `${event.type} ${event.id}`);

describe('tradeOf', () => {
  it('reads the closed trade the detectors judge from the TradeClosed event, times as epoch ms', () => {
    const event = tradeClosed({ accountId: 'acc-9', positionId: 'p-1', side: 'sell', openedAt: '2026-03-05T10:00:00+01:00', closedAt: '2026-03-05T09:20:00Z', programId: 'two-step', programVersion: 3, traderId: null, netPnl: -1234 });
    expect(tradeOf(event)).toEqual({
      accountId: 'acc-9',
      traderId: null,
      programId: 'two-step',
      programVersion: 3,
      positionId: 'p-1',
      symbol: 'XAUUSD',
      side: 'sell',
      volume: 10_000,
      openedAt: Date.parse('2026-03-05T09:00:00Z'),
      closedAt: Date.parse('2026-03-05T09:20:00Z'),
      openPrice: event.openPrice,
      closePrice: event.closePrice,
      netPnl: -1234,
      openReferencePrice: event.openReferencePrice,
      closeReferencePrice: event.closeReferencePrice,
    });
  });
});

describe('AbuseDetection', () => {
  it('publishes a flag raised per new flag, a score changed per changed score and an alert at the program\u2019s threshold', async () => {
    // One hedge is enough under this program; an alert at 40 (the hedge's weight), not the default 50.
    const { detection, published, failed } = detectionWith([abuseProgram('p-strict', { hedging: { minHedges: 1 }, alertAtScore: 40 })]);
    const [buy, sell] = hedgePair(ALICE, ALICE_2);
    const results = await detection.process([trade(buy), trade(sell)]);
    // The batch indexes both trades before judging either: the buy, judged first, finds the sell; the sell
    // finds the same hedge, which this batch has delivered already.
    expect(results).toEqual([
      { ok: true, kind: 'trade', flags: 2, scores: 3, alerts: 3, accountsFailed: 0 },
      { ok: true, kind: 'trade', flags: 0, scores: 0, alerts: 0, accountsFailed: 0 },
    ]);
    expect(published).toHaveLength(1);
    const events = published[0]!;
    expect(typesOf(events)).toEqual([
      'AbuseFlagRaised hedging:acc-1:2026-03-05',
      'AbuseFlagRaised hedging:acc-2:2026-03-05',
      `RiskScoreChanged account:acc-1:${Date.parse('2026-03-05T10:20:00Z')}:40`,
      `RiskScoreChanged account:acc-2:${Date.parse('2026-03-05T10:20:30Z')}:40`,
      `RiskScoreChanged trader:trd-1:${Date.parse('2026-03-05T10:20:30Z')}:40`,
      `RiskAlertRaised account:acc-1:${Date.parse('2026-03-05T10:20:00Z')}:40`,
      `RiskAlertRaised account:acc-2:${Date.parse('2026-03-05T10:20:30Z')}:40`,
      `RiskAlertRaised trader:trd-1:${Date.parse('2026-03-05T10:20:30Z')}:40`,
    ]);
    // Every event keeps to the published contract.
    for (const event of events) expect(AbuseEvent.safeParse(event).error).toBeUndefined();
    expect(events.filter((event) => event.type === 'RiskAlertRaised').map((event) => event.type === 'RiskAlertRaised' && event.alertAtScore)).toEqual([40, 40, 40]);
    expect(events[0]).toMatchObject({ tenant: TENANT, action: 'flag', programId: 'p-strict', evidence: { peers: [{ accountId: 'acc-2', sameTrader: true }] } });
    expect(failed).toEqual([]);
  });

  it('judges each alert by the threshold of the program whose policy scored it: the peer\u2019s for the peer', async () => {
    const { detection, published } = detectionWith([
      abuseProgram('p-strict', { hedging: { minHedges: 1 }, alertAtScore: 40 }),
      abuseProgram('p-lenient', { hedging: { minHedges: 1 }, alertAtScore: 30 }),
    ]);
    const [buy, sell] = hedgePair({ accountId: 'acc-1', traderId: 'trd-1', programId: 'p-lenient' }, { accountId: 'acc-2', traderId: 'trd-2', programId: 'p-strict' });
    // Two traders: linked by a shared device first.
    const seen = { accountId: null, observedAt: '2026-03-04T09:00:00Z', source: 'bridge.mt5', deviceFingerprint: 'device-0123456789' };
    await detection.process([
      { kind: 'identity', observation: IdentityObservation.parse({ ...seen, traderId: 'trd-1' }) },
      { kind: 'identity', observation: IdentityObservation.parse({ ...seen, traderId: 'trd-2' }) },
    ]);
    published.length = 0;
    await detection.process([trade(buy), trade(sell)]);
    // Two traders' trades are judged side by side: the alerts' order is theirs, their thresholds are not.
    const alerts = published.flat().flatMap((event) => (event.type === 'RiskAlertRaised' ? [[event.subjectId, event.score, event.alertAtScore]] : []));
    expect(alerts.sort()).toEqual([
      ['acc-1', 40, 30],
      ['acc-2', 40, 40],
      ['trd-1', 65, 30],
      ['trd-2', 65, 40],
    ]);
  });

  it('fails the account of a `fail` flag with one deterministic override, and a redelivered trade does nothing new', async () => {
    const { detection, published, failed, ledger } = detectionWith([abuseProgram('p-strict', { hedging: { minHedges: 1, action: 'fail' } })]);
    const [buy, sell] = hedgePair(ALICE, ALICE_2);
    await detection.process([trade(buy), trade(sell)]);
    expect(failed.map((flag) => [flag.flagId, flag.action])).toEqual([
      ['hedging:acc-1:2026-03-05', 'fail'],
      ['hedging:acc-2:2026-03-05', 'fail'],
    ]);
    const override = failOverrideOf(TENANT, failed[1]!);
    expect(override).toEqual({
      type: 'override',
      schemaVersion: 1,
      tenant: TENANT,
      accountId: 'acc-2',
      overrideId: 'abuse:hedging:acc-2:2026-03-05',
      time: Date.parse('2026-03-05T10:20:30Z'),
      actor: ABUSE_ACTOR,
      reason: failed[1]!.message,
      change: { action: 'fail' },
    });
    expect(OverrideEvent.safeParse({ ...override, time: new Date(override.time).toISOString() }).success).toBe(true);
    expect(failOverrideOf(TENANT, failed[1]!)).toEqual(override);

    // The same two trades again (SQS delivers at least once): nothing judged, published or failed.
    const again = await detection.process([trade(sell), trade(buy)]);
    expect(again.every((result) => result.ok && result.flags === 0 && result.scores === 0)).toBe(true);
    expect(published).toHaveLength(1);
    expect(failed).toHaveLength(2);
    expect(ledger.flags.size).toBe(2);
  });

  it('fails an account once even when two of its flags say fail in one outcome', async () => {
    const program = abuseProgram('p-strict');
    const flagOf = (detector: 'hft' | 'allIn', accountId: string): Flag => ({
      flagId: `${detector}:${accountId}:2026-03-05`,
      detector,
      accountId,
      traderId: 'trd-1',
      at: Date.parse('2026-03-05T10:20:00Z'),
      message: `${detector} on ${accountId}`,
      evidence: { measured: {}, thresholds: {}, trades: [], peers: [] },
      action: 'fail',
      programId: program.id,
    });
    // An engine that finds two failing patterns on acc-1 and one on acc-2 in one trade.
    const engine = {
      onTrade: async () => ({ flags: [flagOf('hft', 'acc-1'), flagOf('allIn', 'acc-1'), flagOf('hft', 'acc-2')], scores: [], alerts: [] }),
      index: async () => undefined,
      markJudged: async () => undefined,
    } as unknown as AbuseEngine;
    const failed: Flag[] = [];
    const detection = new AbuseDetection({
      engine,
      programs: { get: async () => program },
      news: async () => NO_NEWS,
      events: { publish: async () => undefined },
      failAccount: async (flag) => void failed.push(flag),
      tenant: TENANT,
    });
    const [result] = await detection.process([trade(hedgePair(ALICE, ALICE_2)[0])]);
    expect(result).toMatchObject({ ok: true, flags: 3, accountsFailed: 2 });
    expect(failed.map((flag) => flag.flagId)).toEqual(['hft:acc-1:2026-03-05', 'hft:acc-2:2026-03-05']);
  });

  it('fails only the record of a trade whose program is not stored, with a clear error; the others are judged', async () => {
    const { detection, reads } = detectionWith([abuseProgram('p-strict')]);
    const known = tradeClosed({ ...ALICE, positionId: 'k-1', side: 'buy', openedAt: '2026-03-05T09:00:00Z', closedAt: '2026-03-05T09:01:00Z' });
    const unknown = tradeClosed({ ...ALICE_2, programId: 'p-gone', programVersion: 7, positionId: 'u-1', side: 'buy', openedAt: '2026-03-05T09:00:00Z', closedAt: '2026-03-05T09:02:00Z' });
    const later = tradeClosed({ ...ALICE, positionId: 'k-2', side: 'buy', openedAt: '2026-03-05T09:10:00Z', closedAt: '2026-03-05T09:11:00Z' });
    const results = await detection.process([trade(known), trade(unknown), trade(later)]);
    expect(results.map((result) => result.ok)).toEqual([true, false, true]);
    const failure = results[1]!;
    expect(failure.ok === false && failure.error).toBeInstanceOf(UnknownProgramError);
    expect(failure.ok === false && failure.error.message).toBe('program p-gone version 7 is not stored, so its abuse policy is unknown');
    // Read once per batch for the program that exists, the news calendar once.
    expect(reads).toEqual({ programs: 2, news: 1 });
    // Not judged, so a retry judges it once the program is stored.
    const retried = await detectionWith([abuseProgram('p-gone', {}, 7)]).detection.process([trade(unknown)]);
    expect(retried[0]!.ok).toBe(true);
  });

  it('fails only the record whose events could not be published', async () => {
    let calls = 0;
    const { detection } = detectionWith([abuseProgram('p-strict', { hedging: { minHedges: 1 } })], { failPublish: () => ++calls === 1 });
    const [buy, sell] = hedgePair(ALICE, ALICE_2);
    const [other, peer] = hedgePair({ accountId: 'acc-5', traderId: 'trd-5', programId: 'p-strict' }, { accountId: 'acc-6', traderId: 'trd-5', programId: 'p-strict' }, 12);
    const results = await detection.process([trade(buy), trade(sell), trade(other), trade(peer)]);
    // The buy, judged first, finds the hedge (the batch indexed both) and its publish fails; the sell finds the
    // same hedge and delivers it; the other pair is not held back.
    expect(results.map((result) => result.ok)).toEqual([false, true, true, true]);
    expect(results[0]!.ok === false && results[0]!.error.name).toBe('ThrottlingException');
    expect(results[1]).toMatchObject({ ok: true, flags: 2 });
  });

  it('judges a trade again when its events could not be published, and publishes them on the retry; then never again', async () => {
    let calls = 0;
    const { detection, published } = detectionWith([abuseProgram('p-strict', { hedging: { minHedges: 1 } })], { failPublish: () => ++calls === 1 });
    const [buy, sell] = hedgePair({ accountId: 'acc-5', traderId: 'trd-5', programId: 'p-strict' }, { accountId: 'acc-6', traderId: 'trd-5', programId: 'p-strict' }, 12);
    await detection.process([trade(buy)]);
    expect((await detection.process([trade(sell)]))[0]!.ok).toBe(false);
    const retried = await detection.process([trade(sell)]);
    expect(retried[0]).toMatchObject({ ok: true, flags: 2 });
    const types = published.flat().map((event) => event.type);
    expect(types.filter((type) => type === 'AbuseFlagRaised')).toHaveLength(2);
    expect(types).toContain('RiskScoreChanged');
    expect(await detection.process([trade(sell)])).toEqual([{ ok: true, kind: 'trade', flags: 0, scores: 0, alerts: 0, accountsFailed: 0 }]);
  });

  it('raises on the retry the alerts of the scores its failed attempt saved, with the same ids', async () => {
    let calls = 0;
    const { detection, published } = detectionWith([abuseProgram('p-strict', { hedging: { minHedges: 1 }, alertAtScore: 40 })], { failPublish: () => ++calls === 1 });
    const [buy, sell] = hedgePair({ accountId: 'acc-5', traderId: 'trd-5', programId: 'p-strict' }, { accountId: 'acc-6', traderId: 'trd-5', programId: 'p-strict' }, 12);
    await detection.process([trade(buy)]);
    expect((await detection.process([trade(sell)]))[0]!.ok).toBe(false);
    const retried = await detection.process([trade(sell)]);
    expect(retried[0]).toMatchObject({ ok: true, flags: 2, scores: 3, alerts: 3 });
    const events = published.flat();
    const alerts = events.filter((event) => event.type === 'RiskAlertRaised');
    expect(alerts.map((event) => event.type === 'RiskAlertRaised' && [event.subjectId, event.score, event.alertAtScore]).sort()).toEqual([
      ['acc-5', 40, 40],
      ['acc-6', 40, 40],
      ['trd-5', 40, 40],
    ]);
    // Each alert is the event of the score it announces: a consumer that saw the first attempt's sees the same id.
    expect(alerts.map((event) => event.id)).toEqual(events.filter((event) => event.type === 'RiskScoreChanged').map((event) => event.id));
  });

  it('announces on the retry of an identity observation the scores and alerts its failed attempt saved', async () => {
    let calls = 0;
    const { detection, published } = detectionWith([], { identityPolicy: { alertAtScore: 25 }, failPublish: () => ++calls === 1 });
    const seen = { accountId: null, observedAt: '2026-03-04T09:00:00Z', source: 'processor.stripe', paymentFingerprint: 'fp_1Nq9Xk2eZvKYlo2C' };
    const second = { kind: 'identity', observation: IdentityObservation.parse({ ...seen, traderId: 'trd-2' }) } as const;
    await detection.process([{ kind: 'identity', observation: IdentityObservation.parse({ ...seen, traderId: 'trd-1' }) }]);
    expect((await detection.process([second]))[0]!.ok).toBe(false);
    expect(await detection.process([second])).toEqual([{ ok: true, kind: 'identity', flags: 0, scores: 2, alerts: 2, accountsFailed: 0 }]);
    expect(published.flat().map((event) => [event.type, event.type === 'RiskAlertRaised' || event.type === 'RiskScoreChanged' ? event.subjectId : null])).toEqual([
      ['RiskScoreChanged', 'trd-1'],
      ['RiskScoreChanged', 'trd-2'],
      ['RiskAlertRaised', 'trd-1'],
      ['RiskAlertRaised', 'trd-2'],
    ]);
    // The same trader seen with it later links nothing new.
    expect(await detection.process([{ kind: 'identity', observation: IdentityObservation.parse({ ...seen, traderId: 'trd-2', observedAt: '2026-03-05T09:00:00Z' }) }])).toEqual([
      { ok: true, kind: 'identity', flags: 0, scores: 0, alerts: 0, accountsFailed: 0 },
    ]);
  });

  it('records identity observations and publishes the traders\u2019 changed scores and alerts, by the default policy', async () => {
    const { detection, published } = detectionWith([]);
    const seen = { accountId: 'acc-1', observedAt: '2026-03-04T09:00:00Z', source: 'kyc', kycIdentity: 'DE-PASS-C01X00T47' };
    const results = await detection.process([
      { kind: 'identity', observation: IdentityObservation.parse({ ...seen, traderId: 'trd-1' }) },
      { kind: 'identity', observation: IdentityObservation.parse({ ...seen, traderId: 'trd-2', accountId: 'acc-2', kycIdentity: 'de pass c01x00t47' }) },
    ]);
    expect(results).toEqual([
      { ok: true, kind: 'identity', flags: 0, scores: 0, alerts: 0, accountsFailed: 0 },
      { ok: true, kind: 'identity', flags: 0, scores: 2, alerts: 0, accountsFailed: 0 },
    ]);
    expect(published.flat().map((event) => event.type === 'RiskScoreChanged' && [event.subjectId, event.score])).toEqual([
      ['trd-1', 40],
      ['trd-2', 40],
    ]);
  });

  it('alerts on an identity link by the identity policy it was given', async () => {
    const { detection, published } = detectionWith([], { identityPolicy: { alertAtScore: 25 } });
    const seen = { accountId: null, observedAt: '2026-03-04T09:00:00Z', source: 'processor.stripe', paymentFingerprint: 'fp_1Nq9Xk2eZvKYlo2C' };
    await detection.process([
      { kind: 'identity', observation: IdentityObservation.parse({ ...seen, traderId: 'trd-1' }) },
      { kind: 'identity', observation: IdentityObservation.parse({ ...seen, traderId: 'trd-2' }) },
    ]);
    const alerts = published.flat().filter((event) => event.type === 'RiskAlertRaised');
    expect(alerts.map((event) => event.type === 'RiskAlertRaised' && [event.subjectId, event.score, event.alertAtScore])).toEqual([
      ['trd-1', 30, 25],
      ['trd-2', 30, 25],
    ]);
  });
});

describe('failOverrideOf', () => {
  const flag = (accountId: string, message: string): Flag => ({
    flagId: `hft:${accountId}:2026-03-05`,
    detector: 'hft',
    accountId,
    traderId: null,
    at: Date.parse('2026-03-05T10:00:00Z'),
    message,
    evidence: { measured: {}, thresholds: {}, trades: [], peers: [] },
    action: 'fail',
    programId: 'p',
  });

  it('names the override after the flag, hashed when the flag id would not fit an id', () => {
    expect(failOverrideIdOf('hft:acc-1:2026-03-05')).toBe('abuse:hft:acc-1:2026-03-05');
    const long = `hft:${'a'.repeat(120)}:2026-03-05`;
    expect(failOverrideIdOf(long)).toMatch(/^abuse:[0-9a-f]{64}$/);
    expect(failOverrideIdOf(long)).toBe(failOverrideIdOf(long));
    expect(failOverrideIdOf(long)).not.toBe(failOverrideIdOf(`hft:${'a'.repeat(120)}:2026-03-06`));
    expect(failOverrideOf(TENANT, flag('a'.repeat(120), 'too fast')).overrideId).toBe(failOverrideIdOf(long));
  });

  it('keeps the reason within the override\u2019s 1,000 characters', () => {
    const override = failOverrideOf(TENANT, flag('acc-1', 'x'.repeat(1500)));
    expect(override.reason).toHaveLength(1000);
    expect(override.reason.endsWith('…')).toBe(true);
  });
});
