import { Duration } from 'aws-cdk-lib';
import { StreamMode } from 'aws-cdk-lib/aws-kinesis';
import type { IConstruct } from 'constructs';

/** `cdk deploy -c streamMode=on-demand`: the ingest stream's capacity mode. */
export const STREAM_MODE_CONTEXT = 'streamMode';
/** `cdk deploy -c streamShards=2`: the shards of a provisioned ingest stream. */
export const STREAM_SHARDS_CONTEXT = 'streamShards';

/**
 * One provisioned shard by default: its hourly charge is a third of an on-demand stream's (≈ $11 against ≈ $29 a
 * month, docs/infrastructure.md), and it takes 1 MB/s or 1,000 records/s in, about 86 million 1 KB events a day,
 * far beyond a small deployment. Above that a producer is throttled (the collect API retries, then answers 429):
 * add shards, or choose on-demand, which absorbs 4 MB/s from the start and scales without resharding.
 */
export const DEFAULT_STREAM_SHARDS = 1;
/** Kinesis's own bound per provisioned stream without a quota increase in most regions. */
export const MAX_STREAM_SHARDS = 500;

/**
 * A provisioned stream keeps records 24 hours, the retention its shard-hour price includes: extending it to 7 days
 * costs another $0.02 per shard-hour, more than the shard itself, and would take back most of the saving.
 */
export const PROVISIONED_RETENTION = Duration.hours(24);
/**
 * Its consumer gives records up to the on-failure destination after 12 hours, half the retention: a stuck consumer's
 * records land in S3 (counted, alarmed, redriven) well before the stream would expire them unseen.
 */
export const PROVISIONED_MAX_RECORD_AGE = Duration.hours(12);
/**
 * An on-demand stream keeps records a week (billed per GB retained, nothing while idle): a consumer outage over a
 * long weekend loses nothing.
 */
export const ON_DEMAND_RETENTION = Duration.days(7);
/**
 * Its consumer gives records up after a day: a day of outage is worth an alarm and a redrive, not an ever-growing
 * backlog, and it stays well below the retention.
 */
export const ON_DEMAND_MAX_RECORD_AGE = Duration.days(1);

interface Retention {
  /** How long the stream keeps a record. */
  readonly retention: Duration;
  /** The consumer's maximum record age: below the retention, so nothing expires before the on-failure destination. */
  readonly consumerMaxRecordAge: Duration;
}

export type StreamCapacity = Retention &
  (
    | { readonly mode: StreamMode.PROVISIONED; readonly shards: number }
    | { readonly mode: StreamMode.ON_DEMAND }
  );

/** The capacity the context of `scope`'s app asks for, checked: provisioned with one shard unless told otherwise. */
export function streamCapacityOf(scope: IConstruct): StreamCapacity {
  const mode: unknown = scope.node.tryGetContext(STREAM_MODE_CONTEXT) ?? 'provisioned';
  const shards: unknown = scope.node.tryGetContext(STREAM_SHARDS_CONTEXT);
  if (mode === 'on-demand') {
    if (shards !== undefined)
      throw new Error(
        `context ${STREAM_SHARDS_CONTEXT} applies to a provisioned stream, not to streamMode=on-demand`,
      );
    return {
      mode: StreamMode.ON_DEMAND,
      retention: ON_DEMAND_RETENTION,
      consumerMaxRecordAge: ON_DEMAND_MAX_RECORD_AGE,
    };
  }
  if (mode !== 'provisioned')
    throw new Error(
      `context ${STREAM_MODE_CONTEXT} must be provisioned or on-demand (got ${JSON.stringify(mode)})`,
    );
  const count = shards === undefined ? DEFAULT_STREAM_SHARDS : Number(shards);
  if (!Number.isInteger(count) || count < 1 || count > MAX_STREAM_SHARDS)
    throw new Error(`context ${STREAM_SHARDS_CONTEXT} must be a whole number from 1 to ${MAX_STREAM_SHARDS}`);
  return {
    mode: StreamMode.PROVISIONED,
    shards: count,
    retention: PROVISIONED_RETENTION,
    consumerMaxRecordAge: PROVISIONED_MAX_RECORD_AGE,
  };
}
