/**
 * Decompression bombs: files small enough to pass every size check that inflate to far more than the platform can
 * hold — a gzip file of terabytes of text, a gzip around a Parquet file (decompressed to the function's disk), a
 * Parquet page whose header claims a huge size (allocated before it is decompressed), and a gzip head inflated to
 * sniff a dropped file's format. Each must fail as a FILE, with its own code and a message the batch keeps, within
 * its cap: never exhaust the worker's memory, disk or time. Files arrive as a tenant sends them (dropped in the
 * landing bucket) and run through the ingestion steps over in-memory stores.
 */
import { gzipSync } from 'node:zlib';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { ingestDroppedFile } from '../../lambdas/core/batches/file-drop';
import { memoryByteSource } from '../../lambdas/core/files/memory-byte-source';
import { MAX_GUNZIPPED_PARQUET_BYTES } from '../../lambdas/core/files/parquet/parquet-file';
import { MAX_PARQUET_PAGE_BYTES } from '../../lambdas/core/files/parquet/parquet-reader';
import { MAX_GUNZIPPED_TEXT_BYTES, rangeBytes } from '../../lambdas/core/files/source-bytes';
import { batchIdOf, dropped, dropWorld } from '../support/file-drops';
import { runIngestion } from '../support/memory-file-batches';

const MIB = 1024 ** 2;

/**
 * A gzip file that inflates to at least `bytes` zeros: one small member repeated (a gzip file may hold several
 * members, read one after the other), so the bomb is built without compressing all it inflates to.
 */
function gzipBomb(bytes: number): Buffer {
  const member = gzipSync(Buffer.alloc(64 * MIB), { level: 9 });
  return Buffer.concat(Array.from({ length: Math.ceil(bytes / (64 * MIB)) }, () => member));
}

/** Writes `value` as a thrift compact varint of exactly `length` bytes (continuation bits on all but the last). */
function varintOfLength(value: number, length: number): number[] {
  const bytes = Array.from({ length }, (_, index) => Math.floor(value / 128 ** index) % 128);
  if (Math.floor(value / 128 ** length) !== 0) throw new Error(`${value} needs more than ${length} bytes`);
  return bytes.map((byte, index) => (index < length - 1 ? byte | 0x80 : byte));
}

/**
 * A snappy Parquet file of one 2 MiB page whose header claims `claimed` bytes decompressed instead. The header's
 * `uncompressed_page_size` (field 2, a zigzag varint) of a 1–128 MiB page takes 4 bytes, rewritten in place.
 */
function parquetClaiming(claimed: number): Uint8Array {
  const file = new Uint8Array(
    parquetWriteBuffer({ columnData: [{ name: 'email', data: ['a'.repeat(2 * MIB)], type: 'STRING' }] }),
  );
  const column = parquetMetadata(file.buffer).row_groups[0]!.columns[0]!.meta_data!;
  const header = Number(column.data_page_offset);
  // Field 1 (the page type, one byte), then field 2's header byte: the varint starts after both.
  if (file[header + 2] !== 0x15) throw new Error('unexpected page header');
  file.set(varintOfLength(claimed * 2, 4), header + 3);
  return file;
}

describe('decompression bombs', () => {
  it('a gzip file read as text stops at MAX_GUNZIPPED_TEXT_BYTES with decompressed-size-exceeded', async () => {
    // Prepare
    const bomb = gzipBomb(MAX_GUNZIPPED_TEXT_BYTES + 64 * MIB);
    let inflated = 0;

    // Act
    const failure = await (async () => {
      for await (const part of rangeBytes(memoryByteSource(bomb), 0, bomb.length, 'gzip')) {
        inflated += part.length;
      }
    })().then(
      () => undefined,
      (error: unknown) => error as { code?: string; message?: string },
    );

    // Assess
    expect(bomb.length).toBeLessThan(4 * MIB);
    expect(failure?.code).toBe('decompressed-size-exceeded');
    expect(failure?.message).toContain('2048 MiB');
    expect(inflated).toBeLessThanOrEqual(MAX_GUNZIPPED_TEXT_BYTES);
  });

  it('a dropped gzipped Parquet bomb fails its batch with decompressed-size-exceeded, naming the file', async () => {
    // Prepare
    const { world, deps } = dropWorld();
    const object = await dropped(world, 'orders.parquet', gzipBomb(MAX_GUNZIPPED_PARQUET_BYTES + MIB));
    await ingestDroppedFile(deps, object);

    // Act
    await runIngestion(world, 'finished', batchIdOf(object));

    // Assess
    const batch = world.batches.stored(batchIdOf(object));
    expect(object.size).toBeLessThan(MIB);
    expect(batch.status).toBe('failed');
    expect(batch.failure).toMatchObject({ code: 'decompressed-size-exceeded' });
    expect(batch.failure?.message).toContain(
      `orders.parquet: The gzip file decompresses to more than ${MAX_GUNZIPPED_PARQUET_BYTES / MIB} MiB`,
    );
  });

  it('a dropped Parquet file whose page claims more than MAX_PARQUET_PAGE_BYTES fails with parquet-page-too-large', async () => {
    // Prepare
    const { world, deps } = dropWorld();
    const object = await dropped(world, 'orders.parquet', parquetClaiming(MAX_PARQUET_PAGE_BYTES + 36 * MIB));
    await ingestDroppedFile(deps, object);

    // Act
    const staging = runIngestion(world, 'finished', batchIdOf(object));

    // Assess
    // The stage step fails the batch, then throws what the state machine catches to end the execution.
    await expect(staging).rejects.toMatchObject({ name: 'BatchStateError' });
    const batch = world.batches.stored(batchIdOf(object));
    expect(batch.status).toBe('failed');
    expect(batch.failure).toMatchObject({ code: 'parquet-page-too-large' });
    expect(batch.failure?.message).toMatch(
      /^orders\.parquet: A SNAPPY page claims 104857\d{3} bytes decompressed/,
    );
    expect(world.profiles.appliedRecords()).toEqual([]);
  });

  it('the drop sniff inflates 64 KiB of a gzip head at most: text starting 1 MiB in is not taken for a JSON array', async () => {
    // Prepare
    const { world, deps } = dropWorld();
    const object = await dropped(world, 'people.json.gz', gzipSync(`${' '.repeat(MIB)}[{"email":"a@x.io"}]`));

    // Act
    await ingestDroppedFile(deps, object);

    // Assess
    expect(world.batches.stored(batchIdOf(object)).inputFormat).toEqual({ format: 'json' });
  });
});
