import { describe, expect, it } from 'vitest';
import { NewsIndex } from '../../../shared/domain/news.js';
import { programWith, type RuleInput } from '../../support/programs.js';
import { effectsOf, trace } from '../../support/trace.js';
import { trader, type Trader } from '../../support/trading.js';
import type { TradeEvent } from '../../../shared/domain/events.js';

const OPENED = Date.parse('2026-03-06T08:00:00Z');
const NEWS_AT = Date.parse('2026-03-06T13:30:00Z');
const SECOND = 1000;
const nfp = NewsIndex.parse({ events: [{ id: 'nfp', title: 'Non-farm payrolls', time: '2026-03-06T13:30:00Z', symbols: ['EURUSD', 'USDJPY'] }] });
const EXECUTIONS = ['open', 'close', 'pendingFill', 'stopOrTakeProfit'] as const;
type Execution = (typeof EXECUTIONS)[number];

type NewsInput = Extract<RuleInput, { kind: 'newsWindow' }>;

function newsWindow(fields: Partial<NewsInput>): RuleInput {
  return { kind: 'newsWindow', severity: 'hard', beforeSeconds: 120, afterSeconds: 120, restrict: [...EXECUTIONS], consequence: 'violation', ...fields };
}

/** The deal under judgement happens at the news; a position it closes was opened at 10:00Z. */
const executions: Record<Execution | 'takeProfit', (t: Trader) => TradeEvent[]> = {
  open: (t) => [t.open(NEWS_AT, 'p1')],
  pendingFill: (t) => [t.open(NEWS_AT, 'p1', { reason: 'pendingOrder' })],
  close: (t) => [t.open('2026-03-06T10:00:00Z', 'p1'), t.close(NEWS_AT, 'p1', 0)],
  stopOrTakeProfit: (t) => [t.open('2026-03-06T10:00:00Z', 'p1'), t.close(NEWS_AT, 'p1', 0, { reason: 'stopLoss' })],
  takeProfit: (t) => [t.open('2026-03-06T10:00:00Z', 'p1'), t.close(NEWS_AT, 'p1', 0, { reason: 'takeProfit' })],
};

function judge(rule: RuleInput, list: (t: Trader) => TradeEvent[], news = nfp) {
  return trace(programWith([rule]), { openedAt: OPENED }, list(trader()), news);
}

describe('newsWindow restrictions', () => {
  it.each([
    { execution: 'open', kind: 'open' },
    { execution: 'pendingFill', kind: 'pendingFill' },
    { execution: 'close', kind: 'close' },
    { execution: 'stopOrTakeProfit', kind: 'stopOrTakeProfit' },
    { execution: 'takeProfit', kind: 'stopOrTakeProfit' },
  ] as const)('a $execution deal at the news breaches when $kind is restricted, and only then', ({ execution, kind }) => {
    const restricted = judge(newsWindow({ restrict: [kind] }), executions[execution]).at(-1)!;
    expect(restricted.state.status).toBe('failed');
    expect(effectsOf(restricted.effects, 'violation')[0]!.evidence.inputs).toMatchObject({ newsId: 'nfp', execution: kind });
    const others = judge(newsWindow({ restrict: EXECUTIONS.filter((other) => other !== kind) }), executions[execution]).at(-1)!;
    expect(others.state.status).toBe('active');
  });

  it.each([
    { offset: -120 * SECOND - 1, inside: false },
    { offset: -120 * SECOND, inside: true },
    { offset: 120 * SECOND, inside: true },
    { offset: 120 * SECOND + 1, inside: false },
  ])('an opening $offset ms from the news is inside the window: $inside', ({ offset, inside }) => {
    const [opened] = judge(newsWindow({ restrict: ['open'] }), (t) => [t.open(NEWS_AT + offset, 'p1')]);
    expect(opened!.state.status).toBe(inside ? 'failed' : 'active');
  });

  it.each([
    { symbols: ['EURUSD', 'USDJPY'], symbol: 'GBPUSD', affected: false },
    { symbols: ['EURUSD', 'USDJPY'], symbol: 'USDJPY', affected: true },
    { symbols: ['*'], symbol: 'GBPUSD', affected: true },
  ])('news for $symbols affects $symbol: $affected', ({ symbols, symbol, affected }) => {
    const news = NewsIndex.parse({ events: [{ id: 'n', title: 'News', time: '2026-03-06T13:30:00Z', symbols }] });
    const [opened] = judge(newsWindow({ restrict: ['open'] }), (t) => [t.open(NEWS_AT, 'p1', { symbol })], news);
    expect(opened!.state.status).toBe(affected ? 'failed' : 'active');
  });

  it.each([
    { openedBefore: 300 * SECOND, exempt: true },
    { openedBefore: 300 * SECOND - 1, exempt: false },
  ])('a position opened $openedBefore ms before the news may be closed in the window: $exempt', ({ openedBefore, exempt }) => {
    const steps = judge(newsWindow({ restrict: ['close', 'stopOrTakeProfit'], holdExemptSeconds: 300 }), (t) => [
      t.open(NEWS_AT - openedBefore, 'p1'),
      t.close(NEWS_AT + 60 * SECOND, 'p1', 0, { reason: 'takeProfit' }),
    ]);
    expect(steps.at(-1)!.state.status).toBe(exempt ? 'active' : 'failed');
  });
});

describe('newsWindow excludeProfit', () => {
  it("flags instead of failing and excludes a position's whole profit, losses not", () => {
    const steps = judge(newsWindow({ restrict: ['open', 'close'], consequence: 'excludeProfit' }), (t) => [
      t.open('2026-03-06T10:00:00Z', 'reduced-in', { volume: 20_000 }),
      t.open('2026-03-06T10:01:00Z', 'lost-in'),
      t.open(NEWS_AT - 60 * SECOND, 'opened-in'),
      // Partly closed in the window: the earlier and later parts are excluded with it.
      t.close(NEWS_AT + 60 * SECOND, 'reduced-in', 100_000, { volume: 10_000 }),
      // Closed in the window at a loss: nothing to exclude.
      t.close(NEWS_AT + 61 * SECOND, 'lost-in', -50_000),
      t.close('2026-03-06T15:00:00Z', 'opened-in', 300_000),
      t.close('2026-03-06T15:01:00Z', 'reduced-in', 200_000, { volume: 10_000 }),
    ]);
    const effects = steps.flatMap((step) => step.effects);
    expect(effectsOf(effects, 'violation').map(({ severity, action }) => ({ severity, action }))).toEqual(Array(3).fill({ severity: 'soft', action: 'flag' }));
    expect(effectsOf(effects, 'tradeClosed').map(({ trade }) => [trade.positionId, trade.netPnl, trade.excludedFromProfit])).toEqual([
      ['lost-in', -50_000, true],
      ['opened-in', 300_000, true],
      ['reduced-in', 300_000, true],
    ]);
    expect(steps.at(-1)!.state).toMatchObject({ status: 'active', excludedProfit: 600_000 });
  });
});
