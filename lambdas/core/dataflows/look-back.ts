/**
 * A watermark's look-back: what a pull reads again below its watermark, and what it skips there because it was
 * ingested already. A source's items do not always show up in the order of their position: an S3 object carries
 * the time its upload began (a multipart upload may become visible many minutes later), an API record the time of
 * a change committed or replicated later. Reading only what is after the watermark would skip such an item for
 * good; so each pull reads again from a bound below the watermark, and skips the items it finds in `taken`.
 *
 * `taken` is bounded (MAX_LOOK_BACK_ITEMS, so that a watermark fits the flow's item): when more items were
 * ingested within the look-back, the bound moves up past the oldest ones — the look-back is shorter for a source
 * that busy — and when even the items at the watermark's own position are too many, there is no look-back: the
 * pull reads only what is after the watermark, as it would without one.
 *
 * Positions are the source's (an S3 object's LastModified, a record's delta value), compared by a PositionOrder.
 */
import { createHash } from 'node:crypto';

/**
 * Items a look-back remembers at most. An entry is a 16-character id and a position (about 45 bytes as stored), and
 * a flow's watermark is kept in its DynamoDB item (400 KB, and a run's item holds the look-back of where it began
 * and of what it pulled): 1,000 entries stay well within both.
 */
export const MAX_LOOK_BACK_ITEMS = 1_000;

/** Characters of an item's id: 96 bits of SHA-256, so ids of different items do not meet among a thousand. */
const ITEM_ID_LENGTH = 16;

export type Position = string | number;

export interface LookBack<P extends Position = Position> {
  /** Items at (when `inclusive`) or after this position are read again, unless `taken` has them. */
  readonly from: P;
  readonly inclusive: boolean;
  /** The items ingested at or after `from`: their ids and positions. */
  readonly taken: Readonly<Record<string, P>>;
}

export interface PositionOrder<P extends Position> {
  compare(a: P, b: P): number;
  /** Where reading again starts once everything up to `top` was ingested. */
  lowerBound(top: P): P;
}

export interface TakenItem<P extends Position> {
  readonly id: string;
  readonly position: P;
}

type Bound<P extends Position> = Pick<LookBack<P>, 'from' | 'inclusive'>;

/** The id of an item of a source, made of what tells it apart (an object's key and ETag, say). */
export const itemId = (...parts: readonly string[]): string =>
  createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, ITEM_ID_LENGTH);

/** Whether a position is within the look-back's reach (at or after its bound). */
export function withinLookBack<P extends Position>(
  order: PositionOrder<P>,
  bound: Bound<P>,
  position: P,
): boolean {
  const against = order.compare(position, bound.from);
  return against > 0 || (against === 0 && bound.inclusive);
}

/** Whether the look-back reads the item: within its reach and not taken already. */
export const readsAgain = <P extends Position>(
  order: PositionOrder<P>,
  lookBack: LookBack<P>,
  item: TakenItem<P>,
): boolean => withinLookBack(order, lookBack, item.position) && !Object.hasOwn(lookBack.taken, item.id);

/** The higher of two bounds; at one position, the one that leaves it out. */
function higher<P extends Position>(order: PositionOrder<P>, a: Bound<P>, b: Bound<P>): Bound<P> {
  const against = order.compare(a.from, b.from);
  if (against !== 0) return against > 0 ? a : b;
  return a.inclusive ? b : a;
}

/** The items within the bound, the newest MAX_LOOK_BACK_ITEMS of them, the bound moved above any left out. */
function settle<P extends Position>(
  order: PositionOrder<P>,
  bound: Bound<P>,
  items: Iterable<[string, P]>,
): LookBack<P> {
  const kept = [...new Map(items)]
    .filter(([, position]) => withinLookBack(order, bound, position))
    .sort(([, a], [, b]) => order.compare(b, a));
  const cut = kept[MAX_LOOK_BACK_ITEMS]?.[1];
  if (cut === undefined)
    return { from: bound.from, inclusive: bound.inclusive, taken: Object.fromEntries(kept) };
  // Every item at the cut's position goes, so that what the bound leaves out is exactly what is forgotten.
  const newer = kept.filter(([, position]) => order.compare(position, cut) > 0);
  return { from: cut, inclusive: false, taken: Object.fromEntries(newer) };
}

/**
 * A run's own look-back (the items it ingested near the largest position it reached, `top`), with `items` added.
 * Undefined `current`: the run has ingested nothing yet.
 */
export function withTaken<P extends Position>(
  order: PositionOrder<P>,
  current: LookBack<P> | undefined,
  items: readonly TakenItem<P>[],
  top: P,
): LookBack<P> {
  const reach: Bound<P> = { from: order.lowerBound(top), inclusive: true };
  const bound = current ? higher(order, reach, current) : reach;
  const entries: [string, P][] = items.map(({ id, position }) => [id, position]);
  return settle(order, bound, [...Object.entries(current?.taken ?? {}), ...entries]);
}

/**
 * The look-back of a watermark moved to `top`, from the look-backs that together know what was ingested: the old
 * watermark's and the run's. Each knows its items only from its own bound up, so the new bound is the highest of
 * theirs and of the reach below `top`. Undefined when it would leave out `top` itself: then only what is strictly
 * after the watermark is read.
 */
export function mergedLookBack<P extends Position>(
  order: PositionOrder<P>,
  top: P,
  parts: readonly LookBack<P>[],
): LookBack<P> | undefined {
  const bound = parts.reduce<Bound<P>>((highest, part) => higher(order, highest, part), {
    from: order.lowerBound(top),
    inclusive: true,
  });
  const merged = settle(
    order,
    bound,
    parts.flatMap((part) => Object.entries(part.taken)),
  );
  return withinLookBack(order, merged, top) ? merged : undefined;
}

/** What strictly-after-the-watermark knows, as a look-back: nothing at or before `position` is read again. */
export const strictlyAfter = <P extends Position>(position: P): LookBack<P> => ({
  from: position,
  inclusive: false,
  taken: {},
});
