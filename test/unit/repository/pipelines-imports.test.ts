/**
 * The pipelines' boundary is a lint rule (eslint.config.js, `boundaries/pipelines`): a file of core/streaming that
 * imports core/batches (or the other way round), or a file of core/lake that imports a pipeline, the batch catalog,
 * the HTTP adapter or the AWS adapters, fails the lint, and so CI.
 */
import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const RULE = 'pipelines/no-crossing-imports';
/** Files of each room as they are on disk, so that the type-aware rules find them in the project. */
const STREAMING_FILE = 'lambdas/core/streaming/stream-message.ts';
const BATCHES_FILE = 'lambdas/core/batches/ingest/promote-chunk.ts';
const LAKE_FILE = 'lambdas/core/lake/lake-keys.ts';

const eslint = new ESLint({ cwd: ROOT });

const ruleErrors = async (file: string, firstLine: string): Promise<string[]> => {
  const source = `${firstLine}\nexport const used = [imported];\n`;
  const [result] = await eslint.lintText(source, { filePath: resolve(ROOT, file) });
  return result!.messages.filter((message) => message.ruleId === RULE).map((message) => message.message);
};

// The first lint builds the TypeScript project (tens of seconds on a busy machine): once, outside a test's timeout.
beforeAll(() => ruleErrors(LAKE_FILE, 'const imported = 1;'), 180_000);

describe('the pipelines do not import each other', () => {
  it.each([
    [STREAMING_FILE, "import { batchView as imported } from '../batches/batch-view';"],
    [STREAMING_FILE, "import { BatchService as imported } from '../batch-catalog/batch-service';"],
    [BATCHES_FILE, "import { streamingBatchId as imported } from '../../streaming/stream-message';"],
    [BATCHES_FILE, "import { BatchService as imported } from '../../batch-catalog/batch-service';"],
  ])('fails %s importing: %s', async (file, line) => {
    // Act
    const errors = await ruleErrors(file, line);

    // Assess
    expect(errors).toEqual([expect.stringContaining('do not import each other')]);
  });

  it.each([
    [STREAMING_FILE, "import { lakeKey as imported } from '../lake/lake-keys';"],
    [BATCHES_FILE, "import { quarantineKey as imported } from '../../lake/lake-keys';"],
  ])('lets %s import the lake: %s', async (file, line) => {
    // Act
    const errors = await ruleErrors(file, line);

    // Assess
    expect(errors).toEqual([]);
  });
});

describe('the lake room imports nothing from the rooms above it', () => {
  it.each([
    "import { streamingBatchId as imported } from '../streaming/stream-message';",
    "import { DEFAULT_BATCH_GUARDRAILS as imported } from '../batches/batch-guardrails';",
    "import { BatchService as imported } from '../batch-catalog/batch-service';",
    "import { CONTROL_PLANE_ROUTES as imported } from '../../http/route-table';",
    "import { S3Objects as imported } from '../../adapters/s3-objects';",
  ])('fails %s', async (line) => {
    // Act
    const errors = await ruleErrors(LAKE_FILE, line);

    // Assess
    expect(errors).toEqual([expect.stringContaining('lambdas/core/lake imports nothing from')]);
  });

  it.each([
    "import { UPSERT_OPERATIONS as imported } from '../profiles/fragments';",
    // Until the core owns its domain error (issue 15, move 1).
    "import { HttpProblem as imported } from '../../http/problem';",
  ])('lets it import the core it stands on: %s', async (line) => {
    // Act
    const errors = await ruleErrors(LAKE_FILE, line);

    // Assess
    expect(errors).toEqual([]);
  });
});
