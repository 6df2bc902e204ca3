/**
 * Callbacks into waiting workflows. A workflow step that must wait for the outside world (a bridge, a KYC
 * provider, a payout processor, an analyst) stores its Step Functions task token under a correlation id
 * the outside world will name (a request id, an applicant id, a payout id) and ends; the answer arrives as
 * an event, the token is taken by that id, and the workflow resumes. Tokens never leave Propdesk.
 */
export interface TaskTokenStore {
  /** Stores the token under `correlationId` until `expiresAt` (epoch ms); a later save replaces it. */
  save(correlationId: string, token: string, expiresAt: number): Promise<void>;
  /** The token, removed so a second answer finds none; undefined when nobody waits. */
  take(correlationId: string): Promise<string | undefined>;
}

/** SendTaskSuccess and SendTaskFailure. False when the task no longer waits (timed out, or already answered). */
export interface TaskCallbacks {
  succeed(token: string, output: unknown): Promise<boolean>;
  fail(token: string, error: string, cause: string): Promise<boolean>;
}
