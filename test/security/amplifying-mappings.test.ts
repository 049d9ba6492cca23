/**
 * Amplifying mappings through `POST /mappingSets/preview`, which any `read` key may call: rules that multiply a small
 * request into gigabytes (`lpad`, `concat`, many rules writing large texts) or into millions of evaluations (`[*]`
 * over a long array under nested calls). Each is answered 400 problem+json naming the rule that went over a bound,
 * and the runtime keeps answering others meanwhile and after; a literal count no row could be padded to is refused
 * when the set is created.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BUILT_LENGTH } from '../../lambdas/core/mapping/functions/function-types';
import { BatchApi, expectProblem } from '../support/batch-api';
import { startRuntimeUnderTest, type RuntimeUnderTest } from '../e2e/local-runtime';

const expression = (source: string, destination: string) => ({
  sourceType: 'EXPRESSION',
  source,
  destination,
});

/** Each rule writes a text of a million characters: forty of them are 40 MB from a 3 KB request. */
const WIDE_RULES = Array.from({ length: 40 }, (_, index) =>
  expression(`lpad("a", ${MAX_BUILT_LENGTH - 1}, "x")`, `wide${index}`),
);

/** Ten nested calls on each of 100,000 elements: a million evaluations from a 500 KB request. */
const NESTED_CALLS = `${'upper('.repeat(10)}trim(items[*])${')'.repeat(10)}`;

interface Problem {
  readonly code: string;
  readonly detail: string;
  readonly violations: { pointer: string; keyword: string; message: string }[];
}

describe('amplifying mappings are bounded', () => {
  let subject: RuntimeUnderTest;
  let api: BatchApi;

  const preview = (mappings: unknown[], rows: unknown[]) =>
    api.send('/mappingSets/preview', { method: 'POST', json: { mappings, rows } });

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
    api = new BatchApi(subject.runtime.url, subject.runtime.adminKey);
  });
  afterAll(async () => {
    await subject?.stop();
  });

  it('a preview whose rules write more than the output bound answers 400 naming the rule, while a normal preview is answered', async () => {
    // Act
    const [hostile, normal] = await Promise.all([
      preview(WIDE_RULES, [{}]),
      preview([expression('upper(name)', 'name')], [{ name: 'ada' }]),
    ]);

    // Assess
    expectProblem(hostile, 400, 'mapping-limit-exceeded', ['/mappings/4']);
    expect((hostile.body as Problem).detail).toContain('mapping 4 (wide4)');
    expect(normal.status).toBe(200);
    expect(normal.body).toMatchObject({ rows: [{ name: 'ADA' }] });
  });

  it('concat of two padded texts over the bound of one value answers 400 naming the rule', async () => {
    // Act
    const answer = await preview(
      [
        expression('name', 'name'),
        expression(
          `concat(lpad(name, ${MAX_BUILT_LENGTH - 1}, "x"), lpad(name, ${MAX_BUILT_LENGTH - 1}, "y"))`,
          'big',
        ),
      ],
      [{ name: 'ada' }],
    );

    // Assess
    expectProblem(answer, 400, 'mapping-limit-exceeded', ['/mappings/1']);
    expect((answer.body as Problem).violations[0]!.message).toContain(
      `over the bound of ${MAX_BUILT_LENGTH}`,
    );
  });

  it('[*] over a long array under nested calls answers 400 for its steps, and the runtime answers the next request', async () => {
    // Prepare
    const items = Array.from({ length: 100_000 }, () => 'a');

    // Act
    const hostile = await preview([expression(NESTED_CALLS, 'out[*]')], [{ items }]);
    const after = await api.send('/mappingSets?limit=1');

    // Assess
    expectProblem(hostile, 400, 'mapping-limit-exceeded', ['/mappings/0']);
    expect((hostile.body as Problem).violations[0]!.message).toContain('steps');
    expect(after.status).toBe(200);
  });

  it('a mapping set padding to a literal count over the bound is refused when created, naming the rule', async () => {
    // Act
    const answer = await api.send('/mappingSets', {
      method: 'POST',
      json: {
        name: 'Padded',
        mappings: [
          expression('name', 'name'),
          expression(`rpad(name, ${MAX_BUILT_LENGTH + 1}, "x")`, 'padded'),
        ],
      },
    });

    // Assess
    expectProblem(answer, 400, 'invalid-mapping-set', ['/mappings/1/source']);
    expect((answer.body as Problem).violations[0]).toMatchObject({ keyword: 'mapping-limit-exceeded' });
  });
});
