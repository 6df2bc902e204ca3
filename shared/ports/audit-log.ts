/**
 * Who decided what, when and why: every decision staff make through the API (a program version created,
 * an account override requested, a risk-queue item acknowledged or resolved) is appended here and never
 * changed, so the risk desk and admins can answer for it later.
 */
import type { Page, PageRequest } from './page.js';

export interface AuditActor {
  readonly subject: string;
  readonly roles: readonly string[];
}

export interface AuditEntry {
  /** Unique and deterministic per decision (the API derives it from the caller and the Idempotency-Key), so a retried request appends nothing new. */
  readonly id: string;
  /** ISO 8601 instant with Z, when the decision was made. */
  readonly time: string;
  readonly actor: AuditActor;
  /** What was decided, e.g. 'program.versionCreated', 'account.overrideRequested', 'riskQueue.itemUpdated'. */
  readonly action: string;
  /** What it was about: kind and id, e.g. { kind: 'account', id: 'acc-1' }. */
  readonly target: { readonly kind: string; readonly id: string };
  /** The mandatory reason staff gave, or null where none is asked for. */
  readonly reason: string | null;
  /** JSON-safe details of the decision. */
  readonly details: Readonly<Record<string, unknown>>;
}

export interface AuditQuery {
  /** Inclusive UTC days, YYYY-MM-DD, from <= to, at most MAX_AUDIT_QUERY_DAYS of them. */
  readonly from: string;
  readonly to: string;
  /** Only entries whose actor.subject equals this. */
  readonly actor?: string;
  /** Only entries whose target.id equals this. */
  readonly targetId?: string;
  /** Only entries with this action. */
  readonly action?: string;
}

export interface AuditLog {
  /**
   * Appends the entry; appending an id already stored at the same time changes nothing (the first stays).
   * Entries are kept by time, then id: a retry must carry the decision's original time as well as its id.
   */
  append(entry: AuditEntry): Promise<void>;
  /** Entries in [from, to], newest first, page by page; a page may hold fewer than `limit` and still have a cursor. */
  query(query: AuditQuery, page: PageRequest): Promise<Page<AuditEntry>>;
}

/** A quarter: every query reads each of its days, so the range bounds the work of one listing. */
export const MAX_AUDIT_QUERY_DAYS = 92;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The query's days, newest first; a RangeError when they are not UTC days in order or span too many. */
export function auditQueryDays({ from, to }: Pick<AuditQuery, 'from' | 'to'>): string[] {
  const first = startOfDay(from);
  const last = startOfDay(to);
  if (first > last) throw new RangeError(`an audit query's from (${from}) must not be after its to (${to})`);
  const count = (last - first) / DAY_MS + 1;
  if (count > MAX_AUDIT_QUERY_DAYS) throw new RangeError(`an audit query covers at most ${MAX_AUDIT_QUERY_DAYS} days; ${from} to ${to} is ${count}`);
  return Array.from({ length: count }, (_, back) => new Date(last - back * DAY_MS).toISOString().slice(0, 10));
}

function startOfDay(day: string): number {
  const time = Date.parse(`${day}T00:00:00Z`);
  // Date.parse rolls 2026-02-30 over to March; the round trip refuses it.
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== day) {
    throw new RangeError(`"${day}" is not a UTC day (YYYY-MM-DD)`);
  }
  return time;
}
