/**
 * IAM policy documents as the evaluator reads them: each statement's Effect, Action/NotAction,
 * Resource/NotResource and Condition, with single values listed; a condition operator the evaluator does not honour
 * is refused here, never evaluated as if it were absent.
 */
import { TemplateError } from '../template/intrinsics';
import { assertSupportedCondition, type Condition, type PolicyStatement } from './policy-evaluator';

export const list = (value: unknown): string[] | undefined =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map((item) => String(item));

/** One statement; `allowPrincipal` for a trust policy's, whose Principal the caller reads itself. */
export function statementOf(raw: unknown, where: string, allowPrincipal = false): PolicyStatement {
  const statement = raw as Record<string, unknown>;
  const effect = statement['Effect'];
  if (effect !== 'Allow' && effect !== 'Deny')
    throw new TemplateError(`${where}: a statement's Effect is ${String(effect)}`);
  if (!allowPrincipal && ('Principal' in statement || 'NotPrincipal' in statement))
    throw new TemplateError(`${where}: an identity policy statement names a principal`);
  const condition = statement['Condition'] as Record<string, Record<string, unknown>> | undefined;
  const normalized: Condition | undefined = condition
    ? Object.fromEntries(
        Object.entries(condition).map(([operator, keys]) => [
          operator,
          Object.fromEntries(Object.entries(keys).map(([key, value]) => [key, list(value) ?? []])),
        ]),
      )
    : undefined;
  if (normalized) assertSupportedCondition(normalized);
  const actions = list(statement['Action']);
  const notActions = list(statement['NotAction']);
  const resources = list(statement['Resource']);
  const notResources = list(statement['NotResource']);
  if (!actions === !notActions || !resources === !notResources)
    throw new TemplateError(
      `${where}: a statement needs exactly one of Action/NotAction and of Resource/NotResource`,
    );
  return {
    effect,
    ...(actions ? { actions } : { notActions: notActions ?? [] }),
    ...(resources ? { resources } : { notResources: notResources ?? [] }),
    ...(normalized ? { condition: normalized } : {}),
  };
}

/** The statements of a (resolved) policy document: a session policy, or an identity policy of the template. */
export function policyDocumentStatements(document: unknown, where: string): PolicyStatement[] {
  const statements = (document as { Statement?: unknown } | undefined)?.Statement;
  return (Array.isArray(statements) ? statements : statements ? [statements] : []).map((statement) =>
    statementOf(statement, where),
  );
}
