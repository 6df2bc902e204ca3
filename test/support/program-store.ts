/** A ProgramStore in memory, with the DynamoDB store's semantics: versions never replaced, listed in order. */
import type { Program } from '../../shared/domain/program.js';
import { InvalidCursorError, type Page, type PageRequest } from '../../shared/ports/page.js';
import type { ProgramStore, ProgramVersionRef } from '../../shared/ports/program-store.js';

const keyOf = (programId: string, version: number) => `${programId}#${String(version).padStart(6, '0')}`;

export class MemoryProgramStore implements ProgramStore {
  readonly programs = new Map<string, Program>();

  constructor(programs: readonly Program[] = []) {
    for (const program of programs) this.programs.set(keyOf(program.id, program.version), program);
  }

  async get(programId: string, version: number): Promise<Program | null> {
    return this.programs.get(keyOf(programId, version)) ?? null;
  }

  async latest(programId: string): Promise<Program | null> {
    const versions = [...this.programs.values()].filter((program) => program.id === programId);
    return versions.sort((a, b) => b.version - a.version)[0] ?? null;
  }

  async put(program: Program): Promise<'stored' | 'exists'> {
    const key = keyOf(program.id, program.version);
    if (this.programs.has(key)) return 'exists';
    this.programs.set(key, program);
    return 'stored';
  }

  /** The cursor is the last key of the page, as DynamoDB's LastEvaluatedKey would be. */
  async list({ limit, cursor }: PageRequest): Promise<Page<ProgramVersionRef>> {
    if (cursor !== undefined && !/^[a-z0-9-]+#\d{6}$/.test(cursor)) throw new InvalidCursorError();
    const all = [...this.programs.keys()].sort().filter((key) => cursor === undefined || key > cursor);
    const page = all.slice(0, limit);
    const items = page.map((key) => ({ programId: key.split('#')[0]!, version: Number(key.split('#')[1]) }));
    return { items, ...(all.length > limit ? { cursor: page.at(-1)! } : {}) };
  }
}
