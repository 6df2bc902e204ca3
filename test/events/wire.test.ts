import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toWire, TradeEvent } from '../../shared/domain/events.js';

const samples = ['snapshot', 'deal', 'balance', 'order', 'dayClose', 'clock'];

describe('toWire', () => {
  it.each(samples)('gives back the %s sample as a bridge sent it, and parsing it gives the same event', (type) => {
    const sent = JSON.parse(readFileSync(new URL(`../../events/samples/${type}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
    const event = TradeEvent.parse(sent);
    const wire = toWire(event);
    expect(TradeEvent.parse(JSON.parse(JSON.stringify(wire)))).toEqual(event);
    expect(typeof wire['time']).toBe('string');
  });
});
