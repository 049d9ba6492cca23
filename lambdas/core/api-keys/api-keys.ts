/**
 * The API key operations: bootstrap of the platform key, authentication of a presented key, and the key management
 * that `/api-keys` exposes (a sandbox admin manages its own sandbox's keys; a platform key manages every sandbox's).
 */
import type { Caller } from './caller';
import { PLATFORM_SANDBOX } from './caller';
import { invalid, conflict, forbidden, notFound } from '../errors/domain-error';
import type { Scope } from './caller';
import type { Page, PageRequest } from '../page';
import type { ApiKeyRecord, ApiKeyStore } from './api-key';
import {
  generateKey,
  hasExpired,
  hashesEqual,
  hashKey,
  isPlausibleKey,
  keyIdOf,
  MIN_KEY_LENGTH,
  MAX_KEY_LENGTH,
} from './api-key';
import { isPlatformKey } from './access';
import { platformKeyWeakness } from './key-strength';

export const PLATFORM_KEY_NAME = 'platform';
/**
 * lastUsedAt is a hint for audits, not a log: writing it at most hourly keeps authentication to one read in the
 * common case, and the authorizer's grant to an UpdateItem of that one attribute.
 */
const LAST_USED_RESOLUTION_MS = 60 * 60 * 1000;

/**
 * The longest a rotated-out platform key may stay valid: enough to move every client to the new key, short enough
 * that the old one does not become a second permanent key.
 */
const DAY_MS = 24 * 60 * 60 * 1000;
export const MAX_ROTATION_OVERLAP_MS = 30 * DAY_MS;
/** Where the deploy script and the local runtime take the rotation's end from. */
export const PREVIOUS_KEY_END_VARIABLE = 'TRIBUTARY_PREVIOUS_ADMIN_KEY_VALID_UNTIL';
/** Who stores a platform key from outside the API (the deploy script, the local runtime). */
const BOOTSTRAP = 'bootstrap';
/** Platform keys are few; a page this size holds them all in one read. */
const PLATFORM_KEYS_PAGE = 100;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** How a new platform key takes over from the ones stored before it. */
export interface PlatformKeyRotation {
  /** When the platform keys stored before this one stop working: required while any of them is still valid. */
  readonly previousValidUntil?: Date;
}

/** The platform keys stored by bootstrap other than the one with this id. */
async function otherBootstrapKeys(store: ApiKeyStore, keyId: string): Promise<ApiKeyRecord[]> {
  const keys: ApiKeyRecord[] = [];
  let start: string | undefined;
  do {
    const page = await store.listBySandbox(PLATFORM_SANDBOX, {
      limit: PLATFORM_KEYS_PAGE,
      ...(start ? { start } : {}),
    });
    keys.push(...page.items.filter((key) => key.createdBy === BOOTSTRAP && key.keyId !== keyId));
    start = page.next;
  } while (start);
  return keys;
}

/** The rotation's end as an operator writes it: an ISO 8601 date or date-time; undefined when not given. */
export function rotationEndOf(text: string | undefined): Date | undefined {
  if (text === undefined || text === '') return undefined;
  const end = ISO_DATE.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(end.getTime()))
    throw new Error(`${PREVIOUS_KEY_END_VARIABLE} must be an ISO 8601 date or date-time, not '${text}'`);
  return end;
}

function checkedRotationEnd(end: Date | undefined, now: Date): Date | undefined {
  if (end === undefined) return undefined;
  if (Number.isNaN(end.getTime())) throw new Error('the end date of the previous platform key is not a date');
  if (end.getTime() - now.getTime() > MAX_ROTATION_OVERLAP_MS) {
    throw new Error(
      `the previous platform key may stay valid at most ${MAX_ROTATION_OVERLAP_MS / DAY_MS} days after a rotation`,
    );
  }
  return end;
}

/**
 * Idempotently stores the platform (bootstrap) admin key, which acts in every sandbox. It must be strong (see
 * key-strength.ts). Storing a new one is a rotation: the platform keys stored before it stay valid until the end the
 * operator gives, never longer than they already were, and are deleted once it has passed; without an end, a new
 * key is refused while an earlier one is still valid, so a rotation never leaves the old key working for ever.
 */
export async function ensurePlatformKey(
  store: ApiKeyStore,
  key: string,
  now: Date = new Date(),
  rotation: PlatformKeyRotation = {},
): Promise<void> {
  if (!isPlausibleKey(key)) {
    throw new Error(
      `the platform key must be ${MIN_KEY_LENGTH} to ${MAX_KEY_LENGTH} printable ASCII characters`,
    );
  }
  const weakness = platformKeyWeakness(key);
  if (weakness) throw new Error(weakness);
  const end = checkedRotationEnd(rotation.previousValidUntil, now);
  const keyHash = hashKey(key);
  const keyId = keyIdOf(keyHash);
  const previous = await otherBootstrapKeys(store, keyId);
  const ending = previous.filter((old) => !hasExpired(old, now));
  if (!end && ending.some((old) => old.expiresAt === undefined)) {
    throw new Error(
      'another platform key is stored and still valid: to rotate, give the date until which it stays valid ' +
        `(${PREVIOUS_KEY_END_VARIABLE}, ISO 8601, at most ${MAX_ROTATION_OVERLAP_MS / DAY_MS} days ahead)`,
    );
  }
  const existing = await store.get(keyId);
  const current =
    existing &&
    existing.keyHash === keyHash &&
    existing.sandbox === PLATFORM_SANDBOX &&
    existing.scopes.length === 1 &&
    existing.scopes[0] === 'admin' &&
    existing.expiresAt === undefined;
  if (!current) {
    await store.put({
      keyId,
      keyHash,
      name: PLATFORM_KEY_NAME,
      sandbox: PLATFORM_SANDBOX,
      scopes: ['admin'],
      createdAt: now.toISOString(),
      createdBy: BOOTSTRAP,
    });
  }
  for (const old of previous) {
    if (hasExpired(old, now)) await store.delete(old.keyId);
    else if (end && (old.expiresAt === undefined || Date.parse(old.expiresAt) > end.getTime()))
      await store.put({ ...old, expiresAt: end.toISOString() });
  }
}

/** The stored key the presented text is, or undefined for anything that is not a current key. */
export async function authenticate(
  store: ApiKeyStore,
  presentedKey: string,
  now: Date = new Date(),
): Promise<ApiKeyRecord | undefined> {
  if (!isPlausibleKey(presentedKey)) return undefined;
  const keyHash = hashKey(presentedKey);
  const record = await store.get(keyIdOf(keyHash));
  return record && hashesEqual(record.keyHash, keyHash) && !hasExpired(record, now) ? record : undefined;
}

/** Notes that the key was used, at most once per LAST_USED_RESOLUTION_MS. */
export async function recordUse(
  store: ApiKeyStore,
  record: ApiKeyRecord,
  now: Date = new Date(),
): Promise<void> {
  const last = record.lastUsedAt ? Date.parse(record.lastUsedAt) : 0;
  if (now.getTime() - last >= LAST_USED_RESOLUTION_MS) await store.touch(record.keyId, now.toISOString());
}

/** What the API shows of a key: never its hash. */
export type ApiKeyView = Omit<ApiKeyRecord, 'keyId' | 'keyHash'> & { readonly id: string };

export function toApiKeyView(record: ApiKeyRecord): ApiKeyView {
  return {
    id: record.keyId,
    name: record.name,
    sandbox: record.sandbox,
    scopes: record.scopes,
    createdAt: record.createdAt,
    createdBy: record.createdBy,
    ...(record.lastUsedAt ? { lastUsedAt: record.lastUsedAt } : {}),
    ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}),
  };
}

export interface NewApiKey {
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly sandbox?: string;
}

export interface ApiKeyServiceDeps {
  readonly store: ApiKeyStore;
  readonly sandboxes: { exists(name: string): Promise<boolean> };
  readonly now?: () => Date;
}

export class ApiKeyService {
  private readonly now: () => Date;

  constructor(private readonly deps: ApiKeyServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Mints a key; the answer holds the only copy of the key itself. */
  async create(
    caller: Caller,
    requestSandbox: string,
    input: NewApiKey,
  ): Promise<ApiKeyView & { key: string }> {
    const sandbox = input.sandbox ?? requestSandbox;
    if (!isPlatformKey(caller) && sandbox !== caller.keySandbox) {
      throw forbidden(`a key of sandbox '${caller.keySandbox}' may only create keys for that sandbox`);
    }
    if (sandbox !== PLATFORM_SANDBOX && !(await this.deps.sandboxes.exists(sandbox))) {
      throw invalid('unknown-sandbox', `sandbox '${sandbox}' does not exist`, [
        { pointer: '/sandbox', keyword: 'exists', message: `sandbox '${sandbox}' does not exist` },
      ]);
    }
    const key = generateKey();
    const keyHash = hashKey(key);
    const record: ApiKeyRecord = {
      keyId: keyIdOf(keyHash),
      keyHash,
      name: input.name,
      sandbox,
      scopes: [...new Set(input.scopes)],
      createdAt: this.now().toISOString(),
      createdBy: caller.keyId,
    };
    // 128 bits of a hash of 256 random bits do not collide; the condition only guards against a broken generator.
    if (!(await this.deps.store.create(record)))
      throw conflict('key-id-conflict', 'a key with this id already exists');
    return { ...toApiKeyView(record), key };
  }

  /** Keys of the request's sandbox; a platform key may name another sandbox, or `*` for the platform keys. */
  async list(
    caller: Caller,
    requestSandbox: string,
    page: PageRequest,
    sandbox?: string,
  ): Promise<Page<ApiKeyView>> {
    const target = sandbox ?? requestSandbox;
    if (!isPlatformKey(caller) && target !== caller.keySandbox) {
      throw forbidden(`a key of sandbox '${caller.keySandbox}' may only list that sandbox's keys`);
    }
    const result = await this.deps.store.listBySandbox(target, page);
    return { ...result, items: result.items.map(toApiKeyView) };
  }

  async get(caller: Caller, keyId: string): Promise<ApiKeyView> {
    return toApiKeyView(await this.visible(caller, keyId));
  }

  /** Deletes a key; the key making the request cannot delete itself, so no one locks themselves out by mistake. */
  async delete(caller: Caller, keyId: string): Promise<void> {
    await this.visible(caller, keyId);
    if (keyId === caller.keyId) {
      throw conflict('key-in-use', 'a key cannot delete itself; delete it with another admin key');
    }
    await this.deps.store.delete(keyId);
  }

  /** A sandbox admin sees only its sandbox's keys: others are `not-found`, so their existence is not revealed. */
  private async visible(caller: Caller, keyId: string): Promise<ApiKeyRecord> {
    const record = await this.deps.store.get(keyId);
    if (!record || (!isPlatformKey(caller) && record.sandbox !== caller.keySandbox))
      throw notFound('API key', keyId);
    return record;
  }
}
