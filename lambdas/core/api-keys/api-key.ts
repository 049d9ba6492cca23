/**
 * API keys: how a key is made, hashed and stored. A key is shown once; only its SHA-256 is kept, and the id under
 * which it is stored is derived from that hash, so checking a presented key costs one GetItem.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Page, PageRequest } from '../page';
import type { Scope } from './caller';

export const KEY_PREFIX = 'trb_';
/** 256 bits of randomness: far beyond guessing, and the hash needs no salt because the input is not a password. */
const KEY_RANDOM_BYTES = 32;
/** 128 bits of the hash are enough to address a key uniquely while keeping the full hash for the comparison. */
const KEY_ID_HEX_CHARS = 32;
/** A bootstrap key chosen by an operator must still resist guessing. */
export const MIN_KEY_LENGTH = 16;
/** Anything longer is not a key of ours; refuse it before hashing. */
export const MAX_KEY_LENGTH = 256;
const KEY_CHARACTERS = /^[\x21-\x7e]+$/;

export const SCOPES = ['admin', 'ingest', 'read'] as const satisfies readonly Scope[];

/** A stored key, as in the API keys table. `keyHash` never leaves the store adapters and `authenticate`. */
export interface ApiKeyRecord {
  readonly keyId: string;
  readonly keyHash: string;
  readonly name: string;
  /** The sandbox the key acts in; `*` for platform keys. */
  readonly sandbox: string;
  readonly scopes: readonly Scope[];
  readonly createdAt: string;
  readonly createdBy: string;
  readonly lastUsedAt?: string;
  /** When the key stops working (a platform key rotated out); absent: until deleted. */
  readonly expiresAt?: string;
}

/** The port the API key logic needs from storage. */
export interface ApiKeyStore {
  get(keyId: string): Promise<ApiKeyRecord | undefined>;
  /** Writes the key only when no key has its id; false when one does. */
  create(record: ApiKeyRecord): Promise<boolean>;
  /** Writes the key whether or not it exists (bootstrap only). */
  put(record: ApiKeyRecord): Promise<void>;
  /** Keys of one sandbox, oldest first. */
  listBySandbox(sandbox: string, page: PageRequest): Promise<Page<ApiKeyRecord>>;
  delete(keyId: string): Promise<ApiKeyRecord | undefined>;
  /** Records when the key was last used, if it still exists. */
  touch(keyId: string, at: string): Promise<void>;
}

export function generateKey(): string {
  return KEY_PREFIX + randomBytes(KEY_RANDOM_BYTES).toString('base64url');
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function keyIdOf(keyHash: string): string {
  return keyHash.slice(0, KEY_ID_HEX_CHARS);
}

/** True when the text could be a key at all (length and printable ASCII); says nothing of whether it exists. */
export function isPlausibleKey(text: string): boolean {
  return text.length >= MIN_KEY_LENGTH && text.length <= MAX_KEY_LENGTH && KEY_CHARACTERS.test(text);
}

/** True when the key has an end and it has come. */
export function hasExpired(record: ApiKeyRecord, now: Date): boolean {
  return record.expiresAt !== undefined && Date.parse(record.expiresAt) <= now.getTime();
}

export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
