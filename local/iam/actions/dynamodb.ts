/**
 * DynamoDB requests as IAM sees them: the action is `dynamodb:` + the operation named by `X-Amz-Target`, the
 * resource the table's ARN (its index's ARN when the request names an IndexName); a batch or transaction is one
 * request per table and operation, each of which must be allowed. The condition keys the app's policies use are
 * set: `dynamodb:Attributes` (the attribute names the request names) and `dynamodb:ReturnValues`.
 */
import type { AccessRequest, ConditionValue } from '../policy-evaluator';

export interface ArnScope {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

type Json = Record<string, unknown>;

const TARGET_PREFIX = 'DynamoDB_20120810.';

/** Words of an expression that are its grammar, not attribute names. */
const EXPRESSION_WORDS = new Set(
  [
    'SET',
    'REMOVE',
    'ADD',
    'DELETE',
    'AND',
    'OR',
    'NOT',
    'BETWEEN',
    'IN',
    'attribute_exists',
    'attribute_not_exists',
    'attribute_type',
    'begins_with',
    'contains',
    'size',
    'if_not_exists',
    'list_append',
  ].map((word) => word.toLowerCase()),
);

const EXPRESSION_FIELDS = [
  'UpdateExpression',
  'ConditionExpression',
  'ProjectionExpression',
  'FilterExpression',
  'KeyConditionExpression',
] as const;

/** A name or placeholder that starts a document path: not one after a `.` (`a.b`'s `b` is inside `a`). */
const PATH_START = /(?<![.\w#:])[#:]?[A-Za-z_][A-Za-z0-9_]*/g;

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The attribute names a request names, as `dynamodb:Attributes` holds them: the key, an item's attributes, the
 * legacy AttributesToGet/AttributeUpdates, the names behind `#placeholders` and the plain names in expressions
 * (the top-level name of a document path).
 */
export function requestAttributes(input: Json): string[] {
  const names = new Set<string>();
  for (const field of ['Key', 'Item', 'AttributeUpdates', 'ExclusiveStartKey'] as const) {
    const value = input[field];
    if (isRecord(value)) for (const name of Object.keys(value)) names.add(name);
  }
  const toGet = input['AttributesToGet'];
  if (Array.isArray(toGet)) for (const name of toGet) names.add(String(name));
  const placeholders = input['ExpressionAttributeNames'];
  for (const field of EXPRESSION_FIELDS) {
    const expression = input[field];
    if (typeof expression !== 'string') continue;
    for (const [token] of expression.matchAll(PATH_START)) {
      if (token.startsWith(':')) continue;
      if (token.startsWith('#')) {
        const name = isRecord(placeholders) ? placeholders[token] : undefined;
        if (typeof name === 'string') names.add(name);
        continue;
      }
      if (!EXPRESSION_WORDS.has(token.toLowerCase())) names.add(token);
    }
  }
  return [...names];
}

function tableArn(scope: ArnScope, table: string, index?: unknown): string {
  const base = table.startsWith('arn:')
    ? table
    : `arn:${scope.partition}:dynamodb:${scope.region}:${scope.account}:table/${table}`;
  return typeof index === 'string' ? `${base}/index/${index}` : base;
}

function itemRequest(scope: ArnScope, operation: string, input: Json): AccessRequest {
  const context: Record<string, ConditionValue> = { 'dynamodb:Attributes': requestAttributes(input) };
  if (['PutItem', 'UpdateItem', 'DeleteItem'].includes(operation))
    context['dynamodb:ReturnValues'] =
      typeof input['ReturnValues'] === 'string' ? input['ReturnValues'] : 'NONE';
  return {
    action: `dynamodb:${operation}`,
    resource: tableArn(
      scope,
      typeof input['TableName'] === 'string' ? input['TableName'] : '',
      input['IndexName'],
    ),
    context,
  };
}

/** Transaction elements and the item operation IAM checks for each. */
const TRANSACT_OPERATIONS: Readonly<Record<string, string>> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
};

/** The IAM requests one DynamoDB call makes; [] for a target this mapper does not know (left to the emulator). */
export function dynamoDbAccessRequests(scope: ArnScope, target: string, input: Json): AccessRequest[] {
  if (!target.startsWith(TARGET_PREFIX)) return [];
  const operation = target.slice(TARGET_PREFIX.length);
  const requestItems = isRecord(input['RequestItems']) ? input['RequestItems'] : {};
  switch (operation) {
    case 'ListTables':
      return [{ action: 'dynamodb:ListTables', resource: '*' }];
    case 'BatchGetItem':
    case 'BatchWriteItem':
      // IAM authorizes a batch per table, by the batch action itself.
      return Object.keys(requestItems).map((table) => ({
        action: `dynamodb:${operation}`,
        resource: tableArn(scope, table),
      }));
    case 'TransactWriteItems':
    case 'TransactGetItems': {
      const items = Array.isArray(input['TransactItems']) ? (input['TransactItems'] as unknown[]) : [];
      return items.flatMap((item) =>
        isRecord(item)
          ? Object.entries(item).flatMap(([kind, element]) => {
              const itemOperation = TRANSACT_OPERATIONS[kind];
              return itemOperation && isRecord(element) ? [itemRequest(scope, itemOperation, element)] : [];
            })
          : [],
      );
    }
    default:
      return [itemRequest(scope, operation, input)];
  }
}
