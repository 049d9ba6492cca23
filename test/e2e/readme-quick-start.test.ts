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

    // Assess: health, key, schema, validation, dataset, inlet — in that order
    const [health, key, schema, validation, datasetLine, inlet, ...extra] = answers(stdout) as [
      { status: string },
      { key: string; scopes: string[] },
      { id: string; version: number },
      { valid: boolean; violations: { pointer: string; keyword: string }[] },
      string,
      { inletId: string; url: string; datasetId: string },
      ...unknown[],
    ];
    expect(extra).toEqual([]);
    expect(health).toEqual({ status: 'ok' });
    expect(key.key).toMatch(/^trb_[A-Za-z0-9_-]{43}$/);
    expect(key.scopes).toEqual(['ingest']);
    expect(schema).toMatchObject({ id: 'https://example.com/schemas/customer', version: 1 });
    expect(validation.valid).toBe(false);
    expect(validation.violations).toEqual([
      expect.objectContaining({ pointer: '/loyaltyPoints', keyword: 'minimum' }),
    ]);
    const datasetId = /^dataset: (\S+)$/.exec(datasetLine)?.[1];
    expect(datasetId).toBeDefined();
    expect(inlet.datasetId).toBe(datasetId);
    expect(inlet.url).toBe(`${subject.runtime.url}/collection/${inlet.inletId}`);
  });
});
