/** A short human-readable account of a replay report: per account its outcome and the verdicts that matter. */
import type { ObjectiveStatus } from '../domain/effects.js';
import { moneyFormat } from '../domain/money.js';
import type { AccountReport, ReplayReport, TimelineEntry } from './replay.js';

/** Rules whose evidence compares equity (value) with a floor (threshold), both money. */
const EQUITY_FLOOR_RULES: ReadonlySet<string> = new Set(['dailyLoss', 'maxLoss']);

export function summarize(report: ReplayReport, currency: string): string {
  const money = moneyFormat(currency);
  const { counts, program } = report;
  const lines = [
    `Replayed ${counts.events} events of ${counts.accounts} accounts under ${program.id} v${program.version} (${program.name}), starting in ${program.phaseId}.`,
    `Ignored: ${counts.ignored.duplicate} duplicate, ${counts.ignored.terminal} after the account had ended.`,
  ];

  const objective = (status: ObjectiveStatus) => {
    const show = status.objective === 'profitTarget' ? money : String;
    return `${status.objective} ${show(status.value)} of ${show(status.required)}${status.met ? ' (met)' : ''}`;
  };

  const verdict = (entry: TimelineEntry): string | null => {
    const effect = entry.effect;
    const where = `  ${entry.time}  line ${entry.line}  `;
    switch (effect.type) {
      case 'warning': {
        const used = effect.reason === 'approachingLimit' ? `${effect.levelBps / 100}% of the limit used` : 'breach seen on estimated equity';
        const figures = EQUITY_FLOOR_RULES.has(effect.rule)
          ? `equity ${money(effect.evidence.value)}, floor ${money(effect.evidence.threshold)}`
          : `value ${effect.evidence.value}, limit ${effect.evidence.threshold}`;
        return `${where}warning ${effect.rule}: ${used} (${figures})`;
      }
      case 'violation': {
        const figures = EQUITY_FLOOR_RULES.has(effect.rule)
          ? `equity ${money(effect.evidence.value)} below the floor ${money(effect.evidence.threshold)}`
          : effect.message;
        return `${where}violation ${effect.rule} (${effect.severity}, ${effect.action}): ${figures}`;
      }
      case 'phasePassed':
        return `${where}passed ${effect.phaseId}${effect.nextPhaseId === null ? '' : `, next ${effect.nextPhaseId}`}`;
      // The failure repeats its violation, and objective changes are progress, not verdicts.
      case 'accountFailed':
      case 'objective':
        return null;
    }
  };

  const account = (outcome: AccountReport): string[] => {
    const ended = outcome.endedAt === null ? '' : ` at ${outcome.endedAt}`;
    const reason = outcome.endReason === null ? '' : ` (${outcome.endReason})`;
    const timeline = report.timeline.filter((entry) => entry.tenant === outcome.tenant && entry.accountId === outcome.accountId);
    return [
      '',
      `${outcome.tenant} ${outcome.accountId}: ${outcome.status.toUpperCase()}${reason}${ended}`,
      `  balance ${money(outcome.state.balance)}, equity ${money(outcome.state.equity)}; ${outcome.objectives.map(objective).join(', ')}`,
      ...timeline.flatMap((entry) => verdict(entry) ?? []),
    ];
  };

  return `${[...lines, ...report.accounts.flatMap(account)].join('\n')}\n`;
}
