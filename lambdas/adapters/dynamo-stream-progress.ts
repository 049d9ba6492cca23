/**
 * Stream progress on the batches table (keys in core/batches/batch-keys.ts): per window, the highest sequence number
 * each writer (a container) put on each shard; per shard, the highest the consumer is done with. Sequence numbers
 * are stored zero-padded, so DynamoDB's string comparison in the "never lower" condition compares them as numbers.
 */
import { randomBytes } from 'node:crypto';
import { BATCHES_KEYS } from '../config/env-names';
import {
  SHARD_CONSUMED_SK,
  shardProgressPk,
  WINDOW_PUT_SK_PREFIX,
  windowPutSk,
  windowPutsPk,
} from '../core/batches/batch-keys';
import { compareSequenceNumbers, type StreamProgress } from '../core/streaming/stream-progress';
import type { DynamoItems, Key } from './dynamo-items';

const { partitionKey: PK, sortKey: SK, timeToLive: TTL } = BATCHES_KEYS;

/** Kinesis sequence numbers have at most 129 digits. */
const SEQUENCE_DIGITS = 129;
/** Random bytes of a writer's id: containers of one window never share an item. */
const WRITER_ID_BYTES = 8;
/**
 * A window's puts matter until its batches are closed, which is when the consumer caught up — within the stream's
 * seven days at the latest; a day's margin.
 */
const WINDOW_PUTS_RETENTION_DAYS = 8;
const DAY_SECONDS = 86_400;

const padded = (sequenceNumber: string) => sequenceNumber.padStart(SEQUENCE_DIGITS, '0');
const unpadded = (stored: string) => stored.replace(/^0+(?=\d)/, '');

export class DynamoStreamProgress implements StreamProgress {
  private readonly writer = randomBytes(WRITER_ID_BYTES).toString('hex');

  constructor(private readonly items: DynamoItems) {}

  async recordPut(windowStarts: readonly string[], shardId: string, sequenceNumber: string): Promise<void> {
    await Promise.all(
      windowStarts.map((windowStart) =>
        this.raise(
          { [PK]: windowPutsPk(windowStart), [SK]: windowPutSk(shardId, this.writer) },
          sequenceNumber,
          {
            shardId,
            [TTL]: Math.floor(Date.parse(windowStart) / 1000) + WINDOW_PUTS_RETENTION_DAYS * DAY_SECONDS,
          },
        ),
      ),
    );
  }

  async recordConsumed(shardId: string, sequenceNumber: string): Promise<void> {
    await this.raise({ [PK]: shardProgressPk(shardId), [SK]: SHARD_CONSUMED_SK }, sequenceNumber, {
      shardId,
    });
  }

  async putsOf(windowStart: string): Promise<ReadonlyMap<string, string>> {
    const items = await this.items.queryAll(
      { name: PK, value: windowPutsPk(windowStart) },
      { sortKeyPrefix: { name: SK, value: WINDOW_PUT_SK_PREFIX } },
    );
    const highest = new Map<string, string>();
    for (const item of items) {
      const shardId = item['shardId'] as string;
      const sequenceNumber = unpadded(item['sequenceNumber'] as string);
      const known = highest.get(shardId);
      if (known === undefined || compareSequenceNumbers(sequenceNumber, known) > 0)
        highest.set(shardId, sequenceNumber);
    }
    return highest;
  }

  async consumedOf(shardIds: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const items = await this.items.batchGet(
      shardIds.map((shardId) => ({ [PK]: shardProgressPk(shardId), [SK]: SHARD_CONSUMED_SK })),
    );
    return new Map(
      items.map((item) => [item['shardId'] as string, unpadded(item['sequenceNumber'] as string)]),
    );
  }

  /** Sets the item's sequence number unless it already holds a higher one. */
  private async raise(key: Key, sequenceNumber: string, attributes: Record<string, unknown>): Promise<void> {
    const names: Record<string, string> = { '#seq': 'sequenceNumber' };
    const values: Record<string, unknown> = { ':seq': padded(sequenceNumber) };
    const sets = ['#seq = :seq'];
    Object.entries(attributes).forEach(([name, value], index) => {
      names[`#a${index}`] = name;
      values[`:a${index}`] = value;
      sets.push(`#a${index} = :a${index}`);
    });
    await this.items.updateIf(key, `SET ${sets.join(', ')}`, {
      expression: 'attribute_not_exists(#seq) OR #seq < :seq',
      names,
      values,
    });
  }
}
