/**
 * Program presets in the style of well-known firms' published rulebooks. Each is plain program data
 * (a JSON file beside this one) parsed by the same schema as a firm's own program.
 */
import { parseProgram, type Program } from '../domain/program.js';
import consistencyExtendTarget from './consistency-extend-target.json' with { type: 'json' };
import consistencyGatedPass from './consistency-gated-pass.json' with { type: 'json' };
import futuresEodTrailingLockInitial from './futures-eod-trailing-lock-initial.json' with { type: 'json' };
import futuresEodTrailingLockPlus100 from './futures-eod-trailing-lock-plus-100.json' with { type: 'json' };
import instantFundedBalanceTrailing from './instant-funded-balance-trailing.json' with { type: 'json' };
import intradayTrailing from './intraday-trailing.json' with { type: 'json' };
import oneStepEodTrailing from './one-step-eod-trailing.json' with { type: 'json' };
import softDailyPause from './soft-daily-pause.json' with { type: 'json' };
import twoStepHigherOfBalanceEquity from './two-step-higher-of-balance-equity.json' with { type: 'json' };
import twoStepProfitableDays from './two-step-profitable-days.json' with { type: 'json' };
import twoStepStatic from './two-step-static.json' with { type: 'json' };

const sources: readonly unknown[] = [
  consistencyExtendTarget,
  consistencyGatedPass,
  futuresEodTrailingLockInitial,
  futuresEodTrailingLockPlus100,
  instantFundedBalanceTrailing,
  intradayTrailing,
  oneStepEodTrailing,
  softDailyPause,
  twoStepHigherOfBalanceEquity,
  twoStepProfitableDays,
  twoStepStatic,
];

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
