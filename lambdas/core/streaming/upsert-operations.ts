/**
 * Experience Platform's streaming upserts: an envelope's `header.operations` says what a profile record does to the
 * stored one — `data: create` (the default: the record replaces it), `merge` (a partial record patched onto it) or
 * `delete` (the record is removed from the profile store). Every field of `operations` is honoured or refused,
 * never ignored:
 *  - `data` is carried on the stream as `StreamMessage.operation` to `applyToProfiles`; `merge` and `delete` apply
 *    only to records of a profile-enabled, profile-class dataset (events are immutable);
 *  - `identity: "create"` is what Tributary always does with a created or merged record (its identities are linked
 *    into the graph from the record itself), so it is accepted; a delete links nothing, so there it is refused;
 *  - `identityDatasetId` is refused: Experience Platform writes the identities of a partial record through a second,
 *    identity-only dataset, which Tributary does not need (it links them from the record) and does not have.
 *
 * A merge or delete record is partial: it is validated on the fields it carries (`presentFieldViolations`).
 */
import type { Violation } from '../errors/domain-error';
import type { Dataset } from '../catalog/datasets';
import { UPSERT_OPERATIONS, type UpsertOperation } from '../profiles/fragments';

/** The code of a message whose `header.operations` is refused. */
export const UNSUPPORTED_OPERATION = 'unsupported-operation';

const OPERATIONS_FIELDS = ['data', 'identity', 'identityDatasetId'];
const IDENTITY_OPERATIONS = ['create'];

/** Why an operation is refused: the violation, its pointer relative to the message. */
export type OperationRefusal = { readonly refusal: Violation };

const refused = (pointer: string, keyword: string, message: string): OperationRefusal => ({
  refusal: { pointer, keyword, message },
});

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** `header.operations` of an envelope: the upsert operation it asks for (none: a create), or why it is refused. */
export function operationOf(
  header: Record<string, unknown>,
): { readonly operation?: UpsertOperation } | OperationRefusal {
  const { operations } = header;
  if (operations === undefined) return {};
  const at = '/header/operations';
  if (!isObject(operations)) return refused(at, 'type', 'header.operations must be an object');
  const unknown = Object.keys(operations).find((name) => !OPERATIONS_FIELDS.includes(name));
  if (unknown !== undefined) {
    return refused(
      `${at}/${unknown}`,
      'additionalProperties',
      `header.operations.${unknown} is not an upsert field Tributary knows (${OPERATIONS_FIELDS.join(', ')})`,
    );
  }
  const { data, identity } = operations;
  if (data !== undefined && !(UPSERT_OPERATIONS as readonly unknown[]).includes(data)) {
    return refused(
      `${at}/data`,
      'enum',
      `header.operations.data must be one of ${UPSERT_OPERATIONS.join(', ')}`,
    );
  }
  if (operations.identityDatasetId !== undefined) {
    return refused(
      `${at}/identityDatasetId`,
      'unsupported',
      "header.operations.identityDatasetId is not supported: Tributary links a record's identities from the record " +
        'itself, without an identity dataset; leave it out',
    );
  }
  if (identity !== undefined && !IDENTITY_OPERATIONS.includes(identity as string)) {
    return refused(`${at}/identity`, 'enum', 'header.operations.identity must be create');
  }
  if (identity !== undefined && data === 'delete') {
    return refused(
      `${at}/identity`,
      'unsupported',
      'header.operations.identity create cannot go with a delete, which links no identities',
    );
  }
  return data === undefined ? {} : { operation: data as UpsertOperation };
}

/** Why the dataset cannot take the operation (merge and delete change stored profile records), or undefined. */
export function operationRefusal(
  dataset: Pick<Dataset, 'id' | 'schemaClass' | 'profileEnabled'>,
  operation: UpsertOperation | undefined,
): OperationRefusal | undefined {
  if (operation === undefined || operation === 'create') return undefined;
  const at = '/header/operations/data';
  if (dataset.schemaClass === 'event') {
    return refused(
      at,
      'unsupported',
      `dataset '${dataset.id}' holds events, which are immutable: only create applies to them, not ${operation}`,
    );
  }
  if (!dataset.profileEnabled) {
    return refused(
      at,
      'unsupported',
      `a ${operation} changes the record stored in the profile store, and dataset '${dataset.id}' is not profile-enabled`,
    );
  }
  return undefined;
}

/** A violation that only says a field is absent (`required`, or a property dependency): no fault of a partial record. */
const isAbsence = (violation: Violation): boolean =>
  violation.keyword === 'required' ||
  ((violation.keyword === 'dependentRequired' || violation.keyword === 'dependencies') &&
    violation.message.startsWith('required field'));

/**
 * The violations that count for a record under its operation: all for a create, and for a merge or delete (a
 * partial record) those of the fields it carries — a missing required field is not one.
 */
export function presentFieldViolations(
  violations: readonly Violation[],
  operation: UpsertOperation | undefined,
): Violation[] {
  if (operation === undefined || operation === 'create') return [...violations];
  return violations.filter((violation) => !isAbsence(violation));
}
