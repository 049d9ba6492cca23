import { describe, expect, it } from 'vitest';
import { evaluate, expectValue } from './mapping-fixture';

const ROW = {
  evars: { evar: { field1: 'x', empty: null } },
  book: { book1: 'Pride and Prejudice', book2: '1984' },
  skus: ['id1', 'id2'],
  prices: [22.5, 14.35],
  list: [1],
};

describe('object functions', () => {
  it.each([
    ['is_empty([1, null, 2, 3])', false],
    ['is_empty([])', true],
    ['is_empty({})', true],
    ['is_empty("")', true],
    ['is_empty(missing)', true],
    ['is_empty(0)', false],
    ['is_empty(book)', false],
    [
      'arrays_to_object("sku", explode("id1|id2", "\\\\|"), "price", [22.5, 14.35])',
      [
        { sku: 'id1', price: 22.5 },
        { sku: 'id2', price: 14.35 },
      ],
    ],
    ['arrays_to_object("sku", skus, "price", [1])', [{ sku: 'id1', price: 1 }, { sku: 'id2' }]],
    ['arrays_to_object("sku", missing)', []],
    ['to_object("firstName", "John", "lastName", "Doe")', { firstName: 'John', lastName: 'Doe' }],
    ['to_object("a", missing, "b", 1, "b", 2)', { b: 1 }],
    ['to_object(1, "one")', { 1: 'one' }],
    [
      'str_to_object("firstName=John,lastName=Doe,phone=123 456 7890", "=", ",")',
      { firstName: 'John', lastName: 'Doe', phone: '123 456 7890' },
    ],
    ['str_to_object("firstName - John ; lastName - ; - 123", "-", ";")', { firstName: 'John', lastName: '' }],
    ['str_to_object("a:1,b:2")', { a: '1', b: '2' }],
    ['str_to_object("firstName - John ; phone - 555", "-", ";").get("firstName")', 'John'],
    ['str_to_object("a:1").get("zzz")', undefined],
    ['str_to_object(missing)', undefined],
    ['contains_key("evars.evar.field1")', true],
    ['contains_key("evars.evar.empty")', true],
    ['contains_key("evars.evar.field2")', false],
    ['contains_key("skus[1]")', true],
    ['contains_key("skus[2]")', false],
    ['contains_key("constructor")', false],
    ['nullify()', undefined],
    ['get_keys(book)', ['book1', 'book2']],
    ['get_keys({"book1": "Pride and Prejudice", "book2": "1984"})', ['book1', 'book2']],
    ['get_keys(missing)', undefined],
    [
      'get_values("firstName - John , lastName - Cena , phone - 555 420 8692", "firstName", "-", ",")',
      'John',
    ],
    ['get_values("a:1,b:2", "b", missing)', '2'],
    ['get_values("a=1;b=2", "b", "=", ";")', '2'],
    ['get_values("a:1", "zzz", ":")', undefined],
    ['get_values(missing, "a", ":")', undefined],
  ])('%s gives %j', (expression, expected) => {
    expectValue(expression, expected, ROW);
  });

  it.each([
    [
      'arrays_to_object("sku", "not an array")',
      'arrays_to_object: argument 2 (values) must be an array, not text',
    ],
    ['arrays_to_object(missing, skus)', 'arrays_to_object: argument 1 (key) is missing'],
    ['to_object(list, 1)', 'to_object: argument 1 (key) must be text, not an array'],
    ['str_to_object(list)', 'str_to_object: argument 1 (input) must be text, not an array'],
    ['contains_key("a..b")', 'contains_key: argument 1 (path): empty field name at character 2'],
    ['contains_key("skus[*]")', 'contains_key: argument 1 (path) cannot use [*]'],
    ['contains_key(missing)', 'contains_key: argument 1 (path) is missing'],
    ['get_keys("text")', 'get_keys: argument 1 (object) must be an object, not text'],
    ['get_values("a:1", missing, ":")', 'get_values: argument 2 (key) is missing'],
  ])('%s leaves the field out with a warning', (expression, message) => {
    // Prepare
    const row = ROW;

    // Act
    const { value, warnings } = evaluate(expression, row);

    // Assess
    expect(value).toBeUndefined();
    expect(warnings).toEqual([expect.objectContaining({ code: 'expression-error', message })]);
  });

  it('nullify() leaves the destination out without a warning', () => {
    // Prepare
    const row = { secret: 's3cr3t' };

    // Act
    const outcome = evaluate('iif(true, nullify(), secret)', row);

    // Assess
    expect(outcome).toEqual({ value: undefined, warnings: [] });
  });
});
