import { describe, expect, it } from 'vitest';
import { replay } from '../../shared/replay/replay.js';
import { summarize } from '../../shared/replay/summary.js';
import { demoEvents, demoProgram } from './demo.js';

describe('summarize', () => {
  const report = replay(demoProgram, demoEvents);
  const text = summarize(report, demoProgram.currency);

  it('gives each account its outcome and every violation, warning and pass with its time and line', () => {
    for (const account of report.accounts) {
      const reason = account.endReason === null ? '' : ` (${account.endReason})`;
      expect(text).toContain(`${account.tenant} ${account.accountId}: ${account.status.toUpperCase()}${reason}`);
    }
    const key = report.timeline.filter((entry) => ['violation', 'warning', 'phasePassed'].includes(entry.effect.type));
    expect(key.length).toBeGreaterThan(0);
    for (const entry of key) expect(text).toContain(`${entry.time}  line ${entry.line}  `);
    expect(text.split('\n').filter((line) => line.includes('  line ')).length).toBe(key.length);
  });

  it('shows money in the account currency', () => {
    expect(text).toContain('floor $90,000.00');
    expect(summarize(report, 'JPY')).toContain('floor ¥9,000,000');
  });
});
