import { describe, expect, it } from 'vitest';
import {
  assertSupportedCondition,
  evaluate,
  PolicyError,
  type PolicyStatement,
} from '../../../local/iam/policy-evaluator';

const TABLE = 'arn:aws:dynamodb:us-east-1:000000000000:table/api-keys';

describe('policy evaluator', () => {
  it('allows an action a statement grants on the resource, with wildcards in action and resource', () => {
    // Prepare
    const statements: PolicyStatement[] = [
      { effect: 'Allow', actions: ['dynamodb:Get*'], resources: ['arn:aws:dynamodb:*:*:table/api-?eys'] },
    ];

    // Act
    const decision = evaluate(statements, { action: 'dynamodb:GetItem', resource: TABLE });

    // Assess
    expect(decision).toBe('allow');
  });

  it('matches actions case-insensitively and resources case-sensitively, as IAM does', () => {
    // Prepare
    const statements: PolicyStatement[] = [
      { effect: 'Allow', actions: ['DynamoDB:getitem'], resources: [TABLE] },
    ];

    // Act
    const sameCase = evaluate(statements, { action: 'dynamodb:GetItem', resource: TABLE });
    const otherCase = evaluate(statements, { action: 'dynamodb:GetItem', resource: TABLE.toUpperCase() });

    // Assess
    expect(sameCase).toBe('allow');
    expect(otherCase).toBe('implicit-deny');
  });

  it('denies implicitly what no statement allows: another action or another resource', () => {
    // Prepare
    const statements: PolicyStatement[] = [
      { effect: 'Allow', actions: ['dynamodb:GetItem'], resources: [TABLE] },
    ];

    // Act
    const write = evaluate(statements, { action: 'dynamodb:PutItem', resource: TABLE });
    const otherTable = evaluate(statements, { action: 'dynamodb:GetItem', resource: `${TABLE}-2` });

    // Assess
    expect([write, otherTable]).toEqual(['implicit-deny', 'implicit-deny']);
  });

  it('lets an explicit deny win over any allow', () => {
    // Prepare
    const statements: PolicyStatement[] = [
      { effect: 'Allow', actions: ['*'], resources: ['*'] },
      { effect: 'Deny', actions: ['dynamodb:DeleteItem'], resources: [TABLE] },
    ];

    // Act
    const decision = evaluate(statements, { action: 'dynamodb:DeleteItem', resource: TABLE });

    // Assess
    expect(decision).toBe('explicit-deny');
  });

  it('inverts the match of NotAction and NotResource', () => {
    // Prepare
    const statements: PolicyStatement[] = [
      { effect: 'Allow', notActions: ['dynamodb:Delete*'], notResources: [`${TABLE}/index/*`] },
    ];

    // Act
    const read = evaluate(statements, { action: 'dynamodb:GetItem', resource: TABLE });
    const remove = evaluate(statements, { action: 'dynamodb:DeleteItem', resource: TABLE });
    const index = evaluate(statements, { action: 'dynamodb:Query', resource: `${TABLE}/index/gsi1` });

    // Assess
    expect([read, remove, index]).toEqual(['allow', 'implicit-deny', 'implicit-deny']);
  });

  it('evaluates the conditions of a fine-grained grant: attributes for all values, and return values', () => {
    // Prepare: the authorizer's grant to record when a key was last used
    const statements: PolicyStatement[] = [
      {
        effect: 'Allow',
        actions: ['dynamodb:UpdateItem'],
        resources: [TABLE],
        condition: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['keyId', 'lastUsedAt'] },
          StringEquals: { 'dynamodb:ReturnValues': ['NONE'] },
        },
      },
    ];
    const request = (attributes: string[], returnValues: string) => ({
      action: 'dynamodb:UpdateItem',
      resource: TABLE,
      context: { 'dynamodb:Attributes': attributes, 'dynamodb:ReturnValues': returnValues },
    });

    // Act
    const touch = evaluate(statements, request(['keyId', 'lastUsedAt'], 'NONE'));
    const escalate = evaluate(statements, request(['keyId', 'lastUsedAt', 'role'], 'NONE'));
    const readBack = evaluate(statements, request(['keyId', 'lastUsedAt'], 'ALL_NEW'));

    // Assess
    expect([touch, escalate, readBack]).toEqual(['allow', 'implicit-deny', 'implicit-deny']);
  });

  it('treats a condition key the request lacks as failing, unless the operator says IfExists', () => {
    // Prepare
    const statement = (operator: string): PolicyStatement[] => [
      {
        effect: 'Allow',
        actions: ['s3:GetObject'],
        resources: ['*'],
        condition: { [operator]: { 's3:prefix': ['a/*'] } },
      },
    ];

    // Act
    const strict = evaluate(statement('StringLike'), {
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::b/k',
    });
    const lenient = evaluate(statement('StringLikeIfExists'), {
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::b/k',
    });

    // Assess
    expect([strict, lenient]).toEqual(['implicit-deny', 'allow']);
  });

  it('refuses a condition operator it does not evaluate rather than ignoring it', () => {
    // Act
    const check = () => assertSupportedCondition({ NumericLessThan: { 'aws:MultiFactorAuthAge': ['3600'] } });

    // Assess
    expect(check).toThrow(PolicyError);
  });
});
