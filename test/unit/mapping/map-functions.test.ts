import { describe, expect, it } from 'vitest';
import { evaluate, expectValue } from './mapping-fixture';

const ADDRESSES = [
  { line1: '345 park ave', type: 'home' },
  { line1: '1 main st', type: 'work' },
  { line1: '9 side rd', type: 'home' },
  { line1: 'no type' },
];

const ROW = {
  book_details: { author: 'George R. R. Martin', price: 17.99, ISBN: 'ISBN-978-0553801477' },
  book_details2: {
    author: 'Neil Gaiman',
    price: 17.99,
    ISBN: 'ISBN-0-380-97365-0',
    publisher: 'William Morrow',
  },
  address: { line1: '345 park ave', City: 'san jose' },
  addresses: ADDRESSES,
};

describe('map functions', () => {
  it.each([
    ['map_get_values(book_details, "author")', 'George R. R. Martin'],
    [
      'map_get_values(book_details, ["author", "price", "missing", "author"])',
      ['George R. R. Martin', 17.99],
    ],
    ['map_get_values(book_details, "nope")', undefined],
    ['map_get_values(missing, "author")', undefined],
    ['map_has_keys(book_details, "author")', true],
    ['map_has_keys(book_details, ["nope", "ISBN"])', true],
    ['map_has_keys(book_details, ["nope"])', false],
    ['map_has_keys(missing, "a")', undefined],
    [
      'add_to_map(book_details, book_details2)',
      {
        author: 'George R. R. Martin',
        price: 17.99,
        ISBN: 'ISBN-978-0553801477',
        publisher: 'William Morrow',
      },
    ],
    ['add_to_map(missing, {"a": 1})', { a: 1 }],
    ['object_to_map("firstName", "John", "lastName", "Doe")', { firstName: 'John', lastName: 'Doe' }],
    ['object_to_map(address)', { line1: '345 park ave', City: 'san jose' }],
    ['object_to_map(addresses, "type")', { home: ADDRESSES[0], work: ADDRESSES[1] }],
    ['object_to_map(missing)', undefined],
    ['array_to_map(addresses, "type")', { home: ADDRESSES[0], work: ADDRESSES[1] }],
    ['array_to_map(missing, "type")', undefined],
    ['to_map("firstName", "John", "lastName", "Doe")', { firstName: 'John', lastName: 'Doe' }],
  ])('%s gives %j', (expression, expected) => {
    expectValue(expression, expected, ROW);
  });

  it.each([
    ['map_get_values("text", "a")', 'map_get_values: argument 1 (map) must be an object, not text'],
    [
      'map_get_values(book_details, [["a"]])',
      'map_get_values: argument 2 (keys) must be text or an array of texts, not an array',
    ],
    ['map_has_keys(book_details, address)', 'map_has_keys: argument 2 (key) must be text, not an object'],
    ['add_to_map(book_details, "x")', 'add_to_map: argument 2 (map) must be an object, not text'],
    ['object_to_map("a", 1, "b")', 'object_to_map: keys and values come in pairs'],
    ['object_to_map("text")', 'object_to_map: argument 1 (object) must be an object, not text'],
    ['array_to_map(address, "type")', 'array_to_map: argument 1 (objects) must be an array, not an object'],
    ['array_to_map(addresses, missing)', 'array_to_map: argument 2 (key field) is missing'],
    ['to_map(address, 1)', 'to_map: argument 1 (key) must be text, not an object'],
  ])('%s leaves the field out with a warning', (expression, message) => {
    // Prepare
    const row = ROW;

    // Act
    const { value, warnings } = evaluate(expression, row);

    // Assess
    expect(value).toBeUndefined();
    expect(warnings).toEqual([expect.objectContaining({ code: 'expression-error', message })]);
  });
});
