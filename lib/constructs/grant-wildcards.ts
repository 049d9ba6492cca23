import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
// cdk-nag's own flattening, so the finding ids computed here are exactly the ones the AwsSolutions pack reports.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';

/** A wildcard resource a grant produces under one resource's ARN, e.g. a table's `index/*`. */
export interface ArnWildcard {
  /** The ARN (usually a token) the wildcard hangs off. */
  readonly arn: string;
  /** What follows the ARN, e.g. `/index/*` or `/*`. */
  readonly suffix: string;
}

/** The wildcards one least-privilege grant holds by construction, and why each is still least privilege. */
export interface ExpectedWildcards {
  /** Wildcard actions, e.g. `kms:GenerateDataKey*`. */
  readonly actions?: readonly string[];
  readonly resources?: readonly ArnWildcard[];
  readonly reason: string;
}

const IAM5 = 'AwsSolutions-IAM5';

/**
 * Acknowledges, on `principal` (a role and its policies), the AwsSolutions-IAM5 findings that these grants produce
 * — each finding by its full id, nothing broader. A wildcard not declared here still fails the check.
 *
 * A resource finding names the ARN as the principal's template spells it: for a resource of another stack that is
 * an import of that stack's export, known only once the app is prepared. Those ids are therefore computed in a
 * validation hook, which the framework runs after references are resolved and before validation plugins.
 */
export function acknowledgeGrantWildcards(principal: IConstruct, expected: ExpectedWildcards): void {
  const { reason } = expected;
  for (const action of expected.actions ?? []) {
    Validations.of(principal).acknowledge({ id: `${IAM5}[Action::${action}]`, reason });
  }
  const resources = expected.resources ?? [];
  if (resources.length === 0) return;
  principal.node.addValidation({
    validate: () => {
      const stack = Stack.of(principal);
      for (const { arn, suffix } of resources) {
        const resource = flattenCfnReference(stack.resolve(arn)) + suffix;
        Validations.of(principal).acknowledge({ id: `${IAM5}[Resource::${resource}]`, reason });
      }
      return [];
    },
  });
}
