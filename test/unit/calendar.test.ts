import { describe, expect, it } from 'vitest';
import { calendarFor, Cutoffs, dayLabel, dayNumber } from '../../shared/domain/calendar.js';

const HOUR = 3_600_000;
const at = (iso: string): number => Date.parse(iso);

// 2026 switches: EU (Prague, London) 29 March and 25 October at 01:00Z; US 8 March and 1 November at 02:00 local.
const prague = calendarFor({ timeZone: 'Europe/Prague', time: '00:00' });
const newYork = calendarFor({ timeZone: 'America/New_York', time: '17:00' });
const usServer = calendarFor({ serverUtcOffsetMinutes: 120, serverDst: 'us', time: '00:00' });
const euServer = calendarFor({ serverUtcOffsetMinutes: 120, serverDst: 'eu', time: '00:00' });

describe('Europe/Prague midnight', () => {
  it.each([
    { label: '2026-03-29', startsAt: '2026-03-28T23:00:00Z', endsAt: '2026-03-29T22:00:00Z', hours: 23 },
    { label: '2026-10-25', startsAt: '2026-10-24T22:00:00Z', endsAt: '2026-10-25T23:00:00Z', hours: 25 },
    { label: '2026-03-02', startsAt: '2026-03-01T23:00:00Z', endsAt: '2026-03-02T23:00:00Z', hours: 24 },
  ])('$label lasts $hours hours', ({ label, startsAt, endsAt, hours }) => {
    const day = prague.dayAt(at(startsAt) + HOUR);
    expect(day).toEqual({ day: dayNumber(label), startsAt: at(startsAt), endsAt: at(endsAt) });
    expect(day.endsAt - day.startsAt).toBe(hours * HOUR);
  });

  it('puts the boundary instant in the new day and the millisecond before it in the old one', () => {
    const boundary = at('2026-03-29T22:00:00Z');
    expect(dayLabel(prague.dayAt(boundary - 1).day)).toBe('2026-03-29');
    expect(dayLabel(prague.dayAt(boundary).day)).toBe('2026-03-30');
  });

  // A wall time inside the spring-forward gap moves forward by the gap's length (iCalendar, Temporal 'compatible').
  it('moves a boundary that falls in the spring-forward gap forward by the gap: 02:30 becomes 03:30 CEST', () => {
    const halfPastTwo = calendarFor({ timeZone: 'Europe/Prague', time: '02:30' });
    expect(halfPastTwo.dayStart(dayNumber('2026-03-29'))).toBe(at('2026-03-29T01:30:00Z'));
    expect(halfPastTwo.dayStart(dayNumber('2026-03-28'))).toBe(at('2026-03-28T01:30:00Z'));
    expect(halfPastTwo.dayStart(dayNumber('2026-03-30'))).toBe(at('2026-03-30T00:30:00Z'));
  });

  it('takes the first occurrence of a boundary that falls in the autumn overlap: 02:30 CEST', () => {
    const halfPastTwo = calendarFor({ timeZone: 'Europe/Prague', time: '02:30' });
    expect(halfPastTwo.dayStart(dayNumber('2026-10-25'))).toBe(at('2026-10-25T00:30:00Z'));
  });

  it("follows FTMO's trading update: a close at 22:30Z on 10 March 2026 is Prague-day 10 March, server-day 11 March", () => {
    const close = at('2026-03-10T22:30:00Z');
    expect(dayLabel(prague.dayAt(close).day)).toBe('2026-03-10');
    expect(dayLabel(usServer.dayAt(close).day)).toBe('2026-03-11');
  });
});

describe('America/New_York 17:00', () => {
  it.each([
    { time: '2026-03-02T21:59:59.999Z', label: '2026-03-02' },
    { time: '2026-03-02T22:00:00Z', label: '2026-03-03' },
    // After the US switch 17:00 EDT is 21:00Z.
    { time: '2026-03-09T20:59:59.999Z', label: '2026-03-09' },
    { time: '2026-03-09T21:00:00Z', label: '2026-03-10' },
  ])('labels $time as $label: the session opening at 17:00 is the next date', ({ time, label }) => {
    expect(dayLabel(newYork.dayAt(at(time)).day)).toBe(label);
  });

  it('shortens the session that spans the US switch to 23 hours', () => {
    const day = newYork.dayAt(at('2026-03-08T12:00:00Z'));
    expect(dayLabel(day.day)).toBe('2026-03-08');
    expect([day.startsAt, day.endsAt]).toEqual([at('2026-03-07T22:00:00Z'), at('2026-03-08T21:00:00Z')]);
  });
});

describe('platform server time: GMT+2, GMT+3 during daylight saving', () => {
  // Prague midnight is 23:00Z in winter and 22:00Z in summer; server midnight is 22:00Z or 21:00Z.
  it.each([
    { label: '2026-01-15', praguePrevious: '2026-01-14T23:00:00Z', us: '2026-01-14T22:00:00Z', eu: '2026-01-14T22:00:00Z', usAhead: 1 },
    { label: '2026-03-08', praguePrevious: '2026-03-07T23:00:00Z', us: '2026-03-07T22:00:00Z', eu: '2026-03-07T22:00:00Z', usAhead: 1 },
    { label: '2026-03-09', praguePrevious: '2026-03-08T23:00:00Z', us: '2026-03-08T21:00:00Z', eu: '2026-03-08T22:00:00Z', usAhead: 2 },
    { label: '2026-03-16', praguePrevious: '2026-03-15T23:00:00Z', us: '2026-03-15T21:00:00Z', eu: '2026-03-15T22:00:00Z', usAhead: 2 },
    { label: '2026-03-30', praguePrevious: '2026-03-29T22:00:00Z', us: '2026-03-29T21:00:00Z', eu: '2026-03-29T21:00:00Z', usAhead: 1 },
    { label: '2026-10-28', praguePrevious: '2026-10-27T23:00:00Z', us: '2026-10-27T21:00:00Z', eu: '2026-10-27T22:00:00Z', usAhead: 2 },
    { label: '2026-11-02', praguePrevious: '2026-11-01T23:00:00Z', us: '2026-11-01T22:00:00Z', eu: '2026-11-01T22:00:00Z', usAhead: 1 },
  ])('$label starts $usAhead h before Prague midnight with US switching dates', ({ label, praguePrevious, us, eu, usAhead }) => {
    const day = dayNumber(label);
    expect(prague.dayStart(day)).toBe(at(praguePrevious));
    expect(usServer.dayStart(day)).toBe(at(us));
    expect(euServer.dayStart(day)).toBe(at(eu));
    expect(prague.dayStart(day) - usServer.dayStart(day)).toBe(usAhead * HOUR);
  });
});

describe('Cutoffs.next', () => {
  it('steps a weekly Friday 22:00 Prague cutoff across the March switch (7 days less an hour)', () => {
    const cutoffs = new Cutoffs('22:00', 'Europe/Prague', 'fri');
    const before = at('2026-03-27T21:00:00Z');
    const after = at('2026-04-03T20:00:00Z');
    expect(cutoffs.next(at('2026-03-23T08:00:00Z'))).toBe(before);
    expect(cutoffs.next(before - 1)).toBe(before);
    // Strictly after: a query at the cutoff itself gets the next week's.
    expect(cutoffs.next(before)).toBe(after);
    expect(after - before).toBe(7 * 24 * HOUR - HOUR);
    // Out-of-order queries must not be answered from the cached interval.
    expect(cutoffs.next(at('2026-03-20T20:59:59Z'))).toBe(at('2026-03-20T21:00:00Z'));
  });

  it.each([
    { from: '2026-03-07T22:00:00Z', next: '2026-03-08T21:00:00Z', hours: 23 },
    { from: '2026-10-31T21:00:00Z', next: '2026-11-01T22:00:00Z', hours: 25 },
  ])('steps a daily 17:00 New York cutoff from $from to $next ($hours h)', ({ from, next, hours }) => {
    const cutoffs = new Cutoffs('17:00', 'America/New_York', null);
    expect(cutoffs.next(at(from))).toBe(at(next));
    expect(at(next) - at(from)).toBe(hours * HOUR);
  });
});
