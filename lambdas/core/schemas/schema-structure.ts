/**
 * The fields a schema describes, seen through `allOf` and `$ref` (within the document and to other registered
 * schemas): what identity paths, class rules and evolution checks reason about. `anyOf`/`oneOf` branches are
 * alternatives, not fields every record has, so they are not followed.
 */
import { parsePointer } from './json-pointer';
import { documentUriOf } from './schema-scan';
import { isSchemaObject, type SchemaObject } from './schema-walk';

/** The documents a schema may reach: itself and its dependencies, by URI. */
export type SchemaDocuments = ReadonlyMap<string, SchemaObject>;

export interface LocatedSchema {
  readonly schema: SchemaObject;
  /** The document the schema sits in, against which its `$ref`s resolve. */
  readonly documentUri: string;
}

/** Everything the subschemas at one place in a record say, merged. */
export interface FieldView {
  /** Undefined when no subschema restricts the type. */
  readonly types: ReadonlySet<string> | undefined;
  readonly properties: ReadonlyMap<string, LocatedSchema[]>;
  readonly required: ReadonlySet<string>;
  /** Undefined when no subschema restricts the values to a list. */
  readonly enumValues: readonly unknown[] | undefined;
  readonly items: LocatedSchema[];
}

function decodeFragment(fragment: string): string[] | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(fragment);
  } catch {
    return undefined;
  }
  return parsePointer(decoded);
}

/** The schema a `$ref` names, or undefined when it names nothing we hold. */
export function resolveRef(
  ref: string,
  from: LocatedSchema,
  documents: SchemaDocuments,
): LocatedSchema | undefined {
  const documentUri = documentUriOf(ref, from.documentUri);
  const document = documentUri === undefined ? undefined : documents.get(documentUri);
  const segments = decodeFragment(ref.split('#')[1] ?? '');
  if (!document || !documentUri || !segments) return undefined;
  let node: unknown = document;
  for (const segment of segments) {
    node =
      isSchemaObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return isSchemaObject(node) ? { schema: node, documentUri } : undefined;
}

/** The subschemas that all apply at this place: the schema itself and what it reaches by `allOf` and `$ref`. */
function facetsOf(
  start: LocatedSchema,
  documents: SchemaDocuments,
  into: LocatedSchema[],
  seen: Set<SchemaObject>,
): void {
  if (seen.has(start.schema)) return;
  seen.add(start.schema);
  into.push(start);
  const { schema } = start;
  if (typeof schema.$ref === 'string') {
    const target = resolveRef(schema.$ref, start, documents);
    if (target) facetsOf(target, documents, into, seen);
  }
  if (Array.isArray(schema.allOf)) {
    for (const part of schema.allOf) {
      if (isSchemaObject(part))
        facetsOf({ schema: part, documentUri: start.documentUri }, documents, into, seen);
    }
  }
}

const typesOf = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.filter((t) => typeof t === 'string')
      : [];

export function viewOf(places: readonly LocatedSchema[], documents: SchemaDocuments): FieldView {
  const facets: LocatedSchema[] = [];
  const seen = new Set<SchemaObject>();
  for (const place of places) facetsOf(place, documents, facets, seen);
  let types: Set<string> | undefined;
  let enumValues: unknown[] | undefined;
  const properties = new Map<string, LocatedSchema[]>();
  const required = new Set<string>();
  const items: LocatedSchema[] = [];
  for (const { schema, documentUri } of facets) {
    if (schema.type !== undefined) types = new Set([...(types ?? []), ...typesOf(schema.type)]);
    if (Array.isArray(schema.enum) && enumValues === undefined) enumValues = schema.enum;
    if (isSchemaObject(schema.properties)) {
      for (const [name, child] of Object.entries(schema.properties)) {
        if (!isSchemaObject(child)) continue;
        properties.set(name, [...(properties.get(name) ?? []), { schema: child, documentUri }]);
      }
    }
    if (Array.isArray(schema.required))
      for (const name of schema.required) if (typeof name === 'string') required.add(name);
    if (isSchemaObject(schema.items)) items.push({ schema: schema.items, documentUri });
  }
  return { types, properties, required, enumValues, items };
}

/**
 * The view of the field a path of property names leads to, or the index of the first name that no subschema
 * declares.
 */
export function fieldAt(
  root: LocatedSchema,
  path: readonly string[],
  documents: SchemaDocuments,
): { view: FieldView } | { missingAt: number } {
  let places: LocatedSchema[] = [root];
  for (const [index, name] of path.entries()) {
    const next = viewOf(places, documents).properties.get(name);
    if (!next) return { missingAt: index };
    places = next;
  }
  return { view: viewOf(places, documents) };
}
