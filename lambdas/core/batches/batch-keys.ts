/**
 * Where the batches table keeps what: every key starts with the sandbox, except the stream consumer's own items —
 * chunk manifests, on-failure objects, stream progress — which belong to the stream and span sandboxes.
 *
 *  - a batch:            pk `{sandbox}#batch#{batchId}`, sk `batch`, gsi1 `{sandbox}#dataset#{datasetId}` / `{windowStart}#{batchId}`
 *  - its chunk counts:   pk `{sandbox}#batch#{batchId}`, sk `chunk#{chunk}`
 *  - the sandbox's list: pk `{sandbox}#batches`, sk `{windowStart}#{batchId}` (one pointer per batch)
 *  - a dedup marker:     pk `{sandbox}#dedup#{datasetId}#{key}`, sk `dedup`
 *  - a chunk manifest:   pk `consumer#chunk#{chunk}`, sk `manifest`
 *  - an on-failure part: pk `{sandbox}#onfailure`, sk `{failedAt}#{object key}` (a sandbox's records Lambda gave up on)
 *  - an on-failure object: pk `consumer#onfailure#{object key}`, sk `object` (which sandboxes' parts are pending)
 *  - a window's puts:    pk `stream#window#{windowStart}`, sk `shard#{shardId}#{writer}` (highest sequence number
 *                        one container put; a container per item, so concurrent requests never contend)
 *  - a shard's progress: pk `stream#shard#{shardId}`, sk `consumed` (highest sequence number consumed)
 *  - a staged chunk:     pk `{sandbox}#batch#{batchId}`, sk `staged#{chunk}` (file batches)
 *  - a file's plan:      pk `{sandbox}#batch#{batchId}`, sk `plan#{fileIndex}` (5 digits)
 *  - a plan page:        pk `{sandbox}#batch#{batchId}`, sk `planpage#{page}` (5 digits; file batches)
 *  - a file of a batch:  pk `{sandbox}#batch#{batchId}`, sk `file#{datasetId}#{encoded path}`
 *  - a ranged part:      pk `{sandbox}#batch#{batchId}`, sk `part#{datasetId}#{encoded path}#{start}-{end}` (13 digits each)
 * File paths are URI-encoded in keys, so a `#` in a path cannot make one file's key a prefix of another's.
 * Window starts are ISO 8601 UTC strings, so sort keys order batches by time and a newest-first query is a
 * backwards scan.
 */
export const BATCH_SK = 'batch';
export const DEDUP_SK = 'dedup';
export const MANIFEST_SK = 'manifest';
export const CHUNK_SK_PREFIX = 'chunk#';

export const batchPk = (sandbox: string, batchId: string) => `${sandbox}#batch#${batchId}`;
export const chunkSk = (chunk: string) => `${CHUNK_SK_PREFIX}${chunk}`;
export const datasetBatchesPk = (sandbox: string, datasetId: string) => `${sandbox}#dataset#${datasetId}`;
export const sandboxBatchesPk = (sandbox: string) => `${sandbox}#batches`;
export const batchOrderKey = (windowStart: string, batchId: string) => `${windowStart}#${batchId}`;
export const dedupPk = (sandbox: string, datasetId: string, key: string) =>
  `${sandbox}#dedup#${datasetId}#${key}`;
export const manifestPk = (chunk: string) => `consumer#chunk#${chunk}`;
export const ON_FAILURE_OBJECT_SK = 'object';
export const onFailurePartsPk = (sandbox: string) => `${sandbox}#onfailure`;
export const onFailurePartSk = (failedAt: string, objectKey: string) => `${failedAt}#${objectKey}`;
export const onFailureObjectPk = (objectKey: string) => `consumer#onfailure#${objectKey}`;
export const SHARD_CONSUMED_SK = 'consumed';
export const windowPutsPk = (windowStart: string) => `stream#window#${windowStart}`;
export const WINDOW_PUT_SK_PREFIX = 'shard#';
export const windowPutSk = (shardId: string, writer: string) => `${WINDOW_PUT_SK_PREFIX}${shardId}#${writer}`;
export const shardProgressPk = (shardId: string) => `stream#shard#${shardId}`;
export const STAGED_SK_PREFIX = 'staged#';
export const stagedSk = (chunk: string) => `${STAGED_SK_PREFIX}${chunk}`;
export const planSk = (fileIndex: number) => `plan#${String(fileIndex).padStart(5, '0')}`;
export const planPageSk = (page: number) => `planpage#${String(page).padStart(5, '0')}`;
export const FILE_SK_PREFIX = 'file#';
export const PART_SK_PREFIX = 'part#';
const encodedPath = (path: string) => encodeURIComponent(path);
const offset = (value: number) => String(value).padStart(13, '0');
export const fileSk = (datasetId: string, path: string) =>
  `${FILE_SK_PREFIX}${datasetId}#${encodedPath(path)}`;
export const filePartsPrefix = (datasetId: string, path: string) =>
  `${PART_SK_PREFIX}${datasetId}#${encodedPath(path)}#`;
export const partSk = (datasetId: string, path: string, start: number, end: number) =>
  `${filePartsPrefix(datasetId, path)}${offset(start)}-${offset(end)}`;
