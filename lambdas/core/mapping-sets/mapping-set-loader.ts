/**
 * Compiled mapping sets for the places that apply them (the collect function, the batch worker, dataflow runs):
 * each version is read and compiled once per container, since a version never changes once written.
 */
import { compileMappingSet } from '../mapping/compile-mapping-set';
import type { CompiledMappingSet, MappingReference, MappingSetLoader } from '../mapping/mapping-types';
import type { MappingSetStore } from './mapping-sets';

/**
 * Compiled versions kept per container. A compiled set is a few KB and a function meets a handful of sets (one
 * per inlet or batch it serves); the bound only stops a long-lived container that meets many from growing without end.
 */
export const MAX_CACHED_MAPPING_SETS = 200;

export class CachedMappingSetLoader implements MappingSetLoader {
  /** In-flight loads are shared, so concurrent messages of one inlet read and compile the set once. */
  private readonly cache = new Map<string, Promise<CompiledMappingSet | undefined>>();

  constructor(
    private readonly store: Pick<MappingSetStore, 'get'>,
    private readonly maxEntries = MAX_CACHED_MAPPING_SETS,
  ) {}

  compiled(sandbox: string, reference: MappingReference): Promise<CompiledMappingSet | undefined> {
    const key = JSON.stringify([sandbox, reference.mappingSetId, reference.version]);
    const cached = this.cache.get(key);
    if (cached) {
      // Least recently used first out: a hit moves to the end of the map's order.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const loading = this.load(sandbox, reference);
    this.cache.set(key, loading);
    // A version not found may yet be written (the reference was made elsewhere) and a failed read may succeed the
    // next time: neither is remembered.
    loading.then(
      (compiled) => {
        if (!compiled) this.forget(key, loading);
      },
      () => this.forget(key, loading),
    );
    while (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    return loading;
  }

  private async load(sandbox: string, reference: MappingReference): Promise<CompiledMappingSet | undefined> {
    const set = await this.store.get(sandbox, reference.mappingSetId, reference.version);
    return set ? compileMappingSet(set.mappings) : undefined;
  }

  private forget(key: string, loading: Promise<CompiledMappingSet | undefined>): void {
    if (this.cache.get(key) === loading) this.cache.delete(key);
  }
}
