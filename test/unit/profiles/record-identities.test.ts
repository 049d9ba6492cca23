import { describe, expect, it } from 'vitest';
import { IdentityNormalizer } from '../../../lambdas/core/profiles/identity-normalizer';
import { DEFAULT_PROFILE_GUARDRAILS } from '../../../lambdas/core/profiles/profile-ports';
import { identitiesOfRecord, type IdentitySchema } from '../../../lambdas/core/profiles/record-identities';

const normalizer = new IdentityNormalizer({ maxIdentityLength: 1024 });
const ECID = '87098882279810196101440938110216748923';

const descriptorSchema: IdentitySchema = {
  identities: [
    { path: '/person/email', namespace: 'Email', primary: true },
    { path: '/crm~1id', namespace: 'CRMID', primary: false },
  ],
  hasIdentityMap: true,
  primaryIdentity: { path: '/person/email', namespace: 'Email' },
};
const mapSchema: IdentitySchema = {
  identities: [],
  hasIdentityMap: true,
  primaryIdentity: { path: 'identityMap' },
};
const of = (schema: IdentitySchema, record: unknown) =>
  identitiesOfRecord(schema, record, normalizer, DEFAULT_PROFILE_GUARDRAILS);

describe('identities of a record', () => {
  it('collects descriptor fields and identityMap entries, normalised, primary first, without duplicates', () => {
    // Prepare
    const record = {
      'crm/id': 'C1',
      person: { email: ' A@B.CO ' },
      identityMap: { ECID: [{ id: ECID }], Email: [{ id: 'a@b.co' }] },
    };

    // Act
    const found = of(descriptorSchema, record);

    // Assess
    expect(found.problems).toEqual([]);
    expect(found.primary).toEqual({ namespace: 'Email', id: 'a@b.co' });
    expect(found.identities).toEqual([
      { namespace: 'Email', id: 'a@b.co' },
      { namespace: 'CRMID', id: 'C1' },
      { namespace: 'ECID', id: ECID },
    ]);
  });

  it('takes the primary descriptor over an identityMap entry flagged primary', () => {
    // Act
    const found = of(descriptorSchema, {
      person: { email: 'a@b.co' },
      identityMap: { CRMID: [{ id: 'C9', primary: true }] },
    });

    // Assess
    expect(found.primary).toEqual({ namespace: 'Email', id: 'a@b.co' });
  });

  it('reports a missing primary descriptor field', () => {
    // Act
    const found = of(descriptorSchema, { 'crm/id': 'C1' });

    // Assess
    expect(found.primary).toBeUndefined();
    expect(found.problems).toEqual([
      {
        pointer: '/person/email',
        keyword: 'primaryIdentity',
        message: 'the primary identity (Email) is missing',
      },
    ]);
  });

  it('takes the identityMap entry flagged primary', () => {
    // Act
    const found = of(mapSchema, {
      identityMap: {
        ECID: [{ id: ECID }],
        CRMID: [{ id: 'C1', primary: true, authenticatedState: 'authenticated' }],
      },
    });

    // Assess
    expect(found.primary).toEqual({ namespace: 'CRMID', id: 'C1' });
    expect(found.identities[0]).toEqual({ namespace: 'CRMID', id: 'C1' });
  });

  it('falls back to the ECID when no identityMap entry is flagged primary', () => {
    // Act
    const withEcid = of(mapSchema, { identityMap: { CRMID: [{ id: 'C1' }], ECID: [{ id: ECID }] } });
    const without = of(mapSchema, { identityMap: { CRMID: [{ id: 'C1' }] } });

    // Assess
    expect(withEcid.primary).toEqual({ namespace: 'ECID', id: ECID });
    expect(without.primary).toBeUndefined();
    expect(without.problems).toEqual([]);
  });

  it('refuses two identities flagged primary', () => {
    // Act
    const found = of(mapSchema, {
      identityMap: { CRMID: [{ id: 'C1', primary: true }], Email: [{ id: 'a@b.co', primary: true }] },
    });

    // Assess
    expect(found.primary).toBeUndefined();
    expect(found.problems.map((problem) => problem.message)).toEqual([
      'only one identity can be marked as primary; 2 are',
    ]);
  });

  it('points at every invalid identity', () => {
    // Act
    const found = of(mapSchema, {
      identityMap: { ECID: [{ id: '42' }], Email: 'x', Phone: ['+1'], CRMID: [{ id: 'C1', primary: true }] },
    });

    // Assess
    expect(found.problems.map((problem) => problem.pointer)).toEqual([
      '/identityMap/ECID/0/id',
      '/identityMap/Email',
      '/identityMap/Phone/0',
    ]);
    expect(found.problems[0]?.message).toBe('ECID identity: an ECID must be exactly 38 digits');
  });

  it('allows 20 identities and refuses 21', () => {
    // Prepare
    const entries = (count: number) =>
      Array.from({ length: count }, (_, i) => ({ id: `C${i}`, primary: i === 0 }));

    // Act
    const twenty = of(mapSchema, { identityMap: { CRMID: entries(20) } });
    const twentyOne = of(mapSchema, { identityMap: { CRMID: entries(21) } });

    // Assess
    expect(twenty.problems).toEqual([]);
    expect(twentyOne.problems).toEqual([
      {
        pointer: '',
        keyword: 'maxIdentities',
        message: 'the record has 21 identities; at most 20 are allowed',
      },
    ]);
  });

  it('ignores an identityMap the schema does not declare', () => {
    // Act
    const found = of({ identities: [], hasIdentityMap: false }, { identityMap: { CRMID: [{ id: 'C1' }] } });

    // Assess
    expect(found.identities).toEqual([]);
  });
});
