/**
 * Which objects of an S3 source a dataflow reads, and in what order: the rules shared by the reader (listing for a
 * pull) and by exploring (marking the files a pull would read).
 *
 * - The prefix is a folder: `exports/orders` reads `exports/orders/...`, not `exports/orders-2024.csv`.
 * - The file pattern is a glob on the key below the prefix; a pattern without `/` matches the file name at any
 *   depth (`*.csv`), one with `/` the whole relative key (`2024/*\/orders-*.json`).
 * - `recursive: false` keeps only the prefix's direct children.
 * - Zero-byte objects are never read (Experience Platform rejects them), nor folder markers (`x/`, `x_$folder$`).
 * - Objects are taken oldest first by `(lastModified, key)`, strictly after a position, so that objects of the
 *   same second are neither skipped nor read twice; and within a look-back below the watermark, those not taken
 *   already (an object may become visible long after its LastModified).
 */
import picomatch from 'picomatch';
import type { S3ListOptions, S3SourceParams, S3Watermark, SourceObject } from './connection-types';

/** Marker objects some tools (Hadoop, EMR, older consoles) write for folders. */
const FOLDER_MARKER_SUFFIX = '_$folder$';

/** The prefix as a folder: `''` for the whole bucket, else ending with `/`. */
export function folderOf(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

/** Whether a dataflow on these params reads the object (apart from time and watermark). */
export function sourceSelector(params: S3SourceParams): (key: string, size: number) => boolean {
  const folder = folderOf(params.prefix);
  const pattern = params.filePattern;
  // picomatch's `basename` option would match a pattern with `/` against the file name too: decide here instead.
  const matches =
    pattern === undefined ? () => true : picomatch(pattern, { basename: !pattern.includes('/') });
  return (key, size) => {
    if (!key.startsWith(folder)) return false;
    const relative = key.slice(folder.length);
    if (relative === '' || relative.endsWith('/') || relative.endsWith(FOLDER_MARKER_SUFFIX)) return false;
    if (size === 0) return false;
    if (params.recursive === false && relative.includes('/')) return false;
    return matches(relative);
  };
}

/** `(lastModified, key)` order; keys compare as text, which is a total order the watermark can rely on. */
export function compareSourceObjects(a: S3Watermark, b: S3Watermark): number {
  const byTime = Date.parse(a.lastModified) - Date.parse(b.lastModified);
  if (byTime !== 0) return byTime;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

export type TimeWindow = Pick<S3ListOptions, 'after' | 'lookBack' | 'notBefore' | 'notAfter'>;

export function inTimeWindow(object: SourceObject, window: TimeWindow): boolean {
  const time = Date.parse(object.lastModified);
  if (window.notBefore !== undefined && time < Date.parse(window.notBefore)) return false;
  if (window.notAfter !== undefined && time > Date.parse(window.notAfter)) return false;
  if (window.after !== undefined && compareSourceObjects(object, window.after) <= 0) return false;
  const { lookBack } = window;
  if (lookBack === undefined) return true;
  const from = Date.parse(lookBack.from);
  return (time > from || (time === from && lookBack.inclusive)) && !lookBack.taken(object);
}

/**
 * Keeps the `limit` oldest of the objects offered, in order, without holding a whole bucket's listing: the
 * candidates are cut back to the oldest `limit` whenever they reach twice that.
 */
export class OldestObjects {
  private candidates: SourceObject[] = [];
  private offered = 0;

  constructor(private readonly limit: number) {}

  offer(object: SourceObject): void {
    this.offered += 1;
    this.candidates.push(object);
    if (this.candidates.length >= 2 * this.limit) this.cut();
  }

  /** The oldest objects up to `maxObjects` and `maxBytes` in total (always at least one), and whether more remain. */
  take(maxBytes: number): { objects: SourceObject[]; more: boolean } {
    this.cut();
    const objects: SourceObject[] = [];
    let bytes = 0;
    for (const object of this.candidates) {
      if (objects.length > 0 && bytes + object.size > maxBytes) break;
      objects.push(object);
      bytes += object.size;
    }
    return { objects, more: this.offered > objects.length };
  }

  private cut(): void {
    this.candidates.sort(compareSourceObjects);
    this.candidates.length = Math.min(this.candidates.length, this.limit);
  }
}
