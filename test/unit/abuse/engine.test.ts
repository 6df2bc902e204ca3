import { describe, expect, it } from 'vitest';
import { MemoryIdentityGraph, MemoryRiskLedger, MemoryTradeMemory } from '../../../bench/abuse-memory.js';
import { AbuseEngine, type AccountProgram } from '../../../shared/abuse/engine.js';
import type { AbuseTrade } from '../../../shared/abuse/findings.js';
import { AbusePolicy, type AbusePolicyInput } from '../../../shared/abuse/policy.js';
import { NO_NEWS } from '../../../shared/domain/news.js';
import { at, closedTrade } from '../../support/abuse.js';

function engineWith(policy: AbusePolicyInput = {}) {
  const ledger = new MemoryRiskLedger();
  const engine = new AbuseEngine({ trades: new MemoryTradeMemory(), identities: new MemoryIdentityGraph(), ledger });
  const program: AccountProgram = { programId: 'two-step', initialBalance: 10_000_000, policy: AbusePolicy.parse(policy) };
  // Judged and delivered, as the detectors function does once it has published the outcome.
  const judge = async (trade: AbuseTrade) => {
    await engine.index([trade]);
    const outcome = await engine.onTrade(trade, async () => program, NO_NEWS);
    await engine.markJudged(trade);
    return outcome;
  };
  return { engine, ledger, program, judge };
}

const OPEN = at('2026-03-05T09:00:00Z');

/** A buy on acc-1 and the opposite sell on acc-2 a minute later, both held 20 minutes. */
function hedge(n: number, owners: [string, string], day = 0): [AbuseTrade, AbuseTrade] {
  const openedAt = OPEN + day * 86_400_000 + n * 3_600_000;
  return [
    closedTrade({ positionId: `a-${day}-${n}`, accountId: 'acc-1', traderId: owners[0], side: 'buy', openedAt, closedAt: openedAt + 1_200_000 }),
    closedTrade({ positionId: `b-${day}-${n}`, accountId: 'acc-2', traderId: owners[1], side: 'sell', openedAt: openedAt + 60_000, closedAt: openedAt + 1_260_000, netPnl: -1_000 }),
  ];
}

/** Hedges number 0 and 1 of a day: the second makes the habit (minHedges 2). Returns the outcome of its last trade. */
async function hedgeTwice(judge: (trade: AbuseTrade) => Promise<unknown>, owners: [string, string], day = 0) {
  for (const trade of hedge(0, owners, day)) await judge(trade);
  const [buy, sell] = hedge(1, owners, day);
  await judge(buy);
  return judge(sell) as ReturnType<ReturnType<typeof engineWith>['judge']>;
}

describe('AbuseEngine', () => {
  it('flags both accounts of a hedge between one trader\'s accounts, and scores accounts and trader', async () => {
    const { judge, ledger } = engineWith();
    const [buy, sell] = hedge(0, ['trd-1', 'trd-1']);
    expect((await judge(buy)).flags).toEqual([]);
    // One opposite pair may be chance.
    expect((await judge(sell)).flags).toEqual([]);
    const [again, opposed] = hedge(1, ['trd-1', 'trd-1']);
    await judge(again);
    const outcome = await judge(opposed);
    expect(outcome.flags.map((flag) => [flag.flagId, flag.action, flag.programId])).toEqual([
      ['hedging:acc-2:2026-03-05', 'flag', 'two-step'],
      ['hedging:acc-1:2026-03-05', 'flag', 'two-step'],
    ]);
    expect(outcome.scores.map((score) => [score.subject, score.subjectId, score.score])).toEqual([
      ['account', 'acc-2', 40],
      ['account', 'acc-1', 40],
      ['trader', 'trd-1', 40],
    ]);
    expect(outcome.scores[2]!.parts).toEqual([
      { signal: 'hedging', weight: 40, evidence: ['hedging:acc-1:2026-03-05', 'hedging:acc-2:2026-03-05'], explanation: expect.stringMatching(/^2 flags: /) },
    ]);
    expect(outcome.alerts).toEqual([]);
    expect(ledger.history.get('trader:trd-1')).toHaveLength(1);
  });

  it('judges a redelivered trade once its outcome was delivered, and again (the same outcome) when it was not', async () => {
    const { judge, ledger } = engineWith();
    await hedgeTwice(judge, ['trd-1', 'trd-1']);
    expect(await judge(hedge(1, ['trd-1', 'trd-1'])[1])).toEqual({ flags: [], scores: [], alerts: [] });
    expect(ledger.flags.size).toBe(2);

    // The next day's second hedge is judged, but its delivery fails before it is marked: a retry delivers it again.
    const other = engineWith();
    for (const trade of hedge(0, ['trd-1', 'trd-1'])) await other.judge(trade);
    const [buy, sell] = hedge(1, ['trd-1', 'trd-1']);
    await other.judge(buy);
    const first = await other.engine.onTrade(sell, async () => other.program, NO_NEWS);
    const retried = await other.engine.onTrade(sell, async () => other.program, NO_NEWS);
    expect(first.flags.map((flag) => flag.flagId)).toEqual(['hedging:acc-2:2026-03-05', 'hedging:acc-1:2026-03-05']);
    expect(retried.flags).toEqual(first.flags);
    expect(retried.scores.map((score) => [score.subjectId, score.score])).toEqual(first.scores.map((score) => [score.subjectId, score.score]));
    await other.engine.markJudged(sell);
    expect(await other.engine.onTrade(sell, async () => other.program, NO_NEWS)).toEqual({ flags: [], scores: [], alerts: [] });
  });

  it('raises one flag per detector, account and day: a second hedge the same day adds nothing, the next day flags again', async () => {
    const { judge, ledger } = engineWith();
    await hedgeTwice(judge, ['trd-1', 'trd-1']);
    const sameDay = hedge(2, ['trd-1', 'trd-1']);
    await judge(sameDay[0]);
    expect((await judge(sameDay[1])).flags).toEqual([]);
    const nextDay = hedge(0, ['trd-1', 'trd-1'], 1);
    await judge(nextDay[0]);
    expect((await judge(nextDay[1])).flags.map((flag) => flag.flagId)).toEqual(['hedging:acc-2:2026-03-06', 'hedging:acc-1:2026-03-06']);
    // Still one signal in the score: a standing pattern is not many.
    expect((await ledger.score('account', 'acc-1'))?.score).toBe(40);
    expect(ledger.flags.size).toBe(4);
  });

  it('does not see a hedge between traders it cannot link, and does once they share a device', async () => {
    const unlinked = engineWith();
    await hedgeTwice(unlinked.judge, ['trd-1', 'trd-2']);
    expect(unlinked.ledger.flags.size).toBe(0);

    const { engine, judge, ledger, program } = engineWith();
    const seen = { accountId: null, observedAt: OPEN - 86_400_000, source: 'bridge.mt5' };
    await engine.onIdentity({ ...seen, traderId: 'trd-1', deviceFingerprint: 'device-abcdef123456' }, program.policy);
    const linked = await engine.onIdentity({ ...seen, traderId: 'trd-2', deviceFingerprint: 'device-abcdef123456' }, program.policy);
    expect(linked.links.map((link) => [link.kind, link.traderIds])).toEqual([['device', ['trd-1', 'trd-2']]]);
    expect(linked.scores.map((score) => [score.subjectId, score.score, score.parts[0]!.explanation])).toEqual([
      ['trd-1', 25, 'shares a device with trd-2'],
      ['trd-2', 25, 'shares a device with trd-1'],
    ]);
    const outcome = await hedgeTwice(judge, ['trd-1', 'trd-2']);
    expect(outcome.flags[0]!.evidence.peers[0]).toMatchObject({ accountId: 'acc-1', sameTrader: false, links: [expect.objectContaining({ kind: 'device' })] });
    // Each trader: the hedge (40) and the shared device (25) reach the alert threshold of 50.
    expect(outcome.alerts.map((alert) => [alert.subjectId, alert.score])).toEqual([
      ['trd-2', 65],
      ['trd-1', 65],
    ]);
    expect(ledger.history.get('trader:trd-1')!.map((score) => score.score)).toEqual([25, 65]);
  });

  it('flags the copier and the copied once three of their trades match, and carries the program\'s action', async () => {
    const { judge, ledger } = engineWith({ copyTrading: { action: 'fail' } });
    for (let n = 0; n < 3; n++) {
      const openedAt = OPEN + n * 3_600_000;
      await judge(closedTrade({ positionId: `lead-${n}`, accountId: 'acc-7', traderId: 'trd-7', openedAt, closedAt: openedAt + 600_000 }));
      const outcome = await judge(
        closedTrade({ positionId: `copy-${n}`, accountId: 'acc-1', traderId: 'trd-1', volume: 5_000, openedAt: openedAt + 2_000, closedAt: openedAt + 601_500 }),
      );
      expect(outcome.flags.map((flag) => [flag.flagId, flag.action])).toEqual(
        n < 2 ? [] : [['copyTrading:acc-1:2026-03-05', 'fail'], ['copyTrading:acc-7:2026-03-05', 'fail']],
      );
    }
    expect(ledger.flags.get('copyTrading:acc-1:2026-03-05')!.evidence.peers[0]).toMatchObject({ accountId: 'acc-7', matchedTrades: 3, lotRatioBps: 5_000 });
    expect(ledger.flags.get('copyTrading:acc-7:2026-03-05')!.evidence.peers[0]).toMatchObject({ accountId: 'acc-1', matchedTrades: 3, lotRatioBps: 20_000 });
  });

  it('runs no detector the program switched off', async () => {
    const { judge, ledger } = engineWith({ hedging: { enabled: false } });
    await hedgeTwice(judge, ['trd-1', 'trd-1']);
    expect(ledger.flags.size).toBe(0);
  });
});
