/**
 * Ajv instances shared by the compiled validators of a sandbox. An Ajv instance resolves `$ref`s by `$id`, and it
 * holds one document per `$id`; versions of one schema share their `$id`, so an instance holds one version of
 * each schema, and a validator whose pinned dependencies disagree with every instance gets an instance of its own.
 * Sharing matters: compiling a document costs milliseconds, and a registry of XDM's size reuses each many times.
 */
import type { ValidateFunction } from 'ajv';
import { createAjv, type AnyAjv } from './json-schema-dialects';
import type { SchemaDialect } from './schema-types';
import type { SchemaObject } from './schema-walk';

export interface CompilableDocument {
  readonly id: string;
  readonly version: number;
  readonly schema: SchemaObject;
  readonly annotationKeywords: readonly string[];
}

export interface CompileRequest {
  readonly sandbox: string;
  readonly dialect: SchemaDialect;
  readonly unicodePatterns: boolean;
  readonly root: CompilableDocument;
  readonly dependencies: readonly CompilableDocument[];
  /** True while the root is a candidate not yet stored: no other validator may build on it until it is settled. */
  readonly tentative: boolean;
}

export interface CompiledValidator {
  readonly validate: ValidateFunction;
  /** For a tentative root: keep it (it was stored) or drop it from the instance (it was not). */
  settle(kept: boolean): void;
}

interface Loaded {
  readonly version: number;
  tentative: boolean;
}

interface Slot {
  readonly ajv: AnyAjv;
  readonly loaded: Map<string, Loaded>;
}

const fits = (slot: Slot, request: CompileRequest): boolean =>
  [request.root, ...request.dependencies].every((document) => {
    const loaded = slot.loaded.get(document.id);
    if (!loaded) return true;
    return (
      !loaded.tentative &&
      !(document === request.root && request.tentative) &&
      loaded.version === document.version
    );
  });

export class AjvPool {
  private readonly slots = new Map<string, Slot[]>();

  compile(request: CompileRequest): CompiledValidator {
    const key = `${request.sandbox}\n${request.dialect}\n${request.unicodePatterns}`;
    const slots = this.slots.get(key) ?? [];
    this.slots.set(key, slots);
    let slot = slots.find((candidate) => fits(candidate, request));
    if (!slot) {
      slot = { ajv: createAjv(request.dialect, request.unicodePatterns, false), loaded: new Map() };
      slots.push(slot);
    }
    const rootAdded = !slot.loaded.has(request.root.id);
    const drop = (): void => {
      if (!rootAdded) return;
      slot.ajv.removeSchema(request.root.id);
      slot.loaded.delete(request.root.id);
    };
    try {
      for (const document of [...request.dependencies, request.root])
        this.load(slot, document, document === request.root && request.tentative);
      const validate = slot.ajv.getSchema(request.root.id);
      if (!validate) throw new Error(`schema ${request.root.id} did not compile`);
      return {
        validate,
        settle: (kept) => {
          const loaded = slot.loaded.get(request.root.id);
          if (kept && loaded) loaded.tentative = false;
          if (!kept) drop();
        },
      };
    } catch (error) {
      drop();
      throw error;
    }
  }

  private load(slot: Slot, document: CompilableDocument, tentative: boolean): void {
    if (slot.loaded.has(document.id)) return;
    for (const keyword of document.annotationKeywords) {
      if (slot.ajv.RULES.keywords[keyword] !== true) slot.ajv.addKeyword(keyword);
    }
    slot.ajv.addSchema(document.schema);
    slot.loaded.set(document.id, { version: document.version, tentative });
  }
}
