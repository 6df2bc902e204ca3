/**
 * The firm's news calendar: the news rules and the news-abuse detector read it (through a cache of a
 * minute, so an edit reaches them within that). The risk desk reads it; admins replace it whole, audited.
 */
import { z } from 'zod';
import { NewsCalendar } from '../../domain/news.js';
import { route } from '../route.js';
import type { ApiDeps } from '../routes.js';
import { auditEntry } from './audit.js';

/** Where the calendar is kept (DynamoDbNewsCalendar): as written, and replaced whole. */
export interface NewsCalendarStore {
  /** The stored calendar as it was written (ISO times), or null before the first. */
  calendar(): Promise<unknown | null>;
  /** Replaces it; throws when it is not a NewsCalendar. */
  put(calendar: unknown): Promise<void>;
}

const TAG = 'News calendar';
const PATH = '/v1/news-calendar';

/** The calendar as stored and answered: every event with its time as ISO 8601 (UTC) and its impact. */
const NewsCalendarView = z.object({
  events: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      time: z.iso.datetime(),
      impact: z.enum(['low', 'medium', 'high']),
      symbols: z.array(z.string()).describe('"*" affects every symbol'),
    }),
  ),
});
type NewsCalendarView = z.output<typeof NewsCalendarView>;

/** A parsed calendar in the form it is stored and answered: times back to ISO 8601, defaults filled in. */
function viewOf(calendar: z.output<typeof NewsCalendar>): NewsCalendarView {
  return { events: calendar.events.map((event) => ({ id: event.id, title: event.title, time: new Date(event.time).toISOString(), impact: event.impact, symbols: [...event.symbols] })) };
}

export const newsCalendarRoutes = [
  route<ApiDeps, undefined, undefined, undefined, NewsCalendarView>({
    method: 'GET',
    path: PATH,
    summary: 'The news calendar the news rules and the news-abuse detector read (an empty one before the first is stored)',
    tag: TAG,
    access: ['risk', 'admin'],
    response: NewsCalendarView,
    handle: async (_input, { newsCalendar }) => {
      const stored = await newsCalendar.calendar();
      return { ok: stored === null ? { events: [] } : viewOf(NewsCalendar.parse(stored)) };
    },
  }),

  route<ApiDeps, undefined, undefined, z.output<typeof NewsCalendar>, NewsCalendarView>({
    method: 'PUT',
    path: PATH,
    summary: 'Replace the news calendar whole; the rules and detectors see it within a minute; audited',
    tag: TAG,
    access: ['admin'],
    body: NewsCalendar,
    response: NewsCalendarView,
    handle: async ({ body, caller, decision }, { newsCalendar, audit }) => {
      const calendar = viewOf(body);
      await newsCalendar.put(calendar);
      await audit.append(
        auditEntry(caller!, decision!, {
          action: 'newsCalendar.replaced',
          target: { kind: 'newsCalendar', id: 'news-calendar' },
          reason: null,
          details: { events: calendar.events.length },
        }),
      );
      return { ok: calendar };
    },
  }),
];
