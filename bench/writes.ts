/**
 * DynamoDB writes per event on the realistic mix, in a process of its own:
 * `tsx bench/writes.ts <accounts> <days> <batchSize> <scalping|intraday>`. Each batch starts from the states the store
 * holds, applies its records account by account, and saves an account only when the save policy says
 * so; the next batch starts from what was saved, as the stream evaluator will. The same stream is run
 * saving every changed account, and the accounts' outcomes are compared. Prints one JSON line.
 */
import type { Effect } from '../shared/domain/effects.js';
import type { TradeEvent } from '../shared/domain/events.js';
import { applyInPlace } from '../shared/domain/reducer.js';
import { cloneState, openAccount, type AccountState } from '../shared/domain/state.js';
import { seededRandom } from '../shared/seeded-random.js';
import { mustSave } from '../shared/stream/save-policy.js';
import { accountCursors, benchNews, benchProgram, dayOfEvents, FIRST_DAY, type TradingMix } from './workload.js';

export interface WritesResult {
  accounts: number;
  days: number;
  batchSize: number;
  mix: TradingMix;
  events: number;
  writes: number;
  writesPerEvent: number;
  savingEveryChange: number;
  sameOutcomes: boolean;
}

const [accounts, days, batchSize] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const mix: TradingMix = process.argv[5] === 'intraday' ? 'intraday' : 'scalping';
const news = benchNews(days);
const cursors = accountCursors(accounts);
const opened = () => cursors.map((cursor) => openAccount(benchProgram, { tenant: 'bench', accountId: cursor.accountId, openedAt: FIRST_DAY - 3_600_000 }));
const stored = { policy: opened(), everyChange: opened() };
const writes = { policy: 0, everyChange: 0 };
const next = seededRandom(20_260_302 + accounts);
let events = 0;

for (let day = 0; day < days; day++) {
  const { accounts: owners, events: stream } = dayOfEvents(cursors, day, next, mix);
  events += stream.length;
  for (let from = 0; from < stream.length; from += batchSize) {
    const byAccount = new Map<number, TradeEvent[]>();
    for (let i = from; i < Math.min(from + batchSize, stream.length); i++) {
      const list = byAccount.get(owners[i]!) ?? [];
      list.push(stream[i]!);
      byAccount.set(owners[i]!, list);
    }
    for (const [account, list] of byAccount) {
      for (const mode of ['policy', 'everyChange'] as const) {
        const before = stored[mode][account]!;
        const draft = cloneState(before);
        const effects: Effect[] = [];
        for (const event of list) applyInPlace(draft, event, benchProgram, news, effects);
        const save = mode === 'everyChange' || mustSave(before, draft, effects);
        if (save) {
          stored[mode][account] = draft;
          writes[mode] += 1;
        }
      }
    }
  }
}

const outcome = (state: AccountState) => `${state.status}:${state.endReason}:${state.balance}:${state.tradingDays}:${state.maxLossFloor}`;
const result: WritesResult = {
  accounts,
  days,
  batchSize,
  mix,
  events,
  writes: writes.policy,
  writesPerEvent: Number((writes.policy / events).toFixed(4)),
  savingEveryChange: Number((writes.everyChange / events).toFixed(4)),
  sameOutcomes: stored.policy.every((state, index) => outcome(state) === outcome(stored.everyChange[index]!)),
};
console.log(JSON.stringify(result));
