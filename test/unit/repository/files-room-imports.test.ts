/**
 * The files room's boundary is a lint rule (eslint.config.js, `boundaries/files-room`): a file of lambdas/core/files
 * that imports a pipeline, the HTTP adapter or the AWS adapters fails the lint, and so CI.
 */
import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const RULE = 'files-room/no-outward-imports';
/** A file of the room as it is on disk, so that the type-aware rules find it in the project. */
const FILE = 'lambdas/core/files/csv/csv-format.ts';

const eslint = new ESLint({ cwd: ROOT });

const ruleErrors = async (firstLine: string): Promise<string[]> => {
  const source = `${firstLine}\nexport const used = [imported];\n`;
  const [result] = await eslint.lintText(source, { filePath: resolve(ROOT, FILE) });
  return result!.messages.filter((message) => message.ruleId === RULE).map((message) => message.message);
};

describe('the files room imports nothing from the rooms above it', () => {
  it.each([
    "import { DEFAULT_BATCH_GUARDRAILS as imported } from '../../batches/batch-guardrails';",
    "import { MAX_BATCH_MESSAGES as imported } from '../../streaming/collect-service';",
    "import { CONTROL_PLANE_ROUTES as imported } from '../../../http/route-table';",
    "import { S3LandingObjects as imported } from '../../../adapters/s3-landing-objects';",
  ])('fails %s', async (line) => {
    // Act
    const errors = await ruleErrors(line);

    // Assess
    expect(errors).toEqual([expect.stringContaining('lambdas/core/files imports nothing from')]);
  });

  it('lets it import the core it stands on', async () => {
    // Act
    const errors = await ruleErrors("import { isExactNumberLiteral as imported } from '../../exact-json';");

    // Assess
    expect(errors).toEqual([]);
  });
});
