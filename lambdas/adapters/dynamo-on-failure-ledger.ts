/**
 * The on-failure ledger on the batches table (keys in core/batches/batch-keys.ts): a part per sandbox under the
 * sandbox's key, an object item naming the sandboxes still pending as a string set. Both expire with the object.
 */
import { BATCHES_KEYS } from '../config/env-names';
import {
  ON_FAILURE_OBJECT_SK,
  onFailureObjectPk,
  onFailurePartSk,
  onFailurePartsPk,
} from '../core/batches/batch-keys';
import type { Page, PageRequest } from '../core/page';
import type { OnFailureLedger, OnFailureObject, OnFailurePart } from '../core/streaming/on-failure-ledger';
import { ON_FAILURE_RETENTION_DAYS } from '../core/streaming/on-failure-record';
import type { DynamoItems, Item } from './dynamo-items';

const { partitionKey: PK, sortKey: SK, timeToLive: TTL } = BATCHES_KEYS;
const DAY_SECONDS = 86_400;

/** Gone from the ledger when the object expires from the bucket. */
const expiresAt = (failedAt: string) =>
  Math.floor(Date.parse(failedAt) / 1000) + ON_FAILURE_RETENTION_DAYS * DAY_SECONDS;

const partKey = (part: Pick<OnFailurePart, 'sandbox' | 'failedAt' | 'objectKey'>) => ({
  [PK]: onFailurePartsPk(part.sandbox),
  [SK]: onFailurePartSk(part.failedAt, part.objectKey),
});

const objectKeyOf = (objectKey: string) => ({
  [PK]: onFailureObjectPk(objectKey),
  [SK]: ON_FAILURE_OBJECT_SK,
});

const toPart = (item: Item): OnFailurePart => ({
  objectKey: item['objectKey'] as string,
  sandbox: item['sandbox'] as string,
  records: item['records'] as number,
  datasets: item['datasets'] as OnFailurePart['datasets'],
  condition: item['condition'] as OnFailurePart['condition'],
  failedAt: item['failedAt'] as string,
  shardId: item['shardId'] as string,
  status: item['status'] as OnFailurePart['status'],
  ...(typeof item['redrivenAt'] === 'string' ? { redrivenAt: item['redrivenAt'] } : {}),
});

export class DynamoOnFailureLedger implements OnFailureLedger {
  constructor(private readonly items: DynamoItems) {}

  async record(object: OnFailureObject, parts: readonly OnFailurePart[]): Promise<void> {
    await this.items.createIfAbsent(
      {
        ...objectKeyOf(object.objectKey),
        objectKey: object.objectKey,
        failedAt: object.failedAt,
        unclaimed: object.unclaimed,
        // DynamoDB has no empty set: an object with no claimable part has no `pending` attribute.
        ...(object.pending.length > 0 ? { pending: new Set(object.pending) } : {}),
        [TTL]: expiresAt(object.failedAt),
      },
      PK,
    );
    await Promise.all(
      parts.map((part) =>
        this.items.createIfAbsent({ ...partKey(part), ...part, [TTL]: expiresAt(part.failedAt) }, PK),
      ),
    );
  }

  async parts(sandbox: string, page: PageRequest): Promise<Page<OnFailurePart>> {
    const found = await this.items.queryPage({ name: PK, value: onFailurePartsPk(sandbox) }, page);
    return { items: found.items.map(toPart), ...(found.next ? { next: found.next } : {}) };
  }

  async markRedriven(part: OnFailurePart, at: Date): Promise<{ readonly objectDone: boolean }> {
    await this.items.updateIf(partKey(part), 'SET #status = :redriven, #at = :at', {
      expression: '#status = :pending',
      names: { '#status': 'status', '#at': 'redrivenAt' },
      values: { ':redriven': 'redriven', ':pending': 'pending', ':at': at.toISOString() },
    });
    const key = objectKeyOf(part.objectKey);
    await this.items.updateIf(key, 'DELETE #pending :sandbox', {
      expression: 'attribute_exists(#pk)',
      names: { '#pending': 'pending', '#pk': PK },
      values: { ':sandbox': new Set([part.sandbox]) },
    });
    const object = await this.items.get(key);
    const pending = object?.['pending'] as Set<string> | undefined;
    return { objectDone: object !== undefined && (pending?.size ?? 0) === 0 && object['unclaimed'] === 0 };
  }

  async forget(objectKey: string): Promise<void> {
    await this.items.delete(objectKeyOf(objectKey));
  }
}
