/**
 * One slice of a run's pull into its batch; the state machine repeats the step until the pull is done. What a
 * slice stores is recorded on the run right after it is stored, so a retried step (or a re-triggered run) goes on
 * from there: nothing is pulled twice and a file stored again replaces itself.
 *
 * - S3: the sandbox's grant for the source is checked (and the source read with its identity), then the objects not
 *   taken yet within the watermark's look-back and after it (or after the last one copied), oldest first, are
 *   streamed into the landing bucket under the batch — each as it was listed, by its ETag — and added to it as
 *   files, one at a time. The batch stays within the batch guardrails: when more objects remain
 *   than fit, the run takes the oldest that fit and the rest go to the next run.
 * - HTTP: pages from the last position (or the first page since the watermark's look-back) until about 8 MB of
 *   records, a page count or a time budget, the new records (http-delta-filter.ts) written as ONE JSON Lines file
 *   of the batch. A page that fails after the reader's retries does not lose the pages before it: they are written
 *   and recorded first, then the error goes on. A run stops pulling at its caps (pages, bytes read — the batch's
 *   byte guardrail —, files — its file guardrail —, time), having fetched at least one page: its batch is ingested
 *   as any, and the next run goes on from the page it stopped at (begin-run.ts), so nothing is lost.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { storageKeysFit, wholeFileKey } from '../batches/uploads/upload-keys';
import { exactJsonText } from '../exact-json';
import {
  OBJECT_CHANGED,
  SourceError,
  type Connection,
  type HttpSourceParams,
  type PagePosition,
  type S3ListOptions,
  type S3SourceParams,
  type S3SourceReader,
  type SourceObject,
} from '../connections/connection-types';
import { MAX_PAGE_BYTES } from '../connections/http-source-reader';
import { DataflowStateError } from './dataflow-changes';
import type { Dataflow, FlowRun, RunCap } from './dataflow-types';
import { DeltaFilter } from './http-delta-filter';
import { withTaken } from './look-back';
import { asStepError } from './run-errors';
import { connectionForStep, ensureRunBatch, flowForStep, recordProgress, runForStep } from './run-context';
import type { RunStep, RunWorkerDeps } from './run-worker-ports';
import {
  deltaSince,
  deltaWatermarkOf,
  S3_ORDER,
  s3LookBackOf,
  s3ObjectId,
  s3WatermarkOf,
} from './watermarks';

/**
 * Objects modified this close to the run's start are left for the next run. S3 stamps LastModified to the second
 * when a write begins, so an object of the second the pull reads up to may still be coming, and would then sort
 * before the watermark and never be read; five seconds also covers the clocks of S3 and the function differing.
 */
export const SOURCE_SETTLE_MS = 5_000;

/**
 * A slice stops starting copies (or fetching pages) after this long. The worker may run 15 minutes: the object or
 * page in flight when the budget runs out has ten more, and the next slice goes on.
 */
export const SLICE_TIME_BUDGET_MS = 5 * 60_000;

/** Records written per HTTP slice: about the ingest workflow's chunk size, so one file is about one chunk to stage. */
export const HTTP_SLICE_TARGET_BYTES = 8 * 1024 * 1024;

/** Pages per HTTP slice at most, for APIs with small pages: each slice is one state transition loop of the run. */
export const HTTP_SLICE_MAX_PAGES = 500;

/**
 * Pages one run fetches at most: twenty full slices. A source that serves more in one go (a first pull of a large
 * API) is read over several runs, each ingested as it ends, rather than by one run that holds a batch for hours.
 */
export const HTTP_RUN_MAX_PAGES = 10_000;

/**
 * Bytes one run reads from an HTTP source at most: about 128 full slices. The run also stops before a page that
 * could take its batch past the byte guardrail (a page is at most MAX_PAGE_BYTES): a batch over it would fail.
 */
export const HTTP_RUN_MAX_BYTES = 1024 ** 3;

/**
 * How long one run pulls from an HTTP source at most, from its start: an API that keeps answering pages (or keeps
 * making new ones) must not hold the flow's one run, and its batch unpromoted, for ever.
 */
export const HTTP_RUN_TIME_BUDGET_MS = 60 * 60_000;

interface SliceContext {
  readonly step: RunStep;
  readonly flow: Dataflow;
  readonly run: FlowRun;
  readonly connection: Connection;
}

/** The file's path in the batch: the object's key, unless the keys made of it would be too long for S3 or DynamoDB. */
function batchPathOf(context: SliceContext, batchId: string, key: string): string {
  const ref = { sandbox: context.run.sandbox, batchId, datasetId: context.flow.datasetId, path: key };
  return storageKeysFit(ref, 0) ? key : `object-${createHash('sha256').update(key).digest('hex')}`;
}

const markDone = (deps: RunWorkerDeps, step: RunStep) => recordProgress(deps, step, () => ({ done: true }));

/** What an S3 pull lists: after the object it copied last, within its watermark's look-back, or after it. */
function s3ListWindow(run: FlowRun): Pick<S3ListOptions, 'after' | 'lookBack'> {
  const watermark = s3WatermarkOf(run.window.from);
  const lookBack = watermark?.lookBack;
  const after = run.progress.after ?? (lookBack ? undefined : watermark);
  return {
    ...(after ? { after: { lastModified: after.lastModified, key: after.key } } : {}),
    ...(lookBack
      ? {
          lookBack: {
            from: lookBack.from,
            inclusive: lookBack.inclusive,
            taken: (object) => Object.hasOwn(lookBack.taken, s3ObjectId(object)),
          },
        }
      : {}),
  };
}

async function pullS3(deps: RunWorkerDeps, context: SliceContext): Promise<boolean> {
  const { step, flow, run, connection } = context;
  const params = connection.params as S3SourceParams;
  const { maxFilesPerBatch, maxBytesPerBatch } = deps.guardrails;
  const files = maxFilesPerBatch - run.progress.files;
  const bytes = maxBytesPerBatch - run.progress.bytes;
  if (files <= 0 || bytes <= 0) return true;
  // Checked on every slice: a grant taken back, or a bucket the platform now refuses, stops the run here.
  const source = deps.s3Source(await deps.sourceAccess.grantFor(run.sandbox, params));
  const listing = await source.listAfter(params, {
    ...s3ListWindow(run),
    ...(run.notBefore ? { notBefore: run.notBefore } : {}),
    notAfter: new Date(Date.parse(run.startedAt) - SOURCE_SETTLE_MS).toISOString(),
    maxObjects: files,
    maxBytes: bytes,
  });
  const deadline = deps.now().getTime() + SLICE_TIME_BUDGET_MS;
  let current = run;
  for (const object of listing.objects) {
    // The listing gives at least one object even past the byte budget: one that does not fit waits for the next run.
    if (current.progress.files > 0 && current.progress.bytes + object.size > maxBytesPerBatch) return true;
    if (deps.now().getTime() > deadline) return false;
    const body = await openListed(source, params, object);
    // Overwritten since the listing: its new content is stamped later and is listed after this.
    if (!body) continue;
    const batchId = await ensureRunBatch(deps, flow, current, connection);
    const path = batchPathOf(context, batchId, object.key);
    const key = wholeFileKey({ sandbox: run.sandbox, batchId, datasetId: flow.datasetId, path });
    const size = await deps.landing.upload(key, body);
    await deps.batchFiles.putFile(run.sandbox, batchId, {
      datasetId: flow.datasetId,
      path,
      state: 'complete',
      size,
      parts: [{ key, start: 0, end: size }],
      updatedAt: deps.now().toISOString(),
    });
    const taken = { id: s3ObjectId(object), position: object.lastModified };
    current = await recordProgress(
      deps,
      step,
      (progress) => ({
        files: progress.files + 1,
        bytes: progress.bytes + size,
        after: { lastModified: object.lastModified, key: object.key },
        // Objects are copied oldest first: this one is the newest the run has copied.
        lookBack: withTaken(S3_ORDER, s3LookBackOf(progress.lookBack), [taken], object.lastModified),
      }),
      batchId,
    );
  }
  return !listing.more || current.progress.files >= maxFilesPerBatch;
}

/** The listed object's content as listed (its ETag), or undefined when it was overwritten since. */
async function openListed(
  source: S3SourceReader,
  params: S3SourceParams,
  object: SourceObject,
): Promise<Readable | undefined> {
  try {
    return await source.open(params, object.key, object.etag || undefined);
  } catch (error) {
    if (error instanceof SourceError && error.code === OBJECT_CHANGED) return undefined;
    throw error;
  }
}

/** The run cap an HTTP pull has reached with `pages` and `bytes` more than its progress says; never before a page. */
function httpRunCap(deps: RunWorkerDeps, run: FlowRun, pages: number, bytes: number): RunCap | undefined {
  const { progress } = run;
  if (progress.pages + pages === 0) return undefined;
  if (progress.pages + pages >= HTTP_RUN_MAX_PAGES) return 'pages';
  const read = progress.bytes + bytes;
  if (read >= HTTP_RUN_MAX_BYTES || read + MAX_PAGE_BYTES > deps.guardrails.maxBytesPerBatch) return 'bytes';
  if (progress.files >= deps.guardrails.maxFilesPerBatch) return 'files';
  if (deps.now().getTime() - Date.parse(run.startedAt) >= HTTP_RUN_TIME_BUDGET_MS) return 'time';
  return undefined;
}

async function pullHttp(deps: RunWorkerDeps, context: SliceContext): Promise<boolean> {
  const { step, flow, run, connection } = context;
  const params = connection.params as HttpSourceParams;
  const auth = await deps.connections.authOf(connection);
  const watermark = params.incremental ? deltaWatermarkOf(run.window.from) : undefined;
  const filter = params.incremental
    ? new DeltaFilter(params.incremental.deltaColumn, watermark, run.progress)
    : undefined;
  const since = watermark ? deltaSince(watermark) : undefined;
  const first: PagePosition = run.progress.next ?? deps.httpSource.firstPage(params, since);
  const deadline = deps.now().getTime() + SLICE_TIME_BUDGET_MS;
  const lines: string[] = [];
  let textBytes = 0;
  let pages = 0;
  let sourceBytes = 0;
  let records = 0;
  let next: PagePosition | undefined = first;
  let failure: Error | undefined;
  let capped: RunCap | undefined;
  try {
    while (
      next &&
      textBytes < HTTP_SLICE_TARGET_BYTES &&
      pages < HTTP_SLICE_MAX_PAGES &&
      deps.now().getTime() <= deadline &&
      (capped = httpRunCap(deps, run, pages, sourceBytes)) === undefined
    ) {
      const page = await deps.httpSource.fetchPage(params, next, auth ? { auth } : {});
      for (const record of page.records) {
        const json = exactJsonText(record);
        if (filter && !filter.keeps(record, json)) continue;
        const line = `${json}\n`;
        lines.push(line);
        textBytes += Buffer.byteLength(line, 'utf8');
        records += 1;
      }
      pages += 1;
      sourceBytes += page.bytes;
      next = page.next;
    }
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
  }
  // Stopped with pages left: recorded with the slice's pages, so the next run goes on from `next`.
  const cappedBy = next && capped ? { cappedBy: capped } : {};
  if (pages === 0 && next && capped) await recordProgress(deps, step, () => cappedBy);
  if (pages > 0) {
    let batchId: string | undefined;
    if (lines.length > 0) {
      batchId = await ensureRunBatch(deps, flow, run, connection);
      // Named by the page the slice started at, which only recorded progress decides: a retried slice replaces it.
      const path = `pages-from-${String(first.page).padStart(7, '0')}.jsonl`;
      const key = wholeFileKey({ sandbox: run.sandbox, batchId, datasetId: flow.datasetId, path });
      const body = Buffer.from(lines.join(''), 'utf8');
      await deps.landing.put(key, body);
      await deps.batchFiles.putFile(run.sandbox, batchId, {
        datasetId: flow.datasetId,
        path,
        state: 'complete',
        size: body.length,
        parts: [{ key, start: 0, end: body.length }],
        updatedAt: deps.now().toISOString(),
      });
    }
    await recordProgress(
      deps,
      step,
      (progress) => ({
        files: progress.files + (lines.length > 0 ? 1 : 0),
        bytes: progress.bytes + sourceBytes,
        pages: progress.pages + pages,
        records: progress.records + records,
        slices: progress.slices + 1,
        next,
        ...cappedBy,
        ...filter?.progressChange(),
      }),
      batchId,
    );
  }
  if (failure !== undefined) throw failure;
  return next === undefined || capped !== undefined;
}

export async function pullSlice(deps: RunWorkerDeps, step: RunStep): Promise<{ done: boolean }> {
  const run = await runForStep(deps, step);
  if (run.status !== 'pulling') throw new DataflowStateError(`run ${run.id} is ${run.status}, not pulling`);
  if (run.progress.done) return { done: true };
  const flow = await flowForStep(deps, step);
  const connection = await connectionForStep(deps, flow);
  const context = { step, flow, run, connection };
  try {
    const done = connection.type === 's3' ? await pullS3(deps, context) : await pullHttp(deps, context);
    if (done) await markDone(deps, step);
    return { done };
  } catch (error) {
    throw asStepError(error);
  }
}
