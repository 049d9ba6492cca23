/**
 * The redrive of the on-failure destination (`GET /streaming/failures`, `POST /streaming/redrive`): a sandbox's
 * admin re-puts the records Lambda gave up on, its own sandbox's only, onto the ingest stream.
 *
 * Each message goes back with its ids — `messageId`, `producerMessageId`, the record — so de-duplication holds: a
 * record that reached the lake after all (or was redriven before) meets its marker and is counted a duplicate. Like
 * a replay it is stamped with the redrive's time (it counts in the batch of the redrive's window, as the batch it was
 * received in counted it nowhere) and keeps its original receive time for ordering (`originalReceivedAt`); its
 * partition key is the one it had, so one identity's records stay on one shard in order. A record that was never a
 * readable message goes back byte for byte (the consumer quarantines it under the sandbox it names).
 */
import type { Page, PageRequest } from '../page';
import { putAgain, type StreamEntry, type StreamWriter } from './collect-stream';
import type { OnFailureLedger, OnFailurePart } from './on-failure-ledger';
import { givenUpRecords, parseOnFailureRecord, type GivenUpRecord } from './on-failure-record';
import { streamingBatchId, type StreamMessage } from './stream-message';

/** A redrive is one API request: as for a replay, this many records put to the stream fit well in its timeout. */
export const MAX_REDRIVE_MESSAGES = 5_000;

/** Parts read per ledger page while looking for pending ones. */
const LEDGER_PAGE_SIZE = 100;

export interface RedriveDeps {
  readonly ledger: OnFailureLedger;
  /** The on-failure destination's objects. */
  readonly objects: {
    getText(key: string): Promise<string | undefined>;
    delete(key: string): Promise<void>;
  };
  readonly stream: StreamWriter;
  readonly now: () => Date;
}

/** A part as the API shows it. */
export interface FailureView {
  readonly id: string;
  readonly records: number;
  readonly datasets: { readonly datasetId: string; readonly records: number }[];
  readonly condition: string;
  readonly failedAt: string;
  readonly status: 'pending' | 'redriven';
  readonly redrivenAt?: string;
}

export interface RedriveOutcome {
  /** Parts redriven by this request. */
  readonly redriven: number;
  readonly messages: number;
  /** The batches the redriven messages count in. */
  readonly batchIds: string[];
  /** Parts still pending: repeat the request for them (it stopped at MAX_REDRIVE_MESSAGES). */
  readonly remaining: number;
}

const viewOf = (part: OnFailurePart): FailureView => ({
  id: part.objectKey,
  records: part.records,
  datasets: Object.entries(part.datasets).map(([datasetId, records]) => ({ datasetId, records })),
  condition: part.condition,
  failedAt: part.failedAt,
  status: part.status,
  ...(part.redrivenAt === undefined ? {} : { redrivenAt: part.redrivenAt }),
});

function entryOf(record: GivenUpRecord, receivedAt: string): StreamEntry {
  if (!record.message) return { partitionKey: record.partitionKey, data: record.data };
  const message: StreamMessage = {
    ...record.message,
    receivedAt,
    originalReceivedAt: record.message.originalReceivedAt ?? record.message.receivedAt,
    origin: 'redrive',
  };
  return { partitionKey: record.partitionKey, data: Buffer.from(JSON.stringify(message), 'utf8') };
}

export class RedriveService {
  constructor(private readonly deps: RedriveDeps) {}

  /** The sandbox's parts of the on-failure destination, oldest first, pending and redriven. */
  async failures(sandbox: string, page: PageRequest): Promise<Page<FailureView>> {
    const found = await this.deps.ledger.parts(sandbox, page);
    return { items: found.items.map(viewOf), ...(found.next ? { next: found.next } : {}) };
  }

  /** Re-puts the sandbox's pending parts, oldest first, up to MAX_REDRIVE_MESSAGES messages. */
  async redrive(sandbox: string): Promise<RedriveOutcome> {
    const pending = await this.pending(sandbox);
    const receivedAt = this.deps.now().toISOString();
    const batchIds = new Set<string>();
    let messages = 0;
    let redriven = 0;
    for (const part of pending) {
      if (redriven > 0 && messages + part.records > MAX_REDRIVE_MESSAGES) break;
      const records = await this.recordsOf(part);
      const entries = records.map((record) => entryOf(record, receivedAt));
      await putAgain(this.deps.stream, entries, 'redrive');
      for (const record of records) {
        if (record.datasetId !== undefined) batchIds.add(streamingBatchId(record.datasetId, receivedAt));
      }
      const { objectDone } = await this.deps.ledger.markRedriven(part, this.deps.now());
      if (objectDone) {
        await this.deps.objects.delete(part.objectKey);
        await this.deps.ledger.forget(part.objectKey);
      }
      messages += records.length;
      redriven += 1;
    }
    return { redriven, messages, batchIds: [...batchIds].sort(), remaining: pending.length - redriven };
  }

  private async pending(sandbox: string): Promise<OnFailurePart[]> {
    const parts: OnFailurePart[] = [];
    let start: string | undefined;
    do {
      const page = await this.deps.ledger.parts(sandbox, {
        limit: LEDGER_PAGE_SIZE,
        ...(start ? { start } : {}),
      });
      parts.push(...page.items.filter((part) => part.status === 'pending'));
      start = page.next;
    } while (start);
    return parts;
  }

  /** The sandbox's records in the part's object; none when the object is gone (it expired). */
  private async recordsOf(part: OnFailurePart): Promise<GivenUpRecord[]> {
    const text = await this.deps.objects.getText(part.objectKey);
    if (text === undefined) return [];
    const record = parseOnFailureRecord(text);
    if ('invalid' in record) return [];
    return givenUpRecords(record).filter((given) => given.sandbox === part.sandbox);
  }
}
