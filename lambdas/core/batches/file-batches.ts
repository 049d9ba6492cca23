/**
 * File batches through the batch API: create one for a dataset (a replay reserves the batches it replaces),
 * COMPLETE it (the workflow stages, decides and promotes it asynchronously), ABORT or FAIL it while files are still
 * being written, REVERT it once promoted, preview its first rows. Every transition is conditional (batch-transitions.ts) and every action is safe to repeat.
 */
import { ulid } from 'ulid';
import { conflict, notFound, unprocessable, type Violation } from '../errors/domain-error';
import type { Dataset } from '../catalog/datasets';
import type { MappingSetReferences, WantedMapping } from '../mapping-sets/mapping-sets';
import { changeBatch } from './batch-transitions';
import type {
  BatchFailure,
  BatchFile,
  BatchOrigin,
  FileBatch,
  FileBatchStore,
  FilePart,
} from './file-batch-types';
import { fileBatchView, type FileBatchView } from './file-batch-view';
import type { ByteSource, InputFormat } from '../files/file-format-types';
import { INGESTING } from './ingest/check-guardrails';
import { reservePredecessors } from './replay-reservations';
import type { WorkflowStarter } from './ingest/ingest-ports';
import { startRevert, startWorkflow } from './ingest/start-workflow';

/** Experience Platform's default: up to 5% of the rows may fail before the whole batch fails. */
export const DEFAULT_PARTIAL_INGESTION_PERCENT = 5;

export interface NewFileBatch {
  readonly datasetId: string;
  readonly inputFormat: InputFormat;
  readonly externalId?: string;
  readonly enableErrorDiagnostics?: boolean;
  readonly partialIngestionPercent?: number;
  readonly replay?: { readonly predecessors: readonly string[]; readonly reason?: string };
  readonly tags?: Readonly<Record<string, unknown>>;
  /**
   * The mapping set to map every row with: a MappingReference, or a set id alone for its latest version. The
   * version is pinned when the batch is created; a set or version that does not exist is `unprocessable`, pointing at
   * `/mappingSetId` or `/mappingSetVersion`.
   */
  readonly mapping?: WantedMapping;
}

export interface PreviewRows {
  readonly columns: string[];
  readonly rows: Record<string, unknown>[];
}

export interface FileBatchServiceDeps {
  readonly batches: FileBatchStore;
  readonly datasets: { get(sandbox: string, id: string): Promise<Dataset | undefined> };
  readonly mappingSets: MappingSetReferences;
  readonly files: {
    listFiles(sandbox: string, batchId: string): Promise<BatchFile[]>;
    /** The batch's files, all complete, or an `invalid` error naming what is missing. */
    filesForCompletion(sandbox: string, batchId: string): Promise<BatchFile[]>;
    /** Makes the upload URLs of a batch that no longer loads refuse what is sent to them late. */
    closeUploadUrls(sandbox: string, batchId: string): Promise<void>;
  };
  readonly sources: { byteSource(parts: readonly FilePart[], size: number): ByteSource };
  readonly preview: (
    source: ByteSource,
    format: InputFormat,
    options: { rows: number },
  ) => Promise<PreviewRows>;
  readonly workflow: WorkflowStarter;
  readonly now: () => Date;
  readonly newId?: () => string;
}

export interface CompletionAnswer {
  readonly id: string;
  readonly status: FileBatch['status'];
}

export class FileBatchService {
  private readonly newId: () => string;

  constructor(private readonly deps: FileBatchServiceDeps) {
    this.newId = deps.newId ?? (() => ulid());
  }

  /**
   * `identity` fixes the batch's id and creation time for callers that must create the same batch when asked twice
   * (a redelivered file-drop notification); creating an existing batch again changes nothing and answers it.
   */
  async create(
    sandbox: string,
    input: NewFileBatch,
    origin: BatchOrigin,
    identity?: { readonly batchId: string; readonly createdAt: string },
  ): Promise<FileBatchView> {
    const dataset = await this.deps.datasets.get(sandbox, input.datasetId);
    if (!dataset) {
      throw unprocessable('dataset-not-found', `dataset ${input.datasetId} does not exist`, [
        { pointer: '/datasetId', keyword: 'exists', message: 'no such dataset in this sandbox' },
      ]);
    }
    if (input.replay) await this.checkPredecessors(sandbox, input.datasetId, input.replay.predecessors);
    const mapping = input.mapping ? await this.deps.mappingSets.reference(sandbox, input.mapping) : undefined;
    const batchId = identity?.batchId ?? this.newId();
    // Before the replay exists: a replay never exists without the reservations of what it replaces.
    if (input.replay) await reservePredecessors(this.deps, sandbox, batchId, input.replay.predecessors);
    const now = identity?.createdAt ?? this.deps.now().toISOString();
    const batch: FileBatch = {
      batchId,
      sandbox,
      datasetId: input.datasetId,
      type: 'file',
      status: 'loading',
      inputFormat: input.inputFormat,
      externalId: input.externalId ?? batchId,
      tags: input.tags ?? {},
      enableErrorDiagnostics: input.enableErrorDiagnostics ?? true,
      partialIngestionPercent: input.partialIngestionPercent ?? DEFAULT_PARTIAL_INGESTION_PERCENT,
      ...(input.replay ? { replay: input.replay } : {}),
      ...(mapping ? { mapping } : {}),
      origin,
      createdAt: now,
      updatedAt: now,
      revision: 1,
    };
    await this.deps.batches.createFileBatch(batch);
    // A batch with this identity may exist already: it is answered as it stands.
    const stored = identity ? await this.deps.batches.getFileBatch(sandbox, batchId) : undefined;
    return fileBatchView(stored ?? batch, []);
  }

  /** Accepts the batch for processing (or resumes it); answering again later is safe and changes nothing. */
  async complete(sandbox: string, batchId: string): Promise<CompletionAnswer> {
    const batch = await this.existing(sandbox, batchId);
    if (batch.status === 'success' || batch.status === 'failed') return answer(batch);
    if (batch.status === 'loading') await this.deps.files.filesForCompletion(sandbox, batchId);
    else if (!INGESTING.includes(batch.status)) {
      throw conflict('batch-not-completable', `batch ${batchId} is ${batch.status}; it cannot be completed`);
    }
    const startedAt = this.deps.now().toISOString();
    const started = await startWorkflow(this.deps, sandbox, batchId, 'ingest', (current) => {
      if (current.status === 'loading') return { status: 'staging', startedAt };
      return INGESTING.includes(current.status) ? {} : undefined;
    });
    return answer(started ?? batch);
  }

  async abort(sandbox: string, batchId: string): Promise<CompletionAnswer> {
    return this.closeLoading(sandbox, batchId, 'aborted', () => ({ status: 'aborted' }));
  }

  async fail(sandbox: string, batchId: string): Promise<CompletionAnswer> {
    return this.closeLoading(sandbox, batchId, 'failed', () => ({
      status: 'failed',
      failure: { code: 'failed-by-client', message: 'the client failed the batch (action FAIL)' },
    }));
  }

  /** A dropped file that cannot become a batch of data (its name names no format): the batch fails saying why. */
  async rejectDrop(sandbox: string, batchId: string, failure: BatchFailure): Promise<CompletionAnswer> {
    return this.closeLoading(sandbox, batchId, 'failed', () => ({ status: 'failed', failure }));
  }

  /** Removes a promoted batch from the lake and the profiles (asynchronously); it ends `deleted`. */
  async revert(sandbox: string, batchId: string): Promise<CompletionAnswer> {
    const batch = await this.existing(sandbox, batchId);
    if (batch.status === 'deleted' || batch.status === 'inactive') return answer(batch);
    if (batch.status !== 'success') {
      throw conflict(
        'batch-not-revertable',
        `batch ${batchId} is ${batch.status}; only a successful (promoted) batch can be reverted`,
      );
    }
    return answer((await startRevert(this.deps, sandbox, batchId)) ?? batch);
  }

  /** The first rows of the batch's first file of the dataset, read with the batch's format or the one asked for. */
  async preview(
    sandbox: string,
    batchId: string,
    datasetId: string,
    format: InputFormat | undefined,
    rows: number,
  ): Promise<{
    formatParams: InputFormat;
    preview: { columns: { cid: number; name: string }[]; rows: unknown[] };
  }> {
    const batch = await this.existing(sandbox, batchId);
    if (batch.datasetId !== datasetId) throw notFound('dataset of the batch', datasetId);
    const files = (await this.deps.files.listFiles(sandbox, batchId))
      .filter((file) => file.datasetId === datasetId && file.state === 'complete')
      .sort((a, b) => a.path.localeCompare(b.path));
    const first = files[0];
    if (!first) {
      throw unprocessable(
        'no-files',
        `batch ${batchId} has no complete file of dataset ${datasetId} to preview`,
      );
    }
    const formatParams = format ?? batch.inputFormat;
    const found = await this.deps.preview(
      this.deps.sources.byteSource(first.parts, first.size),
      formatParams,
      {
        rows,
      },
    );
    return {
      formatParams,
      preview: { columns: found.columns.map((name, cid) => ({ cid, name })), rows: found.rows },
    };
  }

  private async existing(sandbox: string, batchId: string): Promise<FileBatch> {
    const batch = await this.deps.batches.getFileBatch(sandbox, batchId);
    if (!batch) throw notFound('file batch', batchId);
    return batch;
  }

  private async closeLoading(
    sandbox: string,
    batchId: string,
    target: 'aborted' | 'failed',
    change: () => Partial<FileBatch>,
  ): Promise<CompletionAnswer> {
    const completedAt = this.deps.now().toISOString();
    const batch = await changeBatch(this.deps.batches, sandbox, batchId, this.deps.now, (current) =>
      current.status === 'loading' ? { ...change(), completedAt } : undefined,
    );
    if (!batch) throw notFound('file batch', batchId);
    if (batch.status !== target) {
      throw conflict(
        'batch-not-loading',
        `batch ${batchId} is ${batch.status}; only a batch still loading files can be ${target === 'aborted' ? 'aborted' : 'failed'}`,
      );
    }
    // Also on a repeat: a first attempt may have stopped between the change and this.
    await this.deps.files.closeUploadUrls(sandbox, batchId);
    return answer(batch);
  }

  private async checkPredecessors(sandbox: string, datasetId: string, predecessors: readonly string[]) {
    const violations: Violation[] = [];
    for (const [index, id] of predecessors.entries()) {
      const predecessor = await this.deps.batches.getFileBatch(sandbox, id);
      const pointer = `/replay/predecessors/${index}`;
      if (!predecessor) violations.push({ pointer, keyword: 'exists', message: `no file batch ${id}` });
      else if (predecessor.datasetId !== datasetId) {
        violations.push({
          pointer,
          keyword: 'dataset',
          message: `batch ${id} is of dataset ${predecessor.datasetId}`,
        });
      } else if (predecessor.status !== 'success') {
        violations.push({
          pointer,
          keyword: 'status',
          message: `batch ${id} is ${predecessor.status}; only successful batches can be replayed`,
        });
      }
    }
    if (violations.length > 0) {
      throw unprocessable(
        'invalid-replay',
        'the batches to replay cannot be replaced by this batch',
        violations,
      );
    }
  }
}

const answer = (batch: FileBatch): CompletionAnswer => ({ id: batch.batchId, status: batch.status });
