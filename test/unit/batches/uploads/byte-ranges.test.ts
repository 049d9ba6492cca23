import { describe, expect, it } from 'vitest';
import {
  checkReadRange,
  coverageOf,
  mergeRanges,
  slicesOf,
  totalBytes,
} from '../../../../lambdas/core/batches/uploads/byte-ranges';
import { parseContentRange } from '../../../../lambdas/core/batches/uploads/content-range';

const part = (start: number, end: number) => ({ key: `k/${start}-${end}`, start, end });

describe('byte ranges', () => {
  it('merges touching and overlapping ranges in order, and drops empty ones', () => {
    // Act
    const merged = mergeRanges([part(20, 30), part(0, 10), part(10, 15), part(12, 18), part(40, 40)]);

    // Assess
    expect(merged).toEqual([
      { start: 0, end: 18 },
      { start: 20, end: 30 },
    ]);
    expect(totalBytes([part(0, 10), part(5, 15)])).toBe(15);
  });

  it('finds gaps at the start, between parts and before the declared end', () => {
    // Act
    const coverage = coverageOf([part(30, 40), part(5, 20)], 50);

    // Assess
    expect(coverage).toEqual({
      gaps: [
        { start: 0, end: 5 },
        { start: 20, end: 30 },
        { start: 40, end: 50 },
      ],
      overlaps: [],
    });
  });

  it('pairs overlapping parts with the part they run into', () => {
    // Act
    const coverage = coverageOf([part(0, 100), part(50, 60), part(90, 150), part(150, 200)], 200);

    // Assess
    expect(coverage.gaps).toEqual([]);
    expect(coverage.overlaps).toEqual([
      [part(0, 100), part(50, 60)],
      [part(0, 100), part(90, 150)],
    ]);
  });

  it('slices parts for a range that straddles part borders', () => {
    // Act
    const slices = slicesOf([part(0, 10), part(10, 20), part(20, 30)], 5, 25);

    // Assess
    expect(slices).toEqual([
      { key: 'k/0-10', from: 5, to: 10 },
      { key: 'k/10-20', from: 0, to: 10 },
      { key: 'k/20-30', from: 0, to: 5 },
    ]);
    expect(slicesOf([part(0, 10)], 4, 4)).toEqual([]);
    expect(() => checkReadRange(5, 31, 30)).toThrow(RangeError);
  });
});

describe('parseContentRange', () => {
  it('reads inclusive HTTP ranges as [start, end), with an optional total', () => {
    // Act
    const ranges = [
      parseContentRange('bytes 0-9/30', 10),
      parseContentRange('bytes 10-19/*', 10),
      parseContentRange(' bytes 20-29 ', 10),
    ];

    // Assess
    expect(ranges).toEqual([
      { start: 0, end: 10, total: 30 },
      { start: 10, end: 20 },
      { start: 20, end: 30 },
    ]);
  });

  it.each([
    [undefined, 10, 'is required'],
    ['', 10, 'is required'],
    ['items 0-9/10', 10, 'must be bytes'],
    ['bytes 0-9/ten', 10, 'must be bytes'],
    ['bytes -5-9', 10, 'must be bytes'],
    ['bytes 9-0', 10, 'end before it starts'],
    ['bytes 0-9/30', 9, 'covers 10 bytes but the body has 9'],
    ['bytes 0-9/5', 10, "beyond the file's total of 5"],
  ])('refuses %j with a %i-byte body as invalid-content-range (%s)', (header, length, reason) => {
    // Act
    const attempt = () => parseContentRange(header, length);

    // Assess
    expect(attempt).toThrow(
      expect.objectContaining({
        kind: 'invalid',
        code: 'invalid-content-range',
        violations: [expect.objectContaining({ pointer: '/headers/content-range' })],
      }),
    );
    expect(attempt).toThrow(reason);
  });
});
