import { describe, expect, it } from 'vitest';
import type { SchemaSummary } from '../../../lambdas/core/catalog/datasets';
import { DatasetService, newDatasetId } from '../../../lambdas/core/catalog/datasets';
import { NamespaceService } from '../../../lambdas/core/catalog/identity-namespaces';
import { InletService, inletUrl } from '../../../lambdas/core/catalog/inlets';
import { SandboxService } from '../../../lambdas/core/catalog/sandboxes';
import { STANDARD_NAMESPACES } from '../../../lambdas/core/catalog/standard-namespaces';
import { MappingSetService } from '../../../lambdas/core/mapping-sets/mapping-sets';
import { domainErrorOf } from '../../support/domain-error';
import { MemoryMappingSetStore } from '../../support/memory-mapping-sets';
import {
  FakeSchemas,
  MemoryDatasetStore,
  MemoryInletStore,
  MemoryNamespaceStore,
  MemorySandboxStore,
} from './memory-catalog-stores';

const PROFILE_WITH_PRIMARY: SchemaSummary = {
  id: 'https://ns.example.com/person',
  version: 1,
  class: 'profile',
  identities: [{ path: '/email', namespace: 'Email', primary: true }],
  hasIdentityMap: false,
};
const EVENT_WITHOUT_IDENTITY: SchemaSummary = {
  id: 'https://ns.example.com/click',
  version: 1,
  class: 'event',
  identities: [],
  hasIdentityMap: false,
};
const schemas = new FakeSchemas([
  PROFILE_WITH_PRIMARY,
  { ...PROFILE_WITH_PRIMARY, version: 2 },
  EVENT_WITHOUT_IDENTITY,
  { ...EVENT_WITHOUT_IDENTITY, version: 2, hasIdentityMap: true },
  {
    id: 'https://ns.example.com/address',
    version: 1,
    class: 'component',
    identities: [],
    hasIdentityMap: false,
  },
]);

describe('SandboxService', () => {
  it('seeds prod on first use and refuses duplicates', async () => {
    // Prepare
    const sandboxes = new SandboxService({ store: new MemorySandboxStore() });

    // Act
    const created = await sandboxes.create({ name: 'dev', title: 'Development' }, 'key-1');
    const listed = await sandboxes.list({ limit: 10 });
    const duplicate = await domainErrorOf(sandboxes.create({ name: 'prod' }, 'key-1'));

    // Assess
    expect(created).toMatchObject({ name: 'dev', title: 'Development', createdBy: 'key-1' });
    expect(listed.items.map((sandbox) => sandbox.name)).toEqual(['dev', 'prod']);
    expect(duplicate.kind).toBe('conflict');
    expect(await sandboxes.exists('dev')).toBe(true);
    expect(await sandboxes.exists('staging')).toBe(false);
  });
});

describe('NamespaceService', () => {
  it('answers the standard namespaces in Experience Platform shape', async () => {
    // Prepare
    const namespaces = new NamespaceService({ store: new MemoryNamespaceStore() });

    // Act
    const email = await namespaces.get('prod', 'email');

    // Assess
    expect(email).toEqual(
      expect.objectContaining({ id: 6, code: 'Email', idType: 'EMAIL', status: 'ACTIVE', custom: false }),
    );
    for (const code of [
      'Email',
      'Phone',
      'ECID',
      'CRMID',
      'AAID',
      'GAID',
      'IDFA',
      'Email_LC_SHA256',
      'Phone_SHA256',
    ]) {
      expect(await namespaces.exists('prod', code)).toBe(true);
    }
  });

  it('creates custom namespaces per sandbox and refuses case-insensitive clashes', async () => {
    // Prepare
    const namespaces = new NamespaceService({
      store: new MemoryNamespaceStore(),
      now: () => new Date(1_000),
    });

    // Act
    const loyalty = await namespaces.create('prod', {
      code: 'Loyalty',
      name: 'Loyalty id',
      idType: 'CROSS_DEVICE',
    });
    const again = await domainErrorOf(
      namespaces.create('prod', { code: 'LOYALTY', name: 'x', idType: 'CROSS_DEVICE' }),
    );
    const standard = await domainErrorOf(
      namespaces.create('prod', { code: 'EMAIL', name: 'x', idType: 'EMAIL' }),
    );
    const elsewhere = await namespaces.exists('dev', 'Loyalty');

    // Assess
    expect(loyalty).toMatchObject({ code: 'Loyalty', custom: true, status: 'ACTIVE', createTime: 1_000 });
    expect(loyalty.id).toBeGreaterThanOrEqual(10_000_000);
    expect(again.kind).toBe('conflict');
    expect(standard.kind).toBe('conflict');
    expect(elsewhere).toBe(false);
    expect((await namespaces.get('prod', 'loyalty')).code).toBe('Loyalty');
  });

  it('pages across the standard and the custom namespaces without loss or repetition', async () => {
    // Prepare
    const namespaces = new NamespaceService({ store: new MemoryNamespaceStore() });
    for (const code of ['Alpha', 'Beta', 'Gamma'])
      await namespaces.create('prod', { code, name: code, idType: 'DEVICE' });
    const seen: string[] = [];

    // Act
    let start: string | undefined;
    do {
      const page = await namespaces.list('prod', start === undefined ? { limit: 7 } : { limit: 7, start });
      seen.push(...page.items.map((namespace) => namespace.code));
      start = page.next;
    } while (start !== undefined);

    // Assess
    expect(seen).toEqual([
      ...STANDARD_NAMESPACES.map((namespace) => namespace.code),
      'Alpha',
      'Beta',
      'Gamma',
    ]);
  });

  it('refuses a start token it did not issue', async () => {
    // Act
    const problem = await domainErrorOf(
      new NamespaceService({ store: new MemoryNamespaceStore() }).list('prod', {
        limit: 5,
        start: 'garbage',
      }),
    );

    // Assess
    expect(problem).toMatchObject({ kind: 'invalid', code: 'invalid-page-token' });
  });
});

describe('DatasetService', () => {
  const datasets = () =>
    new DatasetService({
      store: new MemoryDatasetStore(),
      schemas,
      now: () => new Date('2026-03-01T00:00:00Z'),
    });

  it('binds the latest schema version and gives a time-ordered 24-hex id', async () => {
    // Act
    const dataset = await datasets().create(
      'prod',
      { name: 'people', schemaId: PROFILE_WITH_PRIMARY.id, profileEnabled: true },
      'key-1',
    );

    // Assess
    expect(dataset).toMatchObject({
      schemaVersion: 2,
      schemaClass: 'profile',
      profileEnabled: true,
      identityEnabled: true,
      tags: {},
    });
    expect(dataset.id).toMatch(/^[0-9a-f]{24}$/);
    expect(newDatasetId(new Date('2030-01-01')) > newDatasetId(new Date('2026-01-01'))).toBe(true);
  });

  it('names /schemaId when the schema is unknown, and refuses component schemas', async () => {
    // Act
    const unknown = await domainErrorOf(
      datasets().create('prod', { name: 'x', schemaId: 'https://nope' }, 'k'),
    );
    const component = await domainErrorOf(
      datasets().create('prod', { name: 'x', schemaId: 'https://ns.example.com/address' }, 'k'),
    );

    // Assess
    expect(unknown).toMatchObject({ kind: 'invalid', code: 'unknown-reference' });
    expect(unknown.violations?.[0]?.pointer).toBe('/schemaId');
    expect(component).toMatchObject({ kind: 'unprocessable', code: 'schema-not-bindable' });
  });

  it('refuses profileEnabled without a primary identity or identityMap, with the reason', async () => {
    // Prepare
    const service = datasets();
    const clicks = await service.create('prod', { name: 'clicks', schemaId: EVENT_WITHOUT_IDENTITY.id }, 'k');

    // Act
    const onCreate = await domainErrorOf(
      new DatasetService({
        store: new MemoryDatasetStore(),
        schemas: new FakeSchemas([EVENT_WITHOUT_IDENTITY]),
      }).create('prod', { name: 'x', schemaId: EVENT_WITHOUT_IDENTITY.id, profileEnabled: true }, 'k'),
    );
    const identity = await domainErrorOf(
      new DatasetService({
        store: new MemoryDatasetStore(),
        schemas: new FakeSchemas([EVENT_WITHOUT_IDENTITY]),
      }).create('prod', { name: 'x', schemaId: EVENT_WITHOUT_IDENTITY.id, identityEnabled: true }, 'k'),
    );
    const onPatch = await service.update('prod', clicks.id, { profileEnabled: true });

    // Assess
    expect(onCreate).toMatchObject({ kind: 'unprocessable', code: 'profile-needs-identity' });
    expect(onCreate.message).toContain('neither a primary identity nor an identityMap');
    expect(identity).toMatchObject({ kind: 'invalid', code: 'unsupported-flag' });
    expect(identity.violations?.[0]?.pointer).toBe('/identityEnabled');
    expect(onPatch).toMatchObject({ profileEnabled: true, schemaVersion: 2, revision: 2 });
  });

  it('moves a dataset only to newer schema versions that exist', async () => {
    // Prepare
    const store = new MemoryDatasetStore();
    const service = new DatasetService({ store, schemas: new FakeSchemas([PROFILE_WITH_PRIMARY]) });
    const people = await service.create('prod', { name: 'people', schemaId: PROFILE_WITH_PRIMARY.id }, 'k');
    const upgraded = new DatasetService({ store, schemas });

    // Act
    const missing = await domainErrorOf(upgraded.update('prod', people.id, { schemaVersion: 7 }));
    const up = await upgraded.update('prod', people.id, {
      schemaVersion: 2,
      name: 'persons',
      tags: { team: ['crm'] },
    });
    const down = await domainErrorOf(upgraded.update('prod', people.id, { schemaVersion: 1 }));
    const unknown = await domainErrorOf(upgraded.update('prod', 'f'.repeat(24), { name: 'x' }));

    // Assess
    expect(missing.violations?.[0]?.pointer).toBe('/schemaVersion');
    expect(up).toMatchObject({ schemaVersion: 2, name: 'persons', tags: { team: ['crm'] } });
    expect(down).toMatchObject({ kind: 'unprocessable', code: 'schema-version-downgrade' });
    expect(unknown.kind).toBe('not-found');
  });

  it('filters lists by schema', async () => {
    // Prepare
    const service = datasets();
    await service.create('prod', { name: 'a', schemaId: PROFILE_WITH_PRIMARY.id }, 'k');
    await service.create('prod', { name: 'b', schemaId: EVENT_WITHOUT_IDENTITY.id }, 'k');

    // Act
    const page = await service.list('prod', { limit: 10 }, { schemaId: EVENT_WITHOUT_IDENTITY.id });

    // Assess
    expect(page.items.map((dataset) => dataset.name)).toEqual(['b']);
  });
});

describe('InletService', () => {
  it('creates authenticated inlets by default, with a 64-hex id, and checks the dataset', async () => {
    // Prepare
    const datasets = new DatasetService({ store: new MemoryDatasetStore(), schemas });
    const people = await datasets.create('prod', { name: 'people', schemaId: PROFILE_WITH_PRIMARY.id }, 'k');
    const store = new MemoryInletStore();
    const inlets = new InletService({
      store,
      datasets,
      mappingSets: new MappingSetService({ store: new MemoryMappingSetStore() }),
    });

    // Act
    const inlet = await inlets.create('prod', { name: 'web', datasetId: people.id }, 'k');
    const open = await inlets.create('prod', { name: 'pixel', authenticated: false }, 'k');
    const badDataset = await domainErrorOf(inlets.create('prod', { name: 'x', datasetId: 'nope' }, 'k'));
    await inlets.delete('prod', open.inletId);
    const deletedAgain = await domainErrorOf(inlets.delete('prod', open.inletId));

    // Assess
    expect(inlet).toMatchObject({ authenticated: true, datasetId: people.id, sandbox: 'prod' });
    expect(inlet.inletId).toMatch(/^[0-9a-f]{64}$/);
    expect(open.authenticated).toBe(false);
    expect(badDataset.violations?.[0]?.pointer).toBe('/datasetId');
    expect(deletedAgain.kind).toBe('not-found');
    expect(await store.findById(inlet.inletId)).toMatchObject({ name: 'web' });
    expect(inletUrl('https://api.example.com/prod', inlet.inletId)).toBe(
      `https://api.example.com/prod/collection/${inlet.inletId}`,
    );
  });
});
