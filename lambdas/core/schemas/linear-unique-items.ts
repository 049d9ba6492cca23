/**
 * JSON Schema's `uniqueItems` in linear time. Ajv compares every pair of items that are not all scalars by deep
 * equality: n²/2 comparisons, so 8,000 small objects take a second and the 125,000 a 1 MB record can hold take
 * minutes while the shared consumer waits. Here each item is written once in a canonical form (object keys
 * sorted, so that key order does not matter, as JSON Schema's equality says) and looked up in a set.
 */
import type { ErrorObject, FuncKeywordDefinition, SchemaValidateFunction } from 'ajv/dist/types';

/** An item as text that two items share exactly when JSON Schema calls them equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`);
    return `{${fields.join(',')}}`;
  }
  // -0 is written as 0, which JSON Schema's equality agrees with.
  return JSON.stringify(value);
}

const checkUnique: SchemaValidateFunction = (unique: unknown, data: unknown) => {
  checkUnique.errors = undefined;
  if (unique !== true || !Array.isArray(data)) return true;
  const seen = new Map<string, number>();
  for (const [index, item] of data.entries()) {
    const key = canonical(item);
    const first = seen.get(key);
    if (first !== undefined) {
      const error: Partial<ErrorObject> = {
        keyword: 'uniqueItems',
        message: `must NOT have duplicate items (items ## ${first} and ${index} are identical)`,
        params: { i: index, j: first },
      };
      checkUnique.errors = [error];
      return false;
    }
    seen.set(key, index);
  }
  return true;
};

const LINEAR_UNIQUE_ITEMS: FuncKeywordDefinition = {
  keyword: 'uniqueItems',
  type: 'array',
  schemaType: 'boolean',
  errors: true,
  validate: checkUnique,
};

/** Replaces Ajv's quadratic `uniqueItems` with the linear one. */
export function useLinearUniqueItems(ajv: {
  removeKeyword(keyword: string): unknown;
  addKeyword(definition: FuncKeywordDefinition): unknown;
}): void {
  ajv.removeKeyword('uniqueItems');
  ajv.addKeyword(LINEAR_UNIQUE_ITEMS);
}
