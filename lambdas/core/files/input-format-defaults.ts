/**
 * A batch's `inputFormat` with every option filled in, as Experience Platform documents the defaults.
 */
import type { InputFormat } from './file-format-types';
import type { FileFormatName } from './file-formats';

export interface ResolvedInputFormat {
  readonly format: FileFormatName;
  readonly isMultiLineJson: boolean;
  readonly delimiter: string;
  readonly quote: string;
  readonly escape: string;
  readonly header: boolean;
  readonly nullMarker?: string;
  readonly charset: string;
}

/**
 * The escape defaults to the quote (a doubled quote escapes it), so that a file quoted with `'` reads `''` as one
 * quote without the client having to say so.
 */
export function withDefaults(input: InputFormat): ResolvedInputFormat {
  const quote = input.quote ?? '"';
  return {
    format: input.format,
    isMultiLineJson: input.isMultiLineJson ?? false,
    delimiter: input.delimiter ?? ',',
    quote,
    escape: input.escape ?? quote,
    header: input.header ?? true,
    charset: input.charset ?? 'utf-8',
    ...(input.nullMarker === undefined ? {} : { nullMarker: input.nullMarker }),
  };
}
