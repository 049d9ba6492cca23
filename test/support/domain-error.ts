/** The DomainError a promise rejects with; any other outcome fails the test. */
import { DomainError } from '../../lambdas/core/errors/domain-error';

export async function domainErrorOf(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return error;
}
