/**
 * Errors as RFC 9457 problem details (`application/problem+json`): `type`, `title`, `status`, `detail`, a machine
 * `code`, and for validation a list of violations pointing at the offending field.
 */
export interface Violation {
  /** JSON pointer (RFC 6901) to the offending field, `''` for the whole document. */
  readonly pointer: string;
  /** The rule that failed: a JSON Schema keyword (`type`, `required`, …) or one of ours. */
  readonly keyword: string;
  readonly message: string;
}

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

export const badRequest = (code: string, detail: string, violations?: readonly Violation[]): HttpProblem =>
  new HttpProblem(400, code, 'Bad Request', detail, violations);
export const validationFailed = (detail: string, violations: readonly Violation[]): HttpProblem =>
  new HttpProblem(400, 'validation-failed', 'Bad Request', detail, violations);
export const unauthorized = (detail: string): HttpProblem =>
  new HttpProblem(401, 'unauthorized', 'Unauthorized', detail);
export const forbidden = (detail: string): HttpProblem =>
  new HttpProblem(403, 'forbidden', 'Forbidden', detail);
export const notFound = (what: string, id: string): HttpProblem =>
  new HttpProblem(404, 'not-found', 'Not Found', `${what} '${id}' does not exist`);
export const conflict = (code: string, detail: string): HttpProblem =>
  new HttpProblem(409, code, 'Conflict', detail);
export const payloadTooLarge = (detail: string): HttpProblem =>
  new HttpProblem(413, 'payload-too-large', 'Payload Too Large', detail);
export const unsupportedMediaType = (detail: string): HttpProblem =>
  new HttpProblem(415, 'unsupported-media-type', 'Unsupported Media Type', detail);
export const unprocessable = (code: string, detail: string, violations?: readonly Violation[]): HttpProblem =>
  new HttpProblem(422, code, 'Unprocessable Content', detail, violations);
