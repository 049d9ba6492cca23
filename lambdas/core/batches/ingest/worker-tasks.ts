/**
 * The batch worker's one entry point: the ingest-batch state machine names the step in `task`, and the worker runs
 * it. One function for every step keeps one deployment artefact and one warm pool; the steps share their reads.
 */
import { checkGuardrails, type StepInput } from './check-guardrails';
import type { ChunkItem } from './chunk-plan';
import { decide } from './decide';
import { finishPromotion } from './finish-promotion';
import type { IngestDeps } from './ingest-ports';
import { chunksToStage, type PageInput } from './chunk-pages';
import { planChunks } from './plan-chunks';
import { chunksToPromote, promoteChunk } from './promote-chunk';
import { recordFailure, type CaughtError } from './record-failure';
import { chunksToRevert, finishRevert, planRevert, revertChunk } from './revert-batch';
import { stageChunk } from './stage-chunk';

export type WorkerEvent =
  | (StepInput & {
      readonly task:
        'check-guardrails' | 'plan-chunks' | 'decide' | 'finish-promotion' | 'plan-revert' | 'finish-revert';
    })
  | (PageInput & { readonly task: 'chunks-to-stage' | 'chunks-to-promote' | 'chunks-to-revert' })
  | (StepInput & { readonly task: 'stage-chunk'; readonly chunk: ChunkItem })
  | (StepInput & { readonly task: 'promote-chunk' | 'revert-chunk'; readonly chunk: string })
  | (StepInput & { readonly task: 'record-failure'; readonly error?: CaughtError })
  | (StepInput & { readonly task: 'plan-revert'; readonly replacedBy?: string });

export function runWorkerTask(deps: IngestDeps, event: WorkerEvent): Promise<unknown> {
  switch (event.task) {
    case 'check-guardrails':
      return checkGuardrails(deps, event);
    case 'plan-chunks':
      return planChunks(deps, event);
    case 'chunks-to-stage':
      return chunksToStage(deps, event);
    case 'stage-chunk':
      return stageChunk(deps, event);
    case 'decide':
      return decide(deps, event);
    case 'chunks-to-promote':
      return chunksToPromote(deps, event);
    case 'promote-chunk':
      return promoteChunk(deps, event);
    case 'finish-promotion':
      return finishPromotion(deps, event);
    case 'plan-revert':
      return planRevert(deps, event);
    case 'chunks-to-revert':
      return chunksToRevert(deps, event);
    case 'revert-chunk':
      return revertChunk(deps, event);
    case 'finish-revert':
      return finishRevert(deps, event);
    case 'record-failure':
      return recordFailure(deps, event);
  }
}
