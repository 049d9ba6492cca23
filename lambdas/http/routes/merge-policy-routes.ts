import { z } from 'zod';
import type { AttributeMerge, MergePolicyService } from '../../core/profiles/merge-policies';
import { IDENTITY_GRAPH_TYPES, MAX_PRECEDENCE_DATASETS } from '../../core/profiles/merge-policies';
import type { RouteMap } from '../api-handler';
import { displayText, parseInput } from '../../core/input';
import { pageRequest, pathId, requireCaller } from '../input';
import { invalid } from '../../core/errors/domain-error';

/** Experience Platform's XDM class of profiles, the one class merge policies apply to. */
const PROFILE_CLASS = '_xdm.context.profile';

/** Dataset ids are 24 hex digits; anything far longer cannot name one. */
const MAX_DATASET_ID_LENGTH = 64;

/** Experience Platform spells the merge as `{type, order}`; both spellings are accepted. */
const AEP_ATTRIBUTE_MERGE: Record<string, AttributeMerge> = {
  timestampOrdered: 'timestamp',
  dataSetPrecedence: 'datasetPrecedence',
};

const NewMergePolicyBody = z.strictObject({
  name: displayText(256),
  attributeMerge: z.union([
    z.enum(['timestamp', 'datasetPrecedence']),
    z.strictObject({
      type: z.enum(['timestampOrdered', 'dataSetPrecedence']),
      order: z.array(z.string().min(1).max(MAX_DATASET_ID_LENGTH)).max(MAX_PRECEDENCE_DATASETS).optional(),
    }),
  ]),
  datasets: z.array(z.string().min(1).max(MAX_DATASET_ID_LENGTH)).max(MAX_PRECEDENCE_DATASETS).optional(),
  default: z.boolean().optional(),
  identityGraph: z.strictObject({ type: z.enum(IDENTITY_GRAPH_TYPES) }).optional(),
  // Experience Platform's other fields, accepted where they say what Tributary does: policies merge the one profile
  // class, and there is no edge to activate them on.
  schema: z
    .strictObject({
      name: z.literal(PROFILE_CLASS, { error: `merge policies apply to ${PROFILE_CLASS} only` }),
    })
    .optional(),
  isActiveOnEdge: z
    .literal(false, { error: 'Tributary has no edge to activate a merge policy on' })
    .optional(),
});

/** Two lists of precedence (ours and Experience Platform's) would leave one of them unread. */
function datasetsOf(body: z.output<typeof NewMergePolicyBody>): readonly string[] | undefined {
  const merge = body.attributeMerge;
  const order = typeof merge === 'string' ? undefined : merge.order;
  if (body.datasets !== undefined && order !== undefined) {
    const message = 'give the precedence once: datasets or attributeMerge.order';
    throw invalid('invalid-merge-policy', message, [
      { pointer: '/attributeMerge/order', keyword: 'oneOf', message },
    ]);
  }
  return body.datasets ?? order;
}

export function mergePolicyRoutes(deps: { readonly policies: MergePolicyService }): RouteMap {
  return {
    'POST /merge-policies': async (request) => {
      const body = parseInput(NewMergePolicyBody, request.body);
      const merge = body.attributeMerge;
      const attributeMerge = typeof merge === 'string' ? merge : AEP_ATTRIBUTE_MERGE[merge.type]!;
      const datasets = datasetsOf(body);
      const policy = await deps.policies.create(
        request.sandbox,
        {
          name: body.name,
          attributeMerge,
          ...(datasets !== undefined ? { datasets } : {}),
          ...(body.identityGraph !== undefined ? { identityGraph: body.identityGraph.type } : {}),
          ...(body.default !== undefined ? { default: body.default } : {}),
        },
        requireCaller(request).keyId,
      );
      return { status: 201, body: policy };
    },
    'GET /merge-policies': async (request) => ({
      status: 200,
      body: await deps.policies.list(request.sandbox, pageRequest(request.query)),
    }),
    'GET /merge-policies/{mergePolicyId}': async (request) => ({
      status: 200,
      body: await deps.policies.get(request.sandbox, pathId(request, 'mergePolicyId', 'merge policy')),
    }),
  };
}
