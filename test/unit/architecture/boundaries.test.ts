/**
 * The dependency rules of eslint.config.js, shown on files that break them: a probe is linted as if it sat in the
 * folder (lintText with a filePath; nothing is written). Type-aware rules are off for the probe, as it is in no
 * TypeScript project.
 */
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({
  overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }],
});

/** The imports of `source` that the boundary rule refuses, linted as the file at `filePath`. */
async function refusedImports(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => /'([^']+)'/.exec(message.message)?.[1] ?? message.message);
}

const probe = (...paths: string[]) =>
  paths
    .map((path, index) => `import * as m${index} from '${path}';\nexport const x${index} = m${index};\n`)
    .join('');

describe('boundaries', () => {
  it('refuses an import of http, adapters, composition or handlers from the core, at any depth', async () => {
    // Prepare
    const outward = [
      '../../http/problem',
      '../../adapters/s3-objects',
      '../../composition/collect',
      '../../handlers/collect',
    ];

    // Act
    const refused = await refusedImports(
      'lambdas/core/catalog/probe.ts',
      probe(...outward, '../errors/domain-error'),
    );
    const fromTop = await refusedImports('lambdas/core/probe.ts', probe('../http/problem', './page'));

    // Assess
    expect(refused).toEqual(outward);
    expect(fromTop).toEqual(['../http/problem']);
  });

  it('refuses an import of lib/ or local/ from any Lambda code, the core included', async () => {
    // Act
    const fromHttp = await refusedImports(
      'lambdas/http/probe.ts',
      probe('../../lib/api-stack', '../core/page'),
    );
    const fromCore = await refusedImports('lambdas/core/streaming/probe.ts', probe('../../../local/main'));

    // Assess
    expect(fromHttp).toEqual(['../../lib/api-stack']);
    expect(fromCore).toEqual(['../../../local/main']);
  });

  it('lets the outer rooms import the core', async () => {
    // Act
    const refused = await refusedImports(
      'lambdas/http/routes/probe.ts',
      probe('../../core/errors/domain-error', '../../adapters/s3-objects', '../problem'),
    );

    // Assess
    expect(refused).toEqual([]);
  });

  it('refuses the pipelines each other and the batch catalog, and lets both import the lake and the files room', async () => {
    // Act
    const fromStreaming = await refusedImports(
      'lambdas/core/streaming/probe.ts',
      probe(
        '../batches/batch-view',
        '../batch-catalog/batch-service',
        '../lake/lake-keys',
        '../files/file-formats',
      ),
    );
    const fromBatches = await refusedImports(
      'lambdas/core/batches/ingest/probe.ts',
      probe('../../streaming/stream-message', '../../batch-catalog/batch-service', '../../lake/lake-keys'),
    );

    // Assess
    expect(fromStreaming).toEqual(['../batches/batch-view', '../batch-catalog/batch-service']);
    expect(fromBatches).toEqual(['../../streaming/stream-message', '../../batch-catalog/batch-service']);
  });

  it('refuses the lake room the pipelines and the batch catalog above it', async () => {
    // Act
    const refused = await refusedImports(
      'lambdas/core/lake/probe.ts',
      probe(
        '../streaming/stream-message',
        '../batches/batch-guardrails',
        '../batch-catalog/batch-service',
        '../files/file-formats',
      ),
    );

    // Assess
    expect(refused).toEqual([
      '../streaming/stream-message',
      '../batches/batch-guardrails',
      '../batch-catalog/batch-service',
    ]);
  });

  it('refuses the files room everything that reads files: the pipelines, the lake and the batch catalog', async () => {
    // Act
    const refused = await refusedImports(
      'lambdas/core/files/csv/probe.ts',
      probe(
        '../../batches/batch-guardrails',
        '../../streaming/stream-message',
        '../../lake/lake-keys',
        '../../exact-json',
        '../file-formats',
      ),
    );

    // Assess
    expect(refused).toEqual([
      '../../batches/batch-guardrails',
      '../../streaming/stream-message',
      '../../lake/lake-keys',
    ]);
  });

  it('refuses a benchmark a unit test folder, and lets it use test/support', async () => {
    // Act
    const refused = await refusedImports(
      'bench/probe.bench.ts',
      probe('../test/unit/files/csv-reader.test', '../test/support/file-byte-source'),
    );

    // Assess
    expect(refused).toEqual(['../test/unit/files/csv-reader.test']);
  });
});
