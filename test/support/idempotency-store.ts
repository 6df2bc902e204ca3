/** An IdempotencyStore in memory, with the DynamoDB store's answers (no expiry: tests are short). */
import type { HttpResponse } from '../../shared/http/problem.js';
import type { IdempotencyClaim, IdempotencyStore } from '../../shared/ports/idempotency-store.js';

export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly entries = new Map<string, { fingerprint: string; response?: HttpResponse }>();

  async claim(subject: string, key: string, fingerprint: string): Promise<IdempotencyClaim> {
    const entry = this.entries.get(`${subject}#${key}`);
    if (entry === undefined) {
      this.entries.set(`${subject}#${key}`, { fingerprint });
      return { state: 'new' };
    }
    if (entry.fingerprint !== fingerprint) return { state: 'mismatch' };
    return entry.response === undefined ? { state: 'in-progress' } : { state: 'done', response: entry.response };
  }

  async complete(subject: string, key: string, response: HttpResponse): Promise<void> {
    this.entries.get(`${subject}#${key}`)!.response = response;
  }

  async release(subject: string, key: string): Promise<void> {
    this.entries.delete(`${subject}#${key}`);
  }
}
