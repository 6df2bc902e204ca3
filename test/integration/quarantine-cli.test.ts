/**
 * `propdesk quarantine` against dynalite and kinesalite: the CLI runs as a user runs it (a process,
 * as in test/cli/cli.test.ts), pointed at the local servers by its endpoint options.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbQuarantineStore, type QuarantinePage } from '../../shared/adapters/dynamodb/quarantine-store.js';
import { toWire, type TradeEvent } from '../../shared/domain/events.js';
import { decodeRecord, type Quarantined, type StreamRecord } from '../../shared/stream/decode-record.js';
import { startDynamo, type LocalDynamo } from '../support/dynalite.js';
import { events } from '../support/events.js';
import { startKinesis, type LocalKinesis } from '../support/kinesalite.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'propdesk-quarantine-'));
const ARRIVED = Date.parse('2026-03-02T09:00:00Z');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a user does. Spawning costs about a second (tsx compiles the CLI), so the cases run concurrently. */
function spawnCli(args: readonly string[]): Promise<Outcome> {
  // The SDK warns on stderr about Node 20's end of support; the cases expect stderr to hold only the CLI's words.
  const env = { ...process.env, AWS_REGION: 'local', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/propdesk.js', ...args], { cwd: root, env }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
    });
  });
}

/** The URL a client of a local server was made with. */
async function urlOf(client: LocalDynamo['client'] | LocalKinesis['client']): Promise<string> {
  const endpoint = await client.config.endpoint!();
  return `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}${endpoint.path}`;
}

/** A record of the stream the evaluator quarantined: its payload, under a partition key. */
function quarantinedRecord(sequence: number, payload: string, partitionKey: string): Quarantined {
  const record: StreamRecord = {
    recordId: `shardId-000000000000:${sequence}`,
    sequenceNumber: String(sequence),
    partitionKey,
    arrivedAt: ARRIVED + sequence,
    data: Buffer.from(payload, 'utf8').toString('base64'),
  };
  const decoded = decodeRecord(record, 'demo');
  if (decoded.ok) throw new Error(`record ${sequence} would not be quarantined`);
  return decoded.quarantined;
}

const idOf = (entry: Quarantined): string => `${new Date(entry.arrivedAt).toISOString()}#${entry.recordId}`;
const wire = (event: TradeEvent): string => JSON.stringify(toWire(event));

describe.concurrent('propdesk quarantine', () => {
  let dynamo: LocalDynamo;
  let kinesis: LocalKinesis;
  let store: DynamoDbQuarantineStore;
  let dynamoEndpoint: string;

  /** `propdesk quarantine <args>` on the local DynamoDB, with the tenant table unless `--table` is given. */
  function propdesk(...args: string[]): Promise<Outcome> {
    const table = args.includes('--table') ? [] : ['--table', dynamo.tableName];
    return spawnCli(['quarantine', ...args, ...table, '--dynamodb-endpoint', dynamoEndpoint]);
  }

  /** The records on the stream for one account, as the events they carry. */
  async function streamed(accountId: string): Promise<unknown[]> {
    const records = (await kinesis.readAll()).filter((record) => record.partitionKey === accountId);
    return records.map((record) => JSON.parse(Buffer.from(record.data, 'base64').toString('utf8')));
  }

  // Each case has its own account, so cases running at once do not see each other's events.
  const misrouted = events({ accountId: 'acc-misrouted' }).snapshot('2026-03-02T08:59:00Z', { equity: 10_000_000 });
  const corrected = events({ accountId: 'acc-corrected' }).snapshot('2026-03-02T08:59:00Z', { equity: 10_000_000 });
  const twice = events({ accountId: 'acc-twice' }).snapshot('2026-03-02T08:59:00Z', { equity: 10_000_000 });
  const entries = {
    misrouted: quarantinedRecord(1, wire(misrouted), 'acc-wrong-key'),
    invalid: quarantinedRecord(2, JSON.stringify({ ...toWire(corrected), equity: 'lots' }), 'acc-corrected'),
    twice: quarantinedRecord(3, wire(twice), 'acc-wrong-key'),
    notJson: quarantinedRecord(4, 'not json', 'acc-unknown'),
  };

  beforeAll(async () => {
    [dynamo, kinesis] = await Promise.all([startDynamo(), startKinesis()]);
    store = new DynamoDbQuarantineStore(dynamo.client, dynamo.tableName);
    await store.quarantine(Object.values(entries));
    dynamoEndpoint = await urlOf(dynamo.client);
  });
  afterAll(async () => {
    await Promise.all([dynamo.close(), kinesis.close()]);
    rmSync(scratch, { recursive: true, force: true });
  });

  const kinesisArgs = async () => ['--stream', kinesis.streamName, '--kinesis-endpoint', await urlOf(kinesis.client)];

  it('lists the entries oldest first, as JSON, with their reasons and payloads', async () => {
    const { code, stdout, stderr } = await propdesk('list');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const page = JSON.parse(stdout) as QuarantinePage;
    // Other cases may have replayed some entries by now; the entries themselves are the same.
    expect(page.entries.map(({ status: _status, replayedAt: _replayedAt, ...entry }) => entry)).toEqual(
      Object.values(entries).map((entry) => ({ ...entry, id: idOf(entry), payloadTruncatedFrom: null })),
    );
    expect(page.next).toBeNull();
  });

  it('lists page by page with --limit and --after', async () => {
    const first = await propdesk('list', '--limit', '3');
    const firstPage = JSON.parse(first.stdout) as QuarantinePage;
    expect(firstPage.entries.map((entry) => entry.id)).toEqual([entries.misrouted, entries.invalid, entries.twice].map(idOf));
    const second = await propdesk('list', '--limit', '3', '--after', firstPage.next!);
    expect((JSON.parse(second.stdout) as QuarantinePage).entries.map((entry) => entry.id)).toEqual([idOf(entries.notJson)]);
  });

  it('refuses a limit that is not a whole number from 1 to 1000', async () => {
    const limits = ['0', '1001', 'ten'];
    const outcomes = await Promise.all(limits.map((limit) => propdesk('list', '--limit', limit)));
    outcomes.forEach(({ code, stdout, stderr }, index) => {
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(`--limit ${limits[index]}: a whole number from 1 to 1000`);
    });
  });

  it('replays a valid stored payload under its account as the partition key, and marks the entry replayed', async () => {
    const id = idOf(entries.misrouted);
    const { code, stdout, stderr } = await propdesk('replay', id, ...(await kinesisArgs()));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(`replayed ${id}: snapshot event of account acc-misrouted put on stream ${kinesis.streamName}\n`);
    expect(await streamed('acc-misrouted')).toEqual([toWire(misrouted)]);
    expect(await store.get(id)).toMatchObject({ status: 'replayed', replayedAt: expect.any(String) });
  });

  it('refuses an invalid stored payload, naming the field, and replays nothing', async () => {
    const id = idOf(entries.invalid);
    const { code, stdout, stderr } = await propdesk('replay', id, ...(await kinesisArgs()));
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`invalid payload of entry ${id} (1 problem; nothing was replayed):\n  ${id}: equity: `);
    expect(stderr).toContain('correct the payload and give it with --payload <file>');
    expect((await store.get(id))?.status).toBe('open');
  });

  it('replays the corrected payload of a file', async () => {
    const id = idOf(entries.notJson);
    const file = join(scratch, 'corrected.json');
    writeFileSync(file, `${wire(corrected)}\n`);
    const { code, stderr } = await propdesk('replay', id, '--payload', file, ...(await kinesisArgs()));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(await streamed('acc-corrected')).toEqual([toWire(corrected)]);
    expect((await store.get(id))?.status).toBe('replayed');
  });

  it('refuses an invalid payload file, naming the file and field', async () => {
    const file = join(scratch, 'still-wrong.json');
    writeFileSync(file, JSON.stringify({ ...toWire(corrected), accountId: 'acc-still-wrong', margin: -1 }));
    const { code, stdout, stderr } = await propdesk('replay', idOf(entries.invalid), '--payload', file, ...(await kinesisArgs()));
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${file}: margin: `);
    expect(await streamed('acc-still-wrong')).toEqual([]);
  });

  it('refuses to replay an entry twice', async () => {
    const id = idOf(entries.twice);
    expect((await propdesk('replay', id, ...(await kinesisArgs()))).code).toBe(0);
    const again = await propdesk('replay', id, ...(await kinesisArgs()));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`entry ${id} was replayed at `);
    expect(again.stderr).toContain('; nothing was replayed');
    expect(await streamed('acc-twice')).toEqual([toWire(twice)]);
  });

  it('refuses an unknown entry', async () => {
    const { code, stderr } = await propdesk('replay', '2026-01-01T00:00:00.000Z#shardId-000000000000:404', ...(await kinesisArgs()));
    expect(code).toBe(1);
    expect(stderr).toContain('no quarantined entry 2026-01-01T00:00:00.000Z#shardId-000000000000:404; see propdesk quarantine list');
  });

  it('needs a stream to replay to', async () => {
    const { code, stderr } = await propdesk('replay', idOf(entries.invalid));
    expect(code).toBe(2);
    expect(stderr).toContain('quarantine replay needs --stream');
  });

  it('refuses a payload file it cannot read', async () => {
    const file = join(scratch, 'none.json');
    const { code, stderr } = await propdesk('replay', idOf(entries.invalid), '--payload', file, ...(await kinesisArgs()));
    expect(code).toBe(1);
    expect(stderr).toContain(`cannot read the payload file ${file}`);
  });

  it('reports a failure of AWS in one line, not a stack', async () => {
    const { code, stdout, stderr } = await propdesk('list', '--table', 'no-such-table');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^propdesk: listing the quarantine failed: ResourceNotFoundException: .*\n$/);
  });

  it('needs a table, and list or replay', async () => {
    const missing = await spawnCli(['quarantine', 'list']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('quarantine list needs --table');
    const unknown = await propdesk('purge');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('quarantine needs list or replay, not purge');
  });
});
