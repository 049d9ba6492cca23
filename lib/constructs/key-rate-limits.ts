import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { PROBLEM_TYPE_BASE } from '../../lambdas/http/problem';

/**
 * The WAF evaluation window of the per-key limit, and so the Retry-After of its 429: 60 s is the shortest WAF offers,
 * so a throttled key is served again soonest.
 */
export const KEY_RATE_WINDOW_SECONDS = 60;
/**
 * Requests one key may make per window, by default: 200 a second on average, a fifth of the stage's 1,000, so no key
 * (nor a tenant behind one) can take the stage's whole limit, while a producer sending batched events keeps far more
 * than Experience Platform grants one connection. Tune per deployment with context `tributary:keyRateLimit`.
 */
export const DEFAULT_KEY_RATE_LIMIT = 12_000;
/** WAF's bounds for a rate-based rule's limit. */
export const MIN_KEY_RATE_LIMIT = 10;
export const MAX_KEY_RATE_LIMIT = 2_000_000_000;

/**
 * The headers a key comes in (lambdas/http/request.ts). WAF counts a request only under a header it carries, so each
 * header has its own rule: a key is limited whichever way it is sent.
 */
export const KEY_HEADERS = ['authorization', 'x-api-key'] as const;
/**
 * Applied to the header before counting, so that spellings the authorizer takes as one key count as one:
 * `Bearer`/`bearer` and runs of spaces (base64url keys that differ only in letter case would share a count; they
 * never collide in practice).
 */
export const KEY_HEADER_TRANSFORMATIONS = ['LOWERCASE', 'COMPRESS_WHITE_SPACE'] as const;

export const KEY_THROTTLED_CODE = 'key-throttled';
const THROTTLED_BODY_KEY = 'KeyThrottled';

/** The answer to a throttled key: a problem document (WAF may only send it as application/json). */
export function keyThrottledProblem(limit: number): Record<string, unknown> {
  return {
    type: PROBLEM_TYPE_BASE + KEY_THROTTLED_CODE,
    title: 'Too Many Requests',
    status: 429,
    detail:
      `this API key made more than ${limit} requests in ${KEY_RATE_WINDOW_SECONDS} seconds; ` +
      'other keys are served as before',
    code: KEY_THROTTLED_CODE,
  };
}

export interface KeyRateLimitsProps {
  /** The ARN of the API Gateway stage the web ACL guards. */
  readonly stageArn: string;
  /** Requests per key per window. */
  readonly limit: number;
}

/**
 * A per-key rate limit in front of the API: a WAF web ACL with one rate-based rule per key header, counting by the
 * header's value, blocking a key over its limit with a 429 problem and Retry-After. A WAF rule rather than usage
 * plans: those need API Gateway API keys, one per Tributary key, kept in step by the control plane.
 */
export class KeyRateLimits extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: KeyRateLimitsProps) {
    super(scope, id);
    if (
      !Number.isInteger(props.limit) ||
      props.limit < MIN_KEY_RATE_LIMIT ||
      props.limit > MAX_KEY_RATE_LIMIT
    )
      throw new Error(
        `the per-key rate limit must be a whole number from ${MIN_KEY_RATE_LIMIT} to ${MAX_KEY_RATE_LIMIT}`,
      );
    const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      description: 'Tributary: per-API-key rate limits',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('TributaryApi'),
      customResponseBodies: {
        [THROTTLED_BODY_KEY]: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify(keyThrottledProblem(props.limit)),
        },
      },
      rules: KEY_HEADERS.map((header, priority): CfnWebACL.RuleProperty => {
        const name = `KeyRate-${header}`;
        return {
          name,
          priority,
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'CUSTOM_KEYS',
              limit: props.limit,
              evaluationWindowSec: KEY_RATE_WINDOW_SECONDS,
              customKeys: [
                {
                  header: {
                    name: header,
                    textTransformations: KEY_HEADER_TRANSFORMATIONS.map((type, order) => ({
                      priority: order,
                      type,
                    })),
                  },
                },
              ],
            },
          },
          action: {
            block: {
              customResponse: {
                responseCode: 429,
                customResponseBodyKey: THROTTLED_BODY_KEY,
                responseHeaders: [{ name: 'Retry-After', value: String(KEY_RATE_WINDOW_SECONDS) }],
              },
            },
          },
          visibilityConfig: visibility(name),
        };
      }),
    });
    new CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
