/**
 * Experience Platform's Data Prep mapping-set API: create, list, read (the latest or `?version=`), update (a new
 * version), preview on sample rows and validate. Preview takes our shape `{mappings, rows}` or Experience
 * Platform's `{data, mappingSet}`, and answers in the shape it was asked in.
 */
import { z } from 'zod';
import { MAPPING_SOURCE_TYPES } from '../../core/mapping/mapping-types';
import type { MappingSetService, StoredMappingSet } from '../../core/mapping-sets/mapping-sets';
import type { RouteMap } from '../api-handler';
import type { ApiRequest } from '../api-types';
import { displayText, parseInput } from '../../core/input';
import { pageRequest, pathId, requireCaller } from '../input';
import { invalid } from '../../core/errors/domain-error';

/** Data Prep's limit on a calculated field; attribute paths and constants are held to it too. */
const MAX_SOURCE_CHARS = 4096;
const MAX_DESTINATION_CHARS = 1024;
/**
 * Rules per set. Experience Platform allows 10,000 fields per row; a set maps far fewer, and the stored size
 * (MAX_MAPPING_SET_BYTES) bounds what long expressions leave room for anyway.
 */
const MAX_MAPPINGS = 2000;
/** Sample rows one preview maps: Experience Platform's diagnostics show at most 100 rows too. */
const MAX_PREVIEW_ROWS = 100;

const sourceType = z
  .string()
  .transform((value) => value.toUpperCase())
  .pipe(z.enum(MAPPING_SOURCE_TYPES));

const ruleFields = {
  sourceType,
  // Only a constant may be a JSON number or boolean; the engine refuses one elsewhere with a pointer.
  source: z.union([z.string().max(MAX_SOURCE_CHARS), z.number(), z.boolean()]),
  destination: z.string().min(1).max(MAX_DESTINATION_CHARS),
  name: z.string().max(256).optional(),
  description: z.string().max(4096).optional(),
};

/** Our rules are strict; Experience Platform's carry fields of its own (`identity`, `version`…) that are dropped. */
const Mappings = z.array(z.strictObject(ruleFields)).min(1).max(MAX_MAPPINGS);
const AepMappings = z.array(z.object(ruleFields)).min(1).max(MAX_MAPPINGS);

const SchemaReference = z.record(z.string(), z.unknown());

const MappingSetBody = z.strictObject({
  name: displayText(256).optional(),
  description: z.string().max(4096).optional(),
  mappings: Mappings,
  inputSchema: SchemaReference.optional(),
  outputSchema: SchemaReference.optional(),
});

const Rows = z.array(z.record(z.string(), z.unknown())).min(1).max(MAX_PREVIEW_ROWS);

const PreviewBody = z.strictObject({ mappings: Mappings, rows: Rows });
const AepPreviewBody = z.strictObject({
  data: Rows,
  mappingSet: z.object({ mappings: AepMappings }),
});
/** Validation is asked of whole sets as stored elsewhere (with ids, schemas, statuses): only the rules matter. */
const ValidateBody = z.object({ mappings: AepMappings });

/** `?version=` of a read: a positive integer, or a 400 rather than a silent "latest". */
function versionOf(request: ApiRequest): number | undefined {
  const { version } = request.query;
  if (version === undefined) return undefined;
  const parsed = /^\d{1,9}$/.test(version) ? Number(version) : NaN;
  if (!(parsed >= 1)) {
    const message = 'version must be a positive integer';
    throw invalid('invalid-query', message, [{ pointer: '/version', keyword: 'type', message }]);
  }
  return parsed;
}

/** The stored version with Experience Platform's names for its dates (Unix milliseconds) and last writer. */
const view = (set: StoredMappingSet) => ({
  ...set,
  createdDate: new Date(set.createdAt).getTime(),
  modifiedDate: new Date(set.updatedAt).getTime(),
  modifiedBy: set.updatedBy,
});

const isAepPreview = (body: unknown): boolean =>
  typeof body === 'object' && body !== null && ('mappingSet' in body || 'data' in body);

export function mappingSetRoutes(deps: { readonly mappingSets: MappingSetService }): RouteMap {
  return {
    'POST /mappingSets': async (request) => {
      const input = parseInput(MappingSetBody, request.body);
      const set = await deps.mappingSets.create(request.sandbox, input, requireCaller(request).keyId);
      return { status: 201, body: view(set) };
    },
    'GET /mappingSets': async (request) => {
      const page = await deps.mappingSets.list(request.sandbox, pageRequest(request.query));
      return { status: 200, body: { ...page, items: page.items.map(view) } };
    },
    'GET /mappingSets/{mappingSetId}': async (request) => {
      const id = pathId(request, 'mappingSetId', 'mapping set');
      return { status: 200, body: view(await deps.mappingSets.get(request.sandbox, id, versionOf(request))) };
    },
    'PUT /mappingSets/{mappingSetId}': async (request) => {
      const id = pathId(request, 'mappingSetId', 'mapping set');
      const input = parseInput(MappingSetBody, request.body);
      const set = await deps.mappingSets.update(request.sandbox, id, input, requireCaller(request).keyId);
      return { status: 200, body: view(set) };
    },
    'POST /mappingSets/preview': async (request) => {
      if (isAepPreview(request.body)) {
        const { data, mappingSet } = parseInput(AepPreviewBody, request.body);
        const previewed = deps.mappingSets.preview(mappingSet.mappings, data, { prefix: '/mappingSet' });
        // Experience Platform answers one entry per row, its warnings as the row's errors.
        const body = previewed.rows.map((record, row) => {
          const errors = previewed.warnings
            .filter((warning) => warning.row === row)
            .map(({ row: _row, ...warning }) => warning);
          return { data: record, errors: errors.length > 0 ? errors : null };
        });
        return { status: 200, body };
      }
      const { mappings, rows } = parseInput(PreviewBody, request.body);
      return { status: 200, body: deps.mappingSets.preview(mappings, rows) };
    },
    'POST /mappingSets/validate': async (request) => {
      const { mappings } = parseInput(ValidateBody, request.body);
      return { status: 200, body: deps.mappingSets.validate(mappings) };
    },
  };
}
