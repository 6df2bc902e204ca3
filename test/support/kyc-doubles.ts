/**
 * The KYC ports in memory, with the DynamoDB adapter's semantics (test/integration/kyc-case-store.test.ts
 * runs the same checks on both): a save is conditional on the version loaded (null: none stored), each
 * save increments it, a gate is kept once however often added, and a gate is released by the one call
 * that removes it, even when two calls take gates at once.
 */
import type { KycCaseStore, StoredKycCase } from '../../shared/ports/kyc-cases.js';
import type { KycCase } from '../../shared/workflows/kyc.js';

export class MemoryKycCaseStore implements KycCaseStore {
  readonly cases = new Map<string, StoredKycCase>();
  readonly gates = new Map<string, Set<string>>();

  async load(traderId: string): Promise<StoredKycCase | undefined> {
    const stored = this.cases.get(traderId);
    return stored && structuredClone(stored);
  }

  async save(kycCase: KycCase, version: number | null): Promise<'saved' | 'conflict'> {
    const stored = this.cases.get(kycCase.traderId)?.version ?? null;
    if (stored !== version) return 'conflict';
    this.cases.set(kycCase.traderId, { case: structuredClone(kycCase), version: (version ?? 0) + 1 });
    return 'saved';
  }

  async addGate(traderId: string, gateId: string): Promise<void> {
    const gates = this.gates.get(traderId) ?? new Set<string>();
    gates.add(gateId);
    this.gates.set(traderId, gates);
  }

  async takeGates(traderId: string): Promise<readonly string[]> {
    // Listed, then removed one by one after a turn of the event loop, as the adapter queries then
    // deletes: a concurrent caller may list the same gates, and only the one that removes a gate gets it.
    const listed = [...(this.gates.get(traderId) ?? [])].sort();
    await Promise.resolve();
    const gates = this.gates.get(traderId);
    return listed.filter((gateId) => gates?.delete(gateId) === true);
  }
}
