/**
 * Where records the evaluator cannot apply go, with the reason: an operator lists them, corrects and
 * replays them. quarantine() resolves once every entry is kept; keeping one twice is harmless.
 */
import type { Quarantined } from '../stream/decode-record.js';

export interface QuarantineSink {
  quarantine(entries: readonly Quarantined[]): Promise<void>;
}
