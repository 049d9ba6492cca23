import { describe, expect, it } from 'vitest';
import { refusalOf } from '../../../lambdas/adapters/dynamo-refusals';
import { StoreRefusal } from '../../../lambdas/core/profiles/profile-ports';

const dynamoError = (name: string, message: string) => Object.assign(new Error(message), { name });

describe("DynamoDB's refusals of an item", () => {
  it('tells a refusal of what the item holds from errors a retry may cure or the code must fix', () => {
    // Act
    const tooLarge = refusalOf(
      dynamoError('ValidationException', 'Item size has exceeded the maximum allowed size'),
      'the fragment',
    );
    const content = refusalOf(
      dynamoError('ValidationException', 'One or more parameter values were invalid: hash key too long'),
      'the fragment',
    );
    const notTheItem = [
      dynamoError('ValidationException', 'Invalid ConditionExpression: Syntax error; token: "="'),
      dynamoError('ValidationException', 'The provided key element does not match the schema'),
      dynamoError(
        'ProvisionedThroughputExceededException',
        'Rate of requests exceeds the allowed throughput',
      ),
      dynamoError('InternalServerError', 'Internal server error'),
      new TypeError('fetch failed'),
    ].map((error) => refusalOf(error, 'the fragment'));

    // Assess
    expect(tooLarge).toBeInstanceOf(StoreRefusal);
    expect(tooLarge).toMatchObject({
      kind: 'too-large',
      message: expect.stringContaining('400 KB') as string,
    });
    expect(content).toMatchObject({
      kind: 'refused',
      message: 'DynamoDB refused the fragment: One or more parameter values were invalid: hash key too long',
    });
    expect(notTheItem).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});
