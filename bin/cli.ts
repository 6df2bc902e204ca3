/**
 * The propdesk command line. Every input is validated whole before anything runs; a problem is
 * reported on stderr with its file, line and field path, stdout stays empty and the exit code is non-zero.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DynamoDbQuarantineStore, type QuarantineEntry } from '../shared/adapters/dynamodb/quarantine-store.js';
import { KinesisTradeStream } from '../shared/adapters/kinesis/trade-stream.js';
import { TradeEvent } from '../shared/domain/events.js';
import type { Program } from '../shared/domain/program.js';
import { getPreset, presetIds } from '../shared/presets/index.js';
import { parseWith, type Parsed } from '../shared/parsing.js';
import { parseEventLines, parseNewsText, parseProgramText } from '../shared/replay/inputs.js';
import { compare, replay, type ReplayOptions } from '../shared/replay/replay.js';
import { summarize } from '../shared/replay/summary.js';
import { ROLES, type Role } from '../shared/auth/roles.js';
import { createLocalIssuer } from '../local/token-issuer.js';

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
  propdesk quarantine list --table <name> [--limit <n>] [--after <id>]
      Prints, as JSON and oldest first, the stream records the evaluator could not apply: id,
      reason, problems, payload, status. When more remain, "next" is the --after of the next page.
  propdesk quarantine replay <id> --table <name> --stream <name> [--payload <file>]
      Validates the entry's payload, or the corrected one in the file, as a canonical event, puts
      it on the trade stream and marks the entry replayed.
  propdesk token --role <trader|risk|admin|service> [--role ...] [--subject <id>]
                 [--expires-in <seconds>] [--data-dir <dir>]
      Prints, alone, an access token for the local platform's API with those roles, signed with
      the local issuer's key in <dir>/token-issuer.json (made on first use, kept across restarts;
      <dir> is .propdesk unless PROPDESK_DATA_DIR or --data-dir says otherwise). It is valid for
      --expires-in seconds (3600 unless given, at most 86400); the subject is local-<roles> unless
      given. For example: TOKEN=$(npx propdesk token --role admin)
  propdesk --help

The quarantine commands use the standard AWS configuration (AWS_REGION, credentials); against the
local platform, --dynamodb-endpoint and --kinesis-endpoint give its URLs (npm start prints them), and
then no AWS configuration is needed.

A program is a preset id (lowercase letters, digits and dashes) or a path to a program JSON file.
The events file holds one canonical event per line: see events/README.md and events/schemas/.
`;

const DEMO_PRESET = 'two-step-static';
const DEMO_EVENTS = 'events/samples/demo.jsonl';
const PRESET_ID = /^[a-z0-9-]+$/;
const MAX_PROBLEMS_SHOWN = 20;
const DEFAULT_LIST_LIMIT = 50;
const MAX_LIST_LIMIT = 1000;
const DEFAULT_DATA_DIR = '.propdesk';
const DEFAULT_TOKEN_LIFETIME = 3600;
/** A day: the longest access-token validity Cognito allows, so no local token outlives a deployed one. */
const MAX_TOKEN_LIFETIME = 86_400;

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

function fail(message: string, exitCode: 1 | 2 = 1): never {
  throw new CliError(message, exitCode);
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

interface QuarantineArgs {
  table?: string;
  stream?: string;
  limit?: string;
  after?: string;
  payload?: string;
  'dynamodb-endpoint'?: string;
  'kinesis-endpoint'?: string;
}

/** An AWS call whose failure (credentials, network, a missing table) is the user's to fix, not a bug. */
async function aws<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new CliError(`${what} failed: ${(error as Error).name}: ${(error as Error).message}`);
  }
}

function listLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIST_LIMIT;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > MAX_LIST_LIMIT) throw new CliError(`--limit ${text}: a whole number from 1 to ${MAX_LIST_LIMIT}`, 2);
  return limit;
}

async function quarantineList(store: DynamoDbQuarantineStore, args: QuarantineArgs): Promise<string> {
  const limit = listLimit(args.limit);
  const page = await aws('listing the quarantine', () => store.list({ limit, ...(args.after !== undefined && { after: args.after }) }));
  return `${JSON.stringify(page, null, 2)}\n`;
}

/** The event to replay: the corrected one in the payload file, or else the one stored with the entry. */
function replayedEvent(entry: QuarantineEntry, payloadFile: string | undefined): TradeEvent {
  if (payloadFile !== undefined) return valid(parseWith(TradeEvent, readText(payloadFile, 'payload file'), null), payloadFile, 'payload file');
  if (entry.payloadTruncatedFrom !== null) {
    fail(`entry ${entry.id} keeps only the start of its ${entry.payloadTruncatedFrom}-byte payload; give the whole payload, corrected, with --payload <file>`);
  }
  try {
    return valid(parseWith(TradeEvent, entry.payload, null), entry.id, 'payload of entry');
  } catch (error) {
    if (error instanceof CliError) throw new CliError(`${error.message}\ncorrect the payload and give it with --payload <file>`);
    throw error;
  }
}

/** Against an emulator's endpoint any region and key will do; otherwise the standard AWS configuration. */
function clientConfig(endpoint: string | undefined) {
  return endpoint === undefined ? {} : { endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}

async function quarantineReplay(store: DynamoDbQuarantineStore, id: string, args: QuarantineArgs): Promise<string> {
  const streamName = args.stream ?? fail('quarantine replay needs --stream; see propdesk --help', 2);
  const entry = (await aws('reading the quarantine', () => store.get(id))) ?? fail(`no quarantined entry ${id}; see propdesk quarantine list`);
  if (entry.status === 'replayed') fail(`entry ${id} was replayed at ${entry.replayedAt}; nothing was replayed`);
  const event = replayedEvent(entry, args.payload);
  // HTTP/1.1: the SDK's default HTTP/2 for Kinesis fails against the local platform's kinesalite.
  const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler(), ...clientConfig(args['kinesis-endpoint']) });
  try {
    await aws(`putting the event on stream ${streamName}`, () => new KinesisTradeStream(kinesis, streamName).put([event]));
  } finally {
    kinesis.destroy();
  }
  // Put, then marked: should marking fail, replaying again repeats an event, which the reducer ignores.
  await aws('marking the entry replayed', () => store.markReplayed(id));
  return `replayed ${id}: ${event.type} event of account ${event.accountId} put on stream ${streamName}\n`;
}

async function quarantineCommand([action, ...rest]: string[], args: QuarantineArgs): Promise<string> {
  if (action !== 'list' && action !== 'replay') throw new CliError(`quarantine needs list or replay${action === undefined ? '' : `, not ${action}`}; see propdesk --help`, 2);
  const expected = action === 'list' ? 0 : 1;
  if (rest.length !== expected) throw new CliError(`quarantine ${action} takes ${expected === 0 ? 'no arguments' : 'one entry id'}; see propdesk --help`, 2);
  if (args.table === undefined) throw new CliError(`quarantine ${action} needs --table; see propdesk --help`, 2);
  const dynamo = new DynamoDBClient(clientConfig(args['dynamodb-endpoint']));
  const store = new DynamoDbQuarantineStore(dynamo, args.table);
  try {
    return action === 'list' ? await quarantineList(store, args) : await quarantineReplay(store, rest[0]!, args);
  } finally {
    dynamo.destroy();
  }
}

interface TokenArgs {
  role?: string[];
  subject?: string;
  'expires-in'?: string;
  'data-dir'?: string;
}

function tokenRoles(names: string[] | undefined): Role[] {
  if (names === undefined || names.length === 0) throw new CliError(`token needs at least one --role (${ROLES.join(', ')}); see propdesk --help`, 2);
  const unknown = names.find((name) => !(ROLES as readonly string[]).includes(name));
  if (unknown !== undefined) throw new CliError(`unknown role "${unknown}"; known roles: ${ROLES.join(', ')}`, 2);
  return ROLES.filter((role) => names.includes(role));
}

function tokenLifetime(text: string | undefined): number {
  if (text === undefined) return DEFAULT_TOKEN_LIFETIME;
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || seconds < 1 || seconds > MAX_TOKEN_LIFETIME) {
    throw new CliError(`--expires-in ${text}: a whole number of seconds from 1 to ${MAX_TOKEN_LIFETIME}`, 2);
  }
  return seconds;
}

async function tokenCommand(args: TokenArgs): Promise<string> {
  const roles = tokenRoles(args.role);
  const expiresInSeconds = tokenLifetime(args['expires-in']);
  const subject = args.subject ?? `local-${roles.join('-')}`;
  if (subject.trim() === '') throw new CliError('--subject: an identifier, not empty', 2);
  const dataDir = args['data-dir'] ?? process.env['PROPDESK_DATA_DIR'] ?? DEFAULT_DATA_DIR;
  let issuer;
  try {
    issuer = await createLocalIssuer({ dataDir });
  } catch (error) {
    // The message names the file: .../token-issuer.json in the data directory.
    throw new CliError(`cannot use the local token key: ${(error as Error).message}`);
  }
  return `${await issuer.mint({ subject, roles, expiresInSeconds })}\n`;
}

async function run(argv: string[]): Promise<string> {
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
        table: { type: 'string' },
        stream: { type: 'string' },
        limit: { type: 'string' },
        after: { type: 'string' },
        payload: { type: 'string' },
        'dynamodb-endpoint': { type: 'string' },
        'kinesis-endpoint': { type: 'string' },
        role: { type: 'string', multiple: true },
        subject: { type: 'string' },
        'expires-in': { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}; see propdesk --help`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return HELP;
  const [command, ...rest] = positionals;
  if (command === 'quarantine') return quarantineCommand(rest, values);
  if (rest.length > 0) throw new CliError(`unexpected arguments: ${rest.join(' ')}; see propdesk --help`, 2);
  switch (command) {
    case 'replay':
      return replayCommand(values);
    case 'presets':
      return presetsCommand();
    case 'demo':
      return demoCommand();
    case 'token':
      return tokenCommand(values);
    case undefined:
      throw new CliError(`a command is needed\n\n${HELP}`, 2);
    default:
      throw new CliError(`unknown command "${command}"; see propdesk --help`, 2);
  }
}

// Output is produced whole before anything is written, so a failure leaves stdout empty.
try {
  process.stdout.write(await run(process.argv.slice(2)));
} catch (error) {
  if (!(error instanceof CliError)) throw error;
  process.stderr.write(`propdesk: ${error.message}\n`);
  process.exitCode = error.exitCode;
}
