/**
 * Remembers the answer to each POST by its caller's Idempotency-Key, so a request resent after a timeout
 * or a dropped connection is answered, not applied twice.
 */
import type { HttpResponse } from '../http/problem.js';

export type IdempotencyClaim =
  /**
   * First time, or again after a `release`: go ahead, then `complete` (or `release` if it failed on our
   * side). `firstClaimedAt` is when the key was first claimed, the same for every resend: the request's
   * decision time, so a resend records the decision as the first attempt would have.
   */
  | { readonly state: 'new'; readonly firstClaimedAt: number }
  /** Answered before: send the same answer again. */
  | { readonly state: 'done'; readonly response: HttpResponse }
  /** Another attempt with this key has not finished yet. */
  | { readonly state: 'in-progress' }
  /** The key was used for a different request. */
  | { readonly state: 'mismatch' };

export interface IdempotencyStore {
  /** `fingerprint` identifies the request (method, path, body); `now` is epoch milliseconds. */
  claim(subject: string, key: string, fingerprint: string, now: number): Promise<IdempotencyClaim>;
  complete(subject: string, key: string, response: HttpResponse): Promise<void>;
  /** Opens a claimed key whose request failed on our side to a resend, which runs it again. */
  release(subject: string, key: string): Promise<void>;
}
