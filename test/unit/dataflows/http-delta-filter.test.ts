import { describe, expect, it } from 'vitest';
import { NO_PROGRESS } from '../../../lambdas/core/dataflows/dataflow-types';
import { DeltaFilter } from '../../../lambdas/core/dataflows/http-delta-filter';
import { exactJsonText, InexactNumber } from '../../../lambdas/core/exact-json';

const record = (version: unknown) => ({ name: 'Ada', version });
const keeps = (filter: DeltaFilter, value: Record<string, unknown>) =>
  filter.keeps(value, exactJsonText(value));

describe('a delta column holding integers beyond 2^53', () => {
  it('orders them by their exact value, so the next one after the watermark is read and the watermark itself is not', () => {
    // Prepare: the watermark is a 64-bit id the source sent as a number; JSON.parse would read it as …992
    const filter = new DeltaFilter(
      'version',
      { delta: '9007199254740993', deltaType: 'number' },
      NO_PROGRESS,
    );

    // Act
    const kept = [
      keeps(filter, record(new InexactNumber('9007199254740993'))),
      keeps(filter, record(new InexactNumber('9007199254740995'))),
    ];

    // Assess
    expect(kept).toEqual([false, true]);
    expect(filter.progressChange()).toMatchObject({ maxDelta: '9007199254740995', deltaType: 'number' });
  });
});
