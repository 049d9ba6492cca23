/**
 * Whether a `.json` file is one JSON array rather than JSON Lines: its text starts, after a BOM and white space, with
 * `[`. Only the head of the file is read, and of a gzip file only the head inflated.
 */
import { constants, createGunzip } from 'node:zlib';
import type { ByteSource, InputFormat } from '../file-format-types';

/** Bytes read to find a file's first character: enough for a BOM, indentation and a gzip header. */
const SNIFF_BYTES = 64 * 1024;

/**
 * Text the sniff inflates a gzip head to, at most: as much as it reads of a plain file. Those 64 KiB of gzip could
 * inflate to 64 MiB (a gzip bomb's ratio is about 1,000), all of it held at once; a file whose text does not start
 * within them is not taken for a JSON array (it is read as JSON Lines).
 */
const SNIFF_TEXT_BYTES = SNIFF_BYTES;

/** The head of the text: `head` itself, or what its gzip inflates to, SNIFF_TEXT_BYTES at most. */
async function headText(head: Buffer): Promise<string> {
  if (head[0] !== 0x1f || head[1] !== 0x8b) return head.toString('utf8');
  // Only the head of a gzip member: inflate what is there, without insisting on the end of the stream.
  const gunzip = createGunzip({ finishFlush: constants.Z_SYNC_FLUSH });
  gunzip.end(head);
  const parts: Buffer[] = [];
  let inflated = 0;
  // Leaving the loop destroys the stream: the rest is never inflated.
  for await (const part of gunzip) {
    parts.push(part as Buffer);
    inflated += (part as Buffer).length;
    if (inflated >= SNIFF_TEXT_BYTES) break;
  }
  return Buffer.concat(parts).subarray(0, SNIFF_TEXT_BYTES).toString('utf8');
}

/** Whether the text starts (after a BOM and white space) with `[`, looking through gzip; false when unreadable. */
async function startsWithBracket(source: ByteSource): Promise<boolean> {
  const pieces: Buffer[] = [];
  for await (const piece of await source.read(0, Math.min(source.size, SNIFF_BYTES))) {
    pieces.push(Buffer.from(piece as Uint8Array));
  }
  let text: string;
  try {
    text = await headText(Buffer.concat(pieces));
  } catch {
    return false;
  }
  return text
    .replace(/^\uFEFF/, '')
    .trimStart()
    .startsWith('[');
}

/** The options a `.json` file's head implies: `isMultiLineJson` when it is an array. */
export async function sniffJsonArray(source: ByteSource): Promise<Omit<InputFormat, 'format'>> {
  return source.size > 0 && (await startsWithBracket(source)) ? { isMultiLineJson: true } : {};
}
