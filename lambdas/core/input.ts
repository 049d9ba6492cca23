/**
 * Turning untrusted input into typed values: zod schemas for bodies and queries, with every failure an `invalid`
 * domain error whose violations point at the offending field.
 */
import { z } from 'zod';
import type { Violation } from './errors/domain-error';
import { validationFailed } from './errors/domain-error';

const escapePointerToken = (token: PropertyKey): string =>
  String(token).replaceAll('~', '~0').replaceAll('/', '~1');

export function toPointer(path: readonly PropertyKey[]): string {
  return path.map((token) => '/' + escapePointerToken(token)).join('');
}

export function violationsOf(error: z.ZodError): Violation[] {
  return error.issues.flatMap((issue): Violation[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        pointer: toPointer([...issue.path, key]),
        keyword: 'additionalProperties',
        message: `unknown field '${key}'`,
      }));
    }
    return [{ pointer: toPointer(issue.path), keyword: issue.code, message: issue.message }];
  });
}

/** The value as the schema types it, or an `invalid` error (code `validation-failed`) naming every violation. */
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what = 'the request body',
): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const violations = violationsOf(result.error);
  throw validationFailed(
    `${what} is invalid: ${violations.map((v) => `${v.pointer || '/'} ${v.message}`).join('; ')}`,
    violations,
  );
}

/** A required, trimmed-nonempty display string of bounded length. */
export const displayText = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
