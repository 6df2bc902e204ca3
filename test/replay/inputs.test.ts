import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pathOf } from '../../shared/parsing.js';
import { parseEventLines, parseNewsText, parseProgramText } from '../../shared/replay/inputs.js';
import { demoProgram } from './demo.js';

const sample = (type: string) => readFileSync(new URL(`../../events/samples/${type}.json`, import.meta.url), 'utf8');
const line = (type: string, change: Record<string, unknown> = {}) => JSON.stringify({ ...JSON.parse(sample(type)), ...change });

describe('parseEventLines', () => {
  it('parses one event per line, a final newline or CRLF line ends included', () => {
    const parsed = parseEventLines(`${line('snapshot')}\r\n${line('deal')}\r\n\n`);
    expect(parsed.ok && parsed.value.map((event) => [event.type, event.time])).toEqual([
      ['snapshot', Date.parse('2026-02-03T11:42:00+02:00')],
      ['deal', Date.parse('2026-02-03T11:29:07.412+02:00')],
    ]);
  });

  it('checks the whole file and names the line and field of every problem', () => {
    const text = [line('snapshot'), line('deal', { volume: 1.5 }), '{"type":"snapshot",', '', line('order', { requestedAt: 'yesterday' })].join('\n');
    const parsed = parseEventLines(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map((problem) => [problem.line, problem.path])).toEqual([
      [2, 'volume'],
      [3, ''],
      [4, ''],
      [5, 'requestedAt'],
    ]);
    expect(parsed.problems[1]!.message).toMatch(/^not valid JSON/);
    expect(parsed.problems[2]!.message).toMatch(/empty line/);
  });
});

describe('parseProgramText', () => {
  it('accepts a program as JSON and names the path of a bad field', () => {
    expect(parseProgramText(JSON.stringify(demoProgram))).toMatchObject({ ok: true, value: { id: demoProgram.id } });
    const broken = structuredClone(demoProgram) as unknown as { phases: { rules: { warnAtBps?: unknown }[] }[] };
    broken.phases[1]!.rules[0]!.warnAtBps = [8000, 'ninety'];
    expect(parseProgramText(JSON.stringify(broken))).toEqual({
      ok: false,
      problems: [{ line: null, path: 'phases[1].rules[0].warnAtBps[1]', message: expect.any(String) }],
    });
  });

  it('names the field of the rule variant meant, even when the kind itself is misspelt', () => {
    const broken = structuredClone(demoProgram) as unknown as { phases: { rules: { kind: string }[] }[] };
    broken.phases[0]!.rules[1]!.kind = 'maxLos';
    const parsed = parseProgramText(JSON.stringify(broken));
    expect(!parsed.ok && parsed.problems).toEqual([{ line: null, path: 'phases[0].rules[1].kind', message: expect.stringContaining('maxLoss') }]);
  });
});

describe('parseNewsText', () => {
  it('builds a news index, or names the failing field', () => {
    const calendar = { events: [{ id: 'nfp', title: 'US Non-Farm Payrolls', time: '2026-02-06T13:30:00Z', symbols: ['*'] }] };
    const parsed = parseNewsText(JSON.stringify(calendar));
    expect(parsed.ok && parsed.value.size).toBe(1);
    const bad = parseNewsText(JSON.stringify({ events: [{ ...calendar.events[0], symbols: [] }] }));
    expect(!bad.ok && bad.problems.map((problem) => problem.path)).toEqual(['events[0].symbols']);
  });
});

describe('pathOf', () => {
  it('writes keys with dots and indices in brackets', () => {
    expect(pathOf(['phases', 0, 'rules', 12, 'limit', 'bps'])).toBe('phases[0].rules[12].limit.bps');
    expect(pathOf([0, 'a'])).toBe('[0].a');
    expect(pathOf([])).toBe('');
  });
});
