/**
 * The `Content-Range` header of a ranged upload (PATCH): `bytes {start}-{end}/{total}` with HTTP's inclusive end,
 * the total `*` when not yet known. Experience Platform's own examples leave the `/{total}` out, so it is optional.
 */
import { invalid } from '../../errors/domain-error';

export interface ReceivedRange {
  readonly start: number;
  /** Exclusive, unlike the header's. */
  readonly end: number;
  readonly total?: number;
}

const CONTENT_RANGE = /^bytes (\d{1,15})-(\d{1,15})(?:\/(\d{1,15}|\*))?$/;
const FORMAT = 'bytes {start}-{end}/{total|*}';

export const invalidContentRange = (message: string) =>
  invalid('invalid-content-range', `Content-Range ${message}`, [
    { pointer: '/headers/content-range', keyword: 'format', message },
  ]);

/** The range a PATCH body holds, checked against the body's length, or an `invalid` error, `invalid-content-range`. */
export function parseContentRange(header: string | undefined, bodyLength: number): ReceivedRange {
  if (header === undefined || header.trim() === '') throw invalidContentRange(`is required: ${FORMAT}`);
  const match = CONTENT_RANGE.exec(header.trim());
  if (!match) throw invalidContentRange(`must be ${FORMAT}`);
  const [, first, last, total] = match;
  const start = Number(first);
  const end = Number(last) + 1;
  if (end <= start) throw invalidContentRange('must not end before it starts');
  if (end - start !== bodyLength) {
    throw invalidContentRange(`covers ${end - start} bytes but the body has ${bodyLength}`);
  }
  if (total === undefined || total === '*') return { start, end };
  const declared = Number(total);
  if (end > declared) throw invalidContentRange(`ends beyond the file's total of ${declared} bytes`);
  return { start, end, total: declared };
}
