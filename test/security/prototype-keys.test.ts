/**
 * A field named `__proto__` (or `constructor`, `prototype`) is data, everywhere a record goes: JSON.parse makes it an
 * own property, and so must every step after it — a create, a merge patch, a mapping's output, the lake, the
 * profile's answer and its provenance. None may take it for the object's prototype (dropping the attribute, or
 * changing what the object inherits).
 */
import { parquetRead } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { foldChanges, mergePatch } from '../../lambdas/core/profiles/fragments';
import type { FragmentChange } from '../../lambdas/core/profiles/fragments';
import type { MergePolicy } from '../../lambdas/core/profiles/merge-policies';
import { mergeProfile } from '../../lambdas/core/profiles/profile-read';
import type { Fragment, GraphView } from '../../lambdas/core/profiles/profile-ports';
import { previewMappingSet } from '../../lambdas/core/mapping/compile-mapping-set';
import { lakeParquetFile, typedColumnsOf } from '../../lambdas/core/lake/parquet-lake-file';

async function readColumns(file: Uint8Array, columns: string[]): Promise<unknown[][]> {
  let rows: unknown[][] = [];
  await parquetRead({
    file: file.buffer as ArrayBuffer,
    columns,
    rowFormat: 'array',
    onComplete: (data) => {
      rows = data as unknown[][];
    },
  });
  return rows;
}

const parsed = (text: string) => JSON.parse(text) as Record<string, unknown>;

const fragment = (attributes: Record<string, unknown>, timestamp: string): Fragment => ({
  datasetId: 'd1',
  identity: { namespace: 'Email', id: 'a@example.com' },
  attributes,
  timestamp,
  source: { datasetId: 'd1', at: timestamp, batchId: 'b1' },
  deleted: false,
});

const graph: GraphView = {
  graphId: 'g1',
  members: [{ identity: { namespace: 'Email', id: 'a@example.com' } }],
  createdAt: '2026-01-01T00:00:00.000Z',
} as unknown as GraphView;

const POLICY = { id: 'default', attributeMerge: 'timestamp' } as unknown as MergePolicy;

describe('__proto__ is data in records', () => {
  it('a merge patch merges, replaces and removes an own __proto__ field', () => {
    // Prepare
    const created = parsed('{"tier":"gold","__proto__":{"x":"1","y":"2"}}');

    // Act
    const merged = mergePatch(created, parsed('{"__proto__":{"x":null,"z":"3"}}'));
    const replaced = mergePatch(merged, parsed('{"__proto__":"scalar"}'));
    const removed = mergePatch(replaced, parsed('{"__proto__":null,"tier":"silver"}'));

    // Assess
    expect(JSON.stringify(merged)).toBe('{"tier":"gold","__proto__":{"y":"2","z":"3"}}');
    expect(JSON.stringify(replaced)).toBe('{"tier":"gold","__proto__":"scalar"}');
    expect(JSON.stringify(removed)).toBe('{"tier":"silver"}');
    for (const result of [merged, replaced, removed])
      expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
  });

  it('a create keeps its __proto__ field and a later merge patches it in the stored fragment', () => {
    // Prepare
    const change = (operation: FragmentChange['operation'], text: string, at: string): FragmentChange => ({
      operation,
      attributes: parsed(text),
      timestamp: at,
      source: { datasetId: 'd1', at, batchId: 'b1' },
    });
    const key = { datasetId: 'd1', identity: { namespace: 'Email', id: 'a@example.com' } };

    // Act
    const { fragment } = foldChanges(
      undefined,
      [
        change('create', '{"tier":"gold","__proto__":{"x":"1"}}', '2026-01-01T00:00:00.000Z'),
        change('merge', '{"__proto__":{"y":"2"}}', '2026-01-02T00:00:00.000Z'),
      ],
      key,
    );

    // Assess
    expect(JSON.stringify(fragment?.attributes)).toBe('{"tier":"gold","__proto__":{"x":"1","y":"2"}}');
    expect(Object.getPrototypeOf(fragment?.attributes)).toBe(Object.prototype);
  });

  it('the profile answers a __proto__ attribute with its provenance, inheriting nothing from the record', () => {
    // Prepare
    const attributes = parsed('{"tier":"gold","__proto__":"scalar","prefs":{"__proto__":"nested"}}');

    // Act
    const profile = mergeProfile(graph, [fragment(attributes, '2026-01-02T00:00:00.000Z')], POLICY);

    // Assess
    expect(JSON.parse(JSON.stringify(profile.attributes))).toEqual(attributes);
    expect(Object.keys(profile.provenance).sort()).toEqual(['__proto__', 'prefs.__proto__', 'tier']);
    expect(profile.provenance['__proto__']).toMatchObject({ datasetId: 'd1', batchId: 'b1' });
    expect(Object.getPrototypeOf(profile.provenance)).toBe(Object.prototype);
  });

  it('a mapping writes and reads __proto__ fields as fields', () => {
    // Act
    const preview = previewMappingSet(
      [
        { sourceType: 'ATTRIBUTE', source: 'in.__proto__', destination: 'out.__proto__' },
        { sourceType: 'ATTRIBUTE', source: 'constructor', destination: 'prototype' },
      ],
      [parsed('{"in":{"__proto__":"v"},"constructor":"c"}')],
    );

    // Assess
    expect(preview.rows[0]).toEqual(parsed('{"out":{"__proto__":"v"},"prototype":"c"}'));
    expect(Object.hasOwn(preview.rows[0]!['out'] as object, '__proto__')).toBe(true);
  });

  it('the lake keeps the field in the record and a typed column reads only an own field', async () => {
    // Prepare: a schema declaring __proto__ and constructor as text columns
    const columns = typedColumnsOf(
      parsed(
        '{"type":"object","properties":{"__proto__":{"type":"string"},"constructor":{"type":"string"}}}',
      ),
    );
    const rows = [
      {
        messageId: 'm1',
        receivedAt: '2026-01-01T00:00:00.000Z',
        record: parsed('{"__proto__":"p","constructor":"c"}'),
      },
      { messageId: 'm2', receivedAt: '2026-01-01T00:00:00.000Z', record: parsed('{"other":"o"}') },
    ];

    // Act
    const file = lakeParquetFile(rows, columns);
    // Rows as arrays: a reader's row object would itself take a `__proto__` column for its prototype.
    const read = await readColumns(file, ['__proto__', 'constructor', 'record']);

    // Assess
    expect(read.map(([proto, constructor]) => [proto, constructor])).toEqual([
      ['p', 'c'],
      [null, null],
    ]);
    expect(read.map(([, , record]) => JSON.stringify(record))).toEqual([
      '{"__proto__":"p","constructor":"c"}',
      '{"other":"o"}',
    ]);
  });
});
