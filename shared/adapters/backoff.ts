/**
 * Retrying the part of a batch call an AWS service refused (throttling, internal errors): every
 * adapter tries up to MAX_ATTEMPTS times, waiting base, 2 x base, 4 x base, ... between attempts. The
 * pause is a parameter so tests do not wait.
 */
export type Pause = (ms: number) => Promise<void>;

export const MAX_ATTEMPTS = 8;

export const sleep: Pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits before attempt `attempt` (1 is the first, which does not wait). */
export async function backOff(attempt: number, baseMs: number, pause: Pause): Promise<void> {
  if (attempt > 1) await pause(baseMs * 2 ** (attempt - 2));
}
