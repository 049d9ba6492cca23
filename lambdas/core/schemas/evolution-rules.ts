/**
 * Additive-only evolution: a new version may add optional fields, widen enums and add identities, so that every
 * record valid under the old version stays valid and keeps its identities. Everything else is a breaking change.
 */
import type { Violation } from '../errors/domain-error';
import { appendPointer } from './json-pointer';
import { viewOf, type FieldView, type LocatedSchema, type SchemaDocuments } from './schema-structure';
import type { IdentityDescriptor, SchemaClass } from './schema-types';

export interface EvolutionSide {
  readonly schemaClass: SchemaClass;
  readonly identities: readonly IdentityDescriptor[];
  readonly root: LocatedSchema;
  readonly documents: SchemaDocuments;
}

const sameTypes = (a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined): boolean =>
  a === undefined
    ? b === undefined
    : b !== undefined && a.size === b.size && [...a].every((type) => b.has(type));

const describeTypes = (types: ReadonlySet<string> | undefined): string =>
  types ? [...types].join('|') : 'any';

function fieldViolations(before: FieldView, after: FieldView, pointer: string): Violation[] {
  const violations: Violation[] = [];
  if (!sameTypes(before.types, after.types)) {
    violations.push({
      pointer: `${pointer}/type`,
      keyword: 'type',
      message: `type changed from ${describeTypes(before.types)} to ${describeTypes(after.types)}`,
    });
  }
  if (after.enumValues) {
    if (!before.enumValues) {
      violations.push({
        pointer: `${pointer}/enum`,
        keyword: 'enum',
        message: 'an enum may not be added to an existing field',
      });
    } else {
      const kept = new Set(after.enumValues.map((value) => JSON.stringify(value)));
      const removed = before.enumValues.filter((value) => !kept.has(JSON.stringify(value)));
      if (removed.length > 0) {
        violations.push({
          pointer: `${pointer}/enum`,
          keyword: 'enum',
          message: `enum values may only be added; removed: ${removed.map((value) => JSON.stringify(value)).join(', ')}`,
        });
      }
    }
  }
  for (const name of after.required) {
    if (!before.required.has(name)) {
      violations.push({
        pointer: `${pointer}/required`,
        keyword: 'required',
        message: `'${name}' may not become required`,
      });
    }
  }
  return violations;
}

function compareFields(
  before: readonly LocatedSchema[],
  after: readonly LocatedSchema[],
  pointer: string,
  sides: { before: SchemaDocuments; after: SchemaDocuments },
  compared: Set<string>,
): Violation[] {
  const beforeView = viewOf(before, sides.before);
  const afterView = viewOf(after, sides.after);
  const violations = fieldViolations(beforeView, afterView, pointer);
  for (const [name, beforeField] of beforeView.properties) {
    const fieldPointer = appendPointer(pointer, 'properties', name);
    const afterField = afterView.properties.get(name);
    if (!afterField) {
      violations.push({
        pointer: fieldPointer,
        keyword: 'properties',
        message: `field '${name}' may not be removed`,
      });
    } else if (!compared.has(fieldPointer)) {
      // a recursive schema repeats its pointers' prefix forever; each logical place is compared once
      compared.add(fieldPointer);
      violations.push(...compareFields(beforeField, afterField, fieldPointer, sides, compared));
    }
  }
  const itemsPointer = `${pointer}/items`;
  if (beforeView.items.length > 0 && afterView.items.length > 0 && !compared.has(itemsPointer)) {
    compared.add(itemsPointer);
    violations.push(...compareFields(beforeView.items, afterView.items, itemsPointer, sides, compared));
  }
  return violations;
}

const sameIdentity = (a: IdentityDescriptor, b: IdentityDescriptor): boolean =>
  a.path === b.path && a.namespace === b.namespace && a.primary === b.primary;

function identityViolations(
  before: readonly IdentityDescriptor[],
  after: readonly IdentityDescriptor[],
): Violation[] {
  const violations: Violation[] = [];
  before.forEach((identity, index) => {
    if (!after.some((candidate) => sameIdentity(candidate, identity))) {
      violations.push({
        pointer: appendPointer('/identities', index),
        keyword: 'identity',
        message: `identity ${identity.path} (${identity.namespace}${identity.primary ? ', primary' : ''}) may not be removed or changed`,
      });
    }
  });
  const primaryBefore = before.find((identity) => identity.primary);
  after.forEach((identity, index) => {
    if (identity.primary && !primaryBefore) {
      violations.push({
        pointer: appendPointer('/identities', index, 'primary'),
        keyword: 'identity',
        message: 'a primary identity may not be added to an existing schema',
      });
    }
  });
  return violations;
}

/** Every way `after` breaks records or identities that `before` accepted; pointers are into the request body. */
export function breakingChanges(before: EvolutionSide, after: EvolutionSide): Violation[] {
  if (before.schemaClass !== after.schemaClass) {
    return [
      {
        pointer: '/class',
        keyword: 'class',
        message: `class may not change from ${before.schemaClass} to ${after.schemaClass}`,
      },
    ];
  }
  return [
    ...compareFields(
      [before.root],
      [after.root],
      '/schema',
      { before: before.documents, after: after.documents },
      new Set(),
    ),
    ...identityViolations(before.identities, after.identities),
  ];
}
