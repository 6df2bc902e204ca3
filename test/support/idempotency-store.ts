/** An IdempotencyStore in memory, with the DynamoDB store's answers (no expiry: tests are short). */
import type { HttpResponse } from '../../shared/http/problem.js';
import type { IdempotencyClaim, IdempotencyStore } from '../../shared/ports/idempotency-store.js';

interface Entry {
  readonly fingerprint: string;
  readonly firstClaimedAt: number;
  released: boolean;
  response?: HttpResponse;
}

export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly entries = new Map<string, Entry>();

  async claim(subject: string, key: string, fingerprint: string, now: number): Promise<IdempotencyClaim> {
    const entry = this.entries.get(`${subject}#${key}`);
    if (entry === undefined) {
      this.entries.set(`${subject}#${key}`, { fingerprint, firstClaimedAt: now, released: false });
      return { state: 'new', firstClaimedAt: now };
    }
    if (entry.fingerprint !== fingerprint) return { state: 'mismatch' };
    if (entry.released) {
      entry.released = false;
      return { state: 'new', firstClaimedAt: entry.firstClaimedAt };
    }
    return entry.response === undefined ? { state: 'in-progress' } : { state: 'done', response: entry.response };
  }

  async complete(subject: string, key: string, response: HttpResponse): Promise<void> {
    this.entries.get(`${subject}#${key}`)!.response = response;
  }

  async release(subject: string, key: string): Promise<void> {
    this.entries.get(`${subject}#${key}`)!.released = true;
  }
}
