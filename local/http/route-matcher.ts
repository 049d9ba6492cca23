/**
 * Finds the API Gateway resource and method for a request path, with API Gateway's precedence: a literal path
 * part before a `{param}`, a `{param}` before a greedy `{proxy+}`. Path parameter values stay as they appear in
 * the URL (percent-encoded), as API Gateway REST passes them.
 */
import type { ApiMethod, ApiResource, RestApiModel } from './rest-api';

export interface RouteMatch {
  readonly api: RestApiModel;
  readonly method: ApiMethod;
  readonly pathParameters: Readonly<Record<string, string>>;
}

const PARAM = /^\{([^}+]+)\}$/;
const GREEDY = /^\{([^}]+)\+\}$/;

function rank(child: ApiResource): number {
  if (GREEDY.test(child.pathPart)) return 2;
  return PARAM.test(child.pathPart) ? 1 : 0;
}

interface ResourceMatch {
  readonly resource: ApiResource;
  readonly pathParameters: Record<string, string>;
}

function matchResource(
  node: ApiResource,
  segments: readonly string[],
  httpMethod: string,
): ResourceMatch | undefined {
  if (segments.length === 0) return { resource: node, pathParameters: {} };
  const [segment = '', ...rest] = segments;
  const children = [...node.children].sort((a, b) => rank(a) - rank(b));
  let fallback: ResourceMatch | undefined;
  for (const child of children) {
    const greedy = GREEDY.exec(child.pathPart)?.[1];
    if (greedy !== undefined) {
      const match = { resource: child, pathParameters: { [greedy]: segments.join('/') } };
      if (hasMethod(child, httpMethod)) return match;
      fallback ??= match;
      continue;
    }
    const param = PARAM.exec(child.pathPart)?.[1];
    if (param === undefined && child.pathPart !== segment && child.pathPart !== safeDecode(segment)) continue;
    if (param !== undefined && segment === '') continue;
    const deeper = matchResource(child, rest, httpMethod);
    if (!deeper) continue;
    const match = {
      resource: deeper.resource,
      pathParameters: param ? { [param]: segment, ...deeper.pathParameters } : deeper.pathParameters,
    };
    if (hasMethod(match.resource, httpMethod)) return match;
    fallback ??= match;
  }
  return fallback;
}

const hasMethod = (resource: ApiResource, httpMethod: string): boolean =>
  resource.methods.has(httpMethod) || resource.methods.has('ANY');

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The path's segments; a trailing slash is ignored, as API Gateway does. */
export function pathSegments(path: string): string[] {
  const segments = path.split('/').slice(1);
  if (segments.length > 0 && segments[segments.length - 1] === '') segments.pop();
  return segments;
}

/** The matching method, or undefined when no resource or no method matches (API Gateway answers 403 then). */
export function matchRoute(
  apis: readonly RestApiModel[],
  httpMethod: string,
  path: string,
): RouteMatch | undefined {
  const segments = pathSegments(path);
  for (const api of apis) {
    const found = matchResource(api.root, segments, httpMethod);
    const method = found && (found.resource.methods.get(httpMethod) ?? found.resource.methods.get('ANY'));
    if (found && method) return { api, method, pathParameters: found.pathParameters };
  }
  return undefined;
}
