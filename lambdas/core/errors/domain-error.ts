/**
 * The core's errors: what went wrong as a kind the core decides on (`not-found`, `conflict`, …), a machine `code`,
 * a message, and for invalid input the violations pointing at the offending fields. The core never speaks HTTP: the
 * API adapter (`lambdas/http/problem.ts`) maps a kind to a status and answers problem+json; the workflows catch the
 * error by its name, `DomainError`.
 */

/**
 * Besides the kinds every service has, `unprocessable` is input that is well-formed but names what cannot be used
 * (an unknown dataset in a body, a breaking schema change), `upstream-failed` is a source of ours that failed while
 * we read it, and `internal` is damage the core detects in its own data.
 */
export type ErrorKind =
  | 'invalid'
  | 'unprocessable'
  | 'not-found'
  | 'conflict'
  | 'too-large'
  | 'forbidden'
  | 'unauthenticated'
  | 'throttled'
  | 'unavailable'
  | 'upstream-failed'
  | 'internal';

export interface Violation {
  /** JSON pointer (RFC 6901) to the offending field, `''` for the whole document. */
  readonly pointer: string;
  /** The rule that failed: a JSON Schema keyword (`type`, `required`, …) or one of ours. */
  readonly keyword: string;
  readonly message: string;
}

export interface DomainErrorOptions {
  readonly violations?: readonly Violation[];
  /** For `throttled` and `unavailable`: how long the caller should wait before trying again. */
  readonly retryAfterSeconds?: number;
}

export class DomainError extends Error {
  readonly violations?: readonly Violation[];
  readonly retryAfterSeconds?: number;

  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message);
    // The name is what a state machine's Catch matches (lib/workflows/*.asl.json).
    this.name = 'DomainError';
    this.violations = options.violations;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const isDomainError = (error: unknown, kind?: ErrorKind): error is DomainError =>
  error instanceof DomainError && (kind === undefined || error.kind === kind);

export const invalid = (code: string, message: string, violations?: readonly Violation[]): DomainError =>
  new DomainError('invalid', code, message, { violations });
export const validationFailed = (message: string, violations: readonly Violation[]): DomainError =>
  new DomainError('invalid', 'validation-failed', message, { violations });
export const unauthenticated = (message: string): DomainError =>
  new DomainError('unauthenticated', 'unauthorized', message);
export const forbidden = (message: string, code = 'forbidden'): DomainError =>
  new DomainError('forbidden', code, message);
export const notFound = (what: string, id: string): DomainError =>
  new DomainError('not-found', 'not-found', `${what} '${id}' does not exist`);
export const conflict = (code: string, message: string): DomainError =>
  new DomainError('conflict', code, message);
export const tooLarge = (message: string, code = 'payload-too-large'): DomainError =>
  new DomainError('too-large', code, message);
export const unprocessable = (
  code: string,
  message: string,
  violations?: readonly Violation[],
): DomainError => new DomainError('unprocessable', code, message, { violations });
