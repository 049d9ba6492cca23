/**
 * What the stream consumer needs from the outside, injected by its composition root (or by tests): the dataset
 * and schema a message belongs to, a validator, the profile store, the lake and quarantine objects, the batch
 * store, the stream's progress and a clock.
 */
import type { MonotonicClock } from '../processing-budget';
import type { Violation } from '../errors/domain-error';
import type { BatchStore } from '../batches/batch-types';
import type { ApplyInput, ApplyOutcome } from '../profiles/apply-to-profiles';
import type { StoredSchema } from '../schemas/schema-types';
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

/** A dataset as the consumer sees it, with the schema version it is bound to and that version's validator. */
export interface DatasetTarget {
  readonly datasetId: string;
  readonly profileEnabled: boolean;
  readonly schema: Pick<
    StoredSchema,
    'id' | 'version' | 'class' | 'identities' | 'hasIdentityMap' | 'primaryIdentity' | 'schema'
  >;
  readonly validate: (record: unknown) => Violation[];
}

/** Why a message has no target: its dataset, or the dataset's schema version, is gone. */
export type TargetMiss = 'dataset-not-found' | 'schema-not-found';

export interface TargetLookup {
  target(sandbox: string, datasetId: string): Promise<DatasetTarget | TargetMiss>;
}

export interface ObjectWriter {
  /** Writes (or overwrites) the object at `key`. */
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** Removes the object at `key`; a missing object is not an error. */
  delete(key: string): Promise<void>;
}

export interface ConsumeDeps {
  readonly targets: TargetLookup;
  readonly applyToProfiles: (input: ApplyInput) => Promise<ApplyOutcome>;
  readonly lake: ObjectWriter;
  readonly quarantine: ObjectWriter;
  readonly batches: BatchStore;
  /** Where the consumer records how far it got on each shard (streaming batches close by it). */
  readonly progress: Pick<StreamProgress, 'recordConsumed'>;
  readonly now: () => Date;
  /** Times each record's validation against `RECORD_PROCESSING_BUDGET_MS` (performance.now by default). */
  readonly processingClock?: MonotonicClock;
}
