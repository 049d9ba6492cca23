/**
 * Inlets: streaming endpoints. The id alone addresses an inlet (producers post to `/collection/{inletId}` without
 * naming a sandbox), so the store can find an inlet by id across sandboxes. An inlet bound to a dataset may map its
 * raw messages with a mapping set; the version is pinned when the inlet is created, so a later edit of the set
 * never changes what an inlet already in use does.
 */
import { randomBytes } from 'node:crypto';
import { invalid, conflict, notFound } from '../errors/domain-error';
import type { MappingReference } from '../mapping/mapping-types';
import type { MappingSetReferences } from '../mapping-sets/mapping-sets';
import type { Page, PageRequest } from '../page';

/** Experience Platform's inlet ids are 64 hex digits; 256 random bits also make them unguessable. */
const INLET_ID_BYTES = 32;

export interface Inlet {
  readonly inletId: string;
  readonly sandbox: string;
  readonly name: string;
  readonly description?: string;
  readonly authenticated: boolean;
  readonly datasetId?: string;
  /** The mapping set and version raw messages are mapped with before they are checked and written. */
  readonly mapping?: MappingReference;
  readonly sourceName?: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface InletStore {
  get(sandbox: string, inletId: string): Promise<Inlet | undefined>;
  /** By id alone; `sandboxHint` is tried first with a consistent read. */
  findById(inletId: string, sandboxHint?: string): Promise<Inlet | undefined>;
  create(inlet: Inlet): Promise<boolean>;
  delete(sandbox: string, inletId: string): Promise<Inlet | undefined>;
  list(sandbox: string, page: PageRequest): Promise<Page<Inlet>>;
}

export interface NewInlet {
  readonly name: string;
  readonly description?: string;
  readonly authenticated?: boolean;
  readonly datasetId?: string;
  readonly mappingSetId?: string;
  /** Without it, the latest version when the inlet is created. */
  readonly mappingSetVersion?: number;
  readonly sourceName?: string;
}

export interface InletServiceDeps {
  readonly store: InletStore;
  /** Fails with a problem naming `pointer` when the dataset does not exist in the sandbox. */
  readonly datasets: { require(sandbox: string, id: string, pointer: string): Promise<unknown> };
  /** Pins the version of a mapping set, or fails `unprocessable` naming the field when it does not exist. */
  readonly mappingSets: MappingSetReferences;
  readonly now?: () => Date;
}

/** The URL producers post to: the API's base URL (scheme, host, stage) and the collection path. */
export function inletUrl(baseUrl: string, inletId: string): string {
  return `${baseUrl}/collection/${inletId}`;
}

export class InletService {
  constructor(private readonly deps: InletServiceDeps) {}

  async create(sandbox: string, input: NewInlet, createdBy: string): Promise<Inlet> {
    if (input.datasetId !== undefined)
      await this.deps.datasets.require(sandbox, input.datasetId, '/datasetId');
    const mapping = await this.mappingOf(sandbox, input);
    const inlet: Inlet = {
      inletId: randomBytes(INLET_ID_BYTES).toString('hex'),
      sandbox,
      name: input.name,
      authenticated: input.authenticated ?? true,
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.datasetId !== undefined ? { datasetId: input.datasetId } : {}),
      ...(mapping ? { mapping } : {}),
      ...(input.sourceName !== undefined ? { sourceName: input.sourceName } : {}),
      createdAt: (this.deps.now?.() ?? new Date()).toISOString(),
      createdBy,
    };
    if (!(await this.deps.store.create(inlet)))
      throw conflict('inlet-id-conflict', 'an inlet with this id already exists');
    return inlet;
  }

  /**
   * The pinned mapping, if one is asked for. Only raw messages are mapped, and a raw message is the record of the
   * inlet's dataset: a mapping on an inlet without a dataset would never apply.
   */
  private async mappingOf(sandbox: string, input: NewInlet): Promise<MappingReference | undefined> {
    if (input.mappingSetId === undefined) {
      if (input.mappingSetVersion === undefined) return undefined;
      const message = 'mappingSetVersion needs a mappingSetId';
      throw invalid('invalid-mapping', message, [
        { pointer: '/mappingSetVersion', keyword: 'dependentRequired', message },
      ]);
    }
    if (input.datasetId === undefined) {
      const message =
        'a mapping applies to raw messages, which need the inlet bound to a dataset: give datasetId';
      throw invalid('mapping-needs-dataset', message, [
        { pointer: '/mappingSetId', keyword: 'dependentRequired', message },
      ]);
    }
    return this.deps.mappingSets.reference(sandbox, {
      mappingSetId: input.mappingSetId,
      ...(input.mappingSetVersion !== undefined ? { version: input.mappingSetVersion } : {}),
    });
  }

  async get(sandbox: string, inletId: string): Promise<Inlet> {
    const inlet = await this.deps.store.get(sandbox, inletId);
    if (!inlet) throw notFound('inlet', inletId);
    return inlet;
  }

  list(sandbox: string, page: PageRequest): Promise<Page<Inlet>> {
    return this.deps.store.list(sandbox, page);
  }

  async delete(sandbox: string, inletId: string): Promise<void> {
    if (!(await this.deps.store.delete(sandbox, inletId))) throw notFound('inlet', inletId);
  }
}
