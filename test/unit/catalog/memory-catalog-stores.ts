/** In-memory catalog stores for unit tests of the catalog services; page tokens are offsets. */
import type {
  Dataset,
  DatasetStore,
  SchemaLookup,
  SchemaSummary,
} from '../../../lambdas/core/catalog/datasets';
import type { NamespaceStore } from '../../../lambdas/core/catalog/identity-namespaces';
import type { Inlet, InletStore } from '../../../lambdas/core/catalog/inlets';
import type { Sandbox, SandboxStore } from '../../../lambdas/core/catalog/sandboxes';
import type { IdentityNamespace } from '../../../lambdas/core/catalog/standard-namespaces';
import type { Page, PageRequest } from '../../../lambdas/core/page';
import { notFound } from '../../../lambdas/core/errors/domain-error';

function pageOf<T>(all: T[], page: PageRequest): Page<T> {
  const offset = Number(page.start ?? 0);
  const items = all.slice(offset, offset + page.limit);
  return offset + page.limit < all.length ? { items, next: String(offset + page.limit) } : { items };
}

export class MemorySandboxStore implements SandboxStore {
  readonly items = new Map<string, Sandbox>();
  get = async (name: string) => this.items.get(name);
  create = async (sandbox: Sandbox) =>
    !this.items.has(sandbox.name) && !!this.items.set(sandbox.name, sandbox);
  list = async (page: PageRequest) =>
    pageOf(
      [...this.items.values()].sort((a, b) => a.name.localeCompare(b.name)),
      page,
    );
}

export class MemoryNamespaceStore implements NamespaceStore {
  readonly items = new Map<string, IdentityNamespace>();
  get = async (sandbox: string, codeLower: string) => this.items.get(`${sandbox}#${codeLower}`);
  create = async (sandbox: string, namespace: IdentityNamespace) => {
    const key = `${sandbox}#${namespace.code.toLowerCase()}`;
    return !this.items.has(key) && !!this.items.set(key, namespace);
  };
  list = async (sandbox: string, page: PageRequest) =>
    pageOf(
      [...this.items.entries()]
        .filter(([key]) => key.startsWith(`${sandbox}#`))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([, ns]) => ns),
      page,
    );
}

export class MemoryDatasetStore implements DatasetStore {
  readonly items = new Map<string, Dataset>();
  get = async (sandbox: string, id: string) => this.items.get(`${sandbox}#${id}`);
  create = async (dataset: Dataset) => {
    const key = `${dataset.sandbox}#${dataset.id}`;
    return !this.items.has(key) && !!this.items.set(key, dataset);
  };
  update = async (dataset: Dataset, expectedRevision: number) => {
    const key = `${dataset.sandbox}#${dataset.id}`;
    if (this.items.get(key)?.revision !== expectedRevision) return false;
    this.items.set(key, dataset);
    return true;
  };
  list = async (sandbox: string, page: PageRequest, filter: { schemaId?: string } = {}) =>
    pageOf(
      [...this.items.values()].filter(
        (d) => d.sandbox === sandbox && (filter.schemaId === undefined || d.schemaId === filter.schemaId),
      ),
      page,
    );
}

export class MemoryInletStore implements InletStore {
  readonly items = new Map<string, Inlet>();
  get = async (sandbox: string, id: string) => this.items.get(`${sandbox}#${id}`);
  findById = async (id: string) => [...this.items.values()].find((inlet) => inlet.inletId === id);
  create = async (inlet: Inlet) => {
    const key = `${inlet.sandbox}#${inlet.inletId}`;
    return !this.items.has(key) && !!this.items.set(key, inlet);
  };
  delete = async (sandbox: string, id: string) => {
    const inlet = this.items.get(`${sandbox}#${id}`);
    this.items.delete(`${sandbox}#${id}`);
    return inlet;
  };
  list = async (sandbox: string, page: PageRequest) =>
    pageOf(
      [...this.items.values()].filter((i) => i.sandbox === sandbox),
      page,
    );
}

/** A schema registry stand-in: the versions it knows, answering 404 like the real one for the rest. */
export class FakeSchemas implements SchemaLookup {
  constructor(private readonly versions: SchemaSummary[]) {}

  async get(sandbox: string, schemaId: string, version?: number): Promise<SchemaSummary> {
    const matching = this.versions.filter(
      (schema) => schema.id === schemaId && (version === undefined || schema.version === version),
    );
    const found = matching.sort((a, b) => b.version - a.version)[0];
    if (!found || sandbox !== 'prod') throw notFound('schema', schemaId);
    return found;
  }
}
