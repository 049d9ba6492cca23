import { z } from 'zod';
import type { AttributeMerge, MergePolicyService } from '../../core/profiles/merge-policies';
import { MAX_PRECEDENCE_DATASETS } from '../../core/profiles/merge-policies';
import type { RouteMap } from '../api-handler';
import { displayText, pageRequest, parseInput, pathId, requireCaller } from '../input';

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
  // Experience Platform's other fields, accepted so its clients work unchanged: Tributary has one identity graph
  // (the linked identities) and one profile class, and no edge.
  schema: z.object({ name: z.string().max(256) }).optional(),
  identityGraph: z.object({ type: z.enum(['pdg', 'none']) }).optional(),
  isActiveOnEdge: z.boolean().optional(),
});

export function mergePolicyRoutes(deps: { readonly policies: MergePolicyService }): RouteMap {
  return {
    'POST /merge-policies': async (request) => {
      const body = parseInput(NewMergePolicyBody, request.body);
      const merge = body.attributeMerge;
      const attributeMerge = typeof merge === 'string' ? merge : AEP_ATTRIBUTE_MERGE[merge.type]!;
      const datasets = body.datasets ?? (typeof merge === 'string' ? undefined : merge.order);
      const policy = await deps.policies.create(
        request.sandbox,
        {
          name: body.name,
          attributeMerge,
          ...(datasets !== undefined ? { datasets } : {}),
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
