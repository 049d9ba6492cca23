/**
 * Text encodings of CSV and JSON files, named by WHATWG labels (`new TextDecoder(label)`; Node has full ICU). Readers
 * work on UTF-8 bytes: other encodings are transcoded as they stream. Byte ranges of a file can be cut at line ends
 * only when the encoding keeps ASCII bytes for ASCII characters and never uses them inside a multi-byte character.
 */
import { FileFormatError, type ByteSource, type FileChunk, type FilePlan } from './file-format-types';
import type { ResolvedInputFormat } from './input-format-defaults';
import { rangeBytes } from './source-bytes';

export interface TextCharset {
  /** The canonical WHATWG name, e.g. `utf-8`, `windows-1252`, `utf-16le`. */
  readonly encoding: string;
  /** UTF-8 or a single-byte encoding: `\n`, quotes and delimiters are the ASCII bytes, so ranges can be cut. */
  readonly asciiCompatible: boolean;
}

const SINGLE_BYTE = /^(?:ibm866|iso-8859-\d+|koi8-[ru]|macintosh|windows-\d+|x-mac-cyrillic)$/;

export function resolveCharset(label: string): TextCharset {
  let encoding: string;
  try {
    encoding = new TextDecoder(label).encoding;
  } catch {
    throw new FileFormatError(
      'unsupported-charset',
      `Unknown charset "${label}" (use a WHATWG encoding label)`,
    );
  }
  return { encoding, asciiCompatible: encoding === 'utf-8' || SINGLE_BYTE.test(encoding) };
}

/** The text as UTF-8 bytes (a BOM of the source encoding dropped by the decoder). */
export async function* asUtf8(bytes: AsyncIterable<Buffer>, charset: TextCharset): AsyncGenerator<Buffer> {
  if (charset.encoding === 'utf-8') {
    yield* bytes;
    return;
  }
  const decoder = new TextDecoder(charset.encoding);
  for await (const part of bytes) {
    const text = decoder.decode(part, { stream: true });
    if (text.length > 0) yield Buffer.from(text, 'utf8');
  }
  const rest = decoder.decode();
  if (rest.length > 0) yield Buffer.from(rest, 'utf8');
}

/** Decodes one record's bytes as they are in the file (the planner reads the header before any transcoding). */
export function decodeText(bytes: Buffer, charset: TextCharset): string {
  return charset.encoding === 'utf-8'
    ? bytes.toString('utf8')
    : new TextDecoder(charset.encoding).decode(bytes);
}

/** A chunk of a text file (CSV, JSON) as UTF-8 bytes: its byte range, gunzipped when the plan says so, transcoded. */
export function chunkText(
  source: ByteSource,
  format: ResolvedInputFormat,
  plan: FilePlan,
  chunk: FileChunk,
): AsyncGenerator<Buffer> {
  return asUtf8(rangeBytes(source, chunk.start, chunk.end, plan.compression), resolveCharset(format.charset));
}
