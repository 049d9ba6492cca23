/**
 * IAM's evaluation of identity policies, for the local endpoints: an explicit Deny wins over any Allow, an Allow
 * grants, and what no statement allows is denied (implicitly). Actions match case-insensitively, resources
 * case-sensitively, both with IAM's `*` and `?` wildcards; NotAction and NotResource invert their match. Conditions
 * are evaluated with the operators the app's policies use; a policy with any other operator is refused when it is
 * read (policyStatementsOf), never evaluated as if it were absent.
 */

export type Effect = 'Allow' | 'Deny';

/** A condition key's value in a request: single-valued (`dynamodb:ReturnValues`) or multi-valued (`dynamodb:Attributes`). */
export type ConditionValue = string | readonly string[];

export type Condition = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

export interface PolicyStatement {
  readonly effect: Effect;
  /** Exactly one of actions and notActions is set. */
  readonly actions?: readonly string[];
  readonly notActions?: readonly string[];
  /** Exactly one of resources and notResources is set. */
  readonly resources?: readonly string[];
  readonly notResources?: readonly string[];
  readonly condition?: Condition;
}

export interface AccessRequest {
  /** `service:Action`, e.g. `dynamodb:UpdateItem`. */
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, ConditionValue>>;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
}

const patternCache = new Map<string, RegExp>();

/** IAM's wildcard match: `*` any run of characters, `?` any one; no other character is special. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const key = `${ignoreCase ? 'i' : 'c'}${pattern}`;
  let regex = patternCache.get(key);
  if (!regex) {
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    patternCache.set(key, regex);
  }
  return regex.test(value);
}

type Comparison = (expected: string, actual: string) => boolean;

const COMPARISONS: Readonly<Record<string, Comparison>> = {
  StringEquals: (expected, actual) => expected === actual,
  StringNotEquals: (expected, actual) => expected !== actual,
  StringLike: (expected, actual) => wildcardMatch(expected, actual),
  StringNotLike: (expected, actual) => !wildcardMatch(expected, actual),
  ArnEquals: (expected, actual) => expected === actual,
  ArnLike: (expected, actual) => wildcardMatch(expected, actual),
  Bool: (expected, actual) => expected.toLowerCase() === actual.toLowerCase(),
};

const NEGATED = new Set(['StringNotEquals', 'StringNotLike']);
const SET_QUALIFIERS = new Set(['ForAllValues', 'ForAnyValue']);

interface ParsedOperator {
  readonly qualifier: string | undefined;
  readonly name: string;
  readonly compare: Comparison;
  readonly ifExists: boolean;
}

/** `ForAllValues:StringEqualsIfExists` → its set qualifier, base comparison and IfExists; throws for any other operator. */
function parseOperator(operator: string): ParsedOperator {
  const [qualifier, base = ''] = operator.includes(':') ? operator.split(':', 2) : [undefined, operator];
  const name = base.replace(/IfExists$/, '');
  const compare = COMPARISONS[name];
  if ((qualifier !== undefined && !SET_QUALIFIERS.has(qualifier)) || !compare) {
    throw new PolicyError(`condition operator ${operator} is not evaluated locally`);
  }
  return { qualifier, name, compare, ifExists: base !== name };
}

/** Throws unless every operator of the condition is one this evaluator honours. */
export function assertSupportedCondition(condition: Condition): void {
  for (const operator of Object.keys(condition)) parseOperator(operator);
}

function operatorHolds(
  operator: string,
  expected: readonly string[],
  actual: ConditionValue | undefined,
): boolean {
  const { qualifier, name, compare, ifExists } = parseOperator(operator);
  const matchesOne = (value: string) =>
    NEGATED.has(name) ? expected.every((e) => compare(e, value)) : expected.some((e) => compare(e, value));
  if (qualifier === 'ForAllValues') {
    // An absent or empty key satisfies ForAllValues, as in IAM.
    const values = actual === undefined ? [] : typeof actual === 'string' ? [actual] : actual;
    return values.every(matchesOne);
  }
  if (actual === undefined) return ifExists;
  const values = typeof actual === 'string' ? [actual] : actual;
  if (qualifier === 'ForAnyValue') return values.some(matchesOne);
  return values.length > 0 && values.every(matchesOne);
}

function conditionHolds(condition: Condition | undefined, request: AccessRequest): boolean {
  if (!condition) return true;
  return Object.entries(condition).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) =>
      operatorHolds(operator, expected, request.context?.[key]),
    ),
  );
}

function statementApplies(statement: PolicyStatement, request: AccessRequest): boolean {
  const actionMatch = (patterns: readonly string[]) =>
    patterns.some((pattern) => wildcardMatch(pattern, request.action, true));
  const resourceMatch = (patterns: readonly string[]) =>
    patterns.some((pattern) => wildcardMatch(pattern, request.resource));
  const action = statement.actions
    ? actionMatch(statement.actions)
    : !actionMatch(statement.notActions ?? []);
  const resource = statement.resources
    ? resourceMatch(statement.resources)
    : !resourceMatch(statement.notResources ?? []);
  return action && resource && conditionHolds(statement.condition, request);
}

export function evaluate(statements: readonly PolicyStatement[], request: AccessRequest): Decision {
  const applying = statements.filter((statement) => statementApplies(statement, request));
  if (applying.some((statement) => statement.effect === 'Deny')) return 'explicit-deny';
  return applying.some((statement) => statement.effect === 'Allow') ? 'allow' : 'implicit-deny';
}
