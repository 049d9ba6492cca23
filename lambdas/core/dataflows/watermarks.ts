/**
 * A flow's watermark: where a run starts reading and where a successful run leaves it. The position moves to the
 * largest one ingested (S3: the last object in `(lastModified, key)` order; HTTP: the largest delta value, compared
 * by the column's type), never back; the look-back below it (look-back.ts) is rebuilt from the old watermark's and
 * the run's, so that what shows up late is still read and what was read is not read twice.
 */
import type { SourceObject } from '../connections/connection-types';
import { compareSourceObjects } from '../connections/s3-source-selection';
import type { DataflowWatermark, DeltaWatermark, FlowRun, S3FlowWatermark } from './dataflow-types';
import { compareDeltas, deltaTypeOf, instantBefore, type DeltaType, type DeltaValue } from './delta-values';
import {
  itemId,
  mergedLookBack,
  strictlyAfter,
  type LookBack,
  type Position,
  type PositionOrder,
} from './look-back';

/**
 * How far below an S3 watermark objects are listed again. S3 stamps an object with the time its upload began; a
 * multipart upload (how large files and most tools upload) becomes visible only when it completes, which for
 * gigabytes over an ordinary link takes minutes to tens of minutes. An upload that takes longer than this to
 * complete may be missed: write such files elsewhere and copy them into place (a copy is stamped when it is made).
 */
export const S3_LOOK_BACK_MS = 60 * 60_000;

/**
 * How far below an instant watermark an HTTP source is asked again. An API's change time is set when a change is
 * made, but a change shows up only once it is committed, replicated to the replica the API reads, or indexed:
 * seconds as a rule, minutes for a long transaction. Numbers and text have no such arithmetic: the records at the
 * watermark's value are read again, which covers APIs whose delta parameter means "after".
 */
export const HTTP_DELTA_OVERLAP_SECONDS = 5 * 60;

export const S3_ORDER: PositionOrder<string> = {
  compare: (a, b) => Date.parse(a) - Date.parse(b),
  lowerBound: (top) => new Date(Date.parse(top) - S3_LOOK_BACK_MS).toISOString(),
};

export function deltaOrder(type: DeltaType): PositionOrder<DeltaValue> {
  return {
    compare: (a, b) => compareDeltas(a, b, type),
    lowerBound: (top) =>
      type === 'instant' ? (instantBefore(String(top), HTTP_DELTA_OVERLAP_SECONDS) ?? top) : top,
  };
}

/** An S3 object's id in a look-back: the same key with other content (another ETag) is another object. */
export const s3ObjectId = (object: Pick<SourceObject, 'key' | 'etag'>): string =>
  itemId('s3', object.key, object.etag);

const isS3Watermark = (watermark: DataflowWatermark | undefined): watermark is S3FlowWatermark =>
  watermark !== undefined && 'key' in watermark;

/** The flow's S3 watermark (a delta one belongs to another kind of source and is ignored). */
export const s3WatermarkOf = (watermark: DataflowWatermark | undefined): S3FlowWatermark | undefined =>
  isS3Watermark(watermark) ? watermark : undefined;

export const deltaWatermarkOf = (watermark: DataflowWatermark | undefined): DeltaWatermark | undefined =>
  watermark !== undefined && 'delta' in watermark ? watermark : undefined;

/** The delta column's type, as stored with the watermark (or, on an older watermark, the type of its value). */
export const deltaTypeOfWatermark = (watermark: DeltaWatermark): DeltaType =>
  watermark.deltaType ?? deltaTypeOf(watermark.delta);

/** What an HTTP pull asks the source for: records from the look-back's bound, or after the watermark. */
export const deltaSince = (watermark: DeltaWatermark): DeltaValue =>
  watermark.lookBack?.from ?? watermark.delta;

/** `next`, unless `current` is further on: a watermark never moves back. */
export function advancedWatermark(
  current: DataflowWatermark | undefined,
  next: DataflowWatermark | undefined,
): DataflowWatermark | undefined {
  if (current === undefined || next === undefined) return next ?? current;
  const s3Current = s3WatermarkOf(current);
  const s3Next = s3WatermarkOf(next);
  if (s3Current && s3Next) return compareSourceObjects(s3Current, s3Next) > 0 ? current : next;
  const deltaCurrent = deltaWatermarkOf(current);
  const deltaNext = deltaWatermarkOf(next);
  if (deltaCurrent && deltaNext) {
    const type = deltaTypeOfWatermark(deltaNext);
    return compareDeltas(deltaCurrent.delta, deltaNext.delta, type) > 0 ? current : next;
  }
  return next;
}

/** A run's look-back of an S3 pull (positions are LastModified times). */
export const s3LookBackOf = (lookBack: LookBack<Position> | undefined): LookBack<string> | undefined =>
  lookBack && typeof lookBack.from === 'string' ? (lookBack as LookBack<string>) : undefined;

function s3WatermarkAfter(run: FlowRun): S3FlowWatermark | undefined {
  const from = s3WatermarkOf(run.window.from);
  const pulled = run.progress.after;
  if (!pulled) return from;
  const top = from && compareSourceObjects(from, pulled) > 0 ? from : pulled;
  // A side without a look-back knows nothing at or before its position (a run from before look-backs).
  const lookBack = mergedLookBack(S3_ORDER, top.lastModified, [
    ...(from ? [from.lookBack ?? strictlyAfter(from.lastModified)] : []),
    s3LookBackOf(run.progress.lookBack) ?? strictlyAfter(pulled.lastModified),
  ]);
  return { lastModified: top.lastModified, key: top.key, ...(lookBack ? { lookBack } : {}) };
}

function deltaWatermarkAfter(run: FlowRun): DeltaWatermark | undefined {
  const from = deltaWatermarkOf(run.window.from);
  const { maxDelta } = run.progress;
  if (maxDelta === undefined) return from;
  const type = run.progress.deltaType ?? (from ? deltaTypeOfWatermark(from) : deltaTypeOf(maxDelta));
  const order = deltaOrder(type);
  const top = from && order.compare(from.delta, maxDelta) > 0 ? from.delta : maxDelta;
  const lookBack = mergedLookBack(order, top, [
    ...(from ? [from.lookBack ?? strictlyAfter(from.delta)] : []),
    run.progress.lookBack ?? strictlyAfter(maxDelta),
  ]);
  return { delta: top, deltaType: type, ...(lookBack ? { lookBack } : {}) };
}

/** Where a successful run leaves the watermark: past what it pulled, with the look-back rebuilt. */
export const watermarkAfter = (run: FlowRun): DataflowWatermark | undefined =>
  run.source === 's3' ? s3WatermarkAfter(run) : deltaWatermarkAfter(run);
