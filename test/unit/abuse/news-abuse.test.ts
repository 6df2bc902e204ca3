import { describe, expect, it } from 'vitest';
import { newsAbuse } from '../../../shared/abuse/detectors/news-abuse.js';
import type { AbuseTrade } from '../../../shared/abuse/findings.js';
import { NewsIndex } from '../../../shared/domain/news.js';
import { accountContext, at, closedTrade, policyWith, windowOf } from '../../support/abuse.js';

const SECOND = 1000;
const NFP = at('2026-03-06T13:30:00Z');
const CPI = at('2026-03-11T12:30:00Z');
const PMI = at('2026-03-04T15:00:00Z');
const BOE = at('2026-03-05T12:00:00Z');

const calendar = NewsIndex.parse({
  events: [
    { id: 'nfp-2026-03-06', title: 'US Non-Farm Payrolls', time: '2026-03-06T13:30:00Z', impact: 'high', symbols: ['EURUSD', 'USDJPY'] },
    { id: 'cpi-2026-03-11', title: 'US CPI', time: '2026-03-11T12:30:00Z', impact: 'high', symbols: ['*'] },
    { id: 'pmi-2026-03-04', title: 'Eurozone PMI', time: '2026-03-04T15:00:00Z', impact: 'medium', symbols: ['EURUSD'] },
    { id: 'boe-2026-03-05', title: 'BoE rate decision', time: '2026-03-05T12:00:00Z', impact: 'high', symbols: ['GBPUSD'] },
  ],
});

/** Two NFP trades (one opened in the window, one only closed in it) and two ordinary trades. */
const earlier = (): AbuseTrade[] => [
  closedTrade({ positionId: 'r1', openedAt: at('2026-03-02T09:00:00Z'), netPnl: 1_000 }),
  closedTrade({ positionId: 'r2', openedAt: at('2026-03-03T09:00:00Z'), netPnl: -500 }),
  closedTrade({ positionId: 'n1', openedAt: NFP - 60 * SECOND, closedAt: NFP + 60 * SECOND, netPnl: 3_000 }),
  closedTrade({ positionId: 'n2', symbol: 'USDJPY', openedAt: NFP - 2 * 3_600 * SECOND, closedAt: NFP + 100 * SECOND, netPnl: 2_000 }),
];

/** The latest trade: opened `offset` ms from the CPI release, held ten minutes, +20.00. */
const cpiTrade = (offset: number, overrides: Partial<AbuseTrade> = {}): AbuseTrade =>
  closedTrade({ positionId: 'n3', openedAt: CPI + offset, closedAt: CPI + offset + 600 * SECOND, netPnl: 2_000, ...overrides });

function judge(trades: AbuseTrade[], latest: AbuseTrade, policy = policyWith('newsAbuse', {}), news = calendar) {
  return newsAbuse(windowOf([...trades, latest]), latest, policy, accountContext({ news }));
}

describe('newsAbuse', () => {
  it('flags profit earned in trades opened or closed around high-impact news on their symbol', () => {
    const latest = cpiTrade(-60 * SECOND);
    const finding = judge(earlier(), latest);
    expect(finding).not.toBeNull();
    expect(finding!.detector).toBe('newsAbuse');
    expect(finding!.accountId).toBe('acc-1');
    expect(finding!.traderId).toBe('trd-1');
    expect(finding!.at).toBe(latest.closedAt);
    expect(finding!.message).toBe(
      '3 trades opened or closed from 120 s before to 120 s after high-impact news earned 87.50% of the gross profit (7000 of 8000 minor units): ' +
        'nfp-2026-03-06 (US Non-Farm Payrolls), cpi-2026-03-11 (US CPI).',
    );
    expect(finding!.evidence.measured).toEqual({
      newsTrades: 3,
      newsProfit: 7_000,
      grossProfit: 8_000,
      profitShareBps: 8_750,
      newsItems: 'nfp-2026-03-06 (US Non-Farm Payrolls), cpi-2026-03-11 (US CPI)',
    });
    expect(finding!.evidence.thresholds).toEqual({ beforeSeconds: 120, afterSeconds: 120, minImpact: 'high', minTrades: 3, minProfitShareBps: 5_000 });
    expect(finding!.evidence.trades.map((trade) => trade.positionId)).toEqual(['n1', 'n2', 'n3']);
    expect(finding!.evidence.peers).toEqual([]);
  });

  it.each([
    { offset: -120 * SECOND - 1, flagged: false },
    { offset: -120 * SECOND, flagged: true },
    { offset: 120 * SECOND, flagged: true },
    { offset: 121 * SECOND, flagged: false },
  ])('a latest trade opened $offset ms from the news is a news trade: $flagged', ({ offset, flagged }) => {
    expect(judge(earlier(), cpiTrade(offset)) !== null).toBe(flagged);
  });

  it('counts a trade closed in the window though opened long before', () => {
    const latest = cpiTrade(-3_600 * SECOND, { closedAt: CPI + 30 * SECOND });
    expect(judge(earlier(), latest)?.evidence.measured).toMatchObject({ newsTrades: 3 });
  });

  it('does not count news on another symbol', () => {
    // BoE affects GBPUSD only; an EURUSD trade at it is ordinary, a GBPUSD one is not.
    const atBoe = (symbol: string) => closedTrade({ positionId: 'n3', symbol, openedAt: BOE - 30 * SECOND, closedAt: BOE + 30 * SECOND, netPnl: 2_000 });
    expect(judge(earlier(), atBoe('EURUSD'))).toBeNull();
    expect(judge(earlier(), atBoe('GBPUSD'))?.evidence.measured).toMatchObject({ newsTrades: 3 });
    // An earlier GBPUSD trade at NFP (EURUSD, USDJPY) does not count either.
    const trades = [...earlier().slice(0, 2), closedTrade({ positionId: 'n1', symbol: 'GBPUSD', openedAt: NFP, closedAt: NFP + 60 * SECOND, netPnl: 3_000 }), earlier()[3]!];
    expect(judge(trades, cpiTrade(0))).toBeNull();
  });

  it('ignores an item below minImpact', () => {
    const atPmi = closedTrade({ positionId: 'n3', openedAt: PMI, closedAt: PMI + 600 * SECOND, netPnl: 2_000 });
    expect(judge(earlier(), atPmi)).toBeNull();
    const medium = judge(earlier(), atPmi, policyWith('newsAbuse', { minImpact: 'medium' }));
    expect(medium?.evidence.measured).toMatchObject({ newsTrades: 3, newsItems: 'pmi-2026-03-04 (Eurozone PMI), nfp-2026-03-06 (US Non-Farm Payrolls)' });
    expect(medium?.evidence.thresholds).toMatchObject({ minImpact: 'medium' });
  });

  it('judges a trade by the first qualifying item, past a lower-impact one in the same window', () => {
    const crowded = NewsIndex.parse({
      events: [
        { id: 'minor', title: 'Minor', time: '2026-03-11T12:29:00Z', impact: 'low', symbols: ['*'] },
        { id: 'cpi', title: 'US CPI', time: '2026-03-11T12:30:00Z', impact: 'high', symbols: ['*'] },
        { id: 'nfp', title: 'NFP', time: '2026-03-06T13:30:00Z', impact: 'high', symbols: ['*'] },
      ],
    });
    expect(crowded.find(CPI, 'EURUSD', 120 * SECOND, 120 * SECOND)?.id).toBe('minor');
    expect(crowded.findAtLeast(CPI, 'EURUSD', 120 * SECOND, 120 * SECOND, 'high')?.id).toBe('cpi');
    expect(crowded.findAtLeast(CPI, 'EURUSD', 120 * SECOND, 120 * SECOND, 'low')?.id).toBe('minor');
    expect(crowded.findAtLeast(CPI + 121 * SECOND, 'EURUSD', 120 * SECOND, 120 * SECOND, 'high')).toBeNull();
    expect(judge(earlier(), cpiTrade(0), policyWith('newsAbuse', {}), crowded)?.evidence.measured).toMatchObject({ newsItems: 'nfp (NFP), cpi (US CPI)' });
  });

  it('does not flag news trades that lost', () => {
    const losing = earlier().map((trade) => (trade.positionId.startsWith('n') ? { ...trade, netPnl: -trade.netPnl } : trade));
    expect(judge(losing, cpiTrade(0, { netPnl: 500 }))).toBeNull();
  });

  it('flags at exactly the profit share and not below it', () => {
    // News profit 7,000 of gross 8,000 is 87.5%.
    expect(judge(earlier(), cpiTrade(0), policyWith('newsAbuse', { minProfitShareBps: 8_750 }))).not.toBeNull();
    expect(judge(earlier(), cpiTrade(0), policyWith('newsAbuse', { minProfitShareBps: 8_751 }))).toBeNull();
  });

  it('needs minTrades news trades', () => {
    expect(judge(earlier().slice(0, 3), cpiTrade(0))).toBeNull();
  });

  it('does not flag when the latest trade is not a news trade', () => {
    const trades = [...earlier(), cpiTrade(0)];
    const ordinary = closedTrade({ positionId: 'r3', openedAt: at('2026-03-12T09:00:00Z'), netPnl: 100 });
    expect(judge(trades, ordinary)).toBeNull();
  });

  it('returns null when disabled', () => {
    expect(judge(earlier(), cpiTrade(0), policyWith('newsAbuse', { enabled: false }))).toBeNull();
  });
});
