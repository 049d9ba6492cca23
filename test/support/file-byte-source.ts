/** A `ByteSource` over a local file, for tests and benchmarks on files too big to hold in memory. */
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { ByteSource } from '../../lambdas/core/files/file-format-types';

export function fileByteSource(path: string): ByteSource {
  const size = statSync(path).size;
  return {
    size,
    read: async (start, end) =>
      end <= start
        ? Readable.from([])
        : createReadStream(path, { start, end: end - 1, highWaterMark: 256 * 1024 }),
  };
}
