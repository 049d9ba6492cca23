/**
 * Byte ranges of a ranged upload: what has been received (merged), whether the parts tile a file exactly (gaps,
 * overlaps), and which slices of which parts hold a requested range. Ranges are `[start, end)` throughout; only
 * text meant for HTTP clients uses HTTP's inclusive ends.
 */
import type { FilePart } from '../file-batch-types';

export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** The bytes `[from, to)` of the object at `key` (of its version `versionId`, when the part names one). */
export interface PartSlice {
  readonly key: string;
  readonly versionId?: string;
  readonly from: number;
  readonly to: number;
}

export interface Coverage {
  /** Ranges no part holds, within `[0, expected size)` (or up to the last part when no size is declared). */
  readonly gaps: ByteRange[];
  /** Pairs of parts that hold some of the same bytes. */
  readonly overlaps: [FilePart, FilePart][];
}

export const byStartThenEnd = <T extends ByteRange>(ranges: readonly T[]): T[] =>
  [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);

/** `start-last` with HTTP's inclusive last byte, as in `Content-Range` and `Range`. */
export const inclusiveText = (range: ByteRange) => `${range.start}-${range.end - 1}`;

/** The ranges received, merged where they touch or overlap, in order; empty ranges hold nothing and go. */
export function mergeRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const merged: ByteRange[] = [];
  for (const range of byStartThenEnd(ranges.filter((held) => held.end > held.start))) {
    const last = merged.at(-1);
    if (last && range.start <= last.end) {
      merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, range.end) };
    } else {
      merged.push({ start: range.start, end: range.end });
    }
  }
  return merged;
}

export const totalBytes = (ranges: readonly ByteRange[]) =>
  mergeRanges(ranges).reduce((sum, range) => sum + range.end - range.start, 0);

/** How the parts fall short of tiling `[0, expectedSize)` exactly, one after the other. */
export function coverageOf(parts: readonly FilePart[], expectedSize: number | undefined): Coverage {
  const gaps: ByteRange[] = [];
  const overlaps: [FilePart, FilePart][] = [];
  let furthest: FilePart | undefined;
  for (const part of byStartThenEnd(parts)) {
    const reached = furthest?.end ?? 0;
    if (part.start > reached) gaps.push({ start: reached, end: part.start });
    if (furthest && part.start < reached) overlaps.push([furthest, part]);
    if (!furthest || part.end > furthest.end) furthest = part;
  }
  const reached = furthest?.end ?? 0;
  if (expectedSize !== undefined && reached < expectedSize) gaps.push({ start: reached, end: expectedSize });
  return { gaps, overlaps };
}

/** The slices of the parts (in order, tiling the file) that hold bytes `[start, end)` of the file. */
export function slicesOf(parts: readonly FilePart[], start: number, end: number): PartSlice[] {
  return parts
    .map((part) => ({
      key: part.key,
      ...(part.versionId === undefined ? {} : { versionId: part.versionId }),
      from: Math.max(start, part.start) - part.start,
      to: Math.min(end, part.end) - part.start,
    }))
    .filter((slice) => slice.from < slice.to);
}

/** Refuses a range outside the file, as a programming error of the reader asking for it. */
export function checkReadRange(start: number, end: number, size: number): void {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= size)) {
    throw new RangeError(`bytes [${start}, ${end}) are not within a file of ${size} bytes`);
  }
}
