/** Answers and query shapes the routes share. */
import { z } from 'zod';
import { PROBLEM, problem } from '../http/problem.js';
import { InvalidCursorError, type Page, type PageRequest } from '../ports/page.js';
import type { RouteAnswer } from './route.js';

export const invalid = (pointer: string, message: string): RouteAnswer<never> => ({
  response: problem({ type: `${PROBLEM}validation-failed`, title: 'Validation failed', status: 422, detail: `${pointer}: ${message}.`, errors: [{ pointer, message }] }),
});

export const notFound = (what: string): RouteAnswer<never> => ({
  response: problem({ type: `${PROBLEM}not-found`, title: 'Not found', status: 404, detail: `${what} does not exist.` }),
});

/**
 * 409 for a move a desk item's state does not allow (another analyst may have moved it): `kind` names the
 * problem type (`<kind>-move-not-allowed`), `where` describes the item as it is ("The flag is resolved as
 * confirmed (by anna)").
 */
export const moveNotAllowed = (kind: string, where: string, allowed: readonly string[]): RouteAnswer<never> => ({
  response: problem({
    type: `${PROBLEM}${kind}-move-not-allowed`,
    title: 'Move not allowed',
    status: 409,
    detail: `${where}; from there it may go to ${allowed.length === 0 ? 'no other state' : allowed.join(' or ')}.`,
  }),
});

/** `?limit=&cursor=` of every paged listing. */
export const PageQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().max(4096).optional() });
export type PageQuery = z.output<typeof PageQuery>;

/** A paged answer's body, for a listing of `item`. */
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), cursor: z.string().optional() });

export interface PageBody<T> {
  items: T[];
  cursor?: string;
}

/**
 * Reads one page with the query's limit and cursor and maps its items; a cursor the store did not give
 * out is the caller's mistake (422 on `/query/cursor`), not ours.
 */
export async function pageAnswer<S, T>(query: { readonly limit: number; readonly cursor?: string | undefined }, read: (request: PageRequest) => Promise<Page<S>>, map: (items: readonly S[]) => Promise<T[]> | T[]): Promise<RouteAnswer<PageBody<T>>> {
  let page: Page<S>;
  try {
    page = await read({ limit: query.limit, ...(query.cursor === undefined ? {} : { cursor: query.cursor }) });
  } catch (error) {
    if (error instanceof InvalidCursorError) return invalid('/query/cursor', error.message);
    throw error;
  }
  return { ok: { items: await map(page.items), ...(page.cursor === undefined ? {} : { cursor: page.cursor }) } };
}
