/**
 * Where the local Kinesis poller keeps each shard's checkpoint: the sequence number of the last
 * record it is done with (processed, or skipped to the on-failure destination). Lambda's event source
 * mapping keeps this state for us in AWS; locally it lives in memory, or in a JSON file so that a
 * restarted local platform resumes after the last finished record instead of replaying the stream.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface CheckpointStore {
  /** The last finished sequence number of the shard, or undefined if it has never been saved. */
  load(shardId: string): Promise<string | undefined>;
  save(shardId: string, sequenceNumber: string): Promise<void>;
}

export class InMemoryCheckpointStore implements CheckpointStore {
  private readonly sequenceNumbers = new Map<string, string>();

  async load(shardId: string): Promise<string | undefined> {
    return this.sequenceNumbers.get(shardId);
  }

  async save(shardId: string, sequenceNumber: string): Promise<void> {
    this.sequenceNumbers.set(shardId, sequenceNumber);
  }
}

/**
 * One JSON object per stream, shard id to sequence number. Every save rewrites the file through a
 * temporary file and a rename, so a crash leaves either the old or the new file, never half of one.
 * Saves are written one after another: shards save concurrently, and the file must end up holding
 * the latest checkpoint of every shard.
 */
export class FileCheckpointStore implements CheckpointStore {
  private sequenceNumbers: Promise<Record<string, string>> | undefined;
  private lastWrite: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  async load(shardId: string): Promise<string | undefined> {
    return (await this.all())[shardId];
  }

  async save(shardId: string, sequenceNumber: string): Promise<void> {
    const all = await this.all();
    all[shardId] = sequenceNumber;
    const contents = `${JSON.stringify(all, null, 2)}\n`;
    const write = this.lastWrite.then(() => this.writeAtomically(contents));
    // A failed write is reported to its caller; the next save rewrites the whole file anyway.
    this.lastWrite = write.catch(() => undefined);
    return write;
  }

  private all(): Promise<Record<string, string>> {
    this.sequenceNumbers ??= this.read();
    return this.sequenceNumbers;
  }

  private async read(): Promise<Record<string, string>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    const parsed: unknown = JSON.parse(text);
    const isCheckpointMap =
      typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.values(parsed).every((value) => typeof value === 'string');
    if (!isCheckpointMap) throw new Error(`${this.path} is not a checkpoint file (expected an object of shard id to sequence number)`);
    return parsed as Record<string, string>;
  }

  private async writeAtomically(contents: string): Promise<void> {
    const temporary = `${this.path}.${process.pid}.tmp`;
    await mkdir(dirname(this.path), { recursive: true });
    await writeFile(temporary, contents, 'utf8');
    await rename(temporary, this.path);
  }
}
