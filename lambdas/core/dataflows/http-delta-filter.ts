/**
 * Which records of an HTTP source's pages a pull keeps when the connection names a delta column, and what they
 * move the watermark to.
 *
 * - Values compare by the column's type (delta-values.ts), fixed by the first value the flow ever read and kept
 *   with the watermark.
 * - A pull reads again from its watermark's look-back (for instants HTTP_DELTA_OVERLAP_SECONDS before the
 *   watermark; for numbers and text, the watermark's value itself) and skips the records it took there before: a
 *   record is known by its key — its `_id` when it has one, else its whole JSON — and its delta value, so a record
 *   changed again (a new delta value) is new data, and the same record served again is not — nor one served twice
 *   within the run (an API paged by offset shifts its pages when records change under it).
 * - A record without a usable delta value (absent, empty, or not of the column's type) is kept, and moves nothing:
 *   skipping it could lose it for good.
 */
import { valueAt } from '../connections/http-source-reader';
import { InexactNumber } from '../exact-json';
import type { DeltaWatermark, RunProgress } from './dataflow-types';
import { canonicalDelta, deltaTypeOf, isDeltaOfType, type DeltaType, type DeltaValue } from './delta-values';
import { itemId, readsAgain, withTaken, type TakenItem } from './look-back';
import { deltaOrder, deltaTypeOfWatermark } from './watermarks';

/** A record's delta value: a finite number, a number held as its literal, or a non-empty string; else none. */
function deltaValueOf(record: Record<string, unknown>, column: string): DeltaValue | undefined {
  const value = valueAt(record, column);
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value !== '') return value;
  // A number beyond a double's precision, held as the source wrote it: its literal is a numeric delta value.
  if (value instanceof InexactNumber) return value.literal;
  return undefined;
}

/** A record's key: its `_id` (XDM's record id, and many APIs') when it has one, else its JSON as served. */
function recordKeyOf(record: Record<string, unknown>, json: string): string {
  const id = record._id;
  if (typeof id === 'string' && id !== '') return `_id:${id}`;
  if (typeof id === 'number' && Number.isFinite(id)) return `_id:${id}`;
  return `record:${json}`;
}

export type DeltaProgress = Pick<RunProgress, 'maxDelta' | 'deltaType' | 'lookBack'>;

export class DeltaFilter {
  private type: DeltaType | undefined;
  private max: DeltaValue | undefined;
  private readonly taken: TakenItem<DeltaValue>[] = [];
  private readonly takenIds = new Set<string>();

  /** `since`: the watermark the run started from; `progress`: what the run kept before this slice. */
  constructor(
    private readonly column: string,
    private readonly since: DeltaWatermark | undefined,
    private readonly progress: RunProgress,
  ) {
    this.type = progress.deltaType ?? (since ? deltaTypeOfWatermark(since) : undefined);
    this.max = progress.maxDelta;
  }

  /** Whether the pull keeps the record; `json` is the record as the pull writes it. */
  keeps(record: Record<string, unknown>, json: string): boolean {
    const value = deltaValueOf(record, this.column);
    if (value === undefined) return true;
    this.type ??= deltaTypeOf(value);
    const type = this.type;
    if (!isDeltaOfType(value, type)) return true;
    const order = deltaOrder(type);
    const item = { id: itemId(recordKeyOf(record, json), canonicalDelta(value, type)), position: value };
    const { since } = this;
    if (since?.lookBack) {
      if (!readsAgain(order, since.lookBack, item)) return false;
    } else if (since && order.compare(value, since.delta) <= 0) {
      return false;
    }
    const pulled = this.progress.lookBack?.taken;
    if (this.takenIds.has(item.id) || (pulled && Object.hasOwn(pulled, item.id))) return false;
    this.takenIds.add(item.id);
    this.taken.push(item);
    if (this.max === undefined || order.compare(value, this.max) > 0) this.max = value;
    return true;
  }

  /** The run's progress with the records kept so far: the largest value, the type, and the run's look-back. */
  progressChange(): DeltaProgress {
    const { type, max } = this;
    if (type === undefined || max === undefined) return {};
    return {
      maxDelta: max,
      deltaType: type,
      lookBack: withTaken(deltaOrder(type), this.progress.lookBack, this.taken, max),
    };
  }
}
