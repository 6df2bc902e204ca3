/**
 * Traders' KYC cases (shared/workflows/kyc.ts), one per trader, saved on the condition of the version
 * loaded: the webhook, the workflow and a reminder racing for one case cannot lose each other's change.
 * Beside the case, the gates waiting for its verdict: purchases of a funded phase that may not activate
 * before the trader is verified (their task tokens are in the TaskTokenStore, under the gate's id).
 */
import type { KycCase } from '../workflows/kyc.js';

export interface StoredKycCase {
  readonly case: KycCase;
  /** Incremented by every save; the condition for the next one. */
  readonly version: number;
}

export interface KycCaseStore {
  load(traderId: string): Promise<StoredKycCase | undefined>;
  /** Saves if the stored version is still `version` (null: if none is stored); 'conflict' changes nothing. */
  save(kycCase: KycCase, version: number | null): Promise<'saved' | 'conflict'>;
  /** Records a gate waiting for the trader's verdict; adding one twice keeps one. */
  addGate(traderId: string, gateId: string): Promise<void>;
  /** The gates waiting, removed: each is released once. */
  takeGates(traderId: string): Promise<readonly string[]>;
}
