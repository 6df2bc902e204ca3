/**
 * A function's environment, read once per cold start against its zod schema. The error names every
 * variable at fault and why, never a value (some are secrets): a misconfigured function cannot serve.
 */
import type { z } from 'zod';

/** Each issue as `VARIABLE: why` (or just why, for a rule over several variables). */
export const issuesOf = (error: z.ZodError): string[] =>
  error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message));

export function parseEnvironment<S extends z.ZodType>(functionName: string, schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new Error(`${functionName} environment: ${issuesOf(parsed.error).join('; ')}`);
  return parsed.data;
}
