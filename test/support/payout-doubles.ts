/**
 * A PayoutLedger in memory, with the DynamoDB ledger's answers: a number is claimed once per account, ids
 * this ledger never gave out read as absent, an account lists newest first and a state oldest first by
 * `<requested ISO time>#<payout id>` as the adapter's index does, moves follow PAYOUT_MOVES on the condition of
 * the state they leave, and cursors are opaque and checked. test/integration/payout-ledger.test.ts runs the
 * same checks on both.
 */
import { checkPayoutMove, checkPayoutRecord, movedRecord, payoutListingSortKey } from '../../shared/adapters/dynamodb/payout-ledger.js';
import { InvalidCursorError, type Page, type PageRequest } from '../../shared/ports/page.js';
import { parsePayoutId, type MoveResult, type PayoutChange, type PayoutLedger, type PayoutRecord, type PayoutState } from '../../shared/ports/payouts.js';

/** Ascending, comparing UTF-8 bytes as DynamoDB compares sort keys. */
const ascending = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

type Listing = { readonly kind: 'account'; readonly accountId: string } | { readonly kind: 'state'; readonly state: PayoutState };

export class MemoryPayoutLedger implements PayoutLedger {
  /** Every record, by payout id, stored as JSON as the adapter keeps it. */
  private readonly records = new Map<string, string>();
  /** Every cursor given out: the listing it continues and the sort key it continues after. */
  private readonly cursors = new Map<string, { readonly listing: Listing; readonly after: string }>();
  private issued = 0;

  constructor(records: readonly PayoutRecord[] = []) {
    for (const record of records) {
      checkPayoutRecord(record);
      this.records.set(record.payoutId, JSON.stringify(record));
    }
  }

  async create(record: PayoutRecord): Promise<boolean> {
    checkPayoutRecord(record);
    if (this.records.has(record.payoutId)) return false;
    this.records.set(record.payoutId, JSON.stringify(record));
    return true;
  }

  async get(payoutId: string): Promise<PayoutRecord | undefined> {
    return this.read(payoutId);
  }

  async listForAccount(accountId: string, page: PageRequest): Promise<Page<PayoutRecord>> {
    const numberKey = (record: PayoutRecord): string => String(record.number).padStart(6, '0');
    const records = this.all()
      .filter((record) => record.accountId === accountId)
      .map((record) => ({ record, key: numberKey(record) }))
      .sort((a, b) => ascending(b.key, a.key));
    return this.page({ kind: 'account', accountId }, records, page, (key, after) => ascending(key, after) < 0);
  }

  async listByState(state: PayoutState, page: PageRequest): Promise<Page<PayoutRecord>> {
    const records = this.all()
      .filter((record) => record.state === state)
      .map((record) => ({ record, key: payoutListingSortKey(record) }))
      .sort((a, b) => ascending(a.key, b.key));
    return this.page({ kind: 'state', state }, records, page, (key, after) => ascending(key, after) > 0);
  }

  async move(payoutId: string, from: PayoutState, to: PayoutState, change: PayoutChange, at: number): Promise<MoveResult> {
    checkPayoutMove(from, to);
    // Read and written with no await between: the check and the write are one step, as the condition makes them.
    const current = this.read(payoutId);
    if (current === undefined || current.state !== from) return { moved: false, record: current };
    const record = movedRecord(current, to, change, at);
    this.records.set(payoutId, JSON.stringify(record));
    return { moved: true, record: JSON.parse(JSON.stringify(record)) as PayoutRecord };
  }

  private read(payoutId: string): PayoutRecord | undefined {
    if (parsePayoutId(payoutId) === undefined) return undefined;
    const stored = this.records.get(payoutId);
    return stored === undefined ? undefined : (JSON.parse(stored) as PayoutRecord);
  }

  private all(): PayoutRecord[] {
    return [...this.records.values()].map((stored) => JSON.parse(stored) as PayoutRecord);
  }

  /** A page of the sorted records, after the cursor's key; `follows` says whether a key comes after it. */
  private page(
    listing: Listing,
    sorted: readonly { readonly record: PayoutRecord; readonly key: string }[],
    { limit, cursor }: PageRequest,
    follows: (key: string, after: string) => boolean,
  ): Page<PayoutRecord> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a page holds at least one payout; the limit was ${limit}`);
    const from = cursor === undefined ? undefined : this.cursors.get(cursor);
    if (cursor !== undefined && (from === undefined || JSON.stringify(from.listing) !== JSON.stringify(listing))) throw new InvalidCursorError();
    const remaining = from === undefined ? sorted : sorted.filter(({ key }) => follows(key, from.after));
    const page = remaining.slice(0, limit);
    const items = page.map(({ record }) => record);
    if (remaining.length <= limit) return { items };
    const next = Buffer.from(JSON.stringify([++this.issued, page.at(-1)!.key])).toString('base64url');
    this.cursors.set(next, { listing, after: page.at(-1)!.key });
    return { items, cursor: next };
  }
}
