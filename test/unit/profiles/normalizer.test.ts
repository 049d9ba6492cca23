import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import {
  IdentityNormalizer,
  parseHashedNamespaces,
  type NormalizedIdentity,
} from '../../../lambdas/core/profiles/identity-normalizer';
import { DEFAULT_PROFILE_GUARDRAILS } from '../../../lambdas/core/profiles/profile-ports';
import { loadIdentityHashing } from '../../../lambdas/adapters/identity-hash-secret';

const normalizer = new IdentityNormalizer({
  maxIdentityLength: DEFAULT_PROFILE_GUARDRAILS.maxIdentityLength,
});
const idOf = (result: NormalizedIdentity) => (result.ok ? result.identity.id : `rejected: ${result.reason}`);
const ECID = '87098882279810196101440938110216748923';
const SHA = 'A'.repeat(64);

describe('identity normalisation', () => {
  it.each([
    ['Email', '  John.Smith@Example.COM ', 'john.smith@example.com'],
    ['Phone', '+33 6 12 34 56 78', '+33612345678'],
    ['Phone', '0033 (6) 12-34-56-78', '+33612345678'],
    ['Phone', '+1 (415) 555-0123', '+14155550123'],
    ['Phone', '06 12.34.56.78', '0612345678'],
    ['Phone_E.164', '+1 415 555 0123', '+14155550123'],
    ['ECID', ` ${ECID} `, ECID],
    ['Email_LC_SHA256', SHA, 'a'.repeat(64)],
    ['Phone_SHA256_E.164', SHA, 'a'.repeat(64)],
    ['GAID', 'CDDA802E-FB9C-47AD-9866-0794D394C912', 'cdda802e-fb9c-47ad-9866-0794d394c912'],
    ['CRMID', ' C-123 ', 'C-123'],
    ['CRMID', 12345, '12345'],
    ['loyaltyId', ' Keep As Is ', ' Keep As Is '],
  ])('normalises %s %j to %j', (namespace, value, expected) => {
    // Act
    const result = normalizer.normalize(namespace, value);

    // Assess
    expect(result).toEqual({ ok: true, identity: { namespace, id: expected } });
  });

  it.each([
    ['Email', 'not-an-email', 'must be an email address'],
    ['Phone', 'call me', 'must be a phone number'],
    ['Phone_E.164', '0612345678', 'must be an E.164 phone number'],
    ['ECID', '1234', 'an ECID must be exactly 38 digits'],
    ['ECID', `${ECID}0`, 'an ECID must be exactly 38 digits'],
    ['Email_LC_SHA256', 'abc', 'must be the 64-character SHA-256 hex'],
    ['CRMID', '   ', 'must not be empty'],
    ['CRMID', '', 'must not be empty'],
    ['CRMID', { id: 1 }, 'must be a string'],
    ['CRMID', 'x'.repeat(1025), 'at most 1024 characters'],
    ['bad#code', 'x', 'is not a namespace code'],
  ])('rejects %s %j with a reason', (namespace, value, reason) => {
    // Act
    const result = normalizer.normalize(namespace, value);

    // Assess
    expect(result.ok).toBe(false);
    expect(idOf(result)).toContain(reason);
  });

  it('accepts a value of exactly the maximum length', () => {
    // Act
    const result = normalizer.normalize('CRMID', 'x'.repeat(1024));

    // Assess
    expect(result.ok).toBe(true);
  });

  it('stores configured namespaces as HMAC-SHA256 of the normalised value (RFC 4231 test case 2)', () => {
    // Prepare
    const hashing = new IdentityNormalizer({
      maxIdentityLength: 1024,
      hashing: { namespaces: ['Secret', 'Email'], secret: 'Jefe' },
    });

    // Act
    const vector = hashing.normalize('Secret', 'what do ya want for nothing?');
    const spaced = hashing.normalize('Email', ' A@B.CO ');
    const plain = hashing.normalize('Email', 'a@b.co');
    const other = hashing.normalize('CRMID', 'c1');

    // Assess
    expect(idOf(vector)).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(idOf(spaced)).toBe(idOf(plain));
    expect(idOf(spaced)).toMatch(/^[0-9a-f]{64}$/);
    expect(idOf(other)).toBe('c1');
    expect(hashing.isHashed('Email')).toBe(true);
  });

  it('refuses hashing without a secret', () => {
    // Act
    const build = () =>
      new IdentityNormalizer({ maxIdentityLength: 1024, hashing: { namespaces: ['Email'], secret: '' } });

    // Assess
    expect(build).toThrow('without a secret');
  });

  it('reads the hashed namespaces and the secret from the environment', async () => {
    // Act
    const none = await loadIdentityHashing({});
    const local = await loadIdentityHashing({
      IDENTITY_HASHED_NAMESPACES: 'Email, Phone,',
      IDENTITY_HASH_SECRET: 's',
    });
    const missing = loadIdentityHashing({ IDENTITY_HASHED_NAMESPACES: 'Email' });

    // Assess
    expect(none).toBeUndefined();
    expect(local).toEqual({ namespaces: ['Email', 'Phone'], secret: 's' });
    await expect(missing).rejects.toThrow('IDENTITY_HASH_SECRET');
    expect(parseHashedNamespaces(undefined)).toEqual([]);
  });

  it('reads the secret from Secrets Manager when its ARN is configured', async () => {
    // Prepare
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand, { SecretId: 'arn:secret' }).resolves({ SecretString: 'from-aws' });

    // Act
    const hashing = await loadIdentityHashing(
      { IDENTITY_HASHED_NAMESPACES: 'Email', IDENTITY_HASH_SECRET_ARN: 'arn:secret' },
      () => new SecretsManagerClient({ region: 'eu-west-1' }),
    );

    // Assess
    expect(hashing).toEqual({ namespaces: ['Email'], secret: 'from-aws' });
    secrets.restore();
  });
});

describe('namespace spelling', () => {
  it('takes a standard namespace code in any case as the standard code', () => {
    // Prepare
    const normalizer = new IdentityNormalizer({ maxIdentityLength: 1024 });

    // Act
    const lower = normalizer.normalize('email', ' Ada@Example.COM ');
    const upper = normalizer.normalize('ECID', '12345678901234567890123456789012345678');

    // Assess
    expect(lower).toEqual({ ok: true, identity: { namespace: 'Email', id: 'ada@example.com' } });
    expect(upper).toMatchObject({ ok: true, identity: { namespace: 'ECID' } });
  });
});
