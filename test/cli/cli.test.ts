import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
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
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/propdesk.js', ...args], { cwd: root, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
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
