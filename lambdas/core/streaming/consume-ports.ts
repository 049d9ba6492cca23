/**
 * What the stream consumer needs from the outside, injected by its composition root (or by tests): the dataset
 * and schema a message belongs to, a validator, the profile store, the lake and quarantine objects, the batch
 * store, the stream's progress and a clock.
 */
import type { MonotonicClock } from '../processing-budget';
import type { StreamBatchStore } from './stream-batch-store';
import type { ApplyInput, ApplyOutcome } from '../profiles/apply-to-profiles';
import type { ObjectWriter } from '../lake/lake-objects';
import type { TargetLookup } from '../lake/dataset-targets';
import type { StreamProgress } from './stream-progress';

/** One Kinesis record as the handler hands it over: base64 already decoded. */
export interface StreamRecord {
  readonly sequenceNumber: string;
  readonly shardId: string;
  readonly data: Buffer;
  /** Epoch seconds, as Lambda's Kinesis event carries it. */
  readonly approximateArrivalTimestamp: number;
}

export interface ConsumeBatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

export interface ConsumeDeps {
  readonly targets: TargetLookup;
  readonly applyToProfiles: (input: ApplyInput) => Promise<ApplyOutcome>;
  readonly lake: ObjectWriter;
  readonly quarantine: ObjectWriter;
  readonly batches: StreamBatchStore;
  /** Where the consumer records how far it got on each shard (streaming batches close by it). */
  readonly progress: Pick<StreamProgress, 'recordConsumed'>;
  readonly now: () => Date;
  /** Times each record's validation against `RECORD_PROCESSING_BUDGET_MS` (performance.now by default). */
  readonly processingClock?: MonotonicClock;
}
