import { z } from 'zod';
import type { Dataset, DatasetService } from '../../core/catalog/datasets';
import type { RouteMap } from '../api-handler';
import { displayText, parseInput } from '../../core/input';
import { pageRequest, pathId, requireCaller } from '../input';

/** Bounds that keep a dataset item far below DynamoDB's 400 KB and its ids usable in index keys. */
const MAX_SCHEMA_ID_LENGTH = 1024;
const MAX_TAGS = 50;
const MAX_TAG_VALUES = 50;

const schemaId = z.string().min(1).max(MAX_SCHEMA_ID_LENGTH);
const tags = z
  .record(z.string().min(1).max(256), z.array(z.string().max(256)).max(MAX_TAG_VALUES))
  .refine((value) => Object.keys(value).length <= MAX_TAGS, `at most ${MAX_TAGS} tags`);

/**
 * Experience Platform's `schemaRef.contentType`: `application/vnd.adobe.xed[-variant]+json`, with the schema version
 * to bind as `;version=N` (without it, the latest).
 */
const XED_CONTENT_TYPE = /^application\/vnd\.adobe\.xed(?:-[a-z-]+)?\+json(?:\s*;\s*version=(\d{1,9}))?$/i;

/** `schemaRef: {id, contentType?}` is Experience Platform's spelling of `schemaId`; either is accepted. */
const NewDatasetBody = z
  .strictObject({
    name: displayText(256),
    schemaId: schemaId.optional(),
    schemaRef: z
      .strictObject({
        id: schemaId,
        contentType: z
          .string()
          .regex(XED_CONTENT_TYPE, 'must be application/vnd.adobe.xed+json;version=N')
          .optional(),
      })
      .optional(),
    profileEnabled: z.boolean().optional(),
    identityEnabled: z.boolean().optional(),
    description: z.string().max(4096).optional(),
    tags: tags.optional(),
  })
  .refine((body) => body.schemaId !== undefined || body.schemaRef !== undefined, {
    message: 'schemaId is required',
    path: ['schemaId'],
  })
  .refine(
    (body) =>
      body.schemaId === undefined || body.schemaRef === undefined || body.schemaId === body.schemaRef.id,
    {
      message: 'schemaId and schemaRef.id name different schemas',
      path: ['schemaRef', 'id'],
    },
  );

/** The version a `schemaRef.contentType` names, if it names one. */
const versionOfContentType = (contentType: string | undefined): number | undefined => {
  const version = contentType === undefined ? undefined : XED_CONTENT_TYPE.exec(contentType)?.[1];
  return version === undefined ? undefined : Number(version);
};

const DatasetPatchBody = z
  .strictObject({
    name: displayText(256).optional(),
    description: z.string().max(4096).optional(),
    tags: tags.optional(),
    profileEnabled: z.boolean().optional(),
    identityEnabled: z.boolean().optional(),
    schemaVersion: z.number().int().positive().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'give at least one field to change');

const ListQuery = z.strictObject({
  schemaId: schemaId.optional(),
  limit: z.string().optional(),
  start: z.string().optional(),
});

/** What the API shows: everything but the concurrency revision. */
function view(dataset: Dataset) {
  return Object.fromEntries(Object.entries(dataset).filter(([name]) => name !== 'revision'));
}

export function datasetRoutes(deps: { readonly datasets: DatasetService }): RouteMap {
  return {
    'POST /datasets': async (request) => {
      const { schemaRef, schemaId: id, ...input } = parseInput(NewDatasetBody, request.body);
      const schemaVersion = versionOfContentType(schemaRef?.contentType);
      const dataset = await deps.datasets.create(
        request.sandbox,
        {
          ...input,
          schemaId: id ?? schemaRef?.id ?? '',
          ...(schemaVersion !== undefined ? { schemaVersion } : {}),
        },
        requireCaller(request).keyId,
      );
      return { status: 201, body: view(dataset) };
    },
    'GET /datasets': async (request) => {
      const filter = parseInput(ListQuery, request.query, 'the query');
      const page = await deps.datasets.list(request.sandbox, pageRequest(request.query), filter);
      return { status: 200, body: { ...page, items: page.items.map(view) } };
    },
    'GET /datasets/{datasetId}': async (request) => ({
      status: 200,
      body: view(await deps.datasets.get(request.sandbox, pathId(request, 'datasetId', 'dataset'))),
    }),
    'PATCH /datasets/{datasetId}': async (request) => {
      const id = pathId(request, 'datasetId', 'dataset');
      const patch = parseInput(DatasetPatchBody, request.body);
      return { status: 200, body: view(await deps.datasets.update(request.sandbox, id, patch)) };
    },
  };
}
