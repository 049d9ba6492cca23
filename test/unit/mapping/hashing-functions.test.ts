import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32Of } from '../../../lambdas/core/mapping/functions/hashing-functions';
import { evaluate, expectValue } from './mapping-fixture';

const md5 = (bytes: number[]) => createHash('md5').update(Buffer.from(bytes)).digest('hex');

describe('hashing functions', () => {
  it.each([
    // Experience Platform's documented examples.
    ['sha1("my text", "UTF-8")', 'c3599c11e47719df18a2448690840c5dfcce3c80'],
    ['sha256("my text", "UTF-8")', '7330d2b39ca35eaf4cb95fc846c21ee6a39af698154a83a586ee270a0d372104'],
    [
      'sha512("my text", "UTF-8")',
      'a3d7e45a0d9be5fd4e4b9a3b8c9c2163c21ef708bf11b4232bb21d2a8704ada2cdcd7b367dd0788a89a5c908cfe377aceb1072a7b386b7d4fd2ff68a8fd24d16',
    ],
    ['md5("my text", "UTF-8")', 'd3b96ce8c9fb4e9bd0198d03ba6852c7'],
    ['crc32("my text", "UTF-8")', '8df92e80'],
    // UTF-8 is the default charset; a number is hashed as its text.
    ['sha1("my text")', 'c3599c11e47719df18a2448690840c5dfcce3c80'],
    ['md5(123)', md5([0x31, 0x32, 0x33])],
    // Other charsets, as Java encodes them.
    ['md5("é", "utf-8")', md5([0xc3, 0xa9])],
    ['md5("é", "ISO-8859-1")', md5([0xe9])],
    ['md5("€", "ISO-8859-1")', md5([0x3f])],
    ['md5("é", "US-ASCII")', md5([0x3f])],
    ['md5("A", "UTF-16")', md5([0xfe, 0xff, 0x00, 0x41])],
    ['sha256(missing)', undefined],
    ['crc32(missing)', undefined],
  ])('%s gives %j', (expression, expected) => {
    expectValue(expression, expected, {});
  });

  it('computes the standard CRC-32 (the check value of "123456789" is cbf43926)', () => {
    // Prepare
    const bytes = Buffer.from('123456789');

    // Act
    const crc = crc32Of(bytes);

    // Assess
    expect(crc.toString(16)).toBe('cbf43926');
  });

  it.each([
    ['sha1("a", "EBCDIC")', 'sha1: argument 2 (charset) must be one of UTF-8, UTF-16, ISO-8859-1, US-ASCII'],
    ['sha256(items)', 'sha256: argument 1 (input) must be text, not an array'],
    ['sha512(person)', 'sha512: argument 1 (input) must be text, not an object'],
    ['md5("a", items)', 'md5: argument 2 (charset) must be text, not an array'],
    ['crc32("a", "UTF-32")', 'crc32: argument 2 (charset) must be one of'],
  ])('%s leaves the field out with a warning', (expression, message) => {
    // Prepare
    const row = { items: [1], person: { name: 'Ada' } };

    // Act
    const { value, warnings } = evaluate(expression, row);

    // Assess
    expect(value).toBeUndefined();
    expect(warnings).toEqual([
      expect.objectContaining({
        code: 'expression-error',
        message: expect.stringContaining(message) as unknown,
      }),
    ]);
  });
});
