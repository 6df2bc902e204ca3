import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbKycCaseStore } from '../../shared/adapters/dynamodb/kyc-case-store.js';
import { keys } from '../../shared/adapters/dynamodb/table.js';
import type { KycCaseStore } from '../../shared/ports/kyc-cases.js';
import { applicantCreated, applyDecision, startCase, type KycCase } from '../../shared/workflows/kyc.js';
import { startDynamo, type LocalDynamo } from '../support/dynalite.js';
import { MemoryKycCaseStore } from '../support/kyc-doubles.js';

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynamo();
});

afterAll(async () => {
  await dynamo.close();
});

// The same checks on the adapter and on the double the unit tests use: the double must not drift.
const subjects: { readonly name: string; store(): KycCaseStore }[] = [
  { name: 'DynamoDbKycCaseStore on dynalite', store: () => new DynamoDbKycCaseStore(dynamo.client, dynamo.tableName) },
  { name: 'MemoryKycCaseStore', store: () => new MemoryKycCaseStore() },
];

const T0 = Date.parse('2026-03-03T10:00:00Z');
let sequence = 0;
/** A fresh trader per test, so the tests share one table without seeing each other's items. */
const unique = (prefix: string) => `${prefix}-${++sequence}`;

const opened = (traderId: string): KycCase => startCase(traderId, 'sumsub', T0).case;
const pending = (kycCase: KycCase): KycCase => applicantCreated(kycCase, `app-${kycCase.traderId}`, T0 + 1000).case;

describe.each(subjects)('$name', (subject) => {
  let store: KycCaseStore;

  beforeAll(() => {
    store = subject.store();
  });

  describe('cases', () => {
    it('are absent until saved', async () => {
      expect(await store.load(unique('trd'))).toBeUndefined();
    });

    it('are saved new at version 1, and a second new save conflicts and changes nothing', async () => {
      const kycCase = opened(unique('trd'));
      expect(await store.save(kycCase, null)).toBe('saved');
      expect(await store.load(kycCase.traderId)).toEqual({ case: kycCase, version: 1 });
      expect(await store.save(pending(kycCase), null)).toBe('conflict');
      expect(await store.load(kycCase.traderId)).toEqual({ case: kycCase, version: 1 });
    });

    it('take each save on the version loaded, which each save increments', async () => {
      const first = opened(unique('trd'));
      await store.save(first, null);
      const second = pending(first);
      expect(await store.save(second, 1)).toBe('saved');
      expect(await store.load(first.traderId)).toEqual({ case: second, version: 2 });
      const third = applyDecision(second, {
        provider: 'sumsub',
        applicantId: `app-${first.traderId}`,
        traderId: first.traderId,
        outcome: 'approved',
        reasons: [],
        decidedAt: T0 + 5000,
        eventId: 'ev-1',
      }).case;
      expect(await store.save(third, 2)).toBe('saved');
      expect(await store.load(first.traderId)).toEqual({ case: third, version: 3 });
    });

    it('refuse a save on a stale version, or on a version where none is stored', async () => {
      const kycCase = opened(unique('trd'));
      await store.save(kycCase, null);
      await store.save(pending(kycCase), 1);
      expect(await store.save({ ...kycCase, status: 'expired' }, 1)).toBe('conflict');
      expect(await store.load(kycCase.traderId)).toEqual({ case: pending(kycCase), version: 2 });
      expect(await store.save(opened(unique('trd')), 1)).toBe('conflict');
    });

    it('are saved once by two writers racing on one version', async () => {
      const kycCase = opened(unique('trd'));
      await store.save(kycCase, null);
      const outcomes = await Promise.all([store.save(pending(kycCase), 1), store.save({ ...kycCase, status: 'expired' }, 1)]);
      expect(outcomes.toSorted()).toEqual(['conflict', 'saved']);
      expect((await store.load(kycCase.traderId))?.version).toBe(2);
    });
  });

  describe('gates', () => {
    it('are kept once however often added, and taken once', async () => {
      const traderId = unique('trd');
      await store.save(opened(traderId), null);
      await store.addGate(traderId, 'gate-a');
      await store.addGate(traderId, 'gate-a');
      await store.addGate(traderId, 'gate-b');
      expect(await store.takeGates(traderId)).toEqual(['gate-a', 'gate-b']);
      expect(await store.takeGates(traderId)).toEqual([]);
      // The case beside the gates is not a gate, and taking gates leaves it.
      expect((await store.load(traderId))?.version).toBe(1);
    });

    it('are none for a trader without any', async () => {
      expect(await store.takeGates(unique('trd'))).toEqual([]);
    });

    it('are released once each when two callers take them at the same time', async () => {
      const traderId = unique('trd');
      const gateIds = Array.from({ length: 12 }, (_, index) => `purchase:${String(index).padStart(2, '0')}`);
      for (const gateId of gateIds) await store.addGate(traderId, gateId);
      const [first, second] = await Promise.all([store.takeGates(traderId), store.takeGates(traderId)]);
      expect([...first!, ...second!].toSorted()).toEqual(gateIds);
      expect(await store.takeGates(traderId)).toEqual([]);
    });

    it('of another trader are left alone, even one whose id extends this one', async () => {
      const traderId = unique('trd');
      const other = `${traderId}0`;
      await store.addGate(traderId, 'gate-a');
      await store.addGate(other, 'gate-x');
      expect(await store.takeGates(traderId)).toEqual(['gate-a']);
      expect(await store.takeGates(other)).toEqual(['gate-x']);
    });
  });
});

describe('the DynamoDB items', () => {
  const item = async (key: { pk: string; sk: string }) =>
    (await dynamo.client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: key.pk }, sk: { S: key.sk } }, ConsistentRead: true }))).Item;

  it('keep the case as JSON, its version, and its status for operators, without expiry', async () => {
    const store = new DynamoDbKycCaseStore(dynamo.client, dynamo.tableName);
    const kycCase = opened(unique('trd'));
    await store.save(kycCase, null);
    await store.save(pending(kycCase), 1);
    const stored = await item(keys.kycCase(kycCase.traderId));
    expect(stored).toMatchObject({ version: { N: '2' }, status: { S: 'pending' }, kycCase: { S: JSON.stringify(pending(kycCase)) } });
    expect(stored).not.toHaveProperty('expiresAt');
  });

  it('keep a gate under the trader’s partition', async () => {
    const traderId = unique('trd');
    await new DynamoDbKycCaseStore(dynamo.client, dynamo.tableName).addGate(traderId, 'phase:acc-1:funded');
    expect(await item(keys.kycGate(traderId, 'phase:acc-1:funded'))).toMatchObject({ gateId: { S: 'phase:acc-1:funded' } });
  });
});
