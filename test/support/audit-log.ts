/**
 * An AuditLog in memory, with the DynamoDB log's answers: kept by time then id, newest first, the same
 * filters and range checks. The cursor names the last entry given out, as DynamoDB's key would.
 */
import { auditQueryDays, type AuditEntry, type AuditLog, type AuditQuery } from '../../shared/ports/audit-log.js';
import { InvalidCursorError, type Page, type PageRequest } from '../../shared/ports/page.js';

/** `<normalised time>#<id>`, the DynamoDB sort key, so that both order entries alike. */
function sortKeyOf(entry: AuditEntry): string {
  const time = new Date(entry.time);
  if (Number.isNaN(time.getTime())) throw new RangeError(`audit entry ${entry.id} has no valid time: "${entry.time}"`);
  return `${time.toISOString()}#${entry.id}`;
}

/** Newest first, comparing UTF-8 bytes as DynamoDB compares sort keys. */
const newestFirst = (a: string, b: string): number => Buffer.compare(Buffer.from(b), Buffer.from(a));

export class MemoryAuditLog implements AuditLog {
  /** Every entry kept, in the order appended. */
  readonly entries: AuditEntry[] = [];

  async append(entry: AuditEntry): Promise<void> {
    const sortKey = sortKeyOf(entry);
    if (!this.entries.some((kept) => sortKeyOf(kept) === sortKey)) this.entries.push(entry);
  }

  async query(query: AuditQuery, { limit, cursor }: PageRequest): Promise<Page<AuditEntry>> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a page holds at least one entry; the limit was ${limit}`);
    const days = auditQueryDays(query);
    const after = cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8');
    if (after !== undefined && !(/^\d{4}-\d{2}-\d{2}T[^#]+Z#/.test(after) && days.includes(after.slice(0, 10)))) throw new InvalidCursorError();
    const matching = this.entries
      .map((entry) => ({ entry, sortKey: sortKeyOf(entry) }))
      .filter(({ entry, sortKey }) =>
        days.includes(sortKey.slice(0, 10)) &&
        (query.actor === undefined || entry.actor.subject === query.actor) &&
        (query.targetId === undefined || entry.target.id === query.targetId) &&
        (query.action === undefined || entry.action === query.action) &&
        (after === undefined || newestFirst(after, sortKey) < 0),
      )
      .sort((a, b) => newestFirst(a.sortKey, b.sortKey));
    const page = matching.slice(0, limit);
    const more = matching.length > limit;
    return { items: page.map(({ entry }) => entry), ...(more ? { cursor: Buffer.from(page.at(-1)!.sortKey).toString('base64url') } : {}) };
  }
}
