import { describe, expect, it } from 'vitest';
import { PROBLEM_GATEWAY_RESPONSES, problemTemplate } from '../../lib/constructs/problem-gateway-responses';

/** Substitutes the placeholders as API Gateway does; the error message arrives as a quoted JSON string. */
const render = (template: string): string =>
  template
    .replaceAll('$context.requestId', 'req-1')
    .replaceAll('$context.error.messageString', JSON.stringify('Limit Exceeded'))
    .replaceAll('$context.authorizer.reason', 'key lacks the admin scope');

describe('problem gateway responses', () => {
  it('render to problem+json bodies whose status matches the response', () => {
    for (const response of PROBLEM_GATEWAY_RESPONSES) {
      // Act
      const { detail, ...body } = JSON.parse(render(problemTemplate(response))) as Record<string, unknown>;

      // Assess
      expect(body).toEqual({
        type: `https://tributary.dev/problems/${response.code}`,
        title: response.title,
        status: response.status,
        code: response.code,
        instance: 'req-1',
      });
      expect(typeof detail).toBe('string');
    }
  });

  it('carry the authorizer reason as the detail of a 403', () => {
    // Prepare
    const accessDenied = PROBLEM_GATEWAY_RESPONSES.find((response) => response.status === 403)!;

    // Act
    const body = JSON.parse(render(problemTemplate(accessDenied))) as { detail: string };

    // Assess
    expect(body.detail).toBe('key lacks the admin scope');
  });

  it('use only the placeholders the local runtime substitutes', () => {
    // Act
    const placeholders = new Set(
      PROBLEM_GATEWAY_RESPONSES.flatMap((response) => problemTemplate(response).match(/\$[\w.]+/g) ?? []),
    );

    // Assess
    expect([...placeholders].sort()).toEqual([
      '$context.authorizer.reason',
      '$context.error.messageString',
      '$context.requestId',
    ]);
  });
});
