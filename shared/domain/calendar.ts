/**
 * Firm days and cutoffs. A firm day runs from one boundary instant to the next, in an IANA zone at a
 * local time (DST-correct), or in platform server time (a UTC offset plus one hour during US or EU DST).
 * Days are numbered as days since 1970-01-01 of their label date. A boundary at noon or later opens the
 * next calendar date's session (17:00 New York on Monday starts Tuesday), as futures and FX venues label it.
 * A boundary time inside a spring-forward gap moves forward by the gap's length (02:30 becomes 03:30), as
 * iCalendar and Temporal's 'compatible' disambiguation do; an ambiguous one takes its first occurrence.
 * Results are cached: the reducer only calls in here when an event crosses a boundary.
 */
import { DateTime } from 'luxon';
import type { DayBoundary } from './program.js';

const DAY_MS = 86_400_000;

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export interface FirmDay {
  readonly day: number;
  readonly startsAt: number;
  readonly endsAt: number;
}

export interface DayCalendar {
  dayAt(time: number): FirmDay;
  /** The first instant at which firm day `day` starts. */
  dayStart(day: number): number;
}

const pad2 = (value: number): string => (value < 10 ? `0${value}` : `${value}`);

/** YYYY-MM-DD of a day number, by integer civil-date arithmetic (H. Hinnant's days-to-civil): it runs at every rollover. */
export function dayLabel(day: number): string {
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const dayOfMonth = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${pad2(month)}-${pad2(dayOfMonth)}`;
}

export function dayNumber(label: string): number {
  return Date.parse(`${label}T00:00:00Z`) / DAY_MS;
}

function parseTime(time: string): { hour: number; minute: number } {
  return { hour: Number(time.slice(0, 2)), minute: Number(time.slice(3, 5)) };
}

/** The instant a given local wall-clock time occurs on a label date's calendar date. */
type WallClock = (year: number, month: number, dayOfMonth: number) => number;

function zoneWallClock(zone: string, hour: number, minute: number): WallClock {
  const offsetMs = (time: number): number => DateTime.fromMillis(time, { zone }).offset * 60_000;
  return (year, month, dayOfMonth) => {
    const wall = Date.UTC(year, month - 1, dayOfMonth, hour, minute);
    // The zone's offsets a day either side; an instant is a reading of the wall time if its own offset agrees.
    const before = offsetMs(wall - DAY_MS);
    const after = offsetMs(wall + DAY_MS);
    const early = wall - Math.max(before, after);
    const late = wall - Math.min(before, after);
    if (offsetMs(early) === Math.max(before, after)) return early;
    if (offsetMs(late) === Math.min(before, after)) return late;
    return wall - before; // in a gap: the wall time read with the offset before the change
  };
}

function serverWallClock(baseOffsetMinutes: number, dst: 'none' | 'us' | 'eu', hour: number, minute: number): WallClock {
  const dstZone = dst === 'us' ? 'America/New_York' : dst === 'eu' ? 'Europe/London' : null;
  return (year, month, dayOfMonth) => {
    const naive = Date.UTC(year, month - 1, dayOfMonth, hour, minute);
    const standard = naive - baseOffsetMinutes * 60_000;
    const inDst = dstZone !== null && DateTime.fromMillis(standard, { zone: dstZone }).isInDST;
    return inDst ? standard - 3_600_000 : standard;
  };
}

class CachedCalendar implements DayCalendar {
  private readonly starts = new Map<number, number>();
  private last: FirmDay = { day: 0, startsAt: 0, endsAt: 0 };

  constructor(
    private readonly wallClock: WallClock,
    private readonly labelShift: number,
  ) {}

  dayStart(day: number): number {
    let start = this.starts.get(day);
    if (start === undefined) {
      const civil = new Date((day - this.labelShift) * DAY_MS);
      start = this.wallClock(civil.getUTCFullYear(), civil.getUTCMonth() + 1, civil.getUTCDate());
      this.starts.set(day, start);
    }
    return start;
  }

  dayAt(time: number): FirmDay {
    const last = this.last;
    if (time >= last.startsAt && time < last.endsAt) return last;
    // The UTC date is within a day of the label date for every offset on Earth (-12h..+14h).
    let day = Math.floor(time / DAY_MS) + this.labelShift + 1;
    while (this.dayStart(day) > time) day -= 1;
    while (this.dayStart(day + 1) <= time) day += 1;
    const firmDay = { day, startsAt: this.dayStart(day), endsAt: this.dayStart(day + 1) };
    this.last = firmDay;
    return firmDay;
  }
}

const calendars = new Map<string, DayCalendar>();

export function calendarFor(boundary: DayBoundary): DayCalendar {
  const key = JSON.stringify(boundary);
  let calendar = calendars.get(key);
  if (calendar === undefined) {
    const { hour, minute } = parseTime(boundary.time);
    const wallClock =
      'timeZone' in boundary
        ? zoneWallClock(boundary.timeZone, hour, minute)
        : serverWallClock(boundary.serverUtcOffsetMinutes, boundary.serverDst, hour, minute);
    calendar = new CachedCalendar(wallClock, hour >= 12 ? 1 : 0);
    calendars.set(key, calendar);
  }
  return calendar;
}

const WEEKDAYS = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 } as const;
export type Weekday = keyof typeof WEEKDAYS;

/**
 * A recurring cutoff instant (every day, or every week on one weekday) at a local time in a zone.
 * next(t) is the first cutoff strictly after t.
 */
export class Cutoffs {
  private lastFrom = Number.POSITIVE_INFINITY;
  private lastNext = Number.NEGATIVE_INFINITY;
  private readonly hour: number;
  private readonly minute: number;

  constructor(
    time: string,
    private readonly zone: string,
    private readonly weekday: Weekday | null,
  ) {
    ({ hour: this.hour, minute: this.minute } = parseTime(time));
  }

  next(time: number): number {
    if (time >= this.lastFrom && time < this.lastNext) return this.lastNext;
    const local = DateTime.fromMillis(time, { zone: this.zone });
    let candidate = local.set({ hour: this.hour, minute: this.minute, second: 0, millisecond: 0 });
    if (this.weekday !== null) candidate = candidate.plus({ days: (WEEKDAYS[this.weekday] - candidate.weekday + 7) % 7 });
    const step = this.weekday === null ? 1 : 7;
    while (candidate.toMillis() <= time) {
      const next = candidate.plus({ days: step });
      candidate = DateTime.fromObject(
        { year: next.year, month: next.month, day: next.day, hour: this.hour, minute: this.minute },
        { zone: this.zone },
      );
    }
    const previous = candidate.minus({ days: step });
    this.lastFrom = DateTime.fromObject(
      { year: previous.year, month: previous.month, day: previous.day, hour: this.hour, minute: this.minute },
      { zone: this.zone },
    ).toMillis();
    this.lastNext = candidate.toMillis();
    return this.lastNext;
  }
}
