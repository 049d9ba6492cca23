/**
 * The README's quick start, command for command: the bash block between the quick-start markers runs against a
 * freshly started local runtime, and every answer is checked.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntimeUnderTest, type RuntimeUnderTest } from './local-runtime';

const run = promisify(execFile);

function quickStartScript(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = /<!-- quick-start:begin -->\s*```bash\n([\s\S]*?)```\s*<!-- quick-start:end -->/.exec(
    readme,
  );
  if (!section?.[1]) throw new Error('README.md has no quick-start bash block between the markers');
  return section[1];
}

/** Splits the script's output into the JSON documents and plain lines it printed, in order. */
function answers(output: string): unknown[] {
  const results: unknown[] = [];
  let rest = output.trim();
  while (rest.length > 0) {
    if (rest.startsWith('{')) {
      let depth = 0;
      let inString = false;
      let end = 0;
      for (let i = 0; i < rest.length; i += 1) {
        const char = rest[i];
        if (inString) {
          if (char === '\\') i += 1;
          else if (char === '"') inString = false;
        } else if (char === '"') inString = true;
        else if (char === '{') depth += 1;
        else if (char === '}') {
          depth -= 1;
          if (depth === 0) {
            end = i + 1;
            break;
          }
        }
      }
      results.push(JSON.parse(rest.slice(0, end)));
      rest = rest.slice(end).trim();
    } else {
      const newline = rest.indexOf('\n');
      results.push(newline === -1 ? rest : rest.slice(0, newline));
      rest = newline === -1 ? '' : rest.slice(newline + 1).trim();
    }
  }
  return results;
}

describe('README quick start', () => {
  let subject: RuntimeUnderTest;

  let batchId = '';

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
  });
  afterAll(async () => {
    await subject.stop();
  });

  it('works exactly as written', async () => {
    // Prepare: the script as the README shows it, pointed at this runtime's port instead of 4100
    const script = quickStartScript();
    expect(script).toContain('API=http://127.0.0.1:4100');
    const pointed = script.replace('API=http://127.0.0.1:4100', `API=${subject.runtime.url}`);

    // Act
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', pointed], { cwd: subject.workDir });

    // Assess: health, schema, validation, dataset, inlet, the producer's message, the file, the batch, the mapping
    // preview — in order
    const [
      health,
      schema,
      validation,
      datasetLine,
      inletLine,
      collected,
      uploaded,
      completed,
      previewed,
      ...extra
    ] = answers(stdout) as [
      { status: string },
      { id: string; version: number },
      { valid: boolean; violations: { pointer: string; keyword: string }[] },
      string,
      string,
      { inletId: string; xactionId: string; receivedTimeMs: number },
      { path: string; sizeInBytes: number },
      { id: string; status: string },
      { rows: unknown[]; warnings: unknown[] },
      ...unknown[],
    ];
    expect(extra).toEqual([]);
    expect(health).toEqual({ status: 'ok' });
    expect(schema).toMatchObject({ id: 'https://example.com/schemas/customer', version: 1 });
    expect(validation.valid).toBe(false);
    expect(validation.violations).toEqual([
      expect.objectContaining({ pointer: '/loyaltyPoints', keyword: 'minimum' }),
    ]);
    expect(datasetLine).toMatch(/^dataset: [0-9a-f]{24}$/);
    const inletUrl = /^inlet: (\S+)$/.exec(inletLine)?.[1];
    expect(inletUrl).toBe(`${subject.runtime.url}/collection/${collected.inletId}`);
    expect(collected.xactionId).toEqual(expect.any(String));
    expect(collected.receivedTimeMs).toEqual(expect.any(Number));
    expect(uploaded).toEqual({ path: 'customers.csv', sizeInBytes: 84 });
    expect(completed.status).toBe('staging');
    expect(previewed).toEqual({
      rows: [{ email: 'ada@example.com', firstName: 'Ada', tier: 'gold' }],
      warnings: [],
    });
    batchId = completed.id;
  });

  it('ends with the CSV batch ingested and its failed row explained, as the text after the commands says', async () => {
    // Act: the workflow runs asynchronously; ask until the batch is decided (bounded)
    const read = async (path: string) =>
      (await fetch(`${subject.runtime.url}${path}`, {
        headers: { authorization: `Bearer ${subject.runtime.adminKey}` },
      }).then((response) => response.json())) as Record<string, unknown>;
    let batch = await read(`/catalog/batches/${batchId}`);
    for (
      let attempt = 0;
      attempt < 60 && ['staging', 'processing'].includes(String(batch.status));
      attempt += 1
    ) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      batch = await read(`/catalog/batches/${batchId}`);
    }
    const failed = await read(`/export/batches/${batchId}/failed`);

    // Assess
    expect(batch).toMatchObject({
      status: 'success',
      metrics: { inputRecordCount: 2, outputRecordCount: 1, failedRecordCount: 1 },
    });
    expect(failed.items).toEqual([
      expect.objectContaining({
        file: 'customers.csv',
        line: 3,
        violations: [expect.objectContaining({ pointer: '/loyaltyPoints', keyword: 'minimum' })],
      }),
    ]);
  });

  it('ends with the record in the profile store, as the text after the commands says', async () => {
    // Act: the consumer works asynchronously; ask until the profile appears (bounded)
    let status = 0;
    let profile: { attributes?: Record<string, unknown> } = {};
    for (let attempt = 0; attempt < 60 && status !== 200; attempt += 1) {
      const response = await fetch(
        `${subject.runtime.url}/profiles?entityId=ada@example.com&entityIdNS=Email`,
        { headers: { authorization: `Bearer ${subject.runtime.adminKey}` } },
      );
      status = response.status;
      profile = (await response.json()) as typeof profile;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 500));
    }

    // Assess
    expect(status).toBe(200);
    expect(profile.attributes).toMatchObject({
      email: 'Ada@Example.com',
      firstName: 'Ada',
      loyaltyPoints: 120,
    });
  });
});
