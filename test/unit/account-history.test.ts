import { describe, expect, it } from 'vitest';
import type { TradeEvent } from '../../shared/domain/events.js';
import { joinChunks, type ReadChunk, type HistoryOpening } from '../../shared/ports/account-history.js';
import { events } from '../support/events.js';

const opening: HistoryOpening = { phaseId: 'phase-1', openedAt: Date.parse('2026-03-02T00:00:00Z'), initialBalance: 10_000_000, traderId: 'trader-1' };
const at = (minute: number) => Date.parse('2026-03-02T09:00:00Z') + minute * 60_000;
const chunk = (_revision: number, chunkEvents: readonly TradeEvent[], chunkOpening = opening): ReadChunk => ({ opening: chunkOpening, events: chunkEvents });
const seqs = (list: readonly TradeEvent[]) => list.map((event) => ('seq' in event ? event.seq : event.type));

describe('joinChunks', () => {
  it('is null without chunks', () => {
    expect(joinChunks([])).toBeNull();
  });

  it('keeps the chunks in the order given, with the first chunk opening and the count of chunks', () => {
    const b = events();
    const [one, two, three] = [b.snapshot(at(1), { equity: 1 }), b.snapshot(at(2), { equity: 2 }), b.snapshot(at(3), { equity: 3 })];
    const later = { ...opening, phaseId: 'phase-2' };
    expect(joinChunks([chunk(1, [one!, two!]), chunk(2, [three!], later)])).toEqual({ opening, events: [one, two, three], chunks: 2 });
  });

  it('drops an event whose seq is not above the highest kept, as the reducer does', () => {
    const b = events();
    const list = [1, 2, 3, 4, 5].map((minute) => b.snapshot(at(minute), { equity: minute }));
    const [s1, s2, s3, s4, s5] = list as [TradeEvent, TradeEvent, TradeEvent, TradeEvent, TradeEvent];
    // A retried batch re-sent 2 and 3 in a later chunk; a stale 2 after 4 is dropped as well.
    const joined = joinChunks([chunk(1, [s1, s2, s3]), chunk(2, [s2, s3, s4, s2, s5])]);
    expect(joined?.events).toEqual(list);
    expect(joined?.chunks).toBe(2);
  });

  it('keeps each event without seq once: repeats are the same JSON, not the same object', () => {
    const b = events();
    const tick1 = b.clock(at(1));
    const s1 = b.snapshot(at(2), { equity: 1 });
    const tick2 = b.clock(at(3));
    const s2 = b.snapshot(at(4), { equity: 2 });
    const tick3 = b.clock(at(5));
    const copy = (event: TradeEvent) => JSON.parse(JSON.stringify(event)) as TradeEvent;
    const joined = joinChunks([chunk(1, [tick1, s1, tick2]), chunk(2, [copy(tick2), copy(s1), s2, tick3, copy(tick1)])]);
    expect(seqs(joined!.events)).toEqual(['clock', 1, 'clock', 2, 'clock']);
    expect(joined!.events).toEqual([tick1, s1, tick2, s2, tick3]);
  });

  it('keeps each override once, though it has no seq either', () => {
    const b = events();
    const s1 = b.snapshot(at(1), { equity: 1 });
    const reinstate = b.override(at(2), { action: 'reinstate' });
    const fail = b.override(at(3), { action: 'fail' });
    const joined = joinChunks([chunk(1, [s1, reinstate]), chunk(2, [reinstate, fail])]);
    expect(joined!.events).toEqual([s1, reinstate, fail]);
  });
});
