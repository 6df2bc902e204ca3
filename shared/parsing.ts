/**
 * Parsing text against the domain's zod schemas with problems a person can act on: each names the
 * field path (and the line, for line-based input). Used wherever untrusted input enters: replay files,
 * stream records.
 */
import type { z } from 'zod';

export interface Problem {
  /** 1-based line in the file; null when the problem is not on one line. */
  readonly line: number | null;
  /** Field path such as `phases[0].rules[1].limit.bps`; empty for the whole value. */
  readonly path: string;
  readonly message: string;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: Problem[] };

export function pathOf(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : text === '' ? String(key) : `.${String(key)}`;
  return text;
}

type Issue = z.core.$ZodIssue;

/**
 * A union's own issue only says that no option matched. The option with the fewest issues is the
 * one the author meant, so its issues name the field that is wrong (union issues hold relative paths).
 */
function closestIssues(issue: Issue, at: readonly PropertyKey[]): { path: PropertyKey[]; message: string }[] {
  const path = [...at, ...issue.path];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [{ path, message: issue.message }];
  const closest = issue.errors.reduce((best, option) => (option.length < best.length ? option : best));
  return closest.flatMap((inner) => closestIssues(inner, path));
}

function problemsOf(error: z.ZodError, line: number | null): Problem[] {
  return error.issues.flatMap((issue) => closestIssues(issue, [])).map(({ path, message }) => ({ line, path: pathOf(path), message }));
}

function parseJson(text: string, line: number | null): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, problems: [{ line, path: '', message: `not valid JSON: ${(error as Error).message}` }] };
  }
}

export function parseWith<T>(schema: z.ZodType<T>, text: string, line: number | null): Parsed<T> {
  const json = parseJson(text, line);
  if (!json.ok) return json;
  const result = schema.safeParse(json.value);
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: problemsOf(result.error, line) };
}
