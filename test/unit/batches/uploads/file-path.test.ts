import { describe, expect, it } from 'vitest';
import { parseFilePath } from '../../../../lambdas/core/batches/uploads/file-path';

describe('parseFilePath', () => {
  it('keeps a path with folders, spaces, unicode and a # as given', () => {
    // Prepare
    const paths = ['file.json', 'part1=a/part2=b/file.parquet', 'ünïcode folder/data #1.csv', 'x.parts'];

    // Act
    const parsed = paths.map(parseFilePath);

    // Assess
    expect(parsed).toEqual(paths);
  });

  it.each([
    ['', 'must not be empty'],
    ['/abs/file.json', "must not start with '/'"],
    ['a//b.json', 'empty segments'],
    ['a/b/', 'empty segments'],
    ['a/./b.json', "'.' or '..'"],
    ['a/../b.json', "'.' or '..'"],
    ['..', "'.' or '..'"],
    ['a\\b.json', 'backslashes'],
    ['a\u0000b', 'control characters'],
    ['a\nb', 'control characters'],
    ['a\u007fb', 'control characters'],
    ['a\u0085b', 'control characters'],
    ['bad\ud800.json', 'well-formed Unicode'],
    ['file.csv.parts/0-10', "folder ending in '.parts'"],
    ['é'.repeat(513), 'at most 1024 bytes'],
  ])('refuses %j with invalid-file-path (%s)', (raw, reason) => {
    // Act
    const attempt = () => parseFilePath(raw);

    // Assess
    expect(attempt).toThrow(
      expect.objectContaining({
        kind: 'invalid',
        code: 'invalid-file-path',
        violations: [expect.objectContaining({ pointer: '/filePath', keyword: 'format' })],
      }),
    );
    expect(attempt).toThrow(reason);
  });

  it('takes exactly 1,024 UTF-8 bytes', () => {
    // Prepare
    const path = `${'é'.repeat(511)}ab`;

    // Act
    const parsed = parseFilePath(path);

    // Assess
    expect(Buffer.byteLength(parsed, 'utf8')).toBe(1024);
  });
});
