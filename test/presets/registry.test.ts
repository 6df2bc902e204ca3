import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProgram } from '../../shared/domain/program.js';
import { presetIds, presets } from '../../shared/presets/index.js';

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
});
