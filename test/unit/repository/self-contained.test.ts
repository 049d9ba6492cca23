/**
 * A user's clone has nothing beside it: no file of the project may name a path outside the repository, neither
 * relatively (a sibling folder of the root) nor absolutely (the folder the developers keep it in).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
/** Third-party material vendored unchanged; its own links are not ours to resolve. */
const VENDORED = 'test/fixtures/xdm/';
const TEXT_FILE = /\.(ts|js|json|md|ya?ml|sh)$|^\.ci\/run$/;
const RELATIVE_PATH = /(?:\.\.\/)+[\w@.-]+/g;
const ABSOLUTE_OUTSIDE = /(?<![\w.])\/work\/[\w.-]+/g;

const trackedTextFiles = (): string[] =>
  execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((file) => file !== '' && TEXT_FILE.test(file) && !file.startsWith(VENDORED));

const outsideReferences = (file: string): string[] => {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const relativeOutside = [...text.matchAll(RELATIVE_PATH)]
    .map(([reference]) => reference)
    .filter((reference) => relative(ROOT, resolve(ROOT, dirname(file), reference)).startsWith('..'));
  const absolute = [...text.matchAll(ABSOLUTE_OUTSIDE)].map(([reference]) => reference);
  return [...relativeOutside, ...absolute].map((reference) => `${file}: ${reference}`);
};

describe('the repository is self-contained', () => {
  it('names no path outside itself in any file it holds', () => {
    const files = trackedTextFiles();
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap(outsideReferences)).toEqual([]);
  });

  it('holds the XDM corpus its conformance tests read, with its licence', () => {
    const notice = readFileSync(join(ROOT, 'NOTICE'), 'utf8');
    expect(notice).toContain('test/fixtures/xdm');
    expect(notice).toContain('CC BY 4.0');
    expect(readFileSync(join(ROOT, VENDORED, 'LICENSE'), 'utf8')).toMatch(/Attribution 4\.0/);
  });
});
