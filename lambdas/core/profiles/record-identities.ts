/**
 * The identities of one record or event: the fields its schema marks with identity descriptors and the entries of
 * its `identityMap`, normalised, deduplicated, with the one primary identity the fragment or event is keyed by.
 *
 * The primary identity, as Experience Platform picks it:
 *   1. the schema's primary descriptor field (`primaryIdentity.namespace` set) — required when the schema has one;
 *   2. otherwise the `identityMap` entry the record flags `primary: true` (more than one flagged is an error:
 *      "only one can be marked as primary");
 *   3. otherwise the record's ECID from `identityMap`, as Experience Platform's Web and Mobile SDKs default to;
 *   4. otherwise none — the record cannot be keyed and fails for the profile.
 * Any identity that fails normalisation fails the record for the profile, as Experience Platform skips a record with
 * an invalid ECID or an over-long value rather than ingest part of its identities.
 */
import type { Violation } from '../errors/domain-error';
import type { StoredSchema } from '../schemas/schema-types';
import type { IdentityNormalizer } from './identity-normalizer';
import { identityKeyOf, type IdentityRef, type ProfileGuardrails } from './profile-ports';

export type IdentitySchema = Pick<StoredSchema, 'identities' | 'hasIdentityMap' | 'primaryIdentity'>;

export interface RecordIdentities {
  readonly primary?: IdentityRef;
  /** Every distinct identity of the record, the primary first. */
  readonly identities: IdentityRef[];
  readonly problems: Violation[];
}

/** The namespace Experience Platform's SDKs make primary when an identityMap flags none. */
const DEFAULT_PRIMARY_NAMESPACE = 'ECID';
const IDENTITY_MAP_FIELD = 'identityMap';

interface Found {
  readonly identity: IdentityRef;
  readonly pointer: string;
  readonly flaggedPrimary: boolean;
}

const escapePointerToken = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapePointerToken = (token: string) => token.replace(/~1/g, '/').replace(/~0/g, '~');

/** The value at an RFC 6901 pointer, or undefined when the path does not exist in the record. */
export function valueAtPointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  let current = document;
  for (const token of pointer.replace(/^\//, '').split('/').map(unescapePointerToken)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[token];
  }
  return current;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

export function identitiesOfRecord(
  schema: IdentitySchema,
  record: unknown,
  normalizer: IdentityNormalizer,
  guardrails: Pick<ProfileGuardrails, 'maxIdentitiesPerRecord'>,
): RecordIdentities {
  const problems: Violation[] = [];
  const found: Found[] = [];
  const add = (namespace: string, value: unknown, pointer: string, flaggedPrimary: boolean) => {
    const normalized = normalizer.normalize(namespace, value);
    if (normalized.ok) found.push({ identity: normalized.identity, pointer, flaggedPrimary });
    else
      problems.push({ pointer, keyword: 'identity', message: `${namespace} identity: ${normalized.reason}` });
  };

  for (const descriptor of schema.identities) {
    const value = valueAtPointer(record, descriptor.path);
    if (value !== undefined && value !== null) add(descriptor.namespace, value, descriptor.path, false);
  }
  const identityMap = isObject(record) ? record[IDENTITY_MAP_FIELD] : undefined;
  if (schema.hasIdentityMap && isObject(identityMap)) {
    for (const [namespace, entries] of Object.entries(identityMap)) {
      const base = `/${IDENTITY_MAP_FIELD}/${escapePointerToken(namespace)}`;
      if (!Array.isArray(entries)) {
        problems.push({
          pointer: base,
          keyword: 'identity',
          message: 'identityMap entries must be an array',
        });
        continue;
      }
      entries.forEach((entry: unknown, index) => {
        const pointer = `${base}/${index}`;
        if (!isObject(entry)) {
          problems.push({
            pointer,
            keyword: 'identity',
            message: 'an identityMap entry must be an object with id',
          });
          return;
        }
        add(namespace, entry.id, `${pointer}/id`, entry.primary === true);
      });
    }
  }

  const primary = primaryOf(schema, record, found, problems);
  const identities = distinct(
    primary ? [primary, ...found.map((f) => f.identity)] : found.map((f) => f.identity),
  );
  if (identities.length > guardrails.maxIdentitiesPerRecord) {
    problems.push({
      pointer: '',
      keyword: 'maxIdentities',
      message: `the record has ${identities.length} identities; at most ${guardrails.maxIdentitiesPerRecord} are allowed`,
    });
  }
  return { ...(primary ? { primary } : {}), identities, problems };
}

function primaryOf(
  schema: IdentitySchema,
  record: unknown,
  found: readonly Found[],
  problems: Violation[],
): IdentityRef | undefined {
  const descriptor = schema.identities.find((d) => d.primary);
  const declared = schema.primaryIdentity ?? descriptor;
  if (declared?.namespace !== undefined) {
    const match = found.find(
      (f) => f.pointer === declared.path && f.identity.namespace === declared.namespace,
    );
    if (!match && valueAtPointer(record, declared.path) === undefined) {
      problems.push({
        pointer: declared.path,
        keyword: 'primaryIdentity',
        message: `the primary identity (${declared.namespace}) is missing`,
      });
    }
    return match?.identity;
  }
  const flagged = found.filter((f) => f.flaggedPrimary);
  if (flagged.length > 1) {
    problems.push({
      pointer: `/${IDENTITY_MAP_FIELD}`,
      keyword: 'primaryIdentity',
      message: `only one identity can be marked as primary; ${flagged.length} are`,
    });
    return undefined;
  }
  return (
    flagged[0]?.identity ??
    found.find(
      (f) =>
        f.pointer.startsWith(`/${IDENTITY_MAP_FIELD}/`) && f.identity.namespace === DEFAULT_PRIMARY_NAMESPACE,
    )?.identity
  );
}

function distinct(identities: readonly IdentityRef[]): IdentityRef[] {
  const seen = new Set<string>();
  return identities.filter((identity) => {
    const key = identityKeyOf(identity);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
