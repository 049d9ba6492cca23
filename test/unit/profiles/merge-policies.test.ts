import { describe, expect, it } from 'vitest';
import {
  IMPLICIT_MERGE_POLICY_ID,
  MergePolicyService,
  type NewMergePolicy,
} from '../../../lambdas/core/profiles/merge-policies';
import { domainErrorOf } from '../../support/domain-error';
import { mergePolicyRoutes } from '../../../lambdas/http/routes/merge-policy-routes';
import type { ApiRequest } from '../../../lambdas/http/api-types';
import { KnownDatasets, MemoryMergePolicyStore, SANDBOX } from './profile-read-fakes';

const DATASETS = ['ds-crm', 'ds-web', 'ds-pos'];

function service() {
  const store = new MemoryMergePolicyStore();
  return { store, policies: new MergePolicyService({ store, datasets: new KnownDatasets(DATASETS) }) };
}

function request(body: unknown): ApiRequest {
  return {
    method: 'POST',
    resource: '/merge-policies',
    path: '/merge-policies',
    pathParameters: {},
    query: {},
    headers: {},
    body,
    sandbox: SANDBOX,
    caller: { keyId: 'key-1', keySandbox: SANDBOX, scopes: ['admin'] },
    requestId: 'req-1',
    baseUrl: 'http://localhost',
  };
}

describe('MergePolicyService', () => {
  it('applies the implicit timestamp policy while the sandbox has chosen no default', async () => {
    // Prepare
    const { policies } = service();

    // Act
    const inForce = await policies.forLookup(SANDBOX, undefined);
    const shown = await policies.get(SANDBOX, IMPLICIT_MERGE_POLICY_ID);

    // Assess
    expect(inForce).toMatchObject({ id: IMPLICIT_MERGE_POLICY_ID, attributeMerge: 'timestamp' });
    expect(shown).toMatchObject({ id: IMPLICIT_MERGE_POLICY_ID, default: true });
    expect((await policies.list(SANDBOX, { limit: 10 })).items).toEqual([]);
  });

  it('creates a dataset-precedence policy over existing datasets, in the order given', async () => {
    // Prepare
    const { policies } = service();

    // Act
    const created = await policies.create(
      SANDBOX,
      { name: 'CRM first', attributeMerge: 'datasetPrecedence', datasets: ['ds-crm', 'ds-web'] },
      'key-1',
    );

    // Assess
    expect(created).toMatchObject({
      name: 'CRM first',
      attributeMerge: 'datasetPrecedence',
      datasets: ['ds-crm', 'ds-web'],
      default: false,
      createdBy: 'key-1',
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await policies.get(SANDBOX, created.id)).toEqual(created);
  });

  it.each<[string, NewMergePolicy, string, string]>([
    [
      'precedence without datasets',
      { name: 'p', attributeMerge: 'datasetPrecedence' },
      'invalid-merge-policy',
      '/datasets',
    ],
    [
      'precedence with an empty list',
      { name: 'p', attributeMerge: 'datasetPrecedence', datasets: [] },
      'invalid-merge-policy',
      '/datasets',
    ],
    [
      'timestamp with datasets',
      { name: 'p', attributeMerge: 'timestamp', datasets: ['ds-crm'] },
      'invalid-merge-policy',
      '/datasets',
    ],
    [
      'a dataset listed twice',
      { name: 'p', attributeMerge: 'datasetPrecedence', datasets: ['ds-crm', 'ds-crm'] },
      'invalid-merge-policy',
      '/datasets/1',
    ],
    [
      'an unknown dataset',
      { name: 'p', attributeMerge: 'datasetPrecedence', datasets: ['ds-crm', 'ds-none'] },
      'unknown-reference',
      '/datasets/1',
    ],
  ])('refuses %s with a 400 pointing at the field', async (_case, input, code, pointer) => {
    // Prepare
    const { policies, store } = service();

    // Act
    const problem = await domainErrorOf(policies.create(SANDBOX, input, 'key-1'));

    // Assess
    expect(problem.kind).toBe('invalid');
    expect(problem.code).toBe(code);
    expect(problem.violations?.[0]?.pointer).toBe(pointer);
    expect(store.policies).toEqual([]);
  });

  it('keeps one default per sandbox: a new default replaces the old one', async () => {
    // Prepare
    const { policies } = service();
    const first = await policies.create(
      SANDBOX,
      { name: 'a', attributeMerge: 'timestamp', default: true },
      'k',
    );
    const plain = await policies.create(SANDBOX, { name: 'b', attributeMerge: 'timestamp' }, 'k');

    // Act
    const second = await policies.create(
      SANDBOX,
      { name: 'c', attributeMerge: 'datasetPrecedence', datasets: ['ds-web'], default: true },
      'k',
    );
    const listed = await policies.list(SANDBOX, { limit: 10 });

    // Assess
    expect(first.default).toBe(true);
    expect(plain.default).toBe(false);
    expect(second.default).toBe(true);
    expect(listed.items.filter((policy) => policy.default).map((policy) => policy.id)).toEqual([second.id]);
    expect((await policies.get(SANDBOX, first.id)).default).toBe(false);
    expect((await policies.get(SANDBOX, IMPLICIT_MERGE_POLICY_ID)).default).toBe(false);
    expect((await policies.forLookup(SANDBOX, undefined)).id).toBe(second.id);
  });

  it('keeps defaults apart per sandbox', async () => {
    // Prepare
    const { policies } = service();
    await policies.create('dev', { name: 'dev default', attributeMerge: 'timestamp', default: true }, 'k');

    // Act
    const prodPolicy = await policies.forLookup(SANDBOX, undefined);

    // Assess
    expect(prodPolicy.id).toBe(IMPLICIT_MERGE_POLICY_ID);
  });

  it('answers 404 for an unknown policy', async () => {
    // Prepare
    const { policies } = service();

    // Act
    const problem = await domainErrorOf(policies.forLookup(SANDBOX, 'no-such-policy'));

    // Assess
    expect(problem.kind).toBe('not-found');
  });
});

describe('POST /merge-policies', () => {
  it.each([
    [{ schema: { name: '_xdm.context.experienceevent' } }, '/schema/name'],
    [{ isActiveOnEdge: true }, '/isActiveOnEdge'],
    [{ identityGraph: { type: 'coop' } }, '/identityGraph/type'],
    [
      { attributeMerge: { type: 'dataSetPrecedence', order: ['ds-crm'] }, datasets: ['ds-web'] },
      '/attributeMerge/order',
    ],
  ])('refuses %j, naming %s, rather than ignore a field it cannot honour', async (fields, pointer) => {
    // Prepare
    const { policies, store } = service();
    const route = mergePolicyRoutes({ policies })['POST /merge-policies']!;

    // Act
    const problem = await domainErrorOf(
      route(request({ name: 'p', attributeMerge: 'timestamp', ...fields })),
    );

    // Assess
    expect(problem.kind).toBe('invalid');
    expect(problem.violations?.[0]?.pointer).toBe(pointer);
    expect(store.policies).toEqual([]);
  });

  it('keeps identityGraph none on the policy, and pdg by default', async () => {
    // Prepare
    const { policies } = service();
    const route = mergePolicyRoutes({ policies })['POST /merge-policies']!;

    // Act
    const none = await route(
      request({ name: 'a', attributeMerge: 'timestamp', identityGraph: { type: 'none' } }),
    );
    const plain = await route(request({ name: 'b', attributeMerge: 'timestamp', isActiveOnEdge: false }));

    // Assess
    expect(none.body).toMatchObject({ identityGraph: { type: 'none' } });
    expect(plain.body).toMatchObject({ identityGraph: { type: 'pdg' } });
  });

  it("accepts Experience Platform's {type, order} spelling", async () => {
    // Prepare
    const { policies } = service();
    const route = mergePolicyRoutes({ policies })['POST /merge-policies']!;

    // Act
    const answer = await route(
      request({
        name: 'AEP style',
        attributeMerge: { type: 'dataSetPrecedence', order: ['ds-pos', 'ds-crm'] },
        identityGraph: { type: 'pdg' },
        schema: { name: '_xdm.context.profile' },
      }),
    );

    // Assess
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      attributeMerge: 'datasetPrecedence',
      datasets: ['ds-pos', 'ds-crm'],
    });
  });

  it('refuses an unknown attributeMerge with a 400 naming the field', async () => {
    // Prepare
    const { policies } = service();
    const route = mergePolicyRoutes({ policies })['POST /merge-policies']!;

    // Act
    const problem = await domainErrorOf(route(request({ name: 'x', attributeMerge: 'newest' })));

    // Assess
    expect(problem.kind).toBe('invalid');
    expect(problem.violations?.map((violation) => violation.pointer)).toContain('/attributeMerge');
  });
});
