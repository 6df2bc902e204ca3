import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalIssuer } from '../../local/token-issuer.js';
import { ROLES } from '../../shared/auth/roles.js';
import { presetIds } from '../../shared/presets/index.js';
import { replay } from '../../shared/replay/replay.js';
import { demoEvents, demoProgram } from '../replay/demo.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const demoFile = 'events/samples/demo.jsonl';
const scratch = mkdtempSync(join(tmpdir(), 'propdesk-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Spawning costs about a second (tsx compiles the CLI), so the cases run concurrently. */
function propdesk(...args: string[]): Promise<Outcome> {
  return propdeskWithEnv({}, ...args);
}

function propdeskWithEnv(env: Record<string, string>, ...args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const options = { cwd: root, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, ...env } };
    execFile(process.execPath, ['bin/propdesk.js', ...args], options, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
    });
  });
}

function scratchFile(name: string, text: string): string {
  const file = join(scratch, name);
  writeFileSync(file, text);
  return file;
}

describe.concurrent('propdesk replay', () => {
  it('prints the JSON report of the events under the program', async () => {
    const { code, stdout, stderr } = await propdesk('replay', '--program', demoProgram.id, '--events', demoFile);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(JSON.parse(JSON.stringify(replay(demoProgram, demoEvents))));
  });

  it('rejects an events file with a bad line, naming the file, line and field, and replays nothing', async () => {
    const lines = readFileSync(join(root, demoFile), 'utf8').split('\n').slice(0, 5);
    lines[2] = JSON.stringify({ ...JSON.parse(lines[2]!), equity: 'lots' });
    const file = scratchFile('bad-line.jsonl', `${lines.join('\n')}\n`);
    const { code, stdout, stderr } = await propdesk('replay', '--program', demoProgram.id, '--events', file);
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${file}:3: equity: `);
  });

  it('rejects a bad program file, naming the field path', async () => {
    const program = structuredClone(demoProgram) as unknown as { phases: { rules: Record<string, unknown>[] }[] };
    program.phases[0]!.rules[1]!.limit = { bps: 0, of: 'initial' };
    const file = scratchFile('bad-program.json', JSON.stringify(program));
    const { code, stdout, stderr } = await propdesk('replay', '--program', file, '--events', demoFile);
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${file}: phases[0].rules[1].limit.bps: `);
  });

  it('rejects an unknown preset, listing the known ones', async () => {
    const { code, stdout, stderr } = await propdesk('replay', '--program', 'no-such-preset', '--events', demoFile);
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain('unknown preset "no-such-preset"');
    for (const id of presetIds()) expect(stderr).toContain(id);
  });
});

describe.concurrent('propdesk token', () => {
  const JWT = /^[\w-]+\.[\w-]+\.[\w-]+\n$/;

  it('prints, alone, a token that the local issuer with the same data directory verifies', async () => {
    const dataDir = join(scratch, 'token-data');
    const { code, stdout, stderr } = await propdesk('token', '--role', 'risk', '--role', 'admin', '--subject', 'ops-1', '--expires-in', '600', '--data-dir', dataDir);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(JWT);
    const result = await (await createLocalIssuer({ dataDir })).verify(stdout.trim());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.claims).toMatchObject({ sub: 'ops-1', roles: '[risk admin]', token_use: 'access' });
    expect(Number(result.claims.exp) - Number(result.claims.iat)).toBe(600);
  });

  it('signs with the key a running platform already holds, and PROPDESK_DATA_DIR is the default directory', async () => {
    const dataDir = join(scratch, 'token-running');
    const platformIssuer = await createLocalIssuer({ dataDir });
    const { code, stdout, stderr } = await propdeskWithEnv({ PROPDESK_DATA_DIR: dataDir }, 'token', '--role', 'trader');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = await platformIssuer.verify(stdout.trim());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.claims).toMatchObject({ sub: 'local-trader', roles: '[trader]' });
    expect(Number(result.claims.exp) - Number(result.claims.iat)).toBe(3600);
  });

  it('refuses an unknown role, listing the known ones, and prints no token', async () => {
    const { code, stdout, stderr } = await propdesk('token', '--role', 'admin', '--role', 'superuser', '--data-dir', join(scratch, 'token-refused'));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('propdesk: unknown role "superuser"; known roles: ');
    for (const role of ROLES) expect(stderr).toContain(role);
  });

  it('refuses no role and a lifetime that is not a whole number of seconds up to a day', async () => {
    const dataDir = join(scratch, 'token-refused');
    const outcomes = await Promise.all([
      propdesk('token', '--data-dir', dataDir),
      propdesk('token', '--role', 'admin', '--expires-in', '0', '--data-dir', dataDir),
      propdesk('token', '--role', 'admin', '--expires-in', '90000', '--data-dir', dataDir),
      propdesk('token', '--role', 'admin', '--expires-in', '1h', '--data-dir', dataDir),
    ]);
    for (const { code, stdout } of outcomes) {
      expect(code).toBe(2);
      expect(stdout).toBe('');
    }
    expect(outcomes[0]!.stderr).toContain('token needs at least one --role');
    expect(outcomes[1]!.stderr).toContain('--expires-in 0: a whole number of seconds from 1 to 86400');
  });

  it('refuses a data directory whose key file is not a key, naming the file', async () => {
    const dataDir = join(scratch, 'token-corrupt');
    mkdirSync(dataDir);
    const file = scratchFile('token-corrupt/token-issuer.json', 'not a key');
    const { code, stdout, stderr } = await propdesk('token', '--role', 'admin', '--data-dir', dataDir);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`cannot use the local token key: ${file} is not a token issuer key`);
  });
});
