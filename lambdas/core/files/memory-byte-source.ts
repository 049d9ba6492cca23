/**
 * A `ByteSource` over bytes in memory, for tests and small previews. Reads come back in pieces of `pieceBytes` (as a
 * network stream would), so that readers are exercised on records split across pieces.
 */
import { Readable } from 'node:stream';
import type { ByteSource } from './file-format-types';

export function memoryByteSource(bytes: Uint8Array, options: { pieceBytes?: number } = {}): ByteSource {
  const pieceBytes = Math.max(1, options.pieceBytes ?? 64 * 1024);
  const all = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    size: all.length,
    read: async (start, end) => Readable.from(pieces(all.subarray(start, end), pieceBytes)),
  };
}

function* pieces(bytes: Buffer, pieceBytes: number): Generator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += pieceBytes)
    yield bytes.subarray(offset, offset + pieceBytes);
}
