/** Ajv's errors as our violations: a pointer to the offending field, the keyword, and a readable message. */
import type { ErrorObject } from 'ajv';
import type { Violation } from '../errors/domain-error';
import { appendPointer } from './json-pointer';

const param = (error: ErrorObject, name: string): string | undefined => {
  const value = (error.params as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
};

function toViolation(error: ErrorObject, prefix: string): Violation {
  const at = prefix + error.instancePath;
  const keyword = error.keyword;
  const missing = param(error, 'missingProperty');
  // a missing field is reported at the field, not at the object that lacks it
  if (
    (keyword === 'required' || keyword === 'dependencies' || keyword === 'dependentRequired') &&
    missing !== undefined
  ) {
    return {
      pointer: appendPointer(at, missing),
      keyword,
      message: `required field '${missing}' is missing`,
    };
  }
  const additional = param(error, 'additionalProperty');
  if (keyword === 'additionalProperties' && additional !== undefined) {
    return {
      pointer: appendPointer(at, additional),
      keyword,
      message: `field '${additional}' is not allowed here`,
    };
  }
  const unevaluated = param(error, 'unevaluatedProperty');
  if (keyword === 'unevaluatedProperties' && unevaluated !== undefined) {
    return {
      pointer: appendPointer(at, unevaluated),
      keyword,
      message: `field '${unevaluated}' is not allowed here`,
    };
  }
  if (keyword === 'enum') {
    const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues ?? [];
    return {
      pointer: at,
      keyword,
      message: `must be one of ${allowed.map((value) => JSON.stringify(value)).join(', ')}`,
    };
  }
  return { pointer: at, keyword, message: error.message ?? `fails '${keyword}'` };
}

/** `prefix` places the pointers inside an enclosing document (e.g. `/schema` for a request body). */
export const toViolations = (errors: readonly ErrorObject[] | null | undefined, prefix = ''): Violation[] =>
  (errors ?? []).map((error) => toViolation(error, prefix));
