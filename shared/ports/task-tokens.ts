/**
 * Callbacks into waiting workflows. A workflow step that must wait for the outside world (a bridge, a KYC
 * provider, a payout processor, an analyst) stores its Step Functions task token under a correlation id
 * the outside world will name (a request id, an applicant id, a payout id) and ends; the answer arrives as
 * an event, the token is taken by that id, and the workflow resumes. Tokens never leave Propdesk.
 */
export interface TaskTokenStore {
  /** Stores the token under `correlationId` until `expiresAt` (epoch ms); a later save replaces it. */
  save(correlationId: string, token: string, expiresAt: number): Promise<void>;
  /**
   * Stores the token unless another one is stored and has not expired at `now` (epoch ms): of two executions
   * that would wait under one id, one waits. False, storing nothing, when another waits.
   */
  saveIfFree(correlationId: string, token: string, expiresAt: number, now: number): Promise<boolean>;
  /** The token; undefined when nobody waits (answered already, or, given `now`, past its expiry). */
  find(correlationId: string, now?: number): Promise<string | undefined>;
  /**
   * Forgets the token once its task has been answered. Found, answered, then discarded: an answer whose
   * handling fails halfway is retried and finds the token still there (Step Functions refuses a second answer).
   */
  discard(correlationId: string): Promise<void>;
}

/** SendTaskSuccess and SendTaskFailure. False when the task no longer waits (timed out, or already answered). */
export interface TaskCallbacks {
  succeed(token: string, output: unknown): Promise<boolean>;
  fail(token: string, error: string, cause: string): Promise<boolean>;
}
