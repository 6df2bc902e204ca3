/**
 * Program presets in the style of well-known firms' published rulebooks. Each is plain program data
 * (a JSON file beside this one) parsed by the same schema as a firm's own program.
 */
import { parseProgram, type Program } from '../domain/program.js';
import twoStepStatic from './two-step-static.json' with { type: 'json' };

const sources: readonly unknown[] = [twoStepStatic];

export const presets: ReadonlyMap<string, Program> = new Map(
  sources.map((data) => {
    const program = parseProgram(data);
    return [program.id, program];
  }),
);

export function presetIds(): string[] {
  return [...presets.keys()].sort();
}

export function getPreset(id: string): Program | undefined {
  return presets.get(id);
}
