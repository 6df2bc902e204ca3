import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PayoutPolicy } from '../../shared/domain/payout-policy.js';
import { parseProgram, Program } from '../../shared/domain/program.js';
import { presetIds, presets } from '../../shared/presets/index.js';
import { splitPayout } from '../../shared/workflows/payouts.js';

const directory = new URL('../../shared/presets/', import.meta.url);
const files = readdirSync(directory).filter((name) => name.endsWith('.json'));
const raw = files.map((name) => ({ name, data: JSON.parse(readFileSync(new URL(name, directory), 'utf8')) as unknown }));

describe('preset registry', () => {
  it('has at least nine presets', () => {
    expect(presetIds().length).toBeGreaterThanOrEqual(9);
  });

  it.each(raw)('$name parses and is named after its id', ({ name, data }) => {
    const program = parseProgram(data);
    expect(`${program.id}.json`).toBe(name);
    expect(program.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('registers every preset file exactly once, so ids are unique', () => {
    const ids = raw.map(({ data }) => parseProgram(data).id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(presetIds()).toEqual([...ids].sort());
  });

  it.each([...presets.values()])('$id cites the rulebook it follows', (program) => {
    expect(program.basedOn).toBeDefined();
    expect(program.basedOn).toMatch(/Sources?( \([^)]*\))?: /);
    expect(program.basedOn).toMatch(/\b[a-z0-9-]+(\.[a-z0-9-]+)+\/\S+/);
  });

  it.each([...presets.values()])('$id pays its funded phase by a policy that parses on its own', (program) => {
    const funded = program.phases.filter((phase) => phase.kind === 'funded');
    expect(funded.length).toBeGreaterThan(0);
    for (const phase of funded) {
      expect(phase.payouts, phase.id).toBeDefined();
      const policy = PayoutPolicy.parse(phase.payouts);
      expect(policy).toEqual(phase.payouts);
      // Realistic: a minimum of at most 2% of the account and a split the trader mostly keeps.
      expect(policy.minAmount).toBeLessThanOrEqual(program.initialBalance / 50);
      expect(splitPayout(policy, policy.minAmount, 1).traderShareBps).toBeGreaterThanOrEqual(5000);
      if (policy.scaling !== undefined) expect(policy.scaling.maxInitialBalance).toBeGreaterThan(program.initialBalance);
    }
    for (const phase of program.phases.filter((phase) => phase.kind === 'evaluation')) expect(phase.payouts, phase.id).toBeUndefined();
  });

  it('gives the FTMO-style preset FTMO’s published cycle, split and scaling plan', () => {
    const payouts = presets.get('two-step-static')!.phases.find((phase) => phase.kind === 'funded')!.payouts!;
    expect(payouts).toMatchObject({ firstAfterDays: 14, everyDays: 14, minTradingDays: 0, maxRiskScore: 100 });
    expect([1, 4, 5, 9].map((n) => splitPayout(payouts, 100_000, n).traderShareBps)).toEqual([8000, 8000, 9000, 9000]);
    expect(payouts.scaling).toEqual({ everyMonths: 4, minProfitBps: 1000, minPayouts: 2, increaseBps: 2500, maxInitialBalance: 200_000_000 });
  });

  it('refuses payouts on an evaluation phase, and a funded policy that does not parse', () => {
    const data = JSON.parse(readFileSync(new URL('two-step-static.json', directory), 'utf8')) as { phases: Record<string, unknown>[] };
    const policy = data.phases[2]!['payouts'];
    const onEvaluation = structuredClone(data);
    onEvaluation.phases[0]!['payouts'] = policy;
    const refused = Program.safeParse(onEvaluation);
    expect(refused.error?.issues).toEqual([expect.objectContaining({ message: 'only a funded phase has payouts', path: ['phases', 0, 'payouts'] })]);

    const badLadder = structuredClone(data);
    badLadder.phases[2]!['payouts'] = { ...(policy as object), split: [{ fromPayout: 2, traderShareBps: 8000 }] };
    expect(Program.safeParse(badLadder).error?.issues.map((issue) => issue.path.join('.'))).toEqual(['phases.2.payouts.split']);

    const without = structuredClone(data);
    delete without.phases[2]!['payouts'];
    expect(parseProgram(without).phases[2]!.payouts).toBeUndefined();
  });
});
