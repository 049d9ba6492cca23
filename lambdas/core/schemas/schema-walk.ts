/**
 * Walks every subschema of a JSON Schema document, knowing which keywords hold subschemas, so that keywords are
 * told apart from property names and values (`enum`, `default`, `meta:*` annotations are never descended into).
 */
import { appendPointer } from './json-pointer';

export type SchemaObject = Record<string, unknown>;

/** Keywords whose value is an object of subschemas. */
const SCHEMA_MAP_KEYWORDS = ['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas'];
/** Keywords whose value is a subschema. */
const SCHEMA_KEYWORDS = [
  'additionalProperties',
  'additionalItems',
  'contains',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
  'unevaluatedItems',
  'unevaluatedProperties',
];
/** Keywords whose value is an array of subschemas. */
const SCHEMA_ARRAY_KEYWORDS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];

export const isSchemaObject = (value: unknown): value is SchemaObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Calls `visit` for every schema object in the document (root first), with its pointer. */
export function walkSchema(root: unknown, visit: (schema: SchemaObject, pointer: string) => void): void {
  const walk = (node: unknown, pointer: string): void => {
    if (!isSchemaObject(node)) return;
    visit(node, pointer);
    for (const keyword of SCHEMA_MAP_KEYWORDS) {
      const map = node[keyword];
      if (isSchemaObject(map))
        for (const [name, child] of Object.entries(map)) walk(child, appendPointer(pointer, keyword, name));
    }
    for (const keyword of SCHEMA_KEYWORDS) walk(node[keyword], appendPointer(pointer, keyword));
    for (const keyword of SCHEMA_ARRAY_KEYWORDS) {
      const list = node[keyword];
      if (Array.isArray(list))
        list.forEach((child, index) => walk(child, appendPointer(pointer, keyword, index)));
    }
    const items = node.items;
    if (Array.isArray(items))
      items.forEach((child, index) => walk(child, appendPointer(pointer, 'items', index)));
    else walk(items, appendPointer(pointer, 'items'));
    // draft-04..07 `dependencies`: a subschema, or a list of property names (not a schema)
    const dependencies = node.dependencies;
    if (isSchemaObject(dependencies)) {
      for (const [name, child] of Object.entries(dependencies))
        walk(child, appendPointer(pointer, 'dependencies', name));
    }
  };
  walk(root, '');
}
