/** Listings come a page at a time; a cursor continues one. */
export interface Page<T> {
  readonly items: readonly T[];
  /** Absent on the last page. */
  readonly cursor?: string;
}

export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string;
}

/** A cursor a store did not give out (altered, or from another listing): the caller's mistake, not ours. */
export class InvalidCursorError extends Error {
  constructor() {
    super('the cursor is not one this listing gave out');
    this.name = 'InvalidCursorError';
  }
}
