/**
 * The batches API's core: a batch with its metrics, the list newest first, the failed records of a batch, and the
 * replay of those records into the stream (as new messages of a new batch; de-duplication markers keep what was
 * already ingested from being ingested twice). It reads batches of both kinds and puts replays on the stream, so it
 * stands above both pipelines, in a room of its own.
 */
import { notFound, unprocessable } from '../errors/domain-error';
import { InvalidPageToken, type Page, type PageRequest } from '../page';
import { putAgain, type StreamEntry, type StreamWriter } from '../streaming/collect-stream';
import { streamingBatchId, type StreamMessage } from '../streaming/stream-message';
import { windowClosed, type StreamProgress } from '../streaming/stream-progress';
import type { AnyBatch, BatchStore } from '../batches/batch-types';
import { batchView, type BatchView, type StreamingBatchStatus } from '../batches/batch-view';
import type { ObjectReader } from '../lake/lake-objects';
import type { FailedRow, FileBatchStatus, FileBatchStore } from '../batches/file-batch-types';
import { fileBatchView, type FileBatchView } from '../batches/file-batch-view';
import type { QuarantineLine } from '../lake/quarantine-lines';

export interface BatchServiceDeps {
  readonly store: BatchStore;
  /** How far the stream was put and consumed: a streaming batch is closed when its window's records are consumed. */
  readonly progress: Pick<StreamProgress, 'putsOf' | 'consumedOf'>;
  readonly fileBatches: Pick<FileBatchStore, 'stagedChunksOf'>;
  readonly quarantine: ObjectReader;
  readonly stream: StreamWriter;
  readonly now: () => Date;
}

export type AnyBatchStatus = StreamingBatchStatus | FileBatchStatus;

export interface BatchListQuery {
  readonly datasetId?: string;
  readonly status?: AnyBatchStatus;
}

export type AnyBatchView = BatchView | FileBatchView;

/**
 * Where a chunk's failed records are, whichever kind of batch it belongs to: the rows that failed, and (file
 * batches) the records the profile store refused at promotion, which are in the lake.
 */
interface QuarantinedChunk {
  readonly chunk: string;
  readonly quarantineKey?: string;
  readonly profileQuarantineKey?: string;
}

/** A replay is one API request: this many records put to the stream stay well inside its 10-second timeout. */
export const MAX_REPLAY_RECORDS = 5_000;

/** A corrected version of one failed record, replayed instead of the record as it failed. */
export interface ReplayFix {
  readonly messageId: string;
  readonly record: unknown;
}

export interface ReplayOutcome {
  readonly replayBatchIds: string[];
  readonly messages: number;
}

const chunkToken = (chunk: string) => Buffer.from(chunk, 'utf8').toString('base64url');

export class BatchService {
  constructor(private readonly deps: BatchServiceDeps) {}

  async get(sandbox: string, batchId: string): Promise<AnyBatchView> {
    const batch = await this.deps.store.getBatch(sandbox, batchId);
    if (!batch) throw notFound('batch', batchId);
    return this.view(batch, this.closedWindows(this.deps.now()));
  }

  /** Newest first; a status filter applies to the page read, so a page may hold fewer than `limit` items. */
  async list(sandbox: string, query: BatchListQuery, page: PageRequest): Promise<Page<AnyBatchView>> {
    const found = await this.deps.store.listBatches(
      sandbox,
      query.datasetId ? { datasetId: query.datasetId } : {},
      page,
    );
    const closed = this.closedWindows(this.deps.now());
    const views = await Promise.all(found.items.map((batch) => this.view(batch, closed)));
    const items = query.status ? views.filter((view) => view.status === query.status) : views;
    return { items, ...(found.next ? { next: found.next } : {}) };
  }

  /**
   * The failed records, whole chunks at a time (in chunk order) until `limit` records are reached: `next` names the
   * chunk to continue from.
   */
  async failed(
    sandbox: string,
    batchId: string,
    page: PageRequest,
  ): Promise<Page<QuarantineLine | FailedRow>> {
    const chunks = await this.failedChunks(sandbox, batchId);
    let from = 0;
    if (page.start !== undefined) {
      from = chunks.findIndex((chunk) => chunkToken(chunk.chunk) === page.start);
      if (from < 0) throw new InvalidPageToken();
    }
    const items: (QuarantineLine | FailedRow)[] = [];
    let index = from;
    for (; index < chunks.length && items.length < page.limit; index += 1) {
      const chunk = chunks[index] as QuarantinedChunk;
      items.push(
        ...(await this.linesOf<QuarantineLine | FailedRow>(chunk.quarantineKey)),
        ...(await this.linesOf<FailedRow>(chunk.profileQuarantineKey)),
      );
    }
    const next = chunks[index];
    return { items, ...(next ? { next: chunkToken(next.chunk) } : {}) };
  }

  async replay(sandbox: string, batchId: string, fixes: readonly ReplayFix[]): Promise<ReplayOutcome> {
    const batch = await this.deps.store.getBatch(sandbox, batchId);
    if (batch?.type === 'file') {
      throw unprocessable(
        'not-a-streaming-batch',
        `${batchId} is a file batch: replay it by creating a batch with replay.predecessors ["${batchId}"]`,
      );
    }
    const lines: QuarantineLine[] = [];
    for (const chunk of await this.failedChunks(sandbox, batchId))
      lines.push(...(await this.linesOf<QuarantineLine>(chunk.quarantineKey)));
    // A profile line's record is in the lake already: replaying it would ingest it twice.
    const replayable = lines.filter(
      (line) => line.stage !== 'profile' && line.inletId !== null && line.schemaId !== null,
    );
    const byId = new Map(replayable.map((line) => [line.messageId, line]));
    fixes.forEach((fix, index) => {
      if (!byId.has(fix.messageId)) {
        throw unprocessable(
          'not-quarantined',
          `message ${fix.messageId} is not a failed record of ${batchId}`,
          [
            {
              pointer: `/records/${index}/messageId`,
              keyword: 'quarantined',
              message: 'no such failed record',
            },
          ],
        );
      }
    });
    if (replayable.length > MAX_REPLAY_RECORDS) {
      throw unprocessable(
        'replay-too-large',
        `the batch has ${replayable.length} failed records; a replay takes at most ${MAX_REPLAY_RECORDS}`,
      );
    }
    const fixed = new Map(fixes.map((fix) => [fix.messageId, fix.record]));
    const receivedAt = this.deps.now().toISOString();
    // The replay counts in the batch of its own receive window (`receivedAt`), but profiles order the record by
    // when its first original was accepted: last week's fixed record must not overwrite this week's update.
    const messages = replayable.map((line): StreamMessage => ({
      v: 1,
      sandbox,
      inletId: line.inletId as string,
      datasetId: line.datasetId,
      schemaId: line.schemaId as string,
      messageId: line.messageId,
      receivedAt,
      origin: 'replay',
      replayOf: batchId,
      record: fixed.has(line.messageId) ? fixed.get(line.messageId) : line.record,
      originalReceivedAt: line.originalReceivedAt ?? line.receivedAt,
      ...(line.requestIndex !== undefined ? { requestIndex: line.requestIndex } : {}),
      ...(line.operation !== undefined ? { operation: line.operation } : {}),
    }));
    // Keyed by message id: a replay is out of order with live traffic anyway, and profiles merge by timestamp.
    const entries = messages.map((message): StreamEntry => ({
      partitionKey: message.messageId,
      data: Buffer.from(JSON.stringify(message), 'utf8'),
    }));
    await putAgain(this.deps.stream, entries, 'replay');
    const replayBatchIds = [
      ...new Set(messages.map((message) => streamingBatchId(message.datasetId, receivedAt))),
    ];
    return { replayBatchIds, messages: messages.length };
  }

  private async view(
    batch: AnyBatch,
    closed: (windowStart: string) => Promise<boolean>,
  ): Promise<AnyBatchView> {
    const { sandbox, batchId } = batch;
    if (batch.type === 'file')
      return fileBatchView(batch, await this.deps.fileBatches.stagedChunksOf(sandbox, batchId));
    const [chunks, windowIsClosed] = await Promise.all([
      this.deps.store.chunksOf(sandbox, batchId),
      closed(batch.windowStart),
    ]);
    return batchView(batch, chunks, windowIsClosed);
  }

  /** Whether a window is closed, asked once per window however many batches of a page share it. */
  private closedWindows(now: Date): (windowStart: string) => Promise<boolean> {
    const known = new Map<string, Promise<boolean>>();
    return (windowStart) => {
      let closed = known.get(windowStart);
      if (!closed) {
        closed = windowClosed(this.deps.progress, windowStart, now);
        known.set(windowStart, closed);
      }
      return closed;
    };
  }

  private async failedChunks(sandbox: string, batchId: string): Promise<QuarantinedChunk[]> {
    const batch = await this.deps.store.getBatch(sandbox, batchId);
    if (!batch) throw notFound('batch', batchId);
    const chunks: readonly QuarantinedChunk[] =
      batch.type === 'file'
        ? await this.deps.fileBatches.stagedChunksOf(sandbox, batchId)
        : await this.deps.store.chunksOf(sandbox, batchId);
    return chunks
      .filter((chunk) => chunk.quarantineKey !== undefined || chunk.profileQuarantineKey !== undefined)
      .sort((a, b) => a.chunk.localeCompare(b.chunk));
  }

  private async linesOf<Line>(key: string | undefined): Promise<Line[]> {
    if (key === undefined) return [];
    const text = (await this.deps.quarantine.getText(key)) ?? '';
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Line);
  }
}
