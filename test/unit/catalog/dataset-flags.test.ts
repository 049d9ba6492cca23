import { describe, expect, it } from 'vitest';
import type { SchemaSummary } from '../../../lambdas/core/catalog/datasets';
import { DatasetService } from '../../../lambdas/core/catalog/datasets';
import type { ApiRequest } from '../../../lambdas/http/api-types';
import { DomainError } from '../../../lambdas/core/errors/domain-error';
import { datasetRoutes } from '../../../lambdas/http/routes/dataset-routes';
import { FakeSchemas, MemoryDatasetStore } from './memory-catalog-stores';

const PERSON: SchemaSummary = {
  id: 'https://ns.example.com/person',
  version: 1,
  class: 'profile',
  identities: [{ path: '/email', namespace: 'Email', primary: true }],
  hasIdentityMap: false,
};

function world() {
  const datasets = new DatasetService({
    store: new MemoryDatasetStore(),
    schemas: new FakeSchemas([PERSON, { ...PERSON, version: 2 }, { ...PERSON, version: 3 }]),
  });
  const routes = datasetRoutes({ datasets });
  const call = async (
    body: unknown,
    key: 'POST /datasets' | 'GET /datasets' = 'POST /datasets',
    query = {},
  ) => {
    const request: ApiRequest = {
      method: key.slice(0, key.indexOf(' ')),
      resource: '/datasets',
      path: '/datasets',
      pathParameters: {},
      query,
      headers: {},
      body,
      sandbox: 'prod',
      caller: { keyId: 'k', keySandbox: 'prod', scopes: ['admin'] },
      requestId: 'r',
      baseUrl: 'http://localhost',
    };
    try {
      return (await routes[key]!(request)).body as Record<string, unknown>;
    } catch (error) {
      if (error instanceof DomainError)
        return { problem: error.code, pointer: error.violations?.[0]?.pointer };
      throw error;
    }
  };
  return { datasets, call };
}

describe('datasets: flags and tags mean what Tributary does', () => {
  it("reads Experience Platform's unifiedProfile and unifiedIdentity tags as the flags, not as labels", async () => {
    // Act
    const dataset = await world().call({
      name: 'people',
      schemaId: PERSON.id,
      tags: {
        unifiedProfile: ['enabled:true', 'isUpsert:true'],
        unifiedIdentity: ['enabled:true'],
        team: ['crm'],
      },
    });

    // Assess
    expect(dataset).toMatchObject({ profileEnabled: true, identityEnabled: true, tags: { team: ['crm'] } });
  });

  it.each([
    [{ profileEnabled: false, tags: { unifiedProfile: ['enabled:true'] } }, '/tags/unifiedProfile'],
    [{ tags: { unifiedProfile: ['enabled:sometimes'] } }, '/tags/unifiedProfile/0'],
    [{ tags: { unifiedProfile: ['isUpsert:false'] } }, '/tags/unifiedProfile/0'],
    [{ tags: { unifiedIdentity: ['enabled:true'] } }, '/tags/unifiedIdentity'],
    [{ profileEnabled: true, identityEnabled: false }, '/identityEnabled'],
    [{ identityEnabled: true }, '/identityEnabled'],
    [{ tags: { acp_validationContext: ['disabled'] } }, '/tags/acp_validationContext'],
  ])('refuses %j, naming %s, rather than keep a flag it would ignore', async (flags, pointer) => {
    // Act
    const answer = await world().call({ name: 'people', schemaId: PERSON.id, ...flags });

    // Assess
    expect(answer).toEqual({ problem: 'unsupported-flag', pointer });
  });

  it('lets identity linking follow profile use when identityEnabled is not given, on create and on PATCH', async () => {
    // Prepare
    const { datasets } = world();
    const created = await datasets.create(
      'prod',
      { name: 'people', schemaId: PERSON.id, profileEnabled: true },
      'k',
    );

    // Act
    const off = await datasets.update('prod', created.id, { profileEnabled: false });

    // Assess
    expect([created.identityEnabled, off.identityEnabled]).toEqual([true, false]);
  });

  it('binds the schema version schemaRef.contentType names, and refuses a schemaRef that disagrees with schemaId', async () => {
    // Act
    const second = await world().call({
      name: 'people',
      schemaRef: { id: PERSON.id, contentType: 'application/vnd.adobe.xed-full+json;version=2' },
    });
    const latest = await world().call({ name: 'people', schemaRef: { id: PERSON.id } });
    const missing = await world().call({
      name: 'people',
      schemaRef: { id: PERSON.id, contentType: 'application/vnd.adobe.xed+json;version=9' },
    });
    const odd = await world().call({ name: 'people', schemaRef: { id: PERSON.id, contentType: 'text/csv' } });
    const extra = await world().call({ name: 'people', schemaRef: { id: PERSON.id, version: 2 } });
    const clash = await world().call({
      name: 'people',
      schemaId: PERSON.id,
      schemaRef: { id: 'https://other' },
    });

    // Assess
    expect([second.schemaVersion, latest.schemaVersion]).toEqual([2, 3]);
    expect(missing).toEqual({ problem: 'unknown-reference', pointer: '/schemaRef/contentType' });
    expect(odd).toEqual({ problem: 'validation-failed', pointer: '/schemaRef/contentType' });
    expect(extra).toEqual({ problem: 'validation-failed', pointer: '/schemaRef/version' });
    expect(clash).toEqual({ problem: 'validation-failed', pointer: '/schemaRef/id' });
  });

  it('refuses a list query parameter it does not read, rather than list as if it were absent', async () => {
    // Act
    const answer = await world().call(undefined, 'GET /datasets', { property: 'name==people' });

    // Assess
    expect(answer).toEqual({ problem: 'validation-failed', pointer: '/property' });
  });
});
