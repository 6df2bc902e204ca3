import { GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryIdentityGraph, MemoryRiskLedger, MemoryTradeMemory } from '../../bench/abuse-memory.js';
import { generateScenario, INITIAL_BALANCE } from '../../bench/abuse-scenarios.js';
import { AbuseEngine, type AbuseOutcome, type AbusePorts, type AccountProgram } from '../../shared/abuse/engine.js';
import type { AbuseTrade } from '../../shared/abuse/findings.js';
import { IdentityObservation } from '../../shared/abuse/identity.js';
import { DEFAULT_ABUSE_POLICY, type DetectorId } from '../../shared/abuse/policy.js';
import { flagIdOf, type RiskScore } from '../../shared/abuse/score.js';
import { DynamoDbTradeMemory } from '../../shared/adapters/dynamodb/abuse-trades.js';
import { DynamoDbAccountStore } from '../../shared/adapters/dynamodb/account-store.js';
import { DynamoDbFlagDesk, parseFlagId } from '../../shared/adapters/dynamodb/flag-desk.js';
import { DynamoDbIdentityGraph } from '../../shared/adapters/dynamodb/identity-graph.js';
import { keys } from '../../shared/adapters/dynamodb/table.js';
import type { Flag, FlagMove, FlagState } from '../../shared/ports/abuse.js';
import { InvalidCursorError, type Page, type PageRequest } from '../../shared/ports/page.js';
import { at, closedTrade } from '../support/abuse.js';
import { startDynamo, type LocalDynamo } from '../support/dynalite.js';

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynamo();
});

afterAll(async () => {
  await dynamo.close();
});

interface Stores {
  readonly tableName: string;
  readonly trades: DynamoDbTradeMemory;
  readonly identities: DynamoDbIdentityGraph;
  readonly desk: DynamoDbFlagDesk;
}

/** A table of its own: the flag queue is firm-wide, so each test starts from an empty one. */
async function fresh(): Promise<Stores> {
  const tableName = await dynamo.freshTable('abuse');
  return {
    tableName,
    trades: new DynamoDbTradeMemory(dynamo.client, tableName),
    identities: new DynamoDbIdentityGraph(dynamo.client, tableName),
    desk: new DynamoDbFlagDesk(dynamo.client, tableName, async () => {}),
  };
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Every page of a listing. */
async function pages<T>(list: (page: PageRequest) => Promise<Page<T>>, limit: number, after?: string): Promise<T[][]> {
  const found: T[][] = [];
  let cursor: string | undefined = after;
  do {
    const page = await list({ limit, ...(cursor === undefined ? {} : { cursor }) });
    found.push([...page.items]);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return found;
}

const ids = (trades: readonly AbuseTrade[]): string[] => trades.map((trade) => trade.positionId);

describe('DynamoDbTradeMemory', () => {
  let stores: Stores;
  beforeEach(async () => {
    stores = await fresh();
  });

  it('keeps a trade once and returns the window sorted, without trades older than the window, as the memory store does', async () => {
    const memory = new MemoryTradeMemory();
    const window = DAY;
    const base = at('2026-03-02T09:00:00Z');
    const sequence = [
      closedTrade({ positionId: 'p1', closedAt: base }),
      closedTrade({ positionId: 'p3', closedAt: base + HOUR }),
      closedTrade({ positionId: 'p2', closedAt: base + HOUR }),
      // Late: closed before p3 and p2, still within the window.
      closedTrade({ positionId: 'p0', closedAt: base + HOUR / 2 }),
      // A day and 45 minutes later: p1 and p0 fall out of the window, p3 and p2 stay.
      closedTrade({ positionId: 'p4', closedAt: base + DAY + (3 * HOUR) / 4 }),
      // Older than the newest's window: added, and not in the window.
      closedTrade({ positionId: 'p5', closedAt: base + 10 * 60_000 }),
      closedTrade({ positionId: 'other', accountId: 'acc-2', closedAt: base + DAY }),
    ];
    const expected = [['p1'], ['p1', 'p3'], ['p1', 'p2', 'p3'], ['p1', 'p0', 'p2', 'p3'], ['p2', 'p3', 'p4'], ['p2', 'p3', 'p4'], ['other']];
    for (const [i, trade] of sequence.entries()) {
      const kept = await stores.trades.keep(trade, window);
      expect(kept.judged, trade.positionId).toBe(false);
      expect(ids(kept.window), trade.positionId).toEqual(expected[i]);
      expect(kept.window).toEqual((await memory.keep(trade, window)).window);
    }
    // Kept again before its outcome was delivered (a retry): still to judge, and the window is unchanged.
    const retried = await stores.trades.keep(sequence[4]!, window);
    expect(retried.judged).toBe(false);
    expect(ids(retried.window)).toEqual(['p2', 'p3', 'p4']);
    // Once delivered, a redelivery (the same event) is judged already; the window is unchanged.
    await stores.trades.markJudged(sequence[4]!);
    await memory.markJudged(sequence[4]!);
    const again = await stores.trades.keep(sequence[4]!, window);
    expect(again.judged).toBe(true);
    expect(ids(again.window)).toEqual(['p2', 'p3', 'p4']);
    expect((await memory.keep(sequence[4]!, window)).judged).toBe(true);
    expect(await stores.trades.windowSize('acc-1')).toBe(3);
    expect(await stores.trades.windowSize('acc-1')).toBe(await memory.windowSize('acc-1'));
    expect(await stores.trades.windowSize('acc-2')).toBe(1);
    expect(await stores.trades.windowSize('acc-3')).toBe(0);
    expect(keys.abuseTrade('acc-1', base, 'p1')).toEqual({ pk: 'ACCOUNT#acc-1', sk: `ABUSE#${base}#p1` });
    const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: stores.tableName, Key: { pk: { S: 'ACCOUNT#acc-1' }, sk: { S: `ABUSE#${base}#p1` } } }));
    expect(Item?.['expiresAt']).toEqual({ N: String((base + window + DAY) / 1000) });
  });

  it('finds the trades opened in a range across 10-minute buckets, and none outside it', async () => {
    const t = (iso: string) => at(`2026-03-02T${iso}Z`);
    const opened = {
      before: t('09:09:58.999'),
      first: t('09:09:59'),
      second: t('09:10:00'),
      after: t('09:10:00.001'),
      later: t('09:22:30'),
    };
    for (const [positionId, openedAt] of Object.entries(opened)) await stores.trades.index(closedTrade({ positionId, openedAt, accountId: `acc-${positionId}` }));
    await stores.trades.index(closedTrade({ positionId: 'gbp', openedAt: opened.first, symbol: 'GBPUSD' }));
    // Indexed again (a redelivery): found once.
    await stores.trades.index(closedTrade({ positionId: 'first', openedAt: opened.first, accountId: 'acc-first' }));
    expect(ids(await stores.trades.openedBetween('EURUSD', opened.first, opened.second))).toEqual(['first', 'second']);
    expect(ids(await stores.trades.openedBetween('EURUSD', t('09:05:00'), t('09:15:00')))).toEqual(['before', 'first', 'second', 'after']);
    expect(ids(await stores.trades.openedBetween('EURUSD', opened.first - 1, opened.after))).toEqual(['before', 'first', 'second', 'after']);
    expect(ids(await stores.trades.openedBetween('EURUSD', t('09:10:00.002'), t('09:22:29.999')))).toEqual([]);
    expect(ids(await stores.trades.openedBetween('EURUSD', t('08:00:00'), t('10:00:00')))).toEqual(['before', 'first', 'second', 'after', 'later']);
    expect(ids(await stores.trades.openedBetween('GBPUSD', t('09:05:00'), t('09:15:00')))).toEqual(['gbp']);
    expect(await stores.trades.openedBetween('EURUSD', opened.second, opened.first)).toEqual([]);
    const found = await stores.trades.openedBetween('EURUSD', opened.first, opened.first);
    expect(found).toEqual([closedTrade({ positionId: 'first', openedAt: opened.first, accountId: 'acc-first' })]);
  });

  it('records matches both ways, once each, by kind', async () => {
    const memory = new MemoryTradeMemory();
    const mine = closedTrade({ positionId: 'a1', accountId: 'acc-a', traderId: 'trd-a' });
    const theirs = closedTrade({ positionId: 'b1', accountId: 'acc-b', traderId: 'trd-b', volume: 20_000 });
    const third = closedTrade({ positionId: 'c1', accountId: 'acc-c', traderId: null });
    const later = closedTrade({ positionId: 'b2', accountId: 'acc-b', traderId: 'trd-b', openedAt: at('2026-03-02T10:00:00Z') });
    const laterMine = closedTrade({ positionId: 'a2', accountId: 'acc-a', traderId: 'trd-a', openedAt: at('2026-03-02T10:00:00Z') });
    for (const store of [stores.trades, memory]) {
      await store.recordMatches('copy', mine, [theirs, third]);
      await store.recordMatches('copy', mine, [theirs, third]);
      await store.recordMatches('copy', later, [laterMine]);
      await store.recordMatches('hedge', mine, [theirs]);
    }
    const ofA = await stores.trades.matchesOf('copy', 'acc-a');
    expect(ofA).toEqual(await memory.matchesOf('copy', 'acc-a'));
    expect(ofA.map((pair) => [pair.accountId, pair.traderId, pair.matches.map((match) => `${match.mine.positionId}-${match.theirs.positionId}`)])).toEqual([
      ['acc-b', 'trd-b', ['a1-b1', 'a2-b2']],
      ['acc-c', null, ['a1-c1']],
    ]);
    expect(await stores.trades.matchesOf('copy', 'acc-b')).toEqual([{ accountId: 'acc-a', traderId: 'trd-a', matches: [{ mine: pick(theirs), theirs: pick(mine) }, { mine: pick(later), theirs: pick(laterMine) }] }]);
    expect(await stores.trades.matchesOf('copy', 'acc-c')).toEqual(await memory.matchesOf('copy', 'acc-c'));
    expect(await stores.trades.matchesOf('hedge', 'acc-b')).toEqual(await memory.matchesOf('hedge', 'acc-b'));
    expect(await stores.trades.matchesOf('hedge', 'acc-c')).toEqual([]);
    expect(await stores.trades.matchesOf('copy', 'acc-z')).toEqual([]);
  });
});

/** The trade as a TradeRef. */
function pick(trade: AbuseTrade) {
  const { accountId, positionId, symbol, side, volume, openedAt, closedAt, netPnl } = trade;
  return { accountId, positionId, symbol, side, volume, openedAt, closedAt, netPnl };
}

describe('DynamoDbIdentityGraph', () => {
  let stores: Stores;
  beforeEach(async () => {
    stores = await fresh();
  });

  const seen = (traderId: string, iso: string, signals: Record<string, string>) =>
    IdentityObservation.parse({ traderId, observedAt: iso, source: 'bridge.mt5', ...signals });

  it('links two traders sharing a device once, both ways (again for the same observation received again), and moves firstSeen earlier for an older sighting', async () => {
    const memory = new MemoryIdentityGraph();
    const device = { deviceFingerprint: 'fp-0123456789' };
    const steps = [
      seen('trd-1', '2026-03-02T09:00:00Z', { ...device, ip: '203.0.113.7' }),
      seen('trd-2', '2026-03-02T10:00:00Z', device),
      // The same observation received again (its outcome was not delivered): its link again, to rescore.
      seen('trd-2', '2026-03-02T10:00:00Z', device),
      // The same identity seen later: no new link.
      seen('trd-2', '2026-03-02T11:00:00Z', device),
      // Seen with it earlier than first recorded (a late event): no new link, an earlier firstSeen.
      seen('trd-2', '2026-03-02T08:00:00Z', device),
      seen('trd-3', '2026-03-02T12:00:00Z', { ip: '203.0.113.7', email: 'x@example.com' }),
    ];
    const created: number[] = [];
    for (const observation of steps) {
      const links = await stores.identities.observe(observation);
      expect(links).toEqual(await memory.observe(observation));
      created.push(links.length);
    }
    expect(created).toEqual([0, 1, 1, 0, 0, 1]);
    const T = (iso: string) => at(`2026-03-02T${iso}Z`);
    const deviceLink = { kind: 'device', shown: 'fp-01234…', traderIds: ['trd-1', 'trd-2'], firstSeen: [T('09:00:00'), T('08:00:00')] };
    const ipLink = { kind: 'ipv4', shown: '203.0.113.7', traderIds: ['trd-1', 'trd-3'], firstSeen: [T('09:00:00'), T('12:00:00')] };
    expect(await stores.identities.linksOf('trd-1')).toEqual([ipLink, deviceLink]);
    expect(await stores.identities.linksOf('trd-2')).toEqual([deviceLink]);
    expect(await stores.identities.linksOf('trd-3')).toEqual([ipLink]);
    for (const traderId of ['trd-1', 'trd-2', 'trd-3', 'trd-4']) expect(await stores.identities.linksOf(traderId)).toEqual(await memory.linksOf(traderId));
  });

  it('keeps personal data hashed in the keys, and leaves the trader’s other items alone', async () => {
    await stores.desk.own('trd-1', 'acc-1');
    await stores.identities.observe(seen('trd-1', '2026-03-02T09:00:00Z', { email: 'jane.doe@example.com' }));
    expect(await stores.desk.accountsOf('trd-1')).toEqual(['acc-1']);
    expect(await stores.identities.linksOf('trd-1')).toEqual([]);
    const { Items = [] } = await dynamo.client.send(new ScanCommand({ TableName: stores.tableName }));
    expect(Items.map((item) => `${item['pk']!.S} ${item['sk']!.S}`).sort()).toEqual([
      expect.stringMatching(/^IDENTITY#email:[0-9a-f]{64} TRADER#trd-1$/),
      'TRADER#trd-1 ACCOUNT#acc-1',
      expect.stringMatching(/^TRADER#trd-1 IDENTITY#email:[0-9a-f]{64}$/),
    ]);
    expect(JSON.stringify(Items)).not.toMatch(/jane|doe/);
    expect(JSON.stringify(Items)).toContain('j***@example.com');
  });
});

const T0 = at('2026-03-02T10:00:00Z');

function flag(detector: DetectorId, accountId: string, time: number, message = `${detector} on ${accountId}`): Flag {
  const finding = { detector, accountId, traderId: 'trd-1', at: time, message, evidence: { measured: { trades: 3 }, thresholds: { minTrades: 2 }, trades: [], peers: [] } };
  return { ...finding, flagId: flagIdOf(finding), action: 'flag', programId: 'prog-1' };
}

const acknowledge = (n: number): FlagMove => ({ to: 'acknowledged', by: 'analyst-1', at: `2026-03-03T09:0${n}:00Z`, note: `looking ${n}`, decisionId: `dec-${n}` });
const resolve = (outcome: 'confirmed' | 'dismissed', n: number): FlagMove => ({ to: 'resolved', outcome, by: 'analyst-2', at: `2026-03-03T10:0${n}:00Z`, note: `done ${n}`, decisionId: `dec-r${n}` });

describe('DynamoDbFlagDesk', () => {
  let stores: Stores;
  beforeEach(async () => {
    stores = await fresh();
  });

  it('raises a flag once, and finds it by its id alone, even for an account id with colons', async () => {
    const first = flag('hft', 'acc:with:colons', T0);
    expect(parseFlagId(first.flagId)).toEqual({ detector: 'hft', accountId: 'acc:with:colons', day: '2026-03-02' });
    expect(await stores.desk.raise(first)).toBe(true);
    // Raised again by the same trade (a retry after a failed delivery): reported, so it is delivered again; not stored twice.
    expect(await stores.desk.raise({ ...first, message: 'again' })).toBe(true);
    // Raised by a later trade the same day: the day's flag stands.
    expect(await stores.desk.raise({ ...first, at: first.at + 60_000, message: 'later' })).toBe(false);
    expect(await stores.desk.getFlag(first.flagId)).toEqual({ flag: first, state: 'open', outcome: null, handledBy: null, handledAt: null, note: null, decisionId: null });
    for (const garbage of ['', 'hft', 'hft:acc-1', 'hft::2026-03-02', ':acc-1:2026-03-02', 'hft:acc-1:2026-3-2', 'hft:acc-1:2026-03-03']) {
      expect(await stores.desk.getFlag(garbage), garbage).toBeNull();
    }
    await expect(stores.desk.raise({ ...flag('hft', 'acc-1', T0), accountId: 'acc-2' })).rejects.toThrow(RangeError);
  });

  it('counts the flags not dismissed, account after account', async () => {
    const a1 = flag('hft', 'acc-1', T0);
    const a2 = flag('grid', 'acc-1', T0 + DAY);
    const a3 = flag('martingale', 'acc-1', T0 + 2 * DAY);
    const b1 = flag('hft', 'acc-2', T0);
    for (const f of [a1, a2, a3, b1, flag('hft', 'acc-3', T0)]) await stores.desk.raise(f);
    const memory = new MemoryRiskLedger();
    for (const f of [a1, a2, a3, b1]) await memory.raise(f);
    expect(await stores.desk.countingFlags(['acc-1', 'acc-2'])).toEqual(await memory.countingFlags(['acc-1', 'acc-2']));
    expect((await stores.desk.moveFlag(a2.flagId, resolve('dismissed', 1))).moved).toBe(true);
    expect((await stores.desk.moveFlag(a3.flagId, resolve('confirmed', 2))).moved).toBe(true);
    memory.dismissed.add(a2.flagId);
    const counting = await stores.desk.countingFlags(['acc-1', 'acc-2']);
    expect(counting.map((f) => f.flagId)).toEqual([a1.flagId, a3.flagId, b1.flagId]);
    expect(counting).toEqual(await memory.countingFlags(['acc-1', 'acc-2']));
    expect(counting[0]).toEqual({ flagId: a1.flagId, detector: 'hft', accountId: 'acc-1', message: 'hft on acc-1' });
    expect(await stores.desk.countingFlags([])).toEqual([]);
    expect(await stores.desk.countingFlags(['acc-9'])).toEqual([]);
  });

  it('lists a state’s flags across the firm newest first, a page at a time', async () => {
    const raised = [flag('hft', 'acc-1', T0), flag('grid', 'acc-2', T0 + 3 * HOUR), flag('allIn', 'acc-3', T0 + HOUR), flag('hft', 'acc-4', T0 + 2 * HOUR), flag('grid', 'acc-1', T0 + 4 * HOUR)];
    for (const f of raised) await stores.desk.raise(f);
    const listed = await pages((page) => stores.desk.listFlags('open', page), 2);
    expect(listed.map((page) => page.map((stored) => stored.flag.accountId))).toEqual([['acc-1', 'acc-2'], ['acc-4', 'acc-3'], ['acc-1']]);
    expect(listed.flat().map((stored) => stored.flag.at)).toEqual([4, 3, 2, 1, 0].map((h) => T0 + h * HOUR));
    const { cursor } = await stores.desk.listFlags('open', { limit: 1 });
    await expect(stores.desk.listFlags('acknowledged', { limit: 1, cursor: cursor! })).rejects.toThrow(InvalidCursorError);
    await expect(stores.desk.listFlags('open', { limit: 1, cursor: 'garbage' })).rejects.toThrow(InvalidCursorError);
    await expect(stores.desk.flagsOfAccount('acc-1', { limit: 1, cursor: cursor! })).rejects.toThrow(InvalidCursorError);
    await expect(stores.desk.listFlags('open', { limit: 0 })).rejects.toThrow(RangeError);
    // A flag moved away leaves the listing, even between pages, and joins its new state's.
    const first = await stores.desk.listFlags('open', { limit: 2 });
    await stores.desk.moveFlag(raised[3]!.flagId, acknowledge(1));
    const rest = await pages((page) => stores.desk.listFlags('open', page), 2, first.cursor!);
    expect(rest.flat().map((stored) => stored.flag.flagId)).toEqual([raised[2]!.flagId, raised[0]!.flagId]);
    expect((await stores.desk.listFlags('acknowledged', { limit: 10 })).items.map((stored) => stored.flag.flagId)).toEqual([raised[3]!.flagId]);
    expect(await stores.desk.listFlags('resolved', { limit: 10 })).toEqual({ items: [] });
  });

  it('lists an account’s flags by day, newest first, whatever their state', async () => {
    const raised = [flag('hft', 'acc-1', T0), flag('grid', 'acc-1', T0 + 2 * DAY), flag('allIn', 'acc-1', T0 + DAY), flag('hft', 'acc-1', T0 + 2 * DAY), flag('hft', 'acc-10', T0)];
    for (const f of raised) await stores.desk.raise(f);
    await stores.desk.moveFlag(raised[1]!.flagId, resolve('dismissed', 1));
    const listed = await pages((page) => stores.desk.flagsOfAccount('acc-1', page), 3);
    expect(listed.map((page) => page.map((stored) => stored.flag.flagId))).toEqual([
      ['hft:acc-1:2026-03-04', 'grid:acc-1:2026-03-04', 'allIn:acc-1:2026-03-03'],
      ['hft:acc-1:2026-03-02'],
    ]);
    expect(listed[0]![1]!.state).toBe('resolved');
    const { cursor } = await stores.desk.flagsOfAccount('acc-1', { limit: 1 });
    await expect(stores.desk.flagsOfAccount('acc-10', { limit: 1, cursor: cursor! })).rejects.toThrow(InvalidCursorError);
    await expect(stores.desk.scoreHistory('account', 'acc-1', { limit: 1, cursor: cursor! })).rejects.toThrow(InvalidCursorError);
    expect(await stores.desk.flagsOfAccount('acc-2', { limit: 5 })).toEqual({ items: [] });
  });

  it('moves a flag open → acknowledged → resolved, and no further', async () => {
    const f = flag('latencyArbitrage', 'acc-1', T0);
    await stores.desk.raise(f);
    const acknowledged = await stores.desk.moveFlag(f.flagId, acknowledge(1));
    expect(acknowledged).toEqual({ moved: true, flag: { flag: f, state: 'acknowledged', outcome: null, handledBy: 'analyst-1', handledAt: '2026-03-03T09:01:00Z', note: 'looking 1', decisionId: 'dec-1' } });
    // Acknowledged again (another analyst, or a resend): not allowed, answered with the flag as it is.
    expect(await stores.desk.moveFlag(f.flagId, acknowledge(2))).toEqual({ moved: false, reason: 'notAllowed', flag: acknowledged.moved ? acknowledged.flag : null });
    const resolved = await stores.desk.moveFlag(f.flagId, resolve('dismissed', 3));
    const final = { flag: f, state: 'resolved' as FlagState, outcome: 'dismissed', handledBy: 'analyst-2', handledAt: '2026-03-03T10:03:00Z', note: 'done 3', decisionId: 'dec-r3' };
    expect(resolved).toEqual({ moved: true, flag: final });
    expect(await stores.desk.moveFlag(f.flagId, resolve('confirmed', 4))).toEqual({ moved: false, reason: 'notAllowed', flag: final });
    expect(await stores.desk.moveFlag(f.flagId, acknowledge(5))).toEqual({ moved: false, reason: 'notAllowed', flag: final });
    expect(await stores.desk.getFlag(f.flagId)).toEqual(final);
    expect(await stores.desk.moveFlag('hft:acc-1:2026-03-02', acknowledge(1))).toEqual({ moved: false, reason: 'notFound' });
    expect(await stores.desk.moveFlag('not a flag id', resolve('confirmed', 1))).toEqual({ moved: false, reason: 'notFound' });
    // A move straight from open to resolved is allowed too.
    const other = flag('grid', 'acc-1', T0);
    await stores.desk.raise(other);
    expect(await stores.desk.moveFlag(other.flagId, resolve('confirmed', 6))).toMatchObject({ moved: true, flag: { state: 'resolved', outcome: 'confirmed' } });
    // Two analysts at once: one moves it.
    const raced = flag('allIn', 'acc-1', T0);
    await stores.desk.raise(raced);
    const outcomes = await Promise.all([stores.desk.moveFlag(raced.flagId, resolve('confirmed', 7)), stores.desk.moveFlag(raced.flagId, resolve('dismissed', 8))]);
    expect(outcomes.filter((outcome) => outcome.moved)).toHaveLength(1);
    expect(outcomes.filter((outcome) => !outcome.moved)).toMatchObject([{ reason: 'notAllowed', flag: { state: 'resolved' } }]);
  });

  it('keeps the latest score and the history newest first, a page at a time', async () => {
    const score = (subject: RiskScore['subject'], subjectId: string, value: number, time: number): RiskScore => ({
      subject,
      subjectId,
      score: value,
      parts: value === 0 ? [] : [{ signal: 'hft', weight: value, evidence: [`hft:${subjectId}:2026-03-02`], explanation: '1 flag: fast' }],
      at: time,
    });
    expect(await stores.desk.score('account', 'acc-1')).toBeNull();
    const saved = [score('account', 'acc-1', 25, T0), score('account', 'acc-1', 55, T0 + HOUR), score('account', 'acc-1', 30, T0 + 2 * HOUR), score('account', 'acc-1', 0, T0 + 3 * HOUR)];
    for (const s of saved) await stores.desk.saveScore(s);
    await stores.desk.saveScore(score('trader', 'acc-1', 40, T0));
    expect(await stores.desk.score('account', 'acc-1')).toEqual(saved[3]);
    expect(await stores.desk.score('trader', 'acc-1')).toEqual(score('trader', 'acc-1', 40, T0));
    const history = await pages((page) => stores.desk.scoreHistory('account', 'acc-1', page), 3);
    expect(history).toEqual([[saved[3], saved[2], saved[1]], [saved[0]]]);
    // Two scores of one instant are both kept; the same score saved again is kept once.
    await stores.desk.saveScore(score('trader', 'acc-1', 60, T0));
    await stores.desk.saveScore(score('trader', 'acc-1', 60, T0));
    expect((await stores.desk.scoreHistory('trader', 'acc-1', { limit: 10 })).items.map((s) => s.score).sort()).toEqual([40, 60]);
    expect(await stores.desk.scoreHistory('trader', 'trd-9', { limit: 10 })).toEqual({ items: [] });
    const { cursor } = await stores.desk.scoreHistory('account', 'acc-1', { limit: 1 });
    await expect(stores.desk.scoreHistory('trader', 'acc-1', { limit: 1, cursor: cursor! })).rejects.toThrow(InvalidCursorError);
  });

  it('owns an account without ever overwriting the link the purchase workflow wrote', async () => {
    const link = keys.traderAccount('trd-1', 'acc-1');
    const written = { pk: { S: link.pk }, sk: { S: link.sk }, accountId: { S: 'acc-1' }, linkedBy: { S: 'purchase' } };
    await dynamo.client.send(new PutItemCommand({ TableName: stores.tableName, Item: written }));
    await stores.desk.own('trd-1', 'acc-1');
    await stores.desk.own('trd-1', 'acc-2');
    await stores.desk.own('trd-1', 'acc-2');
    await stores.desk.own('trd-2', 'acc-3');
    const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: stores.tableName, Key: { pk: { S: link.pk }, sk: { S: link.sk } } }));
    expect(Item).toEqual(written);
    // Beside the trader's identities and profile, which are not accounts.
    await stores.identities.observe(IdentityObservation.parse({ traderId: 'trd-1', observedAt: '2026-03-02T09:00:00Z', source: 'kyc', deviceFingerprint: 'fp-1' }));
    const profile = keys.traderProfile('trd-1');
    await dynamo.client.send(new PutItemCommand({ TableName: stores.tableName, Item: { pk: { S: profile.pk }, sk: { S: profile.sk }, email: { S: 'a@example.com' } } }));
    expect(await stores.desk.accountsOf('trd-1')).toEqual(['acc-1', 'acc-2']);
    expect(await stores.desk.accountsOf('trd-2')).toEqual(['acc-3']);
    expect(await stores.desk.accountsOf('trd-3')).toEqual([]);
    // The account store's trader listing reads the links own() writes.
    expect((await new DynamoDbAccountStore(dynamo.client, stores.tableName).listByTrader('trd-1', { limit: 10 })).items).toEqual(['acc-1', 'acc-2']);
  });
});

describe('the engine on the DynamoDB stores and on the memory stores', () => {
  it('raises the same flags and keeps the same scores for a labelled population', async () => {
    // The smallest population with every kind of abuser (at 100 accounts each has one), with one normal
    // account in three: the DynamoDB pass costs about 9 requests a trade on dynalite.
    const whole = generateScenario(100, 5);
    let normal = 0;
    const kept = new Set(whole.accounts.filter((account) => account.profile !== 'normal' || normal++ % 3 === 0).map((account) => account.accountId));
    const traders = new Set(whole.accounts.filter((account) => kept.has(account.accountId)).map((account) => account.traderId));
    const scenario = { ...whole, trades: whole.trades.filter((trade) => kept.has(trade.accountId)), observations: whole.observations.filter((seen) => traders.has(seen.traderId)) };
    const policy = DEFAULT_ABUSE_POLICY;
    const program: AccountProgram = { programId: 'scenario', initialBalance: INITIAL_BALANCE, policy };
    const programOf = async (): Promise<AccountProgram> => program;
    const stores = await fresh();
    const memoryLedger = new MemoryRiskLedger();
    const engines: { name: string; ports: AbusePorts }[] = [
      { name: 'memory', ports: { trades: new MemoryTradeMemory(), identities: new MemoryIdentityGraph(), ledger: memoryLedger } },
      { name: 'dynamodb', ports: { trades: stores.trades, identities: stores.identities, ledger: stores.desk } },
    ];
    const outcomes = await Promise.all(
      engines.map(async ({ ports }) => {
        const engine = new AbuseEngine(ports);
        const steps: unknown[] = [];
        for (const observation of scenario.observations) steps.push(await engine.onIdentity(observation, policy));
        for (const trade of scenario.trades) {
          await engine.index([trade]);
          steps.push(await engine.onTrade(trade, programOf, scenario.news));
          await engine.markJudged(trade);
        }
        return steps;
      }),
    );
    const [memory, dynamodb] = outcomes as [unknown[], unknown[]];
    // Step by step: the same links, flags and their evidence, scores and alerts.
    for (let i = 0; i < memory.length; i++) expect(dynamodb[i], `step ${i}`).toEqual(memory[i]);

    const flags = [...memoryLedger.flags.values()];
    const detectors = new Set(flags.map((f) => f.detector));
    expect(detectors.size, [...detectors].join(', ')).toBeGreaterThanOrEqual(6);
    expect(detectors).toContain('hedging');
    expect(detectors).toContain('copyTrading');
    const listed = (await pages((page) => stores.desk.listFlags('open', page), 100)).flat();
    const byId = (a: Flag, b: Flag): number => (a.flagId < b.flagId ? -1 : 1);
    expect(listed.map((stored) => stored.flag).sort(byId)).toEqual(flags.sort(byId));

    // The same final score for every account and trader the run scored.
    const subjects = new Set<string>();
    for (const step of memory) for (const s of (step as AbuseOutcome).scores) subjects.add(`${s.subject}|${s.subjectId}`);
    expect(subjects.size).toBeGreaterThan(10);
    for (const subject of subjects) {
      const [kind, id] = subject.split('|') as [RiskScore['subject'], string];
      expect(await stores.desk.score(kind, id), subject).toEqual(await memoryLedger.score(kind, id));
      expect((await stores.desk.scoreHistory(kind, id, { limit: 100 })).items.length, subject).toBe(memoryLedger.history.get(`${kind}:${id}`)!.length);
    }
  });
});
