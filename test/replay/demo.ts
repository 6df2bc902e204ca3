/** The shipped demo stream, parsed as the CLI parses it, and what each of its accounts is built to show. */
import { readFileSync } from 'node:fs';
import type { TradeEvent } from '../../shared/domain/events.js';
import { getPreset } from '../../shared/presets/index.js';
import { parseEventLines } from '../../shared/replay/inputs.js';

export const demoProgram = getPreset('two-step-static')!;

export const demoAccounts = { passes: '5210341', failsDailyLoss: '5210342', warnedSurvives: '5210343', failsMaxLoss: '5210344' } as const;

function load(): TradeEvent[] {
  const parsed = parseEventLines(readFileSync(new URL('../../events/samples/demo.jsonl', import.meta.url), 'utf8'));
  if (!parsed.ok) throw new Error(`demo.jsonl is invalid: ${JSON.stringify(parsed.problems.slice(0, 3))}`);
  return parsed.value;
}

export const demoEvents = load();
