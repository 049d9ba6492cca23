/**
 * Per-mapping progress, persisted in the data folder so that a restart resumes after the last processed record
 * of each shard (delivery is at-least-once, as with Lambda: a crash between invocation and checkpoint redelivers).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MappingCheckpoint {
  /** When the mapping first ran: a LATEST mapping without checkpoint resumes from here, not from "now". */
  readonly createdAt: number;
  /** Shard id → sequence number of the last record done with (processed or sent to the on-failure destination). */
  readonly shards: Record<string, string>;
}

export class CheckpointStore {
  private readonly file: string;
  private state: MappingCheckpoint;

  constructor(dataDir: string, mappingId: string) {
    const dir = join(dataDir, 'event-source-mappings');
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, `${mappingId}.json`);
    this.state = this.read() ?? { createdAt: Date.now(), shards: {} };
    this.write();
  }

  get createdAt(): number {
    return this.state.createdAt;
  }

  sequenceNumber(shardId: string): string | undefined {
    return this.state.shards[shardId];
  }

  save(shardId: string, sequenceNumber: string): void {
    this.state = { ...this.state, shards: { ...this.state.shards, [shardId]: sequenceNumber } };
    this.write();
  }

  private read(): MappingCheckpoint | undefined {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as MappingCheckpoint;
    } catch {
      return undefined;
    }
  }

  /** Write and rename, so a crash mid-write never leaves a torn checkpoint. */
  private write(): void {
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.state));
    renameSync(temporary, this.file);
  }
}
