/**
 * In-memory stand-ins for the dataflow ports, wired to the file batch fakes (memory-file-batches.ts) so that a run
 * really pulls, really makes and ingests its batch, and the profile store fake tells which records reached the
 * dataset: flow and run stores (replaces conditional on the revision, as on DynamoDB), the dataflow-run state
 * machine, an S3 source over D1's selection rules, a paginated HTTP API behind the real HTTP source reader, the
 * event bus and a webhook receiver, and a clock tests move.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { monotonicFactory } from 'ulid';
import {
  OBJECT_CHANGED,
  SourceError,
  type Connection,
  type HeaderAuth,
  type HttpSourceParams,
  type S3SourceListing,
  type S3SourceParams,
  type S3SourceReader,
  type S3ListOptions,
  type SourceObject,
} from '../../lambdas/core/connections/connection-types';
import { recordsOfParquet } from '../../lambdas/core/batches/ingest/staged-records';
import { FetchHttpSourceReader } from '../../lambdas/core/connections/http-source-reader';
import {
  inTimeWindow,
  OldestObjects,
  sourceSelector,
} from '../../lambdas/core/connections/s3-source-selection';
import {
  NO_METRICS,
  NO_PROGRESS,
  type Dataflow,
  type DataflowStore,
  type ExecutionStatus,
  type FlowRun,
  type FlowRunStore,
  type RunInput,
  type RunWorkflow,
} from '../../lambdas/core/dataflows/dataflow-types';
import { DataflowService } from '../../lambdas/core/dataflows/dataflows';
import { FlowRunService } from '../../lambdas/core/dataflows/flow-runs';
import type { RunStartDeps } from '../../lambdas/core/dataflows/run-start';
import { runDataflowTask, type RunWorkerEvent } from '../../lambdas/core/dataflows/run-tasks';
import type { RunEvent } from '../../lambdas/core/dataflows/run-view';
import type { RunWorkerDeps } from '../../lambdas/core/dataflows/run-worker-ports';
import { MappingSetService } from '../../lambdas/core/mapping-sets/mapping-sets';
import type { Page, PageRequest } from '../../lambdas/core/page';
import { SECRET_PREFIX, type MemorySecretStore } from '../unit/connections/memory-connections';
import { fileBatchServiceOf, ingestWorld, runIngestion, type IngestWorld } from './memory-file-batches';
import { MemoryMappingSetStore } from './memory-mapping-sets';
import { sourceAccessOf } from './memory-source-access';
import { DATASET_ID, SANDBOX } from './memory-uploads';

export { DATASET_ID, SANDBOX };
export const FLOW_ID = 'flow-1';
export const S3_CONNECTION_ID = 'conn-s3';
export const HTTP_CONNECTION_ID = 'conn-http';
/** The signing secret of the flows' webhooks, and its reference (`notifications.secretRef`). */
export const WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
export const WEBHOOK_SECRET_REF = 'secret:webhook';

export const START = new Date('2026-03-02T10:00:00.000Z');
export const API_TOKEN = 'Bearer s3cr3t-token-value';

/** Pages of a slice list: a page that fits the store's `limit`, the rest behind a numeric `start`. */
function pageOf<T>(items: readonly T[], page: PageRequest): Page<T> {
  const from = page.start === undefined ? 0 : Number(page.start);
  const slice = items.slice(from, from + page.limit);
  return { items: slice, ...(from + page.limit < items.length ? { next: String(from + page.limit) } : {}) };
}

const key = (...parts: string[]) => JSON.stringify(parts);

export class MemoryDataflowStore implements DataflowStore {
  readonly flows = new Map<string, Dataflow>();
  private readonly rivals: ((flow: Dataflow) => Partial<Dataflow>)[] = [];

  async get(sandbox: string, id: string): Promise<Dataflow | undefined> {
    const flow = this.flows.get(key(sandbox, id));
    return flow && structuredClone(flow);
  }

  async create(flow: Dataflow): Promise<boolean> {
    if (this.flows.has(key(flow.sandbox, flow.id))) return false;
    this.flows.set(key(flow.sandbox, flow.id), structuredClone(flow));
    return true;
  }

  async replace(next: Dataflow): Promise<boolean> {
    const id = key(next.sandbox, next.id);
    const rival = this.rivals.shift();
    const current = this.flows.get(id);
    if (rival && current)
      this.flows.set(id, { ...current, ...rival(current), revision: current.revision + 1 });
    if (this.flows.get(id)?.revision !== next.revision - 1) return false;
    this.flows.set(id, structuredClone(next));
    return true;
  }

  async delete(sandbox: string, id: string, revision: number): Promise<boolean> {
    if (this.flows.get(key(sandbox, id))?.revision !== revision) return false;
    return this.flows.delete(key(sandbox, id));
  }

  async list(sandbox: string, page: PageRequest): Promise<Page<Dataflow>> {
    const flows = [...this.flows.values()].filter((flow) => flow.sandbox === sandbox);
    return pageOf(
      flows.sort((a, b) => a.id.localeCompare(b.id)).map((flow) => structuredClone(flow)),
      page,
    );
  }

  async due(at: string, limit: number): Promise<Dataflow[]> {
    return [...this.flows.values()]
      .filter((flow) => flow.enabled && flow.state.nextRunAt !== undefined && flow.state.nextRunAt <= at)
      .sort((a, b) => (a.state.nextRunAt ?? '').localeCompare(b.state.nextRunAt ?? ''))
      .slice(0, limit)
      .map((flow) => structuredClone(flow));
  }

  async usingConnection(sandbox: string, connectionId: string): Promise<string[]> {
    return [...this.flows.values()]
      .filter((flow) => flow.sandbox === sandbox && flow.connectionId === connectionId)
      .map((flow) => flow.id);
  }

  /** The stored flow, for assertions. */
  stored(id = FLOW_ID, sandbox = SANDBOX): Dataflow {
    const flow = this.flows.get(key(sandbox, id));
    if (!flow) throw new Error(`no dataflow ${id}`);
    return flow;
  }

  /** Another writer changes the flow just before each of our next `times` replaces. */
  interfere(change: (flow: Dataflow) => Partial<Dataflow>, times = 1): void {
    for (let round = 0; round < times; round += 1) this.rivals.push(change);
  }
}

export class MemoryFlowRunStore implements FlowRunStore {
  readonly runs = new Map<string, FlowRun>();

  async get(sandbox: string, dataflowId: string, runId: string): Promise<FlowRun | undefined> {
    const run = this.runs.get(key(sandbox, dataflowId, runId));
    return run && structuredClone(run);
  }

  async create(run: FlowRun): Promise<boolean> {
    const id = key(run.sandbox, run.dataflowId, run.id);
    if (this.runs.has(id)) return false;
    this.runs.set(id, structuredClone(run));
    return true;
  }

  async replace(next: FlowRun): Promise<boolean> {
    const id = key(next.sandbox, next.dataflowId, next.id);
    if (this.runs.get(id)?.revision !== next.revision - 1) return false;
    this.runs.set(id, structuredClone(next));
    return true;
  }

  async list(sandbox: string, dataflowId: string, page: PageRequest): Promise<Page<FlowRun>> {
    const runs = [...this.runs.values()]
      .filter((run) => run.sandbox === sandbox && run.dataflowId === dataflowId)
      .sort((a, b) => b.id.localeCompare(a.id));
    return pageOf(
      runs.map((run) => structuredClone(run)),
      page,
    );
  }

  async deleteAll(sandbox: string, dataflowId: string): Promise<void> {
    for (const [id, run] of this.runs) {
      if (run.sandbox === sandbox && run.dataflowId === dataflowId) this.runs.delete(id);
    }
  }

  /** The stored run, for assertions. */
  stored(runId: string, dataflowId = FLOW_ID, sandbox = SANDBOX): FlowRun {
    const run = this.runs.get(key(sandbox, dataflowId, runId));
    if (!run) throw new Error(`no run ${runId}`);
    return run;
  }

  /** Every run of the flow, oldest first. */
  all(dataflowId = FLOW_ID): FlowRun[] {
    return [...this.runs.values()]
      .filter((run) => run.dataflowId === dataflowId)
      .sort((a, b) => a.id.localeCompare(b.id));
  }
}

/** The dataflow-run state machine: executions start RUNNING and stay so until a test ends them. */
export class MemoryRunWorkflow implements RunWorkflow {
  readonly starts: { readonly name: string; readonly input: RunInput }[] = [];
  readonly executions = new Map<string, ExecutionStatus>();
  /** Fails the next start with this error (a throttled or unreachable Step Functions). */
  failNextStart: Error | undefined;

  async start(name: string, input: RunInput): Promise<{ executionArn: string }> {
    const failure = this.failNextStart;
    this.failNextStart = undefined;
    if (failure) throw failure;
    this.starts.push({ name, input });
    const executionArn = `arn:aws:states:us-east-1:000000000000:execution:dataflow-run:${name}`;
    if (!this.executions.has(executionArn)) this.executions.set(executionArn, 'RUNNING');
    return { executionArn };
  }

  async status(executionArn: string): Promise<ExecutionStatus | undefined> {
    return this.executions.get(executionArn);
  }

  /** Ends the run's execution, as its last state (or a dead runtime) would. */
  end(runId: string, status: Exclude<ExecutionStatus, 'RUNNING'>): void {
    for (const arn of this.executions.keys()) if (arn.endsWith(`:${runId}`)) this.executions.set(arn, status);
  }
}

interface StoredSourceObject extends SourceObject {
  readonly body: Buffer;
}

/**
 * An S3 source in memory, selected and ordered by the same rules as the real reader; an object's ETag is its
 * content's MD5, as S3's is for a single-part upload.
 */
export class MemoryS3Source implements S3SourceReader {
  readonly objects = new Map<string, StoredSourceObject>();
  readonly opened: string[] = [];

  put(objectKey: string, body: string, lastModified: Date): void {
    const bytes = Buffer.from(body, 'utf8');
    this.objects.set(objectKey, {
      key: objectKey,
      size: bytes.length,
      lastModified: lastModified.toISOString(),
      etag: `"${createHash('md5').update(bytes).digest('hex')}"`,
      body: bytes,
    });
  }

  async listAfter(params: S3SourceParams, options: S3ListOptions): Promise<S3SourceListing> {
    const selected = sourceSelector(params);
    const oldest = new OldestObjects(options.maxObjects);
    for (const { key: objectKey, size, lastModified, etag } of this.objects.values()) {
      const object: SourceObject = { key: objectKey, size, lastModified, etag };
      if (selected(objectKey, size) && inTimeWindow(object, options)) oldest.offer(object);
    }
    return oldest.take(options.maxBytes);
  }

  async open(_params: S3SourceParams, objectKey: string, etag?: string): Promise<Readable> {
    this.opened.push(objectKey);
    const object = this.objects.get(objectKey);
    if (!object) throw new Error(`NoSuchKey ${objectKey}`);
    if (etag !== undefined && etag !== object.etag) {
      throw new SourceError(OBJECT_CHANGED, `s3://source/${objectKey}: changed since it was listed`, true);
    }
    return Readable.from([object.body]);
  }
}

export interface Person {
  readonly email: string;
  readonly updatedAt: string;
  readonly [field: string]: unknown;
}

/**
 * A paginated JSON API served through a fake `fetch`: records newer than `since`, two per page behind a `cursor`,
 * answering 401 without the token and 500 for the pages listed in `failing`.
 */
export class PagedApi {
  readonly records: Person[] = [];
  readonly requests: { readonly url: string; readonly auth: string | undefined }[] = [];
  readonly failing = new Set<number>();
  pageSize = 2;
  /** Serve the records by their delta value (as an API filtering on it would), or in the order they were added. */
  sorted = true;
  /** Called with each request, before it is answered. */
  onRequest: () => void = () => undefined;

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const auth = new Headers(init?.headers).get('authorization') ?? undefined;
    this.requests.push({ url: url.href, auth });
    this.onRequest();
    if (auth !== API_TOKEN) return new Response('{"error":"unauthorized"}', { status: 401 });
    const since = url.searchParams.get('since');
    const cursor = Number(url.searchParams.get('cursor') ?? '0');
    const page = cursor / this.pageSize + 1;
    if (this.failing.has(page)) return new Response('{"error":"down"}', { status: 500 });
    const newer = this.records.filter((record) => since === null || record.updatedAt > since);
    if (this.sorted) newer.sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
    const data = newer.slice(cursor, cursor + this.pageSize);
    const next = cursor + this.pageSize < newer.length ? String(cursor + this.pageSize) : undefined;
    return new Response(JSON.stringify({ data, ...(next ? { next } : {}) }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  };

  /** Pages requested (by number), in order. */
  pagesRequested(): number[] {
    return this.requests.map(
      ({ url }) => Number(new URL(url).searchParams.get('cursor') ?? '0') / this.pageSize + 1,
    );
  }
}

export const S3_PARAMS: S3SourceParams = {
  bucket: 'partner-exports',
  prefix: 'people',
  filePattern: '*.jsonl',
  inputFormat: { format: 'json' },
};

export const HTTP_PARAMS: HttpSourceParams = {
  url: 'http://api.test/people',
  recordsPath: 'data',
  pagination: { type: 'cursor', cursorPath: 'next', cursorParam: 'cursor' },
  incremental: { deltaColumn: 'updatedAt', deltaParam: 'since' },
};

export function connectionOf(id: string, type: 's3' | 'http'): Connection {
  return {
    id,
    sandbox: SANDBOX,
    name: id,
    type,
    params: type === 's3' ? S3_PARAMS : HTTP_PARAMS,
    ...(type === 'http' ? { auth: { type: 'header', name: 'authorization' } } : {}),
    createdAt: START.toISOString(),
    createdBy: 'test',
    updatedAt: START.toISOString(),
  };
}

/** A run that ended (successfully, unless `overrides` say otherwise) without pulling anything, for its views. */
export const endedRun = (overrides: Partial<FlowRun> = {}): FlowRun => ({
  id: 'run-1',
  dataflowId: 'flow-1',
  sandbox: 'prod',
  status: 'success',
  trigger: 'manual',
  startedAt: START.toISOString(),
  window: {},
  progress: NO_PROGRESS,
  metrics: NO_METRICS,
  errors: [],
  updatedAt: START.toISOString(),
  revision: 3,
  ...overrides,
});

/** A stored flow of DATASET_ID, on demand unless `overrides` give it a schedule. */
export function dataflow(overrides: Partial<Dataflow> = {}): Dataflow {
  return {
    id: FLOW_ID,
    sandbox: SANDBOX,
    name: 'people',
    connectionId: S3_CONNECTION_ID,
    datasetId: DATASET_ID,
    enabled: true,
    state: {},
    createdAt: START.toISOString(),
    createdBy: 'test',
    updatedAt: START.toISOString(),
    revision: 1,
    ...overrides,
  };
}

export class TestClock {
  private at: number;
  constructor(start: Date = START) {
    this.at = start.getTime();
  }
  readonly now = (): Date => new Date(this.at);
  advance(ms: number): void {
    this.at += ms;
  }
  set(at: Date): void {
    this.at = at.getTime();
  }
}

/**
 * The dataflow service over the world's stores: its webhook signing secrets kept in `secrets`, the one dataset
 * DATASET_ID of SANDBOX, mapping sets in `mappingSets`.
 */
export function dataflowServiceOf(
  world: DataflowWorld,
  options: {
    readonly secrets: MemorySecretStore;
    readonly mappingSets?: MemoryMappingSetStore;
    readonly allowPlainHttpWebhooks?: boolean;
    readonly newId?: () => string;
  },
): DataflowService {
  return new DataflowService({
    flows: world.flows,
    runs: world.runs,
    workflow: world.workflow,
    connections: world.deps.connections,
    datasets: { get: async (sandbox, id) => (sandbox === SANDBOX && id === DATASET_ID ? { id } : undefined) },
    mappingSets: new MappingSetService({ store: options.mappingSets ?? new MemoryMappingSetStore() }),
    secrets: options.secrets,
    secretPrefix: SECRET_PREFIX,
    allowPlainHttpWebhooks: options.allowPlainHttpWebhooks ?? false,
    now: world.clock.now,
    ...(options.newId ? { newId: options.newId } : {}),
  });
}

export interface DataflowWorld {
  readonly ingest: IngestWorld;
  readonly deps: RunWorkerDeps;
  readonly startDeps: RunStartDeps;
  readonly flows: MemoryDataflowStore;
  readonly runs: MemoryFlowRunStore;
  readonly workflow: MemoryRunWorkflow;
  readonly s3: MemoryS3Source;
  readonly api: PagedApi;
  readonly connections: Map<string, Connection>;
  readonly events: RunEvent[];
  readonly webhooks: { readonly url: string; readonly event: RunEvent; readonly secret: string }[];
  readonly clock: TestClock;
  /** The webhook receiver fails every delivery while set. */
  webhookDown: boolean;
}

export function dataflowWorld(
  options: { readonly maxFilesPerBatch?: number; readonly maxBytesPerBatch?: number } = {},
): DataflowWorld {
  const ingest = ingestWorld({ guardrails: options });
  const flows = new MemoryDataflowStore();
  const runs = new MemoryFlowRunStore();
  const workflow = new MemoryRunWorkflow();
  const s3 = new MemoryS3Source();
  const api = new PagedApi();
  const clock = new TestClock();
  const connections = new Map<string, Connection>([
    [S3_CONNECTION_ID, connectionOf(S3_CONNECTION_ID, 's3')],
    [HTTP_CONNECTION_ID, connectionOf(HTTP_CONNECTION_ID, 'http')],
  ]);
  const events: RunEvent[] = [];
  // Monotonic: runs started at the same instant of the test clock still sort in the order they were started.
  const ulid = monotonicFactory();
  const webhooks: { url: string; event: RunEvent; secret: string }[] = [];
  const world: DataflowWorld = {
    ingest,
    flows,
    runs,
    workflow,
    s3,
    api,
    connections,
    events,
    webhooks,
    clock,
    webhookDown: false,
    startDeps: { flows, runs, workflow, now: clock.now, newId: () => ulid(clock.now().getTime()) },
    deps: {
      flows,
      runs,
      connections: {
        get: async (sandbox, id) => (sandbox === SANDBOX ? connections.get(id) : undefined),
        authOf: async (connection): Promise<HeaderAuth | undefined> =>
          connection.auth ? { type: 'header', name: connection.auth.name, value: API_TOKEN } : undefined,
      },
      sourceAccess: sourceAccessOf({
        [SANDBOX]: { locations: [{ bucket: S3_PARAMS.bucket }], roleArns: [] },
      }).service,
      s3Source: () => s3,
      httpSource: new FetchHttpSourceReader({
        fetch: api.fetch,
        allowPrivateHosts: true,
        sleep: async () => undefined,
        random: () => 0,
      }),
      fileBatches: fileBatchServiceOf(ingest),
      batches: ingest.batches,
      batchFiles: ingest.files,
      landing: {
        upload: async (objectKey, body) => {
          const chunks: Buffer[] = [];
          for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
          const bytes = Buffer.concat(chunks);
          await ingest.landing.put(objectKey, bytes);
          return bytes.length;
        },
        put: async (objectKey, bytes) => {
          await ingest.landing.put(objectKey, bytes);
        },
      },
      batchExecutions: ingest.workflow,
      events: {
        publish: async (event) => {
          events.push(event);
        },
      },
      webhooks: {
        post: async (url, event, { secret }) => {
          if (world.webhookDown)
            throw Object.assign(new Error('POST to hooks.test answered 503'), { attempts: 3 });
          webhooks.push({ url, event, secret });
          return { attempts: 1 };
        },
      },
      webhookSecrets: {
        read: async (reference) => {
          if (reference !== WEBHOOK_SECRET_REF) throw new Error(`no secret ${reference}`);
          return WEBHOOK_SECRET;
        },
      },
      guardrails: ingest.deps.guardrails,
      now: clock.now,
    },
  };
  return world;
}

/**
 * Runs the ingest-batch executions a COMPLETE started, as the state machine would (without its retries), and ends
 * them: SUCCEEDED, or FAILED when a step threw (the batch is left where the step stopped).
 */
export async function ingestStartedBatches(world: DataflowWorld): Promise<void> {
  for (const [arn, execution] of world.ingest.workflow.executions) {
    if (execution.status !== 'RUNNING' || execution.input.action !== 'ingest') continue;
    try {
      await runIngestion(world.ingest, 'finished', execution.input.batchId);
      world.ingest.workflow.executions.set(arn, { ...execution, status: 'SUCCEEDED' });
    } catch {
      world.ingest.workflow.executions.set(arn, { ...execution, status: 'FAILED' });
    }
  }
}

/** A step's failure as Step Functions' Catch hands it to fail-run. */
export function caught(error: unknown): { Error: string; Cause: string } {
  const failure = error instanceof Error ? error : new Error(String(error));
  return {
    Error: failure.name,
    Cause: JSON.stringify({ errorType: failure.name, errorMessage: failure.message }),
  };
}

/**
 * A run's steps in the order the dataflow-run definition takes them (without its retries or waits): a step that
 * throws sends the run to fail-run, as the definition's Catch does. Answers the run as stored at the end.
 */
export async function driveRun(world: DataflowWorld, runId: string): Promise<FlowRun> {
  const started = [...world.runs.runs.values()].find((run) => run.id === runId);
  if (!started) throw new Error(`no run ${runId}`);
  const step = { sandbox: started.sandbox, dataflowId: started.dataflowId, runId };
  const task = (event: RunWorkerEvent) => runDataflowTask(world.deps, event);
  try {
    const begun = (await task({ ...step, task: 'begin-run' })) as { next: string };
    if (begun.next === 'pull') {
      while (!((await task({ ...step, task: 'pull-slice' })) as { done: boolean }).done);
    }
    let wait = (await task({ ...step, task: 'complete-batch' })) as { settled: boolean; checks: number };
    while (!wait.settled) {
      await ingestStartedBatches(world);
      wait = (await task({ ...step, task: 'check-batch', checks: wait.checks })) as typeof wait;
    }
    await task({ ...step, task: 'finish-run' });
  } catch (error) {
    await task({ ...step, task: 'fail-run', error: caught(error) });
  }
  await task({ ...step, task: 'notify-run' });
  world.workflow.end(runId, 'SUCCEEDED');
  return world.runs.stored(runId, step.dataflowId);
}

/** Starts a run of the flow through the API's service (run now) and drives it to its end. */
export async function runNow(world: DataflowWorld, dataflowId = FLOW_ID): Promise<FlowRun> {
  const run = await new FlowRunService(world.startDeps).runNow(SANDBOX, dataflowId);
  return driveRun(world, run.id);
}

/** Re-triggers a failed run through the API's service and drives the new run to its end. */
export async function retriggerRun(
  world: DataflowWorld,
  runId: string,
  dataflowId = FLOW_ID,
): Promise<FlowRun> {
  const run = await new FlowRunService(world.startDeps).retrigger(SANDBOX, dataflowId, runId);
  return driveRun(world, run.id);
}

/** The time `ms` before the world's clock. */
export const ago = (world: DataflowWorld, ms: number) => new Date(world.clock.now().getTime() - ms);

/** JSON Lines of people. */
export const peopleLines = (people: readonly Partial<Person>[]) =>
  people.map((person) => `${JSON.stringify(person)}\n`).join('');

/** JSON Lines of people with these emails. */
export const emailLines = (...emails: string[]) => peopleLines(emails.map((email) => ({ email })));

/** The emails of every record in the lake, sorted: what the dataset holds, each record as often as it is there. */
export async function lakeEmails(world: DataflowWorld): Promise<string[]> {
  const emails: string[] = [];
  for (const lakeKey of world.ingest.lake.keys().filter((name) => name.startsWith('lake/'))) {
    for await (const rows of recordsOfParquet(world.ingest.lake.objects.get(lakeKey)!)) {
      for (const row of rows) {
        const record = (typeof row === 'string' ? JSON.parse(row) : row) as { email: string };
        emails.push(record.email);
      }
    }
  }
  return emails.sort();
}
