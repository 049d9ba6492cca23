/** The HttpProblem a promise rejects with; any other outcome fails the test. */
import { HttpProblem } from '../../lambdas/http/problem';

export async function problem(promise: Promise<unknown>): Promise<HttpProblem> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof HttpProblem)) throw new Error(`expected an HttpProblem, got ${String(error)}`);
  return error;
}
