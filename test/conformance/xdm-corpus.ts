/** The XDM corpus vendored in test/fixtures/xdm (CC BY 4.0, see NOTICE): its schemas in dependency order, and the examples beside them. */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

export const XDM_ROOT = join(import.meta.dirname, '../fixtures/xdm');

const SCHEMA_SUFFIX = '.schema.json';

export interface CorpusSchema {
  readonly file: string;
  readonly id: string;
  readonly schema: Record<string, unknown>;
}

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .map((name) => join(folder, name))
    .sort();
}

export const relativeName = (file: string): string => relative(XDM_ROOT, file);

function referencedDocuments(node: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const child of node) referencedDocuments(child, into);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && !value.startsWith('#'))
        into.add(value.split('#')[0] ?? '');
      else referencedDocuments(value, into);
    }
  }
  return into;
}

/** Every `*.schema.json`, each after the schemas it `$ref`s (a depth-first topological order). */
export function schemasInDependencyOrder(): CorpusSchema[] {
  const byId = new Map<string, CorpusSchema>();
  for (const file of filesUnder(XDM_ROOT).filter((name) => name.endsWith(SCHEMA_SUFFIX))) {
    const schema = readJson(file) as Record<string, unknown>;
    byId.set(String(schema.$id), { file, id: String(schema.$id), schema });
  }
  const ordered: CorpusSchema[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (entry: CorpusSchema, path: string[]): void => {
    if (state.get(entry.id) === 'done') return;
    if (state.get(entry.id) === 'visiting')
      throw new Error(`$ref cycle: ${[...path, entry.id].join(' -> ')}`);
    state.set(entry.id, 'visiting');
    for (const uri of referencedDocuments(entry.schema, new Set())) {
      const dependency = byId.get(uri);
      if (dependency && dependency.id !== entry.id) visit(dependency, [...path, entry.id]);
    }
    state.set(entry.id, 'done');
    ordered.push(entry);
  };
  for (const entry of byId.values()) visit(entry, []);
  return ordered;
}

export interface CorpusInstance {
  readonly file: string;
  /**
   * The `*.schema.json` beside it: the one whose name starts the instance's name, longest first
   * (`factor-standard-fields-cpi` belongs to `factor-standard-fields`); undefined when none does.
   */
  readonly schemaFile: string | undefined;
  readonly instance: unknown;
}

/** `*.example.N.json` or `*.invalid.N.json` under the given top-level folders. */
export function instances(kind: 'example' | 'invalid', folders: readonly string[]): CorpusInstance[] {
  const pattern = new RegExp(`^(.*)\\.${kind}\\.\\d+\\.json$`);
  return folders.flatMap((folder) =>
    filesUnder(join(XDM_ROOT, folder)).flatMap((file) => {
      const stem = pattern.exec(basename(file))?.[1];
      if (stem === undefined) return [];
      const beside = readdirSync(dirname(file))
        .filter((name) => name.endsWith(SCHEMA_SUFFIX))
        .map((name) => name.slice(0, -SCHEMA_SUFFIX.length));
      const owner = beside.filter((name) => stem.startsWith(name)).sort((a, b) => b.length - a.length)[0];
      const schemaFile = owner === undefined ? undefined : join(dirname(file), owner + SCHEMA_SUFFIX);
      return [{ file, schemaFile, instance: readJson(file) }];
    }),
  );
}
