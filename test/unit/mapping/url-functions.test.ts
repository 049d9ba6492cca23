import { describe, expect, it } from 'vitest';
import { evaluate, expectValue } from './mapping-fixture';

const ANCHORED = 'foo://example.com:8042/over/there?name=ferret#nose';

describe('URL functions', () => {
  it.each([
    ['get_url_protocol("https://platform.adobe.com/home")', 'https'],
    ['get_url_host("https://platform.adobe.com/home")', 'platform.adobe.com'],
    ['get_url_port("sftp://example.com//home/joe/employee.csv")', 22],
    ['get_url_port("https://example.com:8443/a")', 8443],
    ['get_url_port("https://example.com/a")', 443],
    ['get_url_port("foo://example.com/a")', undefined],
    ['get_url_path("sftp://example.com//home/joe/employee.csv")', '//home/joe/employee.csv'],
    ['get_url_path("sftp://example.com//home/joe/employee.csv", false)', 'employee.csv'],
    [`get_url_query_str("${ANCHORED}", "retain")`, { name: 'ferret#nose' }],
    [`get_url_query_str("${ANCHORED}", "remove")`, { name: 'ferret' }],
    [`get_url_query_str("${ANCHORED}", "append")`, { name: 'ferret', _anchor_: 'nose' }],
    [
      'get_url_query_str("https://a.com/?q=red+shoes&q=x&empty&c=%C3%A9", "remove")',
      { q: 'red shoes', empty: '', c: 'é' },
    ],
    ['get_url_query_str("https://a.com/path", "retain")', undefined],
    [
      'get_url_encoded("https://example.com/partneralliance_asia-pacific_2022")',
      'https%3A%2F%2Fexample.com%2Fpartneralliance_asia-pacific_2022',
    ],
    ['get_url_encoded("a b!*~\'()é")', 'a%20b%21%2A%7E%27%28%29%C3%A9'],
    [
      'get_url_decoded("https%3A%2F%2Fexample.com%2Fpartneralliance_asia-pacific_2022")',
      'https://example.com/partneralliance_asia-pacific_2022',
    ],
    // A text that is not a URL gives null, as Experience Platform documents.
    ['get_url_protocol("not a url")', undefined],
    ['get_url_host("not a url")', undefined],
    ['get_url_port("not a url")', undefined],
    ['get_url_path("not a url")', undefined],
    ['get_url_query_str("not a url", "retain")', undefined],
    ['get_url_host(missing)', undefined],
    ['get_url_encoded(missing)', undefined],
    ['get_url_decoded(missing)', undefined],
  ])('%s gives %j', (expression, expected) => {
    expectValue(expression, expected, {});
  });

  it.each([
    [
      `get_url_query_str("${ANCHORED}", "keep")`,
      'get_url_query_str: argument 2 (anchor) must be "retain", "remove" or "append"',
    ],
    [`get_url_query_str("${ANCHORED}", missing)`, 'get_url_query_str: argument 2 (anchor) is missing'],
    [
      'get_url_path("https://a.com/x", "maybe")',
      'get_url_path: argument 2 (full path) must be a boolean, not text',
    ],
    ['get_url_protocol(items)', 'get_url_protocol: argument 1 (url) must be text, not an array'],
    ['get_url_decoded("%E0%A4%A")', 'get_url_decoded: argument 1 (url) holds a malformed percent-encoding'],
    ['get_url_encoded(items)', 'get_url_encoded: argument 1 (url) must be text, not an array'],
  ])('%s leaves the field out with a warning', (expression, message) => {
    // Prepare
    const row = { items: ['https://a.com'] };

    // Act
    const { value, warnings } = evaluate(expression, row);

    // Assess
    expect(value).toBeUndefined();
    expect(warnings).toEqual([expect.objectContaining({ code: 'expression-error', message })]);
  });
});
