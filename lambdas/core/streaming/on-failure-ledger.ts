/**
 * The on-failure ledger: every object Lambda writes to the consumer's on-failure destination is read when it lands
 * (an S3 notification runs `recordOnFailure`) and recorded, per sandbox whose records it holds, as a *part* pending
 * redrive. An object holds records of many sandboxes; each sandbox's admin redrives only its own part
 * (`POST /streaming/redrive`), and the object is deleted once every sandbox's part is redriven — unless it also
 * holds records no sandbox can claim (undecodable bytes), which then stay until the object expires.
 *
 * Recording also rolls back the chunk of the invocation Lambda gave up on, if it never committed: an invocation
 * that crashed after writing some of its objects would otherwise leave records in the lake that the redrive puts
 * there again.
 */
import type { Page, PageRequest } from '../page';
import type { ConsumeDeps } from './consume-ports';
import { rollBackChunk } from './consume-chunk';
import {
  givenUpRecords,
  parseOnFailureRecord,
  type OnFailureCondition,
  type OnFailureRecord,
} from './on-failure-record';
import { chunkName } from './stream-message';

/** One sandbox's part of an on-failure object. */
export interface OnFailurePart {
  readonly objectKey: string;
  readonly sandbox: string;
  /** Records of the sandbox in the object. */
  readonly records: number;
  /** The same records by dataset (`_unknown`: undecodable records that name the sandbox). */
  readonly datasets: Readonly<Record<string, number>>;
  readonly condition: OnFailureCondition;
  /** When Lambda gave up (the record's `timestamp`). */
  readonly failedAt: string;
  readonly shardId: string;
  readonly status: 'pending' | 'redriven';
  readonly redrivenAt?: string;
}

/** The object as a whole: which sandboxes' parts are still pending, and records no sandbox can claim. */
export interface OnFailureObject {
  readonly objectKey: string;
  readonly failedAt: string;
  readonly pending: readonly string[];
  readonly unclaimed: number;
}

export interface OnFailureLedger {
  /** Records the object and its parts; recording again changes nothing (a redriven part stays redriven). */
  record(object: OnFailureObject, parts: readonly OnFailurePart[]): Promise<void>;
  /** A sandbox's parts, oldest first. */
  parts(sandbox: string, page: PageRequest): Promise<Page<OnFailurePart>>;
  /**
   * Marks a sandbox's part redriven and takes the sandbox off the object's pending list; answers whether the
   * object may now be deleted (nothing pending, nothing unclaimed).
   */
  markRedriven(part: OnFailurePart, at: Date): Promise<{ readonly objectDone: boolean }>;
  /** Removes the object's item once the object is deleted. */
  forget(objectKey: string): Promise<void>;
}

/** Records undecodable and naming no sandbox: no admin can redrive them. */
const UNCLAIMED = '';
/** Dataset under which undecodable records are counted (the consumer quarantines them under it too). */
const UNKNOWN_DATASET = '_unknown';

export interface RecordOnFailureDeps {
  readonly objects: { getText(key: string): Promise<string | undefined> };
  readonly ledger: OnFailureLedger;
  /** The consumer's stores, to roll back the chunk given up on and to record that the shard is done with it. */
  readonly consumer: Pick<ConsumeDeps, 'batches' | 'lake' | 'quarantine' | 'progress' | 'now'>;
}

export type RecordedOnFailure =
  | {
      readonly recorded: true;
      readonly records: number;
      readonly sandboxes: number;
      readonly rolledBack: boolean;
    }
  | { readonly recorded: false; readonly reason: string };

function partsOf(
  objectKey: string,
  record: OnFailureRecord,
): { object: OnFailureObject; parts: OnFailurePart[] } {
  const bySandbox = new Map<string, Map<string, number>>();
  for (const given of givenUpRecords(record)) {
    const sandbox = given.sandbox ?? UNCLAIMED;
    const datasets = bySandbox.get(sandbox) ?? new Map<string, number>();
    const datasetId = given.datasetId ?? UNKNOWN_DATASET;
    datasets.set(datasetId, (datasets.get(datasetId) ?? 0) + 1);
    bySandbox.set(sandbox, datasets);
  }
  const failedAt = record.timestamp;
  const parts = [...bySandbox.entries()]
    .filter(([sandbox]) => sandbox !== UNCLAIMED)
    .map(([sandbox, datasets]): OnFailurePart => ({
      objectKey,
      sandbox,
      records: [...datasets.values()].reduce((sum, count) => sum + count, 0),
      datasets: Object.fromEntries(datasets),
      condition: record.requestContext.condition,
      failedAt,
      shardId: record.KinesisBatchInfo.shardId,
      status: 'pending',
    }));
  const unclaimed = [...(bySandbox.get(UNCLAIMED)?.values() ?? [])].reduce((sum, count) => sum + count, 0);
  return {
    object: { objectKey, failedAt, pending: parts.map((part) => part.sandbox), unclaimed },
    parts,
  };
}

/** Reads one on-failure object, rolls back the chunk given up on, and records the object's parts. */
export async function recordOnFailure(
  deps: RecordOnFailureDeps,
  objectKey: string,
): Promise<RecordedOnFailure> {
  const text = await deps.objects.getText(objectKey);
  if (text === undefined) return { recorded: false, reason: 'the object is gone' };
  const record = parseOnFailureRecord(text);
  if ('invalid' in record) return { recorded: false, reason: record.invalid };
  const info = record.KinesisBatchInfo;
  // The batch given up on starts where the last invocation of it started: that invocation's chunk.
  const rolledBack = await rollBackChunk(deps.consumer, chunkName(info.shardId, info.startSequenceNumber));
  const { object, parts } = partsOf(objectKey, record);
  await deps.ledger.record(object, parts);
  // Given up on is done with, as far as the shard is concerned: the windows it held records of may close.
  await deps.consumer.progress.recordConsumed(info.shardId, info.endSequenceNumber);
  return { recorded: true, records: record.payload.Records.length, sandboxes: parts.length, rolledBack };
}
