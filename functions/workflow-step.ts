/**
 * What every workflow's steps function shares: one Lambda per state machine, one `step` per Task state. The
 * payload is parsed against the steps' schema; one the state machine built wrongly is a bug in the definition,
 * so it fails as `InvalidStepInput`, which no definition retries.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import type { Powertools } from './powertools.js';

export type StepHandler = (input: unknown, context: Context) => Promise<unknown>;

/** What a Catch hands the state after it (ResultPath's Error and Cause): the failure a record-failure step records. */
export const CaughtFailure = z.object({ Error: z.string(), Cause: z.string().default('') });

/** `run` does the parsed step; `logKeys` are appended to every log line of the invocation (the step's name always). */
export function createStepHandler<S extends z.ZodType<{ readonly step: string }>>(
  name: string,
  schema: S,
  run: (request: z.output<S>) => Promise<unknown>,
  { logger, middlewares }: Powertools,
  logKeys: (request: z.output<S>) => Record<string, string> = () => ({}),
): StepHandler {
  return middy<unknown, unknown>()
    .use(middlewares)
    .handler(async (input) => {
      const parsed = schema.safeParse(input);
      if (!parsed.success) throw Object.assign(new Error(`${name} step input: ${parsed.error.message}`), { name: 'InvalidStepInput' });
      logger.appendKeys({ step: parsed.data.step, ...logKeys(parsed.data) });
      return run(parsed.data);
    });
}
