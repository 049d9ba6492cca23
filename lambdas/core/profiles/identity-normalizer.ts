/**
 * Identity values as the profile store keys them: normalised per namespace so that the same person written two
 * ways meets one identity, and — for the namespaces configured for it — replaced by a keyed hash (HMAC-SHA256), so
 * the table never holds the clear value. Writes (record identities) and reads (profile lookups) both go through
 * `IdentityNormalizer.normalize`, which is what makes a lookup find what a write stored.
 */
import { createHmac } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import { STANDARD_NAMESPACES } from '../catalog/standard-namespaces';
import type { IdentityRef } from './profile-ports';

export interface IdentityHashing {
  /** Namespace codes whose values are stored as `HMAC-SHA256(secret, normalisedValue)` in hex. */
  readonly namespaces: readonly string[];
  readonly secret: string;
}

export interface IdentityNormalizerOptions {
  /** Longest accepted value, in characters, before hashing (Experience Platform: 1,024). */
  readonly maxIdentityLength: number;
  readonly hashing?: IdentityHashing;
}

export type NormalizedIdentity =
  { readonly ok: true; readonly identity: IdentityRef } | { readonly ok: false; readonly reason: string };

/** An ECID is exactly 38 decimal digits (Experience Platform skips records with any other form). */
const ECID_PATTERN = /^\d{38}$/;
/** Deliberately loose: one `@`, no spaces, a dot in the domain. Deliverability is not ours to judge. */
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/;
/** E.164: a `+`, a country code that does not start with 0, at most 15 digits in all. */
const E164_PATTERN = /^\+[1-9]\d{1,14}$/;
/** Spaces, dots, dashes, slashes and brackets people put in phone numbers; none of them carry meaning. */
const PHONE_SEPARATORS = /[\s.\-/()]/g;
/** Codes become part of table keys, where `#` separates the parts. */
const KEY_SEPARATOR = '#';

type Rule = (trimmed: string) => NormalizedIdentity | string;

const reject = (reason: string): NormalizedIdentity => ({ ok: false, reason });

const sha256Hex =
  (what: string): Rule =>
  (trimmed) => {
    const lower = trimmed.toLowerCase();
    return SHA256_HEX_PATTERN.test(lower) ? lower : reject(`must be the 64-character SHA-256 hex of ${what}`);
  };

/**
 * Phone: E.164 when the number carries its country code (`+…` or `00…`) and is possible for that country.
 * Otherwise — a national number without a country we could assume — the digits are kept (with a leading `+` if
 * written), so `06 12-34.56` and `0612 3456` still meet; a value with no digit at all is rejected.
 */
function phone(trimmed: string): NormalizedIdentity | string {
  const compact = trimmed.replace(PHONE_SEPARATORS, '');
  const international = compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
  const parsed = parsePhoneNumberFromString(international);
  if (parsed?.isPossible()) return parsed.number;
  if (!/^\+?\d+$/.test(international))
    return reject('must be a phone number (digits, optionally a leading +)');
  return international;
}

/** Normalisation of Experience Platform's standard namespaces; every other code is custom and kept verbatim. */
const STANDARD_RULES: Readonly<Record<string, Rule>> = {
  Email: (trimmed) => {
    const lower = trimmed.toLowerCase();
    return EMAIL_PATTERN.test(lower) ? lower : reject('must be an email address');
  },
  Email_LC_SHA256: sha256Hex('the lower-cased email'),
  Phone: phone,
  'Phone_E.164': (trimmed) => {
    const compact = trimmed.replace(PHONE_SEPARATORS, '');
    return E164_PATTERN.test(compact)
      ? compact
      : reject('must be an E.164 phone number such as +14155550123');
  },
  Phone_SHA256: sha256Hex('the phone number'),
  'Phone_SHA256_E.164': sha256Hex('the E.164 phone number'),
  ECID: (trimmed) => (ECID_PATTERN.test(trimmed) ? trimmed : reject('an ECID must be exactly 38 digits')),
  // Advertising ids are UUIDs, which compare without regard to case.
  GAID: (trimmed) => trimmed.toLowerCase(),
  IDFA: (trimmed) => trimmed.toLowerCase(),
  WAID: (trimmed) => trimmed.toLowerCase(),
  CORE: (trimmed) => trimmed,
  TNTID: (trimmed) => trimmed,
  AAID: (trimmed) => trimmed,
  CRMID: (trimmed) => trimmed,
  GCLID: (trimmed) => trimmed,
  APNS: (trimmed) => trimmed,
  FCM: (trimmed) => trimmed,
  AdCloud: (trimmed) => trimmed,
};

/**
 * Standard namespace codes by their lower-case spelling: an identityMap key `email` is the namespace `Email`, as
 * namespace codes match case-insensitively everywhere else (custom codes are kept as written; schemas store the
 * defined spelling of theirs).
 */
const STANDARD_CODES = new Map(
  STANDARD_NAMESPACES.map((namespace) => [namespace.code.toLowerCase(), namespace.code]),
);

export class IdentityNormalizer {
  private readonly hashed: ReadonlySet<string>;

  constructor(private readonly options: IdentityNormalizerOptions) {
    this.hashed = new Set(options.hashing?.namespaces ?? []);
    // A hash keyed with an empty secret is a bare hash; fail at start-up rather than store guessable values.
    if (this.hashed.size > 0 && !options.hashing?.secret) {
      throw new Error('identity hashing is configured without a secret');
    }
  }

  /** Whether values of this namespace are stored as keyed hashes. */
  isHashed(namespace: string): boolean {
    return this.hashed.has(namespace);
  }

  /** The identity as stored, or why the value cannot be one. Numbers are taken as their decimal text. */
  normalize(namespaceCode: string, value: unknown): NormalizedIdentity {
    const namespace = STANDARD_CODES.get(namespaceCode.toLowerCase()) ?? namespaceCode;
    if (namespace.length === 0 || namespace.includes(KEY_SEPARATOR)) {
      return reject(`"${namespace}" is not a namespace code (empty or containing "#")`);
    }
    const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
    if (typeof text !== 'string') return reject('an identity value must be a string');
    const trimmed = text.trim();
    if (trimmed.length === 0) return reject('an identity value must not be empty');
    if (trimmed.length > this.options.maxIdentityLength) {
      return reject(`an identity value must be at most ${this.options.maxIdentityLength} characters`);
    }
    const rule = STANDARD_RULES[namespace];
    const normalized = rule ? rule(trimmed) : text;
    if (typeof normalized !== 'string') return normalized;
    const id = this.isHashed(namespace)
      ? createHmac('sha256', this.options.hashing?.secret ?? '')
          .update(normalized, 'utf8')
          .digest('hex')
      : normalized;
    return { ok: true, identity: { namespace, id } };
  }
}

/** Parses the comma-separated list of hashed namespace codes from configuration (blank entries ignored). */
export function parseHashedNamespaces(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((code) => code.trim())
    .filter((code) => code.length > 0);
}
