/**
 * The propdesk command line. Every input is validated whole before anything runs; a problem is
 * reported on stderr with its file, line and field path, stdout stays empty and the exit code is non-zero.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Program } from '../shared/domain/program.js';
import { getPreset, presetIds } from '../shared/presets/index.js';
import type { Parsed } from '../shared/parsing.js';
import { parseEventLines, parseNewsText, parseProgramText } from '../shared/replay/inputs.js';
import { compare, replay, type ReplayOptions } from '../shared/replay/replay.js';
import { summarize } from '../shared/replay/summary.js';

const HELP = `propdesk: replay trade events through a prop firm's challenge rules

Usage:
  propdesk replay --program <file|preset-id> --events <file.jsonl>
                  [--compare <file|preset-id>] [--news <calendar.json>] [--phase <id>]
      Prints the JSON report: per account the final state, verdict timeline, floors over time,
      objectives and daily statistics. With --compare, prints instead what would change
      under the second program: outcomes per account and verdicts only under one program.
  propdesk presets
      Lists the preset programs: id and name.
  propdesk demo
      Replays the shipped sample events under two-step-static and prints a short summary.
  propdesk --help

A program is a preset id (lowercase letters, digits and dashes) or a path to a program JSON file.
The events file holds one canonical event per line: see events/README.md and events/schemas/.
`;

const DEMO_PRESET = 'two-step-static';
const DEMO_EVENTS = 'events/samples/demo.jsonl';
const PRESET_ID = /^[a-z0-9-]+$/;
const MAX_PROBLEMS_SHOWN = 20;

/** A problem with the command line (exit code 2) or its inputs (exit code 1), told to the user as is. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

function readText(file: string | URL, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the ${what} ${String(file)}: ${(error as Error).message}`);
  }
}

function valid<T>(parsed: Parsed<T>, file: string, what: string): T {
  if (parsed.ok) return parsed.value;
  const { problems } = parsed;
  const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).map((problem) => {
    const line = problem.line === null ? '' : `:${problem.line}`;
    const path = problem.path === '' ? '' : `${problem.path}: `;
    return `  ${file}${line}: ${path}${problem.message}`;
  });
  if (problems.length > shown.length) shown.push(`  ... and ${problems.length - shown.length} more`);
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return fail(`invalid ${what} ${file} (${count}; nothing was replayed):\n${shown.join('\n')}`);
}

function fail(message: string): never {
  throw new CliError(message);
}

function loadProgram(reference: string): Program {
  if (!PRESET_ID.test(reference)) return valid(parseProgramText(readText(reference, 'program file')), reference, 'program file');
  return getPreset(reference) ?? fail(`unknown preset "${reference}"; known presets: ${presetIds().join(', ')} (or give the path of a program JSON file)`);
}

function checkPhase(program: Program, phaseId: string | undefined): void {
  if (phaseId === undefined || program.phases.some((phase) => phase.id === phaseId)) return;
  fail(`--phase ${phaseId}: program ${program.id} has no such phase; its phases: ${program.phases.map((phase) => phase.id).join(', ')}`);
}

interface ReplayArgs {
  program?: string;
  events?: string;
  compare?: string;
  news?: string;
  phase?: string;
}

function replayCommand(args: ReplayArgs): string {
  if (args.program === undefined || args.events === undefined) throw new CliError('replay needs --program and --events; see propdesk --help', 2);
  const program = loadProgram(args.program);
  const other = args.compare === undefined ? null : loadProgram(args.compare);
  const options: ReplayOptions = {
    ...(args.phase !== undefined && { phaseId: args.phase }),
    ...(args.news !== undefined && { news: valid(parseNewsText(readText(args.news, 'news calendar')), args.news, 'news calendar') }),
  };
  checkPhase(program, args.phase);
  if (other !== null) checkPhase(other, args.phase);
  const events = valid(parseEventLines(readText(args.events, 'events file')), args.events, 'events file');
  const result = other === null ? replay(program, events, options) : compare(program, other, events, options);
  return `${JSON.stringify(result, null, 2)}\n`;
}

function presetsCommand(): string {
  return presetIds()
    .map((id) => `${id}\t${getPreset(id)!.name}\n`)
    .join('');
}

function demoCommand(): string {
  const program = loadProgram(DEMO_PRESET);
  const text = readText(new URL(`../${DEMO_EVENTS}`, import.meta.url), 'demo events');
  const report = replay(program, valid(parseEventLines(text), DEMO_EVENTS, 'events file'));
  const hint = `For the full JSON report: npx propdesk replay --program ${DEMO_PRESET} --events ${DEMO_EVENTS}\n`;
  return `${summarize(report, program.currency)}\n${hint}`;
}

function run(argv: string[]): string {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        program: { type: 'string' },
        events: { type: 'string' },
        compare: { type: 'string' },
        news: { type: 'string' },
        phase: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}; see propdesk --help`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return HELP;
  if (positionals.length > 1) throw new CliError(`unexpected arguments: ${positionals.slice(1).join(' ')}; see propdesk --help`, 2);
  switch (positionals[0]) {
    case 'replay':
      return replayCommand(values);
    case 'presets':
      return presetsCommand();
    case 'demo':
      return demoCommand();
    case undefined:
      throw new CliError(`a command is needed\n\n${HELP}`, 2);
    default:
      throw new CliError(`unknown command "${positionals[0]}"; see propdesk --help`, 2);
  }
}

// Output is produced whole before anything is written, so a failure leaves stdout empty.
try {
  process.stdout.write(run(process.argv.slice(2)));
} catch (error) {
  if (!(error instanceof CliError)) throw error;
  process.stderr.write(`propdesk: ${error.message}\n`);
  process.exitCode = error.exitCode;
}
