/** A collect service over in-memory catalog stores, a real schema registry and a scripted stream writer. */
import { Logger } from '@aws-lambda-powertools/logger';
import { hashKey, keyIdOf, type ApiKeyRecord } from '../../../lambdas/core/api-keys/api-key';
import type { Dataset } from '../../../lambdas/core/catalog/datasets';
import type { Inlet } from '../../../lambdas/core/catalog/inlets';
import { IdentityNormalizer } from '../../../lambdas/core/profiles/identity-normalizer';
import { DEFAULT_PROFILE_GUARDRAILS } from '../../../lambdas/core/profiles/profile-ports';
import { CachedMappingSetLoader } from '../../../lambdas/core/mapping-sets/mapping-set-loader';
import { CollectService } from '../../../lambdas/core/streaming/collect-service';
import type {
  StreamEntry,
  StreamPutOutcome,
  StreamWriter,
} from '../../../lambdas/core/streaming/collect-stream';
import type { StreamMessage } from '../../../lambdas/core/streaming/stream-message';
import { createApiHandler } from '../../../lambdas/http/api-handler';
import { COLLECTION_ROUTES } from '../../../lambdas/http/route-table';
import { collectionRoutes, declaredSizeLimit } from '../../../lambdas/http/routes/collection-routes';
import { MemoryApiKeyStore } from '../api-keys/memory-api-key-store';
import { lambdaContext, proxyEvent } from '../http/proxy-events';
import { MemoryMappingSetStore } from '../../support/memory-mapping-sets';
import { MemoryDatasetStore, MemoryInletStore } from '../catalog/memory-catalog-stores';
import { newRegistry, personSchema, SANDBOX } from '../schemas/registry-fixture';

export const NOW = new Date('2025-03-04T05:06:07.890Z');
export const PERSON_SCHEMA_ID = 'https://example.com/schemas/person';
export const DATASET_ID = '0123456789abcdef01234567';
export const OPEN_INLET = 'a'.repeat(64);
export const KEYED_INLET = 'b'.repeat(64);
export const RAW_INLET = 'c'.repeat(64);
export const INGEST_KEY = 'trb_ingest-key-of-the-prod-sandbox-0000000000';
export const READ_KEY = 'trb_read-key-of-the-prod-sandbox-00000000000000';
export const OTHER_SANDBOX_KEY = 'trb_ingest-key-of-the-dev-sandbox-0000000000';

/** A stream writer that stores what it is given, or answers the outcomes a test scripts per entry. */
export class ScriptedStream implements StreamWriter {
  readonly written: StreamEntry[] = [];
  refuse: (entry: StreamEntry, index: number) => StreamPutOutcome | undefined = () => undefined;

  async put(entries: readonly StreamEntry[]): Promise<StreamPutOutcome[]> {
    return entries.map((entry, index) => {
      const refusal = this.refuse(entry, index);
      if (refusal) return refusal;
      this.written.push(entry);
      return { ok: true, shardId: 'shardId-000000000000', sequenceNumber: String(this.written.length) };
    });
  }

  messages(): StreamMessage[] {
    return this.written.map((entry) => JSON.parse(Buffer.from(entry.data).toString('utf8')) as StreamMessage);
  }
}

const keyRecord = (key: string, sandbox: string, scopes: ApiKeyRecord['scopes']): ApiKeyRecord => ({
  keyId: keyIdOf(hashKey(key)),
  keyHash: hashKey(key),
  name: key,
  sandbox,
  scopes,
  createdAt: NOW.toISOString(),
  createdBy: 'test',
});

const inlet = (inletId: string, authenticated: boolean, datasetId?: string): Inlet => ({
  inletId,
  sandbox: SANDBOX,
  name: inletId.slice(0, 4),
  authenticated,
  ...(datasetId ? { datasetId } : {}),
  createdAt: NOW.toISOString(),
  createdBy: 'test',
});

export async function collectFixture(
  options: { hashedNamespaces?: string[]; mappingSets?: MemoryMappingSetStore } = {},
) {
  const { registry } = newRegistry();
  const schema = await registry.register(SANDBOX, {
    title: 'Person',
    class: 'profile',
    schema: personSchema(),
    identities: [{ path: '/email', namespace: 'Email', primary: true }],
  });
  const datasets = new MemoryDatasetStore();
  const dataset: Dataset = {
    id: DATASET_ID,
    sandbox: SANDBOX,
    name: 'people',
    schemaId: schema.id,
    schemaVersion: schema.version,
    schemaClass: 'profile',
    profileEnabled: true,
    identityEnabled: true,
    tags: {},
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    createdBy: 'test',
    revision: 1,
  };
  await datasets.create(dataset);
  const inlets = new MemoryInletStore();
  await inlets.create(inlet(OPEN_INLET, false));
  await inlets.create(inlet(KEYED_INLET, true));
  await inlets.create(inlet(RAW_INLET, false, DATASET_ID));
  const keys = new MemoryApiKeyStore();
  await keys.put(keyRecord(INGEST_KEY, SANDBOX, ['ingest']));
  await keys.put(keyRecord(READ_KEY, SANDBOX, ['read']));
  await keys.put(keyRecord(OTHER_SANDBOX_KEY, 'dev', ['ingest']));
  const stream = new ScriptedStream();
  let ids = 0;
  const service = new CollectService({
    inlets,
    datasets,
    schemas: registry,
    keys,
    normalizer: async () =>
      new IdentityNormalizer({
        maxIdentityLength: 1024,
        ...(options.hashedNamespaces
          ? { hashing: { namespaces: options.hashedNamespaces, secret: 'unit-test-secret' } }
          : {}),
      }),
    guardrails: DEFAULT_PROFILE_GUARDRAILS,
    stream,
    mappings: new CachedMappingSetLoader(options.mappingSets ?? new MemoryMappingSetStore()),
    now: () => NOW,
    randomId: () => `r${(ids += 1)}`,
  });
  const handler = createApiHandler({
    routes: () => collectionRoutes({ collect: service }),
    definitions: COLLECTION_ROUTES,
    logger: new Logger({ serviceName: 'collect-test', logLevel: 'SILENT' }),
    inexactNumbersPerMessage: true,
  }).use(declaredSizeLimit);
  return { service, stream, handler, dataset, inlets, datasets, registry };
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly body: Record<string, unknown>;
}

export interface PostOptions {
  readonly batch?: boolean;
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly rawBody?: string;
}

/** POSTs a body to an inlet's single (or, with `batch`, batch) collection route through the handler. */
export async function postToInlet(
  handler: Awaited<ReturnType<typeof collectFixture>>['handler'],
  inletId: string,
  body: unknown,
  options: PostOptions = {},
): Promise<Answer> {
  const resource = options.batch ? '/collection/batch/{inletId}' : '/collection/{inletId}';
  const event = proxyEvent({
    method: 'POST',
    resource,
    path: resource.replace('{inletId}', inletId),
    pathParameters: { inletId },
    body,
    ...(options.rawBody !== undefined ? { rawBody: options.rawBody } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.query ? { query: options.query } : {}),
  });
  const result = await handler(event, lambdaContext());
  return {
    status: result.statusCode,
    headers: result.headers ?? {},
    body: result.body ? (JSON.parse(result.body) as Record<string, unknown>) : {},
  };
}

/** An XDM envelope for the person dataset. */
export const envelope = (entity: Record<string, unknown>, header: Record<string, unknown> = {}) => ({
  header: {
    schemaRef: { id: PERSON_SCHEMA_ID, contentType: 'application/vnd.adobe.xed-full+json;version=1' },
    imsOrgId: 'ORG@AdobeOrg',
    datasetId: DATASET_ID,
    source: { name: 'unit test' },
    ...header,
  },
  body: { xdmMeta: { schemaRef: { id: PERSON_SCHEMA_ID } }, xdmEntity: entity },
});
