import { z } from 'zod';
import type { Inlet, InletService } from '../../core/catalog/inlets';
import { inletUrl } from '../../core/catalog/inlets';
import type { RouteMap } from '../api-handler';
import { displayText, parseInput } from '../../core/input';
import { pageRequest, pathId, requireCaller } from '../input';

const NewInletBody = z.strictObject({
  name: displayText(256),
  description: z.string().max(4096).optional(),
  authenticated: z.boolean().optional(),
  datasetId: z.string().min(1).max(128).optional(),
  mappingSetId: z.string().min(1).max(128).optional(),
  mappingSetVersion: z.number().int().positive().optional(),
  sourceName: displayText(256).optional(),
});

/** The URL is built per request, so it names the host and stage the caller used. */
const view = (inlet: Inlet, baseUrl: string) => ({ ...inlet, url: inletUrl(baseUrl, inlet.inletId) });

export function inletRoutes(deps: { readonly inlets: InletService }): RouteMap {
  return {
    'POST /inlets': async (request) => {
      const input = parseInput(NewInletBody, request.body);
      const inlet = await deps.inlets.create(request.sandbox, input, requireCaller(request).keyId);
      return { status: 201, body: view(inlet, request.baseUrl) };
    },
    'GET /inlets': async (request) => {
      const page = await deps.inlets.list(request.sandbox, pageRequest(request.query));
      return {
        status: 200,
        body: { ...page, items: page.items.map((inlet) => view(inlet, request.baseUrl)) },
      };
    },
    'GET /inlets/{inletId}': async (request) => ({
      status: 200,
      body: view(
        await deps.inlets.get(request.sandbox, pathId(request, 'inletId', 'inlet')),
        request.baseUrl,
      ),
    }),
    'DELETE /inlets/{inletId}': async (request) => {
      await deps.inlets.delete(request.sandbox, pathId(request, 'inletId', 'inlet'));
      return { status: 204 };
    },
  };
}
