/**
 * In-memory stand-ins for the ports of file batches and their ingest-batch workflow: the batch store (replaces
 * conditional on the revision, as on DynamoDB), the lake and quarantine buckets, the state machine, the profile
 * store, and a world that wires them to the real file readers over bytes held in memory, so the steps read, stage
 * and promote real files. The upload fakes (memory-uploads.ts) hold the batch's files and landing objects.
 */
import { parquetReadObjects } from 'hyparquet';
import type { Dataset } from '../../lambdas/core/catalog/datasets';
import { DEFAULT_BATCH_GUARDRAILS, type BatchGuardrails } from '../../lambdas/core/batches/batch-guardrails';
import type {
  BatchFile,
  FileBatch,
  FileBatchStore,
  FilePart,
  PlanPage,
  StagedChunk,
  StoredFilePlan,
} from '../../lambdas/core/batches/file-batch-types';
import { FileBatchService } from '../../lambdas/core/batches/file-batches';
import type { FieldTypes } from '../../lambdas/core/files/file-format-types';
import { fileReader } from '../../lambdas/core/files/file-reader';
import { memoryByteSource } from '../../lambdas/core/files/memory-byte-source';
import { previewFile } from '../../lambdas/core/files/preview-file';
import type { ChunkItem } from '../../lambdas/core/batches/ingest/chunk-plan';
import type { Decision } from '../../lambdas/core/batches/ingest/decide';
import type {
  IngestDeps,
  LakeObjects,
  WorkflowInput,
  WorkflowStarter,
} from '../../lambdas/core/batches/ingest/ingest-ports';
import { runWorkerTask } from '../../lambdas/core/batches/ingest/worker-tasks';
import { UploadService } from '../../lambdas/core/batches/uploads/upload-service';
import { CachedMappingSetLoader } from '../../lambdas/core/mapping-sets/mapping-set-loader';
import { MappingSetService } from '../../lambdas/core/mapping-sets/mapping-sets';
import type { ApplyInput, ApplyOutcome, ApplyResult } from '../../lambdas/core/profiles/apply-to-profiles';
import type { RevertInput, RevertOutcome } from '../../lambdas/core/profiles/revert-from-profiles';
import type { ChunkPage } from '../../lambdas/core/batches/ingest/chunk-pages';
import type { Page, PageRequest } from '../../lambdas/core/page';
import { target } from '../unit/streaming/consume-fakes';
import {
  BATCH_ID,
  DATASET_ID,
  fileBatch,
  MemoryBatchFileStore,
  MemoryLandingObjects,
  NOW,
  SANDBOX,
} from './memory-uploads';
import { MemoryMappingSetStore } from './memory-mapping-sets';
import { MemoryObjects } from './streaming-memory';
import type { DatasetTarget, TargetMiss } from '../../lambdas/core/lake/dataset-targets';

const batchKey = (sandbox: string, batchId: string) => JSON.stringify([sandbox, batchId]);

export class MemoryFileBatchStore implements FileBatchStore {
  private readonly batches = new Map<string, FileBatch>();
  private readonly plans = new Map<string, StoredFilePlan>();
  private readonly planPages = new Map<string, PlanPage>();
  private readonly chunks = new Map<string, Map<string, StagedChunk>>();
  private readonly rivals: ((batch: FileBatch) => Partial<FileBatch>)[] = [];

  async putFilePlan(sandbox: string, batchId: string, plan: StoredFilePlan): Promise<void> {
    this.plans.set(JSON.stringify([sandbox, batchId, plan.fileIndex]), structuredClone(plan));
  }

  async getFilePlan(
    sandbox: string,
    batchId: string,
    fileIndex: number,
  ): Promise<StoredFilePlan | undefined> {
    const plan = this.plans.get(JSON.stringify([sandbox, batchId, fileIndex]));
    return plan && structuredClone(plan);
  }

  async putPlanPage(sandbox: string, batchId: string, page: PlanPage): Promise<void> {
    this.planPages.set(JSON.stringify([sandbox, batchId, page.page]), structuredClone(page));
  }

  async getPlanPage(sandbox: string, batchId: string, page: number): Promise<PlanPage | undefined> {
    const stored = this.planPages.get(JSON.stringify([sandbox, batchId, page]));
    return stored && structuredClone(stored);
  }

  /** Like the DynamoDB store: creating a batch that exists leaves it as it is. */
  async createFileBatch(batch: FileBatch): Promise<void> {
    const key = batchKey(batch.sandbox, batch.batchId);
    if (!this.batches.has(key)) this.batches.set(key, structuredClone(batch));
  }

  async getFileBatch(sandbox: string, batchId: string): Promise<FileBatch | undefined> {
    const batch = this.batches.get(batchKey(sandbox, batchId));
    return batch && structuredClone(batch);
  }

  async replaceFileBatch(next: FileBatch): Promise<boolean> {
    const key = batchKey(next.sandbox, next.batchId);
    const rival = this.rivals.shift();
    const current = this.batches.get(key);
    if (rival && current) {
      this.batches.set(key, { ...current, ...rival(current), revision: current.revision + 1 });
    }
    const stored = this.batches.get(key);
    if (stored?.revision !== next.revision - 1) return false;
    this.batches.set(key, structuredClone(next));
    return true;
  }

  async getStagedChunk(sandbox: string, batchId: string, chunk: string): Promise<StagedChunk | undefined> {
    const staged = this.chunks.get(batchKey(sandbox, batchId))?.get(chunk);
    return staged && structuredClone(staged);
  }

  async putStagedChunk(sandbox: string, batchId: string, chunk: StagedChunk): Promise<void> {
    const key = batchKey(sandbox, batchId);
    const chunks = this.chunks.get(key) ?? new Map<string, StagedChunk>();
    chunks.set(chunk.chunk, structuredClone(chunk));
    this.chunks.set(key, chunks);
  }

  async deleteStagedChunk(sandbox: string, batchId: string, chunk: string): Promise<void> {
    this.chunks.get(batchKey(sandbox, batchId))?.delete(chunk);
  }

  /** In chunk-name order, as the table's sort key returns them. */
  async stagedChunksOf(sandbox: string, batchId: string): Promise<StagedChunk[]> {
    return [...(this.chunks.get(batchKey(sandbox, batchId))?.values() ?? [])]
      .sort((a, b) => a.chunk.localeCompare(b.chunk))
      .map((chunk) => structuredClone(chunk));
  }

  /** Pages in chunk-name order; the token is the last name of the page, as DynamoDB's is its last key. */
  async stagedChunkPage(sandbox: string, batchId: string, page: PageRequest): Promise<Page<StagedChunk>> {
    const after = (await this.stagedChunksOf(sandbox, batchId)).filter(
      (chunk) => page.start === undefined || chunk.chunk > page.start,
    );
    const items = after.slice(0, page.limit);
    const last = items.at(-1);
    return { items, ...(after.length > page.limit && last ? { next: last.chunk } : {}) };
  }

  /** Stores the batch as given, whatever is there (test setup). */
  put(batch: FileBatch): FileBatch {
    this.batches.set(batchKey(batch.sandbox, batch.batchId), structuredClone(batch));
    return batch;
  }

  /** The stored batch, for assertions; throws when there is none. */
  stored(batchId = BATCH_ID, sandbox = SANDBOX): FileBatch {
    const batch = this.batches.get(batchKey(sandbox, batchId));
    if (!batch) throw new Error(`no file batch ${batchId} in ${sandbox}`);
    return batch;
  }

  /**
   * Another writer changes the batch just before each of our next `times` replaces (its revision moves on), so
   * those replaces lose and the caller must read again.
   */
  interfere(change: (batch: FileBatch) => Partial<FileBatch>, times = 1): void {
    for (let round = 0; round < times; round += 1) this.rivals.push(change);
  }
}

/** The lake bucket: objects kept as written, copied as S3 copies them (a missing source is an error). */
export class MemoryLakeObjects extends MemoryObjects implements LakeObjects {
  async copy(fromKey: string, toKey: string): Promise<void> {
    const body = this.objects.get(fromKey);
    if (!body) throw new Error(`NoSuchKey: ${fromKey}`);
    this.objects.set(toKey, body);
  }

  async getBytes(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key);
  }

  keys(): string[] {
    return [...this.objects.keys()].sort();
  }
}

export type ExecutionStatus = NonNullable<Awaited<ReturnType<WorkflowStarter['status']>>>;

export interface MemoryExecution {
  readonly name: string;
  readonly input: WorkflowInput;
  status: ExecutionStatus;
}

export const executionArnOf = (name: string) =>
  `arn:aws:states:us-east-1:000000000000:execution:ingest-batch:${name}`;

/** The state machine: executions start RUNNING and stay so until a test ends them. */
export class MemoryWorkflowStarter implements WorkflowStarter {
  /** Every start asked for, in order, a repeated name included. */
  readonly starts: { readonly name: string; readonly input: WorkflowInput }[] = [];
  /** By ARN: starting a name again answers the same execution, as Step Functions does. */
  readonly executions = new Map<string, MemoryExecution>();

  async start(name: string, input: WorkflowInput): Promise<{ executionArn: string }> {
    this.starts.push({ name, input });
    const executionArn = executionArnOf(name);
    if (!this.executions.has(executionArn))
      this.executions.set(executionArn, { name, input, status: 'RUNNING' });
    return { executionArn };
  }

  async status(executionArn: string): Promise<ExecutionStatus | undefined> {
    return this.executions.get(executionArn)?.status;
  }

  /** Ends every running execution with `status`, as a finished or dead run would. */
  endAll(status: Exclude<ExecutionStatus, 'RUNNING'>): void {
    for (const execution of this.executions.values()) {
      if (execution.status === 'RUNNING') execution.status = status;
    }
  }
}

type StoreAnswer = Pick<ApplyResult, 'status' | 'code' | 'reason'>;

/** The profile store: records every call, and answers each record as `answer` says (applied by default). */
export class MemoryProfiles {
  readonly applied: ApplyInput[] = [];
  readonly reverted: RevertInput[] = [];
  answer: (record: unknown) => StoreAnswer = () => ({ status: 'applied' });

  readonly applyToProfiles = async (input: ApplyInput): Promise<ApplyOutcome> => {
    this.applied.push(input);
    return {
      results: input.items.map((item, index) => ({ index, ...this.answer(item.record) })),
      writeUnits: 0,
    };
  };

  readonly revertFromProfiles = async (input: RevertInput): Promise<RevertOutcome> => {
    this.reverted.push(input);
    return { eventsRemoved: 0, fragmentsRemoved: input.records.length, skipped: 0 };
  };

  appliedRecords(): unknown[] {
    return this.applied.flatMap((call) => call.items.map((item) => item.record));
  }

  revertedRecords(): unknown[] {
    return this.reverted.flatMap((call) => call.records);
  }
}

/** The JSON types of a schema's top-level properties: what the registry's `fieldTypesFor` answers for them. */
export function topLevelFieldTypes(schema: Record<string, unknown>): FieldTypes {
  const properties = (schema['properties'] ?? {}) as Record<string, { type?: string | string[] }>;
  return (path) => {
    const type = path.length === 1 ? properties[path[0]!]?.type : undefined;
    return type === undefined ? undefined : new Set(Array.isArray(type) ? type : [type]);
  };
}

export interface IngestWorld {
  readonly deps: IngestDeps;
  readonly batches: MemoryFileBatchStore;
  readonly files: MemoryBatchFileStore;
  readonly landing: MemoryLandingObjects;
  readonly lake: MemoryLakeObjects;
  readonly quarantine: MemoryObjects;
  readonly workflow: MemoryWorkflowStarter;
  readonly profiles: MemoryProfiles;
  /** The datasets the steps find, by id; a test may add or remove one. */
  readonly targets: Record<string, DatasetTarget | TargetMiss>;
  /** Schema lookups for CSV coercion, as `schemaId@version`. */
  readonly fieldTypeLookups: string[];
  /** The catalog's mapping sets, which mapped batches pin and the steps apply. */
  readonly mappingSets: MemoryMappingSetStore;
}

export interface IngestWorldOptions {
  readonly guardrails?: Partial<BatchGuardrails>;
  readonly chunkBytes?: number;
  readonly targets?: Record<string, DatasetTarget | TargetMiss>;
}

/** Fresh fakes for the workflow's steps; DATASET_ID is a profile-enabled person dataset (email, age). */
export function ingestWorld(options: IngestWorldOptions = {}): IngestWorld {
  const batches = new MemoryFileBatchStore();
  const files = new MemoryBatchFileStore();
  const landing = new MemoryLandingObjects();
  const lake = new MemoryLakeObjects();
  const quarantine = new MemoryObjects();
  const workflow = new MemoryWorkflowStarter();
  const profiles = new MemoryProfiles();
  const targets = options.targets ?? { [DATASET_ID]: target(DATASET_ID) };
  const fieldTypeLookups: string[] = [];
  const mappingSets = new MemoryMappingSetStore();
  const deps: IngestDeps = {
    reader: fileReader,
    batches,
    files,
    sources: { byteSource: (parts, size) => landingSource(landing, parts, size) },
    targets: { target: async (_sandbox, datasetId) => targets[datasetId] ?? 'dataset-not-found' },
    fieldTypes: async (_sandbox, schemaId, version) => {
      fieldTypeLookups.push(`${schemaId}@${version}`);
      const found = Object.values(targets).find(
        (candidate): candidate is DatasetTarget =>
          typeof candidate !== 'string' &&
          candidate.schema.id === schemaId &&
          candidate.schema.version === version,
      );
      if (!found) throw new Error(`no schema ${schemaId} version ${version}`);
      return topLevelFieldTypes(found.schema.schema);
    },
    mappings: new CachedMappingSetLoader(mappingSets),
    lake,
    quarantine,
    applyToProfiles: profiles.applyToProfiles,
    revertFromProfiles: profiles.revertFromProfiles,
    workflow,
    guardrails: { ...DEFAULT_BATCH_GUARDRAILS, ...options.guardrails },
    chunkBytes: options.chunkBytes ?? 1024 * 1024,
    now: () => NOW,
  };
  return {
    deps,
    batches,
    files,
    landing,
    lake,
    quarantine,
    workflow,
    profiles,
    targets,
    fieldTypeLookups,
    mappingSets,
  };
}

/** The world's ports with some of the lake bucket's operations replaced, to fail them or to watch them. */
export function withLake(
  world: Pick<IngestWorld, 'deps' | 'lake'>,
  overrides: Partial<LakeObjects>,
): IngestDeps {
  const { lake } = world;
  return {
    ...world.deps,
    lake: {
      put: (key, body) => lake.put(key, body),
      delete: (key) => lake.delete(key),
      copy: (fromKey, toKey) => lake.copy(fromKey, toKey),
      getBytes: (key) => lake.getBytes(key),
      ...overrides,
    },
  };
}

/**
 * A file's bytes through `memoryByteSource`, in 1 KB pieces, so the readers meet records split across pieces as
 * they would on a network stream (smaller pieces make the larger test files slow to read).
 */
function landingSource(landing: MemoryLandingObjects, parts: readonly FilePart[], size: number) {
  const bytes = Buffer.concat(parts.map((part) => landing.bytesOf(part)));
  return memoryByteSource(bytes.subarray(0, size), { pieceBytes: 1024 });
}

/** A batch of DATASET_ID in the world's store: `staging` (COMPLETE accepted) unless `overrides` say otherwise. */
export function addBatch(world: Pick<IngestWorld, 'batches'>, overrides: Partial<FileBatch> = {}): FileBatch {
  return world.batches.put(fileBatch({ status: 'staging', startedAt: NOW.toISOString(), ...overrides }));
}

export interface FileOptions {
  readonly batchId?: string;
  readonly datasetId?: string;
  /** Store the file as parts of this many bytes (a ranged upload); one object otherwise. */
  readonly partBytes?: number;
  readonly state?: BatchFile['state'];
}

/** Stores `content` in the landing bucket as a file of the batch, complete unless told otherwise. */
export async function addFile(
  world: Pick<IngestWorld, 'files' | 'landing'>,
  path: string,
  content: string | Uint8Array,
  options: FileOptions = {},
): Promise<BatchFile> {
  const batchId = options.batchId ?? BATCH_ID;
  const datasetId = options.datasetId ?? DATASET_ID;
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
  const partBytes = Math.max(1, options.partBytes ?? bytes.length);
  const parts: FilePart[] = [];
  for (let start = 0; start < bytes.length || parts.length === 0; start += partBytes) {
    const end = Math.min(start + partBytes, bytes.length);
    const key = `uploads/${SANDBOX}/${batchId}/${datasetId}/${path}/${start}-${end}`;
    const { versionId } = await world.landing.put(key, bytes.subarray(start, end));
    parts.push({ key, start, end, ...(versionId ? { versionId } : {}) });
  }
  const file: BatchFile = {
    datasetId,
    path,
    state: options.state ?? 'complete',
    size: bytes.length,
    parts,
    updatedAt: NOW.toISOString(),
  };
  await world.files.putFile(SANDBOX, batchId, file);
  return file;
}

/** JSON Lines of person records. */
export const personLines = (records: readonly Record<string, unknown>[]) =>
  records.map((record) => `${JSON.stringify(record)}\n`).join('');

/** The rows of a Parquet file (lake or staging), read back with hyparquet. */
export async function parquetRows(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return (await parquetReadObjects({ file })) as Record<string, unknown>[];
}

/** The lines of a JSON Lines object, parsed. */
export function jsonLinesOf(body: Uint8Array | undefined): unknown[] {
  return Buffer.from(body ?? new Uint8Array())
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}

export interface StepRun {
  readonly chunks: ChunkItem[];
  readonly decision: Decision;
}

/** Every page of a paged worker task, concatenated. */
async function allPages<Chunk>(read: (page: string) => Promise<unknown>): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  let page: string | null = '';
  while (page !== null) {
    const found = (await read(page)) as ChunkPage<Chunk>;
    chunks.push(...found.chunks);
    page = found.next;
  }
  return chunks;
}

/** Plans the batch (once) and answers its stored chunks, read a page at a time as the workflow reads them. */
export async function plannedChunks(
  world: Pick<IngestWorld, 'deps'>,
  batchId = BATCH_ID,
): Promise<ChunkItem[]> {
  const step = { sandbox: SANDBOX, batchId };
  await runWorkerTask(world.deps, { ...step, task: 'plan-chunks' });
  return allPages<ChunkItem>((page) => runWorkerTask(world.deps, { ...step, task: 'chunks-to-stage', page }));
}

/**
 * The ingestion steps in the order the state machine runs them (without its retries), for tests that need a batch
 * staged, decided or promoted; `until` stops after staging or after the decision.
 */
export async function runIngestion(
  world: Pick<IngestWorld, 'deps'>,
  until: 'staged' | 'decided' | 'finished' = 'finished',
  batchId = BATCH_ID,
): Promise<StepRun> {
  const step = { sandbox: SANDBOX, batchId };
  const run = (event: Parameters<typeof runWorkerTask>[1]) => runWorkerTask(world.deps, event);
  const none: StepRun = { chunks: [], decision: { promote: false, predecessors: [] } };
  const guardrails = (await run({ ...step, task: 'check-guardrails' })) as { proceed: boolean };
  if (!guardrails.proceed) return none;
  const plan = (await run({ ...step, task: 'plan-chunks' })) as { proceed: boolean };
  if (!plan.proceed) return none;
  const chunks = await allPages<ChunkItem>((page) => run({ ...step, task: 'chunks-to-stage', page }));
  for (const chunk of chunks) await run({ ...step, task: 'stage-chunk', chunk });
  if (until === 'staged') return { chunks, decision: none.decision };
  const decision = (await run({ ...step, task: 'decide' })) as Decision;
  if (until === 'decided' || !decision.promote) return { chunks, decision };
  const promoted = await allPages<string>((page) => run({ ...step, task: 'chunks-to-promote', page }));
  for (const chunk of promoted) await run({ ...step, task: 'promote-chunk', chunk });
  for (const predecessor of decision.predecessors) {
    const replaced = { sandbox: SANDBOX, batchId: predecessor };
    const revert = (await run({ ...replaced, task: 'plan-revert', replacedBy: batchId })) as {
      revert: boolean;
    };
    if (revert.revert) await revertAll(world, replaced);
  }
  await run({ ...step, task: 'finish-promotion' });
  return { chunks, decision };
}

/** The revert steps of a batch whose revert was asked for, as the state machine runs them. */
export async function revertAll(
  world: Pick<IngestWorld, 'deps'>,
  step: { readonly sandbox: string; readonly batchId: string },
): Promise<void> {
  const run = (event: Parameters<typeof runWorkerTask>[1]) => runWorkerTask(world.deps, event);
  const chunks = await allPages<string>((page) => run({ ...step, task: 'chunks-to-revert', page }));
  for (const chunk of chunks) await run({ ...step, task: 'revert-chunk', chunk });
  await run({ ...step, task: 'finish-revert' });
}

/** A dataset of the catalog, as FileBatchService looks it up. */
export function catalogDataset(id: string): Dataset {
  return {
    id,
    sandbox: SANDBOX,
    name: id,
    schemaId: 'https://example.com/person',
    schemaVersion: 1,
    schemaClass: 'profile',
    profileEnabled: true,
    identityEnabled: false,
    tags: {},
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    createdBy: 'test',
    revision: 1,
  };
}

/**
 * The batch API's service over the world's fakes: files complete through the real UploadService (its 400s
 * included), previews through the real file preview; `datasets` are the datasets the catalog has.
 */
export function fileBatchServiceOf(
  world: IngestWorld,
  datasets: readonly string[] = [DATASET_ID],
  newId?: () => string,
): FileBatchService {
  const uploads = new UploadService({
    store: world.files,
    objects: world.landing,
    batches: world.batches,
    guardrails: world.deps.guardrails,
    now: world.deps.now,
  });
  return new FileBatchService({
    batches: world.batches,
    datasets: {
      get: async (sandbox, id) =>
        sandbox === SANDBOX && datasets.includes(id) ? catalogDataset(id) : undefined,
    },
    mappingSets: new MappingSetService({ store: world.mappingSets, now: world.deps.now }),
    files: {
      listFiles: (sandbox, batchId) => world.files.listFiles(sandbox, batchId),
      filesForCompletion: (sandbox, batchId) => uploads.filesForCompletion(sandbox, batchId),
      closeUploadUrls: (sandbox, batchId) => uploads.closeUploadUrls(sandbox, batchId),
    },
    sources: world.deps.sources,
    preview: previewFile,
    workflow: world.workflow,
    now: world.deps.now,
    ...(newId ? { newId } : {}),
  });
}
