/** Challenge programs by id and version. A version never changes once stored. */
import type { Program } from '../domain/program.js';
import type { Page, PageRequest } from './page.js';

/** One stored version, as a listing names it. */
export interface ProgramVersionRef {
  readonly programId: string;
  readonly version: number;
}

export interface ProgramStore {
  /** The program version, or null when none is stored. */
  get(programId: string, version: number): Promise<Program | null>;
  /** The program's highest stored version (what a purchase without a version buys), or null. */
  latest(programId: string): Promise<Program | null>;
  /** Stores a new version; 'exists' when that version is already stored (it is never replaced). */
  put(program: Program): Promise<'stored' | 'exists'>;
  /** Every stored version, by program id then version, a page at a time. */
  list(page: PageRequest): Promise<Page<ProgramVersionRef>>;
}
