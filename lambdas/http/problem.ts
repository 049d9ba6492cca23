/**
 * Errors as RFC 9457 problem details (`application/problem+json`): `type`, `title`, `status`, `detail`, a machine
 * `code`, and for validation a list of violations pointing at the offending field. The core throws DomainErrors;
 * this is the one place their kinds become statuses.
 */
import type { DomainError, ErrorKind, Violation } from '../core/errors/domain-error';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  violations?: Violation[];
  instance?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://tributary.dev/problems/';

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly violations?: readonly Violation[],
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }

  toBody(instance?: string): ProblemBody {
    return {
      type: PROBLEM_TYPE_BASE + this.code,
      title: this.title,
      status: this.status,
      detail: this.detail,
      code: this.code,
      ...(this.violations ? { violations: [...this.violations] } : {}),
      ...(instance ? { instance } : {}),
    };
  }
}

/** Each kind of domain error as the status and title it is answered with. */
const STATUS_OF_KIND: Readonly<Record<ErrorKind, readonly [number, string]>> = {
  invalid: [400, 'Bad Request'],
  unauthenticated: [401, 'Unauthorized'],
  forbidden: [403, 'Forbidden'],
  'not-found': [404, 'Not Found'],
  conflict: [409, 'Conflict'],
  'too-large': [413, 'Payload Too Large'],
  unprocessable: [422, 'Unprocessable Content'],
  throttled: [429, 'Too Many Requests'],
  internal: [500, 'Internal Server Error'],
  'upstream-failed': [502, 'Bad Gateway'],
  unavailable: [503, 'Service Unavailable'],
};

/** The status a kind of domain error is answered with. */
export const statusOfKind = (kind: ErrorKind): number => STATUS_OF_KIND[kind][0];

/** The problem a domain error is answered with. */
export function problemOfDomainError(error: DomainError): HttpProblem {
  const [status, title] = STATUS_OF_KIND[error.kind];
  const headers =
    error.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(error.retryAfterSeconds) };
  return new HttpProblem(status, error.code, title, error.message, error.violations, headers);
}

export const unsupportedMediaType = (detail: string): HttpProblem =>
  new HttpProblem(415, 'unsupported-media-type', 'Unsupported Media Type', detail);
