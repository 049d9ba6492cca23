/**
 * The rules a schema's class and identities impose beyond JSON Schema: event schemas declare and require `_id`
 * and `timestamp`; identity descriptors point at string fields, name known namespaces, and at most one is primary.
 */
import type { Violation } from '../errors/domain-error';
import { appendPointer, parsePointer } from './json-pointer';
import { fieldAt, viewOf, type LocatedSchema, type SchemaDocuments } from './schema-structure';
import type { IdentityDescriptor, PrimaryIdentity, SchemaClass } from './schema-types';

/** The field that marks identities per record instead of per schema (Experience Platform's `identityMap`). */
export const IDENTITY_MAP_FIELD = 'identityMap';
/** Fields every event must carry: the key events are deduplicated by, and the time they are ordered by. */
export const EVENT_REQUIRED_FIELDS = ['_id', 'timestamp'] as const;

export interface RecordRulesInput {
  readonly schemaClass: SchemaClass;
  readonly identities: readonly IdentityDescriptor[];
  readonly root: LocatedSchema;
  readonly documents: SchemaDocuments;
  readonly namespaceExists: (code: string) => Promise<boolean>;
}

export interface RecordRulesOutcome {
  readonly violations: Violation[];
  readonly hasIdentityMap: boolean;
  readonly primaryIdentity?: PrimaryIdentity;
}

const isStringField = (types: ReadonlySet<string> | undefined): boolean =>
  types?.size === 1 && types.has('string');

function classViolations({ schemaClass, identities, root, documents }: RecordRulesInput): Violation[] {
  if (schemaClass === 'component') {
    return identities.length > 0
      ? [{ pointer: '/identities', keyword: 'class', message: 'component schemas carry no identities' }]
      : [];
  }
  const view = viewOf([root], documents);
  const violations: Violation[] = [];
  if (!view.types?.has('object')) {
    violations.push({
      pointer: '/schema/type',
      keyword: 'class',
      message: `a ${schemaClass} schema describes records: it must have type "object"`,
    });
  }
  if (schemaClass !== 'event') return violations;
  for (const field of EVENT_REQUIRED_FIELDS) {
    const declared = view.properties.get(field);
    if (!declared) {
      violations.push({
        pointer: appendPointer('/schema/properties', field),
        keyword: 'class',
        message: `an event schema must declare the string field '${field}'`,
      });
      continue;
    }
    if (!isStringField(viewOf(declared, documents).types)) {
      violations.push({
        pointer: appendPointer('/schema/properties', field, 'type'),
        keyword: 'class',
        message: `'${field}' of an event schema must have type "string"`,
      });
    }
    if (!view.required.has(field)) {
      violations.push({
        pointer: '/schema/required',
        keyword: 'class',
        message: `an event schema must require '${field}'`,
      });
    }
  }
  return violations;
}

async function identityViolations({
  identities,
  root,
  documents,
  namespaceExists,
}: RecordRulesInput): Promise<Violation[]> {
  const namespaces = [...new Set(identities.map((identity) => identity.namespace))];
  const known = new Map(
    await Promise.all(namespaces.map(async (code) => [code, await namespaceExists(code)] as const)),
  );
  const violations: Violation[] = [];
  const seenPaths = new Set<string>();
  let primarySeen = false;
  identities.forEach((identity, index) => {
    const at = appendPointer('/identities', index);
    const segments = parsePointer(identity.path);
    if (!segments || segments.length === 0) {
      violations.push({
        pointer: `${at}/path`,
        keyword: 'identity',
        message: 'must be a JSON pointer to a field, e.g. /email',
      });
    } else {
      const found = fieldAt(root, segments, documents);
      if ('missingAt' in found) {
        const missing = appendPointer('', ...segments.slice(0, found.missingAt + 1));
        violations.push({
          pointer: `${at}/path`,
          keyword: 'identity',
          message: `the schema declares no field ${missing}`,
        });
      } else if (!isStringField(found.view.types)) {
        violations.push({
          pointer: `${at}/path`,
          keyword: 'identity',
          message: `${identity.path} must be a string field`,
        });
      }
    }
    if (seenPaths.has(identity.path)) {
      violations.push({
        pointer: `${at}/path`,
        keyword: 'identity',
        message: `${identity.path} is already an identity`,
      });
    }
    seenPaths.add(identity.path);
    if (!known.get(identity.namespace)) {
      violations.push({
        pointer: `${at}/namespace`,
        keyword: 'identity',
        message: `identity namespace '${identity.namespace}' does not exist in this sandbox`,
      });
    }
    if (identity.primary && primarySeen) {
      violations.push({
        pointer: `${at}/primary`,
        keyword: 'identity',
        message: 'only one identity may be primary',
      });
    }
    primarySeen ||= identity.primary;
  });
  return violations;
}

export async function checkRecordRules(input: RecordRulesInput): Promise<RecordRulesOutcome> {
  const violations = [...classViolations(input), ...(await identityViolations(input))];
  const hasIdentityMap =
    input.schemaClass !== 'component' &&
    viewOf([input.root], input.documents).properties.has(IDENTITY_MAP_FIELD);
  const primary = input.identities.find((identity) => identity.primary);
  const primaryIdentity: PrimaryIdentity | undefined = primary
    ? { path: primary.path, namespace: primary.namespace }
    : hasIdentityMap
      ? { path: IDENTITY_MAP_FIELD }
      : undefined;
  return { violations, hasIdentityMap, ...(primaryIdentity ? { primaryIdentity } : {}) };
}
