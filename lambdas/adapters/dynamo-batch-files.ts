/**
 * The files of file batches and the parts of their ranged uploads, on the batches table under the batch's own
 * partition (keys in core/batches/batch-keys.ts): a query on the batch with sort-key prefix `file#` lists its files,
 * and one with a file's part prefix lists that file's parts.
 */
import { BATCHES_KEYS } from '../config/env-names';
import { batchPk, FILE_SK_PREFIX, filePartsPrefix, fileSk, partSk } from '../core/batches/batch-keys';
import type { FilePart } from '../core/batches/file-batch-types';
import type { BatchFileStore, FileRef, StoredFile } from '../core/batches/uploads/upload-ports';
import type { DynamoItems, Item } from './dynamo-items';

/** Items per query page: DynamoDB stops a page at 1 MB anyway, and file items are small. */
const PAGE_SIZE = 500;

const { partitionKey: PK, sortKey: SK } = BATCHES_KEYS;

const toPart = (value: Item): FilePart => ({
  key: value['key'] as string,
  start: value['start'] as number,
  end: value['end'] as number,
  ...(typeof value['versionId'] === 'string' ? { versionId: value['versionId'] } : {}),
});

/** A part as stored: its key, range and version, nothing else the caller's object may carry. */
const partItem = ({ key, start, end, versionId }: FilePart): Item => ({
  key,
  start,
  end,
  ...(versionId === undefined ? {} : { versionId }),
});

const toFile = (item: Item): StoredFile => ({
  datasetId: item['datasetId'] as string,
  path: item['path'] as string,
  state: item['state'] as StoredFile['state'],
  size: item['size'] as number,
  parts: (item['parts'] as Item[]).map(toPart),
  updatedAt: item['updatedAt'] as string,
  ...(typeof item['expectedSize'] === 'number' ? { expectedSize: item['expectedSize'] } : {}),
});

export class DynamoBatchFileStore implements BatchFileStore {
  constructor(private readonly items: DynamoItems) {}

  async getFile(ref: FileRef): Promise<StoredFile | undefined> {
    const item = await this.items.get({
      [PK]: batchPk(ref.sandbox, ref.batchId),
      [SK]: fileSk(ref.datasetId, ref.path),
    });
    return item ? toFile(item) : undefined;
  }

  async putFile(sandbox: string, batchId: string, file: StoredFile): Promise<void> {
    await this.items.put({
      [PK]: batchPk(sandbox, batchId),
      [SK]: fileSk(file.datasetId, file.path),
      datasetId: file.datasetId,
      path: file.path,
      state: file.state,
      size: file.size,
      parts: file.parts.map(partItem),
      updatedAt: file.updatedAt,
      ...(file.expectedSize === undefined ? {} : { expectedSize: file.expectedSize }),
    });
  }

  async listFiles(sandbox: string, batchId: string): Promise<StoredFile[]> {
    const items = await this.queryAll(batchPk(sandbox, batchId), FILE_SK_PREFIX);
    return items.map(toFile);
  }

  async putPart(ref: FileRef, part: FilePart): Promise<void> {
    await this.items.put({
      [PK]: batchPk(ref.sandbox, ref.batchId),
      [SK]: partSk(ref.datasetId, ref.path, part.start, part.end),
      ...partItem(part),
    });
  }

  async listParts(ref: FileRef): Promise<FilePart[]> {
    const items = await this.queryAll(
      batchPk(ref.sandbox, ref.batchId),
      filePartsPrefix(ref.datasetId, ref.path),
    );
    return items.map(toPart);
  }

  async deleteParts(ref: FileRef): Promise<void> {
    const items = await this.queryAll(
      batchPk(ref.sandbox, ref.batchId),
      filePartsPrefix(ref.datasetId, ref.path),
    );
    await this.items.batchDelete(
      items.map((item) => ({ [PK]: item[PK] as string, [SK]: item[SK] as string })),
    );
  }

  private async queryAll(pk: string, sortKeyPrefix: string): Promise<Item[]> {
    const found: Item[] = [];
    let start: string | undefined;
    do {
      const page = await this.items.queryPage(
        { name: PK, value: pk },
        { limit: PAGE_SIZE, ...(start ? { start } : {}) },
        { sortKeyPrefix: { name: SK, value: sortKeyPrefix } },
      );
      found.push(...page.items);
      start = page.next;
    } while (start);
    return found;
  }
}
