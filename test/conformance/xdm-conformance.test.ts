/**
 * The schema registry against Adobe's XDM corpus (vendored in test/fixtures/xdm, see NOTICE): every schema
 * registers, every example validates against the schema beside it except two that break their own `format`, every
 * `invalid` instance and every deliberately broken copy is rejected with a pointer to the field.
 *
 * XDM schemas are building blocks (classes, field groups, data types, descriptors) with no class or identities of
 * ours: they register as class `component`, and with `unknownKeywords: "ignore"` because a few of them misplace a
 * property as a keyword (`"Title"`, `"xdm:lightingCondition"`, …); those are kept as annotations and reported as
 * warnings. See docs/schemas.md.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { SchemaRegistry } from '../../lambdas/core/schemas/schema-registry';
import type { StoredSchema } from '../../lambdas/core/schemas/schema-types';
import { InMemorySchemaStore } from '../support/in-memory-schema-store';
import {
  instances,
  relativeName,
  schemasInDependencyOrder,
  XDM_ROOT,
  type CorpusInstance,
} from './xdm-corpus';

const SANDBOX = 'xdm';
const XDM_META_SCHEMA_ID = 'https://ns.adobe.com/xdm/meta';

/** The corpus README names these: measured with a strict validator, they break their own schema's `format`. */
const KNOWN_FORMAT_FAILURES: Readonly<Record<string, { reason: string; pointers: string[] }>> = {
  'components/classes/consentpolicy.example.1.json': {
    reason: '"/{BATCH_ID}" is no URI reference',
    pointers: ['/xdm:createdByBatchID', '/xdm:modifiedByBatchID'],
  },
  'components/datatypes/paid-media/paid-media-creative.example.5.json': {
    reason: '"adobe.com/creativecloud" is no URI',
    pointers: ['/xdm:paidMediaCreative/xdm:displayURL'],
  },
};

/** `schemas/descriptors/search/asset.example.1.json` is an XDM schema document, not an instance of a schema beside it. */
const SCHEMA_DOCUMENT_EXAMPLE = 'schemas/descriptors/search/asset.example.1.json';

/** The one schema with a pattern (`\_`) that is a valid regular expression only without Unicode mode. */
const NON_UNICODE_PATTERN_SCHEMA = 'schemas/notifications/ingestion.schema.json';

interface BrokenCopy {
  readonly example: string;
  readonly change: string;
  readonly breakIt: (instance: Record<string, unknown>) => void;
  readonly expected: { pointer: string; keyword: string };
}

const child = (value: unknown, key: string): Record<string, unknown> =>
  (value as Record<string, Record<string, unknown>>)[key] as Record<string, unknown>;

const BROKEN_COPIES: readonly BrokenCopy[] = [
  {
    example: 'components/classes/experienceevent.example.1.json',
    change: 'drops the required xdm:timestamp',
    breakIt: (instance) => delete instance['xdm:timestamp'],
    expected: { pointer: '/xdm:timestamp', keyword: 'required' },
  },
  {
    example: 'components/classes/experienceevent.example.1.json',
    change: 'makes xdm:timestamp a number',
    breakIt: (instance) => (instance['xdm:timestamp'] = 1506441145000),
    expected: { pointer: '/xdm:timestamp', keyword: 'type' },
  },
  {
    example: 'components/datatypes/paid-media/paid-media-creative.example.1.json',
    change: 'makes a string inside an array item a number',
    breakIt: (instance) => {
      const trackingUrls = child(instance, 'xdm:paidMediaCreative')['xdm:trackingURLs'] as Record<
        string,
        unknown
      >[];
      (trackingUrls[1] as Record<string, unknown>)['xdm:url'] = 404;
    },
    expected: { pointer: '/xdm:paidMediaCreative/xdm:trackingURLs/1/xdm:url', keyword: 'type' },
  },
  {
    example: 'components/datatypes/page.example.1.json',
    change: 'makes count a string',
    breakIt: (instance) => (instance.count = '100'),
    expected: { pointer: '/count', keyword: 'type' },
  },
  {
    example: 'components/datatypes/page.example.1.json',
    change: 'drops the required orderBy',
    breakIt: (instance) => delete instance.orderBy,
    expected: { pointer: '/orderBy', keyword: 'required' },
  },
  {
    example: 'components/datatypes/person/person-name.example.1.json',
    change: 'makes xdm:firstName a number',
    breakIt: (instance) => (instance['xdm:firstName'] = 42),
    expected: { pointer: '/xdm:firstName', keyword: 'type' },
  },
  {
    example: 'components/datatypes/namespace.example.1.json',
    change: 'drops the required xdm:code (required inside an allOf definition)',
    breakIt: (instance) => delete instance['xdm:code'],
    expected: { pointer: '/xdm:code', keyword: 'required' },
  },
];

describe('XDM conformance', () => {
  const registry = new SchemaRegistry({
    store: new InMemorySchemaStore(),
    namespaces: { canonicalCode: async () => undefined },
  });
  const corpus = schemasInDependencyOrder();
  const registered = new Map<string, StoredSchema>();
  const examples = instances('example', ['components', 'schemas']);
  const invalids = instances('invalid', ['components', 'schemas']);
  const counts = { accepted: 0, knownFailures: 0, invalidRejected: 0, brokenRejected: 0 };

  const schemaIdOf = (instance: CorpusInstance): string => {
    const schema = instance.schemaFile === undefined ? undefined : registered.get(instance.schemaFile);
    if (!schema) throw new Error(`no registered schema beside ${relativeName(instance.file)}`);
    return schema.id;
  };

  beforeAll(async () => {
    for (const { file, schema } of corpus) {
      const title =
        typeof schema.title === 'string' && schema.title.trim() !== '' ? schema.title : relativeName(file);
      registered.set(
        file,
        await registry.register(SANDBOX, { title, class: 'component', schema, unknownKeywords: 'ignore' }),
      );
    }
  });

  it('registers all 820 schemas, each after the schemas it references', () => {
    // Prepare: the corpus, registered in dependency order in beforeAll

    // Act
    const nonUnicode = [...registered.entries()].filter(([, schema]) => !schema.unicodePatterns);

    // Assess
    expect(corpus).toHaveLength(820);
    expect(registered.size).toBe(820);
    expect(nonUnicode.map(([file]) => relativeName(file))).toEqual([NON_UNICODE_PATTERN_SCHEMA]);
    expect(nonUnicode[0]?.[1].warnings.map((warning) => warning.pointer)).toEqual([
      '/schema/definitions/ingestion-notification/properties/xdm:customerIngestionId/pattern',
    ]);
  });

  it('accepts every example beside its schema, except the two that break their own format', async () => {
    // Prepare
    const paired = examples.filter((example) => relativeName(example.file) !== SCHEMA_DOCUMENT_EXAMPLE);

    // Act
    const rejected: Record<string, string[]> = {};
    for (const example of paired) {
      const outcome = await registry.validate(SANDBOX, schemaIdOf(example), example.instance);
      if (outcome.valid) counts.accepted += 1;
      else rejected[relativeName(example.file)] = outcome.violations.map((v) => `${v.keyword} ${v.pointer}`);
    }
    counts.knownFailures = Object.keys(rejected).length;

    // Assess
    expect(examples).toHaveLength(597);
    expect(rejected).toEqual(
      Object.fromEntries(
        Object.entries(KNOWN_FORMAT_FAILURES).map(([file, known]) => [
          file,
          known.pointers.map((pointer) => `format ${pointer}`),
        ]),
      ),
    );
    expect(counts.accepted).toBe(paired.length - 2);
  });

  it('checks the one example that is a schema document against XDM meta-schema, and cannot register it', async () => {
    // Prepare: it has `$schema` and `$id`; its `$ref`s name asset schemas that the corpus does not hold
    const document = examples.find((example) => relativeName(example.file) === SCHEMA_DOCUMENT_EXAMPLE);

    // Act
    const againstMeta = await registry.validate(SANDBOX, XDM_META_SCHEMA_ID, document?.instance);
    const registration = registry.register(SANDBOX, {
      title: 'Asset',
      class: 'component',
      schema: document?.instance,
    });

    // Assess
    expect(document?.schemaFile).toBeUndefined();
    expect(againstMeta).toEqual({ valid: true, violations: [] });
    await expect(registration).rejects.toMatchObject({
      kind: 'invalid',
      violations: expect.arrayContaining([
        {
          pointer: '/schema/allOf/3/$ref',
          keyword: '$ref',
          message:
            "$ref 'https://ns.adobe.com/xdm/external/hal/resource#/definitions/hal' names no schema registered in this sandbox",
        },
      ]) as unknown,
    });
  });

  it('finds every registered schema valid against XDM meta-schema', async () => {
    // Act
    const outcomes = await Promise.all(
      corpus.map(({ schema }) => registry.validate(SANDBOX, XDM_META_SCHEMA_ID, schema)),
    );

    // Assess
    expect(outcomes.filter((outcome) => !outcome.valid)).toEqual([]);
  });

  it('rejects every invalid instance', async () => {
    // Act
    const outcomes = await Promise.all(
      invalids.map(async (invalid) => ({
        file: relativeName(invalid.file),
        ...(await registry.validate(SANDBOX, schemaIdOf(invalid), invalid.instance)),
      })),
    );
    counts.invalidRejected = outcomes.filter((outcome) => !outcome.valid).length;

    // Assess
    expect(outcomes.map(({ file, valid, violations }) => ({ file, valid, first: violations[0] }))).toEqual([
      {
        file: 'components/datatypes/namespace.invalid.1.json',
        valid: false,
        first: { pointer: '/xdm:code', keyword: 'required', message: "required field 'xdm:code' is missing" },
      },
      {
        file: 'components/datatypes/page.invalid.1.json',
        valid: false,
        first: { pointer: '/count', keyword: 'required', message: "required field 'count' is missing" },
      },
    ]);
  });

  it.each(BROKEN_COPIES)(
    'rejects a copy of $example that $change',
    async ({ example, breakIt, expected }) => {
      // Prepare
      const original = examples.find((candidate) => relativeName(candidate.file) === example);
      if (!original) throw new Error(`${example} is not in ${XDM_ROOT}`);
      const broken = structuredClone(original.instance) as Record<string, unknown>;
      breakIt(broken);

      // Act
      const before = await registry.validate(SANDBOX, schemaIdOf(original), original.instance);
      const after = await registry.validate(SANDBOX, schemaIdOf(original), broken);
      if (!after.valid) counts.brokenRejected += 1;

      // Assess
      expect(before.valid).toBe(true);
      expect(after.valid).toBe(false);
      expect(after.violations).toContainEqual(expect.objectContaining(expected));
    },
  );

  it('prints the counts', () => {
    // Assess
    expect(counts.brokenRejected).toBe(BROKEN_COPIES.length);
    console.log(
      `XDM conformance: ${registered.size} schemas registered; ${examples.length} examples: ${counts.accepted} accepted, ` +
        `${counts.knownFailures} rejected as the corpus README documents (format), 1 schema document checked against ` +
        `the XDM meta-schema; ${counts.invalidRejected}/${invalids.length} invalid instances rejected; ` +
        `${counts.brokenRejected}/${BROKEN_COPIES.length} broken copies rejected with the right pointer`,
    );
  });
});
