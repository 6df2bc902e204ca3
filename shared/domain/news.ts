/**
 * The news calendar: an input to evaluation, managed apart from programs. Each event lists the
 * symbols it affects; "*" affects every symbol.
 */
import { z } from 'zod';

export const NewsCalendar = z.strictObject({
  events: z.array(
    z.strictObject({
      id: z.string().min(1).max(128),
      title: z.string().min(1).max(200),
      time: z.iso.datetime({ offset: true }).transform((text) => Date.parse(text)),
      impact: z.enum(['low', 'medium', 'high']).default('high'),
      symbols: z.array(z.string().min(1).max(32)).min(1),
    }),
  ),
});
export type NewsItem = z.output<typeof NewsCalendar>['events'][number];
export type NewsImpact = NewsItem['impact'];

const IMPACT_RANK: Readonly<Record<NewsImpact, number>> = { low: 0, medium: 1, high: 2 };

/** News items sorted by time, searchable by window in O(log n). */
export class NewsIndex {
  private readonly items: NewsItem[];

  constructor(items: readonly NewsItem[]) {
    this.items = [...items].sort((a, b) => a.time - b.time);
  }

  static parse(data: unknown): NewsIndex {
    return new NewsIndex(NewsCalendar.parse(data).events);
  }

  get size(): number {
    return this.items.length;
  }

  /** The first item affecting `symbol` whose window [time - before, time + after] contains `at`. */
  find(at: number, symbol: string, beforeMs: number, afterMs: number): NewsItem | null {
    return this.findAtLeast(at, symbol, beforeMs, afterMs, 'low');
  }

  /** As `find`, skipping items below `minImpact`: the abuse detectors judge by impact, the rules do not. */
  findAtLeast(at: number, symbol: string, beforeMs: number, afterMs: number, minImpact: NewsImpact): NewsItem | null {
    const items = this.items;
    const minRank = IMPACT_RANK[minImpact];
    let low = 0;
    let high = items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (items[middle]!.time < at - afterMs) low = middle + 1;
      else high = middle;
    }
    for (let i = low; i < items.length; i++) {
      const item = items[i]!;
      if (item.time - beforeMs > at) break;
      if (IMPACT_RANK[item.impact] >= minRank && (item.symbols.includes(symbol) || item.symbols.includes('*'))) return item;
    }
    return null;
  }
}

export const NO_NEWS = new NewsIndex([]);
