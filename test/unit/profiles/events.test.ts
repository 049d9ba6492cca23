import { describe, expect, it } from 'vitest';
import { eventIdProblem, MAX_EVENT_ID_LENGTH } from '../../../lambdas/core/profiles/events';

describe('event ids', () => {
  it('accepts a non-empty string id up to the key budget', () => {
    // Act
    const problems = [eventIdProblem('e1'), eventIdProblem('x'.repeat(MAX_EVENT_ID_LENGTH))];

    // Assess
    expect(problems).toEqual([undefined, undefined]);
  });

  it.each([[undefined], [''], [42], ['x'.repeat(MAX_EVENT_ID_LENGTH + 1)]])(
    'refuses %j with a reason',
    (id) => {
      // Act
      const problem = eventIdProblem(id);

      // Assess
      expect(problem).toMatch(/_id/);
    },
  );
});
