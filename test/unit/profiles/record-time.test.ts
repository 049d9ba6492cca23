import { describe, expect, it } from 'vitest';
import {
  MAX_TIMESTAMP_SKEW_MS,
  recordTimestamp,
  timestampSkewViolation,
} from '../../../lambdas/core/profiles/record-time';

const ARRIVED = '2024-06-01T00:00:00.000Z';
const ahead = (ms: number) => new Date(Date.parse(ARRIVED) + ms).toISOString();

describe('the time of a record', () => {
  it('orders profile records by their timestamp, then _repo.modifyDate, then arrival', () => {
    // Act
    const own = recordTimestamp({ timestamp: '2024-01-01T01:00:00+01:00' }, ARRIVED);
    const repo = recordTimestamp({ _repo: { modifyDate: '2024-01-02T00:00:00Z' } }, ARRIVED);
    const arrival = recordTimestamp({ timestamp: 'soon' }, ARRIVED);

    // Assess
    expect(own).toBe('2024-01-01T00:00:00.000Z');
    expect(repo).toBe('2024-01-02T00:00:00.000Z');
    expect(arrival).toBe(ARRIVED);
  });

  it('refuses a record stamped more than the allowed skew after its arrival, pointing at the field', () => {
    // Act
    const farEvent = timestampSkewViolation('event', { timestamp: '2099-01-01T00:00:00Z' }, ARRIVED);
    const farProfile = timestampSkewViolation(
      'profile',
      { _repo: { modifyDate: ahead(2 * 86_400_000) } },
      ARRIVED,
    );
    const withinSkew = timestampSkewViolation('event', { timestamp: ahead(MAX_TIMESTAMP_SKEW_MS) }, ARRIVED);
    const past = timestampSkewViolation('profile', { timestamp: '2001-01-01T00:00:00Z' }, ARRIVED);
    const noOwnTime = timestampSkewViolation('profile', { tier: 'gold' }, ARRIVED);
    const otherClass = timestampSkewViolation('component', { timestamp: '2099-01-01T00:00:00Z' }, ARRIVED);

    // Assess
    expect(farEvent).toEqual({
      pointer: '/timestamp',
      keyword: 'timestamp-skew',
      message: expect.stringContaining('2099-01-01T00:00:00.000Z is more than 24 hours after') as string,
    });
    expect(farProfile?.pointer).toBe('/_repo/modifyDate');
    expect([withinSkew, past, noOwnTime, otherClass]).toEqual([undefined, undefined, undefined, undefined]);
  });
});
