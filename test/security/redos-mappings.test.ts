/**
 * ReDoS through Data Prep's regex functions, over HTTP on the local runtime: patterns run on RE2, so a catastrophic
 * pattern (`(a+)+$`) on a long hostile value is answered at once, whether the pattern is written in the rule or
 * read from the row, and the runtime answers another preview meanwhile. A literal pattern RE2 cannot run
 * (lookaround, backreferences) is refused when the mapping set is created, naming the rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGEX_INPUT_LIMIT } from '../../lambdas/core/mapping/functions/bounded-regex';
import { BatchApi, expectProblem } from '../support/batch-api';
import { startRuntimeUnderTest, type RuntimeUnderTest } from '../e2e/local-runtime';

const expression = (source: string, destination: string) => ({
  sourceType: 'EXPRESSION',
  source,
  destination,
});

/** As long as a regex function reads: a backtracking engine would take longer than the age of the universe. */
const HOSTILE_CODE = `${'a'.repeat(REGEX_INPUT_LIMIT - 1)}!`;

interface Problem {
  readonly violations: { pointer: string; keyword: string; message: string }[];
}

describe('ReDoS through mapping regexes', () => {
  let subject: RuntimeUnderTest;
  let api: BatchApi;

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
    api = new BatchApi(subject.runtime.url, subject.runtime.adminKey);
  });
  afterAll(async () => {
    await subject?.stop();
  });

  it('a catastrophic pattern, written or read from the row, is matched in linear time while another preview is answered', async () => {
    // Act
    const [hostile, normal] = await Promise.all([
      api.send('/mappingSets/preview', {
        method: 'POST',
        json: {
          mappings: [
            expression('matches_regex(code, "(a+)+$")', 'written'),
            expression('extract_regex(code, pattern)', 'read'),
            expression('explode(code, "(a|aa)+!")', 'parts'),
          ],
          rows: [{ code: HOSTILE_CODE, pattern: '^(a|aa)+$' }],
        },
      }),
      api.send('/mappingSets/preview', {
        method: 'POST',
        json: { mappings: [expression('matches_regex(code, "[a-z]+")', 'ok')], rows: [{ code: 'abc' }] },
      }),
    ]);

    // Assess
    expect(hostile.status, JSON.stringify(hostile.body).slice(0, 500)).toBe(200);
    expect(hostile.body).toMatchObject({ rows: [{ written: false, parts: ['', 'a', ''] }], warnings: [] });
    expect(normal.status).toBe(200);
    expect(normal.body).toMatchObject({ rows: [{ ok: true }] });
  });

  it('a mapping set with a literal pattern RE2 cannot run is refused when created, naming each rule', async () => {
    // Act
    const answer = await api.send('/mappingSets', {
      method: 'POST',
      json: {
        name: 'Backtracking',
        mappings: [
          expression('lower(code)', 'code'),
          expression('matches_regex(code, "^(?!admin).*$")', 'notAdmin'),
          expression('extract_regex(code, "(a+)\\\\1")', 'twice'),
        ],
      },
    });

    // Assess
    expectProblem(answer, 400, 'invalid-mapping-set', ['/mappings/1/source', '/mappings/2/source']);
    const messages = (answer.body as Problem).violations.map((violation) => violation.message);
    expect(messages[0]).toContain('cannot be matched in linear time');
    expect(messages[1]).toContain('backreference');
  });
});
