/**
 * The local runtime with one schema, a profile dataset of it and an open inlet: what the attacks through
 * collection (`redos-schemas`, `quadratic-validation`) send their messages to.
 */
import { expect } from 'vitest';
import { call, startRuntimeUnderTest, type HttpAnswer, type RuntimeUnderTest } from '../e2e/local-runtime';

export interface CollectingRuntime {
  readonly subject: RuntimeUnderTest;
  /** An admin POST of `body` as JSON. */
  readonly post: (path: string, body: unknown) => Promise<HttpAnswer>;
  /** One envelope of `record` to the inlet; `query` such as `?syncValidation=true`. */
  readonly collect: (record: Record<string, unknown>, query?: string) => Promise<HttpAnswer>;
  readonly profileOf: (email: string) => Promise<HttpAnswer>;
}

/** Starts the runtime and registers `registration` (a schema with an `email` identity), its dataset and an inlet. */
export async function startCollectingRuntime(
  registration: {
    readonly schema: { readonly $id: string } & Record<string, unknown>;
  } & Record<string, unknown>,
): Promise<CollectingRuntime> {
  const subject = await startRuntimeUnderTest();
  const { url, adminKey } = subject.runtime;
  const post = (path: string, body: unknown) =>
    call(`${url}${path}`, { method: 'POST', key: adminKey, body: JSON.stringify(body) });
  const created = async (path: string, body: unknown) => {
    const answer = await post(path, body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body as Record<string, unknown>;
  };
  const schemaId = registration.schema.$id;
  await created('/schemas', registration);
  const datasetId = String(
    (await created('/datasets', { name: 'Attacked', schemaId, profileEnabled: true })).id,
  );
  const inletId = String((await created('/inlets', { name: 'Attacked', authenticated: false })).inletId);
  return {
    subject,
    post,
    collect: (record, query = '') =>
      call(`${url}/collection/${inletId}${query}`, {
        method: 'POST',
        body: JSON.stringify({
          header: { schemaRef: { id: schemaId }, datasetId },
          body: { xdmEntity: record },
        }),
      }),
    profileOf: (email) =>
      call(`${url}/profiles?entityIdNS=Email&entityId=${encodeURIComponent(email)}`, { key: adminKey }),
  };
}
