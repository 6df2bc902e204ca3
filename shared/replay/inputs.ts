/**
 * Replay inputs from text: a JSONL event file, a program, a news calendar. Each is validated whole
 * by the domain's zod schemas, and every problem names its line and field path. Pure: callers read files.
 */
import { TradeEvent } from '../domain/events.js';
import { NewsCalendar, NewsIndex } from '../domain/news.js';
import { Program } from '../domain/program.js';
import { parseWith, type Parsed, type Problem } from '../parsing.js';

/** One event per line; a final newline is fine, an empty line elsewhere is not (line numbers would drift). */
export function parseEventLines(text: string): Parsed<TradeEvent[]> {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const events: TradeEvent[] = [];
  const problems: Problem[] = [];
  lines.forEach((content, index) => {
    const line = index + 1;
    if (content.trim() === '') {
      problems.push({ line, path: '', message: 'empty line: the file must hold exactly one event per line' });
      return;
    }
    const parsed = parseWith(TradeEvent, content, line);
    if (parsed.ok) events.push(parsed.value);
    else problems.push(...parsed.problems);
  });
  return problems.length === 0 ? { ok: true, value: events } : { ok: false, problems };
}

export function parseProgramText(text: string): Parsed<Program> {
  return parseWith(Program, text, null);
}

export function parseNewsText(text: string): Parsed<NewsIndex> {
  const parsed = parseWith(NewsCalendar, text, null);
  return parsed.ok ? { ok: true, value: new NewsIndex(parsed.value.events) } : parsed;
}
