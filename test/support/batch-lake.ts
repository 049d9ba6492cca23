/**
 * What a file batch leaves in the runtime's buckets, read behind the API: its lake files (decoded with hyparquet,
 * an independent reader), its staging objects (which must be gone once the batch is decided) and its quarantine.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ENV } from '../../lambdas/config/env-names';
import { createEmulatorClients, type EmulatorClients } from '../../local/emulator-clients';
import type { RuntimeUnderTest } from '../e2e/local-runtime';
import { resourceName } from './resource-name';
import { listKeys, readJsonLines, readLake, type ParquetFile } from './streaming-lake';

export const SANDBOX = 'prod';

export interface LakeRow {
  readonly key: string;
  /** The typed columns and the fixed ones (`message_id`, `received_at`, `record`), as hyparquet decodes them. */
  readonly columns: Record<string, unknown>;
  /** The whole record (the `record` JSON column). */
  readonly record: Record<string, unknown>;
}

const recordOf = (row: Record<string, unknown>): Record<string, unknown> =>
  (typeof row.record === 'string' ? JSON.parse(row.record) : row.record) as Record<string, unknown>;

const batchFolder = (batchId: string) => `/batch=${batchId}/`;

export class BatchStorage {
  private readonly clients: EmulatorClients;
  private readonly runtime: Pick<RuntimeUnderTest['runtime'], 'resourceVariable'>;

  constructor(subject: {
    readonly runtime: Pick<RuntimeUnderTest['runtime'], 'endpoints' | 'resourceVariable'>;
  }) {
    this.clients = createEmulatorClients(subject.runtime.endpoints);
    this.runtime = subject.runtime;
  }

  /** Keys of the batch's lake files (`lake/{sandbox}/{datasetId}/date=…/batch={batchId}/part-….parquet`). */
  async lakeKeys(datasetId: string, batchId: string): Promise<string[]> {
    const keys = await listKeys(
      this.clients.s3,
      resourceName(this.runtime, ENV.lakeBucket),
      `lake/${SANDBOX}/${datasetId}/`,
    );
    return keys.filter((key) => key.includes(batchFolder(batchId)));
  }

  /** Every row of the batch in the lake. */
  async lakeRows(datasetId: string, batchId: string): Promise<LakeRow[]> {
    const files: ParquetFile[] = await readLake(
      this.clients.s3,
      resourceName(this.runtime, ENV.lakeBucket),
      `lake/${SANDBOX}/${datasetId}/`,
    );
    return files
      .filter((file) => file.key.includes(batchFolder(batchId)))
      .flatMap((file) => file.rows.map((columns) => ({ key: file.key, columns, record: recordOf(columns) })));
  }

  /** Whatever staging still holds for the dataset (nothing, once its batches are decided). */
  stagingKeys(datasetId: string): Promise<string[]> {
    return listKeys(
      this.clients.s3,
      resourceName(this.runtime, ENV.lakeBucket),
      `staging/${SANDBOX}/${datasetId}/`,
    );
  }

  /** The failed rows the batch quarantined, one parsed JSON line each. */
  async quarantined(datasetId: string, batchId: string): Promise<Record<string, unknown>[]> {
    const lines = await readJsonLines(
      this.clients.s3,
      resourceName(this.runtime, ENV.quarantineBucket),
      `quarantine/${SANDBOX}/${datasetId}/batch=${batchId}/`,
    );
    return lines.map(({ line }) => line);
  }

  /** Drops a file into the landing bucket, as an upstream system would (an S3 PutObject, no API call). */
  async drop(datasetId: string, path: string, body: Uint8Array | string): Promise<string> {
    const key = `landing/${SANDBOX}/${datasetId}/${path}`;
    await this.clients.s3.send(
      new PutObjectCommand({ Bucket: resourceName(this.runtime, ENV.landingBucket), Key: key, Body: body }),
    );
    return key;
  }

  destroy(): void {
    this.clients.destroy();
  }
}

/** The records' `field` values as text, sorted: what a lake holds, compared as a multiset. */
export const sortedValues = (rows: readonly LakeRow[], field: string): string[] =>
  rows.map((row) => String(row.record[field])).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
