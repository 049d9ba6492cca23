import { describe, expect, it } from 'vitest';
import { startedOnce } from '../../../lambdas/adapters/handler-shell';

describe('startedOnce', () => {
  it('starts the dependencies on first use and keeps them for every later event', async () => {
    // Prepare
    let starts = 0;
    const deps = startedOnce(() => ({ started: ++starts }));

    // Act
    const [first, second] = await Promise.all([deps(), deps()]);
    const third = await deps();

    // Assess
    expect([first, second, third]).toEqual([{ started: 1 }, { started: 1 }, { started: 1 }]);
  });

  it('does not keep a failed start: the next event starts again', async () => {
    // Prepare
    let starts = 0;
    const deps = startedOnce(async () => {
      starts += 1;
      if (starts === 1) throw new Error('the secret could not be read');
      return { started: starts };
    });

    // Act
    const failure = await deps().catch((error: Error) => error.message);
    const retried = await deps();

    // Assess
    expect(failure).toBe('the secret could not be read');
    expect(retried).toEqual({ started: 2 });
  });

  it('turns a start that throws synchronously into a rejection', async () => {
    // Prepare
    const deps = startedOnce((): never => {
      throw new Error('a variable is not set');
    });

    // Act
    const failure = await deps().catch((error: Error) => error.message);

    // Assess
    expect(failure).toBe('a variable is not set');
  });
});
