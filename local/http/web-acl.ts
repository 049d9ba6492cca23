/**
 * AWS WAF in front of a REST API stage, as far as the template uses it: AWS::WAFv2::WebACL rate-based rules that
 * count by one request header (CUSTOM_KEYS, with the LOWERCASE and COMPRESS_WHITE_SPACE transformations) and block
 * over the limit, with the rule's custom response. WAF counts every request it evaluates over a trailing window of
 * EvaluationWindowSec and blocks while more than the limit fall in it; a request without the header is not counted.
 * Anything else in an ACL (other statements, scope-down statements, managed rule groups) is reported as not emulated.
 */
import { asText, resourcesOfType } from '../template/cloudformation';
import type { TemplateResolver } from '../template/intrinsics';
import type { RenderedResponse } from './gateway-responses';

/** WAF's evaluation window when a rule names none. */
const DEFAULT_WINDOW_SECONDS = 300;
/** Distinct header values tracked at once (a local runtime sees few); beyond it the least recently seen go first. */
const MAX_TRACKED_VALUES = 10_000;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  APPLICATION_JSON: 'application/json',
  TEXT_PLAIN: 'text/plain',
  TEXT_HTML: 'text/html',
};

const TRANSFORMATIONS: Readonly<Record<string, (text: string) => string>> = {
  NONE: (text) => text,
  LOWERCASE: (text) => text.toLowerCase(),
  COMPRESS_WHITE_SPACE: (text) => text.replace(/[\t\n\v\f\r \u00a0]+/g, ' '),
};

export interface HeaderRateRule {
  readonly name: string;
  /** Lower-cased. */
  readonly header: string;
  readonly transformations: readonly ((text: string) => string)[];
  readonly limit: number;
  readonly windowMs: number;
  readonly blocked: RenderedResponse;
}

export interface WebAclModel {
  readonly apiId: string;
  readonly stage: string;
  /** In priority order. */
  readonly rules: readonly HeaderRateRule[];
  readonly unsupported: readonly string[];
}

type Props = Record<string, unknown>;

/** The API and stage of an API Gateway stage ARN (`arn:aws:apigateway:<region>::/restapis/<id>/stages/<stage>`). */
const stageOf = (arn: string) => /\/restapis\/([^/]+)\/stages\/([^/]+)$/.exec(arn);

function blockedResponse(action: Props, bodies: Props): RenderedResponse {
  const custom = ((action['Block'] as Props | undefined)?.['CustomResponse'] ?? {}) as Props;
  const body = (bodies[asText(custom['CustomResponseBodyKey'])] ?? {}) as Props;
  const headers: Record<string, string> = {};
  if (body['Content'] !== undefined)
    headers['Content-Type'] = CONTENT_TYPES[asText(body['ContentType'])] ?? 'text/plain';
  for (const header of (custom['ResponseHeaders'] ?? []) as Props[])
    headers[asText(header['Name'])] = asText(header['Value']);
  return {
    status: custom['ResponseCode'] === undefined ? 403 : Number(custom['ResponseCode']),
    headers,
    body: asText(body['Content']),
  };
}

/** The rule as a header rate rule, or why it cannot be one. */
function headerRateRule(rule: Props, bodies: Props): HeaderRateRule | string {
  const name = asText(rule['Name']);
  const rate = ((rule['Statement'] as Props | undefined)?.['RateBasedStatement'] ?? undefined) as
    Props | undefined;
  const keys = (rate?.['CustomKeys'] ?? []) as Props[];
  const header = keys[0]?.['Header'] as Props | undefined;
  const action = rule['Action'] as Props | undefined;
  if (
    !rate ||
    rate['AggregateKeyType'] !== 'CUSTOM_KEYS' ||
    keys.length !== 1 ||
    !header ||
    rate['ScopeDownStatement']
  )
    return `${name}: only rate-based rules counting by one header are emulated`;
  if (!action || !('Block' in action)) return `${name}: only a Block action is emulated`;
  const transformations = ((header['TextTransformations'] ?? []) as Props[])
    .sort((a, b) => Number(a['Priority']) - Number(b['Priority']))
    .map((transformation) => TRANSFORMATIONS[asText(transformation['Type'])]);
  if (transformations.some((transformation) => transformation === undefined))
    return `${name}: a text transformation other than ${Object.keys(TRANSFORMATIONS).join(', ')}`;
  return {
    name,
    header: asText(header['Name']).toLowerCase(),
    transformations: transformations as ((text: string) => string)[],
    limit: Number(rate['Limit']),
    windowMs: Number(rate['EvaluationWindowSec'] ?? DEFAULT_WINDOW_SECONDS) * 1000,
    blocked: blockedResponse(action, bodies),
  };
}

/** The web ACLs of the template with the stage each guards. */
export function readWebAcls(resolver: TemplateResolver): WebAclModel[] {
  const acls = new Map(
    resourcesOfType(resolver.stacks, 'AWS::WAFv2::WebACL').map((ref) => [
      resolver.getAtt(ref.stackName, ref.logicalId, 'Arn') as string,
      ref,
    ]),
  );
  return resourcesOfType(resolver.stacks, 'AWS::WAFv2::WebACLAssociation').flatMap((association) => {
    const properties = resolver.resolve(association.stackName, association.resource.Properties) as Props;
    const stage = stageOf(asText(properties['ResourceArn']));
    const acl = acls.get(asText(properties['WebACLArn']));
    if (!stage || !acl) return [];
    const definition = resolver.resolve(acl.stackName, acl.resource.Properties) as Props;
    const bodies = (definition['CustomResponseBodies'] ?? {}) as Props;
    const rules: HeaderRateRule[] = [];
    const unsupported: string[] = [];
    const ordered = ((definition['Rules'] ?? []) as Props[]).sort(
      (a, b) => Number(a['Priority']) - Number(b['Priority']),
    );
    for (const rule of ordered) {
      const read = headerRateRule(rule, bodies);
      if (typeof read === 'string') unsupported.push(`${acl.logicalId} ${read}`);
      else rules.push(read);
    }
    return [{ apiId: stage[1] ?? '', stage: stage[2] ?? '', rules, unsupported }];
  });
}

/** Counts requests per rule and header value, and answers the blocking rule's response when one is over its limit. */
export class WebAclGuard {
  /** Per rule and value: the times of its most recent requests, oldest first, at most the rule's limit of them. */
  private readonly counts = new Map<string, number[]>();

  constructor(
    private readonly acls: readonly WebAclModel[],
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The answer of the first rule (by priority) the request is over the limit of, or undefined to let it through. As
   * in WAF, a Block ends the evaluation: the rules after it neither see nor count the request.
   */
  check(
    apiId: string,
    stage: string,
    headers: ReadonlyMap<string, readonly string[]>,
  ): RenderedResponse | undefined {
    const acl = this.acls.find((candidate) => candidate.apiId === apiId && candidate.stage === stage);
    if (!acl) return undefined;
    const byName = new Map([...headers].map(([name, values]) => [name.toLowerCase(), values.join(', ')]));
    const at = this.now();
    for (const rule of acl.rules) {
      const value = byName.get(rule.header);
      if (value === undefined) continue;
      const instance = rule.transformations.reduce((text, transform) => transform(text), value);
      if (this.count(`${rule.name}\n${instance}`, rule, at) > rule.limit) return rule.blocked;
    }
    return undefined;
  }

  /** Records the request and answers how many fall in the rule's window, this one included (at most limit + 1). */
  private count(key: string, rule: HeaderRateRule, at: number): number {
    const times = (this.counts.get(key) ?? []).filter((time) => time > at - rule.windowMs);
    const counted = times.length + 1;
    times.push(at);
    if (times.length > rule.limit) times.shift();
    this.counts.delete(key);
    this.counts.set(key, times);
    if (this.counts.size > MAX_TRACKED_VALUES) {
      const oldest = this.counts.keys().next();
      if (!oldest.done) this.counts.delete(oldest.value);
    }
    return counted;
  }
}
