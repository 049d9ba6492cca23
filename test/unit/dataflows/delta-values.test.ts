/** An HTTP source's delta values, typed by the first one read and compared as what they are. */
import { describe, expect, it } from 'vitest';
import {
  canonicalDelta,
  compareDeltas,
  deltaTypeOf,
  instantBefore,
  isDeltaOfType,
} from '../../../lambdas/core/dataflows/delta-values';

const sign = (value: number) => Math.sign(value);

describe('delta values', () => {
  it('type a column by its value: numbers (or numeric text), ISO 8601 instants, other text', () => {
    // Assess
    expect([9, '10', '-1.5e3', '9007199254740993'].map(deltaTypeOf)).toEqual([
      'number',
      'number',
      'number',
      'number',
    ]);
    expect(
      ['2026-03-01', '2026-03-01T10:00:00+02:00', '2026-03-01 10:00:00', '2026-03-01T10:00:00.123456Z'].map(
        deltaTypeOf,
      ),
    ).toEqual(['instant', 'instant', 'instant', 'instant']);
    expect(['2026-02-30', 'v2', '10:00', ''].map(deltaTypeOf)).toEqual(['text', 'text', 'text', 'text']);
    expect(isDeltaOfType('n/a', 'number')).toBe(false);
    expect(isDeltaOfType(7, 'instant')).toBe(false);
  });

  it('compare numbers exactly, beyond 2^53 and in any spelling', () => {
    // Assess
    expect(sign(compareDeltas('10', '9', 'number'))).toBe(1);
    expect(sign(compareDeltas('9007199254740993', '9007199254740992', 'number'))).toBe(1);
    expect(sign(compareDeltas('-1.5', '-1.25', 'number'))).toBe(-1);
    expect(sign(compareDeltas('0.05', 0.05, 'number'))).toBe(0);
    expect(sign(compareDeltas(1e21, '1000000000000000000001', 'number'))).toBe(-1);
    expect(sign(compareDeltas('0', '-0.00', 'number'))).toBe(0);
    expect(canonicalDelta('10', 'number')).toBe(canonicalDelta('1.0e1', 'number'));
  });

  it('compare instants as the instants they name, whatever the offset or the fraction of a second', () => {
    // Assess
    expect(sign(compareDeltas('2026-03-01T11:00:00+02:00', '2026-03-01T10:00:00Z', 'instant'))).toBe(-1);
    expect(sign(compareDeltas('2026-03-01T00:00:04.5Z', '2026-03-01T00:00:04Z', 'instant'))).toBe(1);
    expect(sign(compareDeltas('2026-03-01T00:00:04.000001Z', '2026-03-01T00:00:04.000002Z', 'instant'))).toBe(
      -1,
    );
    expect(sign(compareDeltas('2026-03-01 00:00:04', '2026-03-01T00:00:04.000Z', 'instant'))).toBe(0);
    expect(canonicalDelta('2026-03-01T02:00:00+0200', 'instant')).toBe(
      canonicalDelta('2026-03-01T00:00:00Z', 'instant'),
    );
  });

  it('write an earlier instant as the source writes its own', () => {
    // Assess
    expect(instantBefore('2026-03-01T00:02:04.500+02:00', 300)).toBe('2026-02-28T23:57:04.500+02:00');
    expect(instantBefore('2026-03-01 10:00', 300)).toBe('2026-03-01 09:55');
    expect(instantBefore('2026-03-01', 300)).toBe('2026-02-28');
    expect(instantBefore('0050-01-01T00:10:00Z', 300)).toBe('0050-01-01T00:05:00Z');
    expect(instantBefore('not a time', 300)).toBeUndefined();
  });
});
