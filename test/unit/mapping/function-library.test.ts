import { describe, expect, it } from 'vitest';
import { FUNCTION_NAMES } from '../../../lambdas/core/mapping/functions/function-library';

/** Every name offered, each with its tests in the file of its category (and its line in docs/data-prep.md). */
const OFFERED = {
  'string-functions.test.ts': [
    'concat',
    'explode',
    'instr',
    'replacestr',
    'substr',
    'lower',
    'lcase',
    'upper',
    'ucase',
    'split',
    'join',
    'lpad',
    'rpad',
    'left',
    'right',
    'ltrim',
    'rtrim',
    'trim',
    'equals',
    'equalsignorecase',
  ],
  'regex-functions.test.ts': ['extract_regex', 'matches_regex'],
  'hashing-functions.test.ts': ['sha1', 'sha256', 'sha512', 'md5', 'crc32'],
  'url-functions.test.ts': [
    'get_url_protocol',
    'get_url_host',
    'get_url_port',
    'get_url_path',
    'get_url_query_str',
    'get_url_encoded',
    'get_url_decoded',
  ],
  'date-functions.test.ts': [
    'now',
    'timestamp',
    'format',
    'dformat',
    'date',
    'date_part',
    'set_date_part',
    'make_date_time',
    'make_timestamp',
    'zone_date_to_utc',
    'zone_date_to_zone',
  ],
  'object-functions.test.ts': [
    'is_empty',
    'arrays_to_object',
    'to_object',
    'str_to_object',
    'contains_key',
    'nullify',
    'get_keys',
    'get_values',
  ],
  'map-functions.test.ts': [
    'map_get_values',
    'map_has_keys',
    'add_to_map',
    'object_to_map',
    'array_to_map',
    'to_map',
  ],
  'array-functions.test.ts': [
    'coalesce',
    'first',
    'last',
    'add_to_array',
    'join_arrays',
    'to_array',
    'size_of',
  ],
  'logical-functions.test.ts': ['decode', 'iif', 'min', 'max'],
  'conversion-functions.test.ts': [
    'to_bigint',
    'to_decimal',
    'to_float',
    'to_integer',
    'json_to_object',
    'uuid',
    'guid',
  ],
};

describe('the function library', () => {
  it('offers exactly the functions the tests and the documentation cover', () => {
    // Prepare
    const covered = Object.values(OFFERED).flat().sort();

    // Act
    const offered = [...FUNCTION_NAMES];

    // Assess
    expect(offered).toEqual(covered);
  });
});
