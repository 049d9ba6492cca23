/**
 * Experience Platform's `inputFormat` as a request gives it — in a batch's body, or as preview query parameters —
 * checked and normalised: the format in lower case, single-character CSV options that do not collide, a charset
 * this runtime can decode.
 */
import { z } from 'zod';
import type { InputFormat } from '../core/files/file-format-types';
import { FILE_FORMAT_NAMES } from '../core/files/file-formats';
import { invalid } from '../core/errors/domain-error';

const oneCharacter = z.string().length(1, 'must be exactly one character');

const isKnownCharset = (label: string) => {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
};

export const InputFormatInput = z
  .strictObject({
    format: z
      .string()
      .transform((value) => value.toLowerCase())
      .pipe(z.enum(FILE_FORMAT_NAMES, { message: `must be one of ${FILE_FORMAT_NAMES.join(', ')}` })),
    isMultiLineJson: z.boolean().optional(),
    delimiter: oneCharacter
      .refine((value) => value !== '\n' && value !== '\r', 'must not be a line break')
      .optional(),
    quote: oneCharacter.optional(),
    escape: oneCharacter.optional(),
    header: z.boolean().optional(),
    nullMarker: z.string().max(64).optional(),
    charset: z
      .string()
      .min(1)
      .max(64)
      .refine(isKnownCharset, 'is not a charset this platform can decode')
      .optional(),
  })
  .superRefine((format, context) => {
    const delimiter = format.delimiter ?? ',';
    if (delimiter === (format.quote ?? '"')) {
      context.addIssue({ code: 'custom', path: ['quote'], message: 'must differ from the delimiter' });
    }
  });

/** The format named by preview query parameters (`format`, `delimiter`, …), or undefined when none is given. */
export function inputFormatOfQuery(query: Readonly<Record<string, string>>): InputFormat | undefined {
  if (query.format === undefined) return undefined;
  const flag = (name: string) => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (value !== 'true' && value !== 'false') {
      throw invalid('invalid-query', `${name} must be true or false`, [
        { pointer: `/${name}`, keyword: 'type', message: 'must be true or false' },
      ]);
    }
    return value === 'true';
  };
  const result = InputFormatInput.safeParse({
    format: query.format,
    ...Object.fromEntries(
      ['delimiter', 'quote', 'escape', 'charset', 'nullMarker']
        .filter((name) => query[name] !== undefined)
        .map((name) => [name, query[name]]),
    ),
    ...(flag('header') === undefined ? {} : { header: flag('header') }),
    ...(flag('isMultiLineJson') === undefined ? {} : { isMultiLineJson: flag('isMultiLineJson') }),
  });
  if (!result.success) {
    throw invalid('invalid-query', 'the preview format parameters are invalid', [
      ...result.error.issues.map((issue) => ({
        pointer: `/${issue.path.join('/')}`,
        keyword: issue.code,
        message: issue.message,
      })),
    ]);
  }
  return result.data;
}
