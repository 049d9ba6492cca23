import { z } from 'zod';
import { DEFAULT_PROFILE_GUARDRAILS } from '../../core/profiles/profile-ports';
import { privacyDelete } from '../../core/profiles/privacy-delete';
import type { ProfileDataStore, IdentityGraph } from '../../core/profiles/profile-ports';
import type { EntityRef, ProfileReadService } from '../../core/profiles/profile-read-service';
import type { RouteMap } from '../api-handler';
import type { ApiRequest } from '../api-types';
import { parseInput } from '../../core/input';
import { pageRequest } from '../input';
import { invalid } from '../../core/errors/domain-error';

/** A lookup names at most this many fields; more would be a whole profile asked for piecemeal. */
const MAX_FIELDS = 100;
/** Experience Platform's dotted attribute paths: names separated by dots, no empty segment. */
const FIELD_PATH = /^[^.,\s]+(\.[^.,\s]+)*$/;
/** Merge policy ids are UUIDs (or the implicit default's name); a longer value cannot name one. */
const MAX_MERGE_POLICY_ID_LENGTH = 128;

/** Experience Platform's XDM classes, as its access API names them in `schema.name` and `relatedSchema.name`. */
const PROFILE_CLASS = '_xdm.context.profile';
const EVENT_CLASS = '_xdm.context.experienceevent';

/** `schema.name=<class>`: what a lookup reads; accepted when it names what the route answers, refused otherwise. */
const classParameter = (name: string) => z.literal(name, { error: `this route answers ${name}` }).optional();

const entityFields = {
  entityId: z.string().min(1, 'is required').max(DEFAULT_PROFILE_GUARDRAILS.maxIdentityLength),
  entityIdNS: z.string().min(1, 'is required').max(64),
};
const pageFields = { limit: z.string().optional(), start: z.string().optional() };

// Every route names its query parameters: one it does not know (Experience Platform's `orderby`, say) is refused,
// never dropped unread.
const EntityQuery = z.strictObject(entityFields);

const ProfileQuery = z.strictObject({
  ...entityFields,
  mergePolicyId: z.string().min(1).max(MAX_MERGE_POLICY_ID_LENGTH).optional(),
  fields: z.string().optional(),
  'schema.name': classParameter(PROFILE_CLASS),
});

/** A time bound as ISO 8601 or, as Experience Platform sends it, milliseconds since the epoch; NaN when neither. */
const epochOrIso = (value: string): number => (/^\d+$/.test(value) ? Number(value) : Date.parse(value));

const timeBound = z
  .string()
  // Date's own range (±8.64e15 ms) bounds it too: beyond it there is no ISO form to compare with.
  .refine((value) => Number.isFinite(new Date(epochOrIso(value)).getTime()), {
    message: 'must be an ISO 8601 time or milliseconds since the epoch',
  })
  .transform((value) => new Date(epochOrIso(value)).toISOString());

const EventsQuery = z.strictObject({
  ...entityFields,
  ...pageFields,
  startTime: timeBound.optional(),
  endTime: timeBound.optional(),
  mergePolicyId: z.string().min(1).max(MAX_MERGE_POLICY_ID_LENGTH).optional(),
  'schema.name': classParameter(EVENT_CLASS),
  'relatedSchema.name': classParameter(PROFILE_CLASS),
});

function entityOf(query: { readonly entityId: string; readonly entityIdNS: string }): EntityRef {
  return { entityId: query.entityId, entityIdNS: query.entityIdNS };
}

const entityQueryOf = (request: ApiRequest): EntityRef =>
  entityOf(parseInput(EntityQuery, request.query, 'the query'));

function fieldsOf(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const fields = value.split(',').map((field) => field.trim());
  const notPath = fields.find((field) => !FIELD_PATH.test(field));
  if (notPath !== undefined || fields.length > MAX_FIELDS) {
    const message =
      notPath !== undefined
        ? `'${notPath}' is not a dotted attribute path`
        : `at most ${MAX_FIELDS} fields may be named`;
    throw invalid('invalid-fields', `fields: ${message}`, [
      { pointer: '/fields', keyword: 'format', message },
    ]);
  }
  return fields;
}

export function profileRoutes(deps: {
  readonly reads: ProfileReadService;
  readonly graph: IdentityGraph;
  readonly data: ProfileDataStore;
}): RouteMap {
  return {
    'GET /profiles': async (request) => {
      const query = parseInput(ProfileQuery, request.query, 'the query');
      const fields = fieldsOf(query.fields);
      const profile = await deps.reads.profile(request.sandbox, entityOf(query), {
        ...(query.mergePolicyId !== undefined ? { mergePolicyId: query.mergePolicyId } : {}),
        ...(fields !== undefined ? { fields } : {}),
      });
      return { status: 200, body: profile };
    },
    'GET /profiles/events': async (request) => {
      const query = parseInput(EventsQuery, request.query, 'the query');
      const { startTime, endTime, mergePolicyId } = query;
      if (startTime !== undefined && endTime !== undefined && startTime > endTime) {
        const message = 'startTime must not be after endTime';
        throw invalid('invalid-time-range', message, [{ pointer: '/startTime', keyword: 'range', message }]);
      }
      const page = await deps.reads.events(request.sandbox, entityOf(query), {
        ...pageRequest(request.query),
        ...(mergePolicyId !== undefined ? { mergePolicyId } : {}),
        ...(startTime !== undefined ? { startTime } : {}),
        ...(endTime !== undefined ? { endTime } : {}),
      });
      return { status: 200, body: page };
    },
    'GET /identities/graph': async (request) => ({
      status: 200,
      body: await deps.reads.graph(request.sandbox, entityQueryOf(request)),
    }),
    'DELETE /profiles': async (request) => ({
      status: 200,
      body: await privacyDelete(deps, request.sandbox, entityQueryOf(request)),
    }),
  };
}
