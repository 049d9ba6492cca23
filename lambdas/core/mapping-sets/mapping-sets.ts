/**
 * Mapping sets as a catalog resource (Experience Platform's `/mappingSets`): versioned lists of Data Prep rules.
 * Creating or updating a set compiles it first, so a stored version always compiles; an update writes the next
 * version and every older one stays readable, because batches, inlets and dataflows pin the version they use.
 * Preview and validate run the engine on rules sent with the request and store nothing.
 */
import { randomBytes } from 'node:crypto';
import { invalid, conflict, notFound, tooLarge, unprocessable, type Violation } from '../errors/domain-error';
import {
  compileMappingSet,
  previewMappingSet,
  validateMappingSet,
  type PreviewWarning,
} from '../mapping/compile-mapping-set';
import {
  MappingSetError,
  type MappingContext,
  type MappingProblem,
  type MappingReference,
  type MappingRule,
  type MappingSet,
  type MappingWarning,
} from '../mapping/mapping-types';
import type { Page, PageRequest } from '../page';

/**
 * A stored version's serialised size at most. DynamoDB refuses items over 400 KB; the rest is left for the table's
 * keys and the attribute names, which DynamoDB counts too.
 */
export const MAX_MAPPING_SET_BYTES = 350_000;

/** Random bytes after the creation time in an id: 96 bits, so ids made in the same second never meet. */
const ID_RANDOM_BYTES = 12;

/**
 * A stored version: the contract's mapping set plus Experience Platform's `inputSchema` and `outputSchema`
 * references, kept as sent so that a client written for Experience Platform gets back what it stored.
 */
export interface StoredMappingSet extends MappingSet {
  readonly inputSchema?: Readonly<Record<string, unknown>>;
  readonly outputSchema?: Readonly<Record<string, unknown>>;
}

export interface MappingSetStore {
  /** The latest version, or the version asked for; undefined when the set or that version does not exist. */
  get(sandbox: string, id: string, version?: number): Promise<StoredMappingSet | undefined>;
  /**
   * Writes `set` as version `set.version` (1 for a new set, the latest + 1 for an update) and makes it the latest;
   * false, writing nothing, when that version exists already (another writer got there first).
   */
  put(set: StoredMappingSet): Promise<boolean>;
  /** The latest version of each set of the sandbox, oldest set first. */
  list(sandbox: string, page: PageRequest): Promise<Page<StoredMappingSet>>;
}

/** What a create or an update carries. */
export interface MappingSetInput {
  readonly name?: string;
  readonly description?: string;
  readonly mappings: readonly MappingRule[];
  readonly inputSchema?: Readonly<Record<string, unknown>>;
  readonly outputSchema?: Readonly<Record<string, unknown>>;
}

/** A mapping named by a batch, an inlet or a dataflow: without a version it means the latest one. */
export interface WantedMapping {
  readonly mappingSetId: string;
  readonly version?: number;
}

/** Where a referring request names the set and the version, so an `unprocessable` error points at the field the caller wrote. */
export interface MappingPointers {
  readonly id: string;
  readonly version: string;
}

export const MAPPING_POINTERS: MappingPointers = { id: '/mappingSetId', version: '/mappingSetVersion' };

/** What other catalog objects need: the version they pin, or an `unprocessable` error naming the field when it does not exist. */
export interface MappingSetReferences {
  reference(sandbox: string, wanted: WantedMapping, pointers?: MappingPointers): Promise<MappingReference>;
}

export interface PreviewAnswer {
  readonly rows: Record<string, unknown>[];
  readonly warnings: (MappingWarning & { readonly row: number })[];
}

/** Experience Platform's answer to `POST /mappingSets/validate`: one entry per mapping, in order. */
export interface ValidationAnswer {
  readonly validationResponse: {
    readonly status: 'SUCCESS' | 'FAILURE';
    readonly errors: { readonly pointer: string; readonly code: string; readonly message: string }[] | null;
  }[];
  /** Problems of the set as a whole rather than of one mapping; absent when there are none. */
  readonly errors?: MappingProblem[];
}

/** Experience Platform's mapping-set ids are 32 hex digits; time first, so a list (sorted by id) is oldest first. */
export function newMappingSetId(now: Date): string {
  const seconds = Math.floor(now.getTime() / 1000)
    .toString(16)
    .padStart(8, '0');
  return seconds + randomBytes(ID_RANDOM_BYTES).toString('hex');
}

/** The engine's problems as violations, their pointers placed inside the request (`/mappingSet` for AEP's preview). */
export function problemViolations(problems: readonly MappingProblem[], prefix = ''): Violation[] {
  return problems.map((problem) => ({
    pointer: prefix + problem.pointer,
    keyword: problem.code,
    message: problem.message,
  }));
}

export function invalidMappingSet(problems: readonly MappingProblem[], prefix = '') {
  const violations = problemViolations(problems, prefix);
  return invalid(
    'invalid-mapping-set',
    `the mapping set is invalid: ${violations.map((v) => `${v.pointer} ${v.message}`).join('; ')}`,
    violations,
  );
}

/** A preview that went over a bound of its evaluation: an `invalid` error naming the rule (and the row it was mapping). */
function boundExceeded(failure: PreviewWarning, prefix: string) {
  const message = `row ${failure.row}: ${failure.message}`;
  return invalid(failure.code, `mapping ${failure.mapping} (${failure.destination}) ${message}`, [
    { pointer: `${prefix}/mappings/${failure.mapping}`, keyword: failure.code, message },
  ]);
}

/** Runs `work`, turning the engine's refusal of the rules into an `invalid` error that names every bad rule. */
function withProblemsAsBadRequest<T>(work: () => T, prefix = ''): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof MappingSetError) throw invalidMappingSet(error.problems, prefix);
    throw error;
  }
}

const MAPPING_INDEX = /^\/mappings\/(\d+)(?:\/|$)/;

export class MappingSetService implements MappingSetReferences {
  private readonly now: () => Date;
  private readonly newId: (now: Date) => string;

  constructor(
    private readonly deps: {
      readonly store: MappingSetStore;
      readonly now?: () => Date;
      readonly newId?: (now: Date) => string;
    },
  ) {
    this.now = deps.now ?? (() => new Date());
    this.newId = deps.newId ?? newMappingSetId;
  }

  async create(sandbox: string, input: MappingSetInput, createdBy: string): Promise<StoredMappingSet> {
    const now = this.now();
    const set = versionOf(input, {
      id: this.newId(now),
      sandbox,
      version: 1,
      createdAt: now.toISOString(),
      createdBy,
      updatedAt: now.toISOString(),
      updatedBy: createdBy,
    });
    if (!(await this.deps.store.put(set)))
      throw conflict('mapping-set-id-conflict', 'a mapping set with this id already exists');
    return set;
  }

  async get(sandbox: string, id: string, version?: number): Promise<StoredMappingSet> {
    const set = await this.deps.store.get(sandbox, id, version);
    if (!set) throw notFound(version === undefined ? 'mapping set' : `version ${version} of mapping set`, id);
    return set;
  }

  list(sandbox: string, page: PageRequest): Promise<Page<StoredMappingSet>> {
    return this.deps.store.list(sandbox, page);
  }

  /** Writes the next version; the versions before it stay readable by `?version=`. */
  async update(
    sandbox: string,
    id: string,
    input: MappingSetInput,
    updatedBy: string,
  ): Promise<StoredMappingSet> {
    const current = await this.get(sandbox, id);
    const next = versionOf(input, {
      id,
      sandbox,
      version: current.version + 1,
      createdAt: current.createdAt,
      createdBy: current.createdBy,
      updatedAt: this.now().toISOString(),
      updatedBy,
    });
    if (!(await this.deps.store.put(next))) {
      throw conflict(
        'concurrent-update',
        `mapping set '${id}' was changed by another request; read it again and retry`,
      );
    }
    return next;
  }

  /** The rules applied to sample rows; `prefix` places the pointers of an `invalid` error where the rules sit in the request. */
  preview(
    rules: readonly MappingRule[],
    rows: readonly unknown[],
    options: { readonly prefix?: string; readonly context?: Partial<MappingContext> } = {},
  ): PreviewAnswer {
    return withProblemsAsBadRequest(() => {
      const previewed = previewMappingSet(rules, rows, options.context);
      if (previewed.failure) throw boundExceeded(previewed.failure, options.prefix ?? '');
      return { rows: [...previewed.rows], warnings: [...previewed.warnings] };
    }, options.prefix);
  }

  /** Every rule checked; problems are answered (status 200), not thrown: asking is the point. */
  validate(rules: readonly MappingRule[]): ValidationAnswer {
    const problems = validateMappingSet(rules);
    const perMapping = rules.map(() => [] as MappingProblem[]);
    const ofTheSet: MappingProblem[] = [];
    for (const problem of problems) {
      const index = MAPPING_INDEX.exec(problem.pointer)?.[1];
      const holder = index === undefined ? undefined : perMapping[Number(index)];
      (holder ?? ofTheSet).push(problem);
    }
    return {
      validationResponse: perMapping.map((found) =>
        found.length === 0
          ? { status: 'SUCCESS', errors: null }
          : {
              status: 'FAILURE',
              errors: found.map(({ pointer, code, message }) => ({ pointer, code, message })),
            },
      ),
      ...(ofTheSet.length > 0 ? { errors: ofTheSet } : {}),
    };
  }

  async reference(
    sandbox: string,
    wanted: WantedMapping,
    pointers: MappingPointers = MAPPING_POINTERS,
  ): Promise<MappingReference> {
    const set = await this.deps.store.get(sandbox, wanted.mappingSetId, wanted.version);
    if (set) return { mappingSetId: set.id, version: set.version };
    const latest =
      wanted.version === undefined ? undefined : await this.deps.store.get(sandbox, wanted.mappingSetId);
    if (latest) {
      const detail = `mapping set '${wanted.mappingSetId}' has no version ${wanted.version} (its latest is ${latest.version})`;
      throw unprocessable('mapping-set-version-not-found', detail, [
        { pointer: pointers.version, keyword: 'exists', message: detail },
      ]);
    }
    const detail = `mapping set '${wanted.mappingSetId}' does not exist in sandbox '${sandbox}'`;
    throw unprocessable('mapping-set-not-found', detail, [
      { pointer: pointers.id, keyword: 'exists', message: detail },
    ]);
  }
}

/** A version of the input: compiled first (an `invalid` error naming each bad rule), then bounded in size. */
function versionOf(
  input: MappingSetInput,
  meta: Pick<
    StoredMappingSet,
    'id' | 'sandbox' | 'version' | 'createdAt' | 'createdBy' | 'updatedAt' | 'updatedBy'
  >,
): StoredMappingSet {
  withProblemsAsBadRequest(() => compileMappingSet(input.mappings));
  const set: StoredMappingSet = {
    id: meta.id,
    sandbox: meta.sandbox,
    version: meta.version,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    mappings: input.mappings.map((rule) => ({
      sourceType: rule.sourceType,
      source: rule.source,
      destination: rule.destination,
      ...(rule.name !== undefined ? { name: rule.name } : {}),
      ...(rule.description !== undefined ? { description: rule.description } : {}),
    })),
    ...(input.inputSchema !== undefined ? { inputSchema: input.inputSchema } : {}),
    ...(input.outputSchema !== undefined ? { outputSchema: input.outputSchema } : {}),
    createdAt: meta.createdAt,
    createdBy: meta.createdBy,
    updatedAt: meta.updatedAt,
    updatedBy: meta.updatedBy,
  };
  const bytes = Buffer.byteLength(JSON.stringify(set), 'utf8');
  if (bytes > MAX_MAPPING_SET_BYTES) {
    throw tooLarge(
      `the mapping set takes ${bytes} bytes; at most ${MAX_MAPPING_SET_BYTES} can be stored — split it or shorten its expressions`,
    );
  }
  return set;
}
