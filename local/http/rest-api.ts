/**
 * The REST APIs of the template as a route tree: AWS::ApiGateway::RestApi, Resource, Method, Authorizer,
 * Stage/Deployment and GatewayResponse, read the way API Gateway reads them at deploy time.
 */
import { asText, resourcesOfType } from '../template/cloudformation';
import { TemplateError, type TemplateResolver } from '../template/intrinsics';

/** API Gateway's stage name when the template defines none (CDK's default stage is `prod` too). */
const DEFAULT_STAGE = 'prod';
/** API Gateway caches an authorizer's policy for 300 s unless the template says otherwise. */
const DEFAULT_AUTHORIZER_TTL_SECONDS = 300;

export interface ApiAuthorizer {
  readonly id: string;
  readonly name: string;
  readonly type: 'REQUEST' | 'TOKEN';
  readonly functionArn: string;
  /** `method.request.header.Authorization`, `method.request.querystring.key`, ... */
  readonly identitySources: readonly string[];
  readonly ttlSeconds: number;
}

export type ApiIntegration =
  | { readonly kind: 'lambda-proxy'; readonly functionArn: string }
  | {
      readonly kind: 'mock';
      readonly statusCode: number;
      readonly responseParameters: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'unsupported'; readonly description: string };

export interface ApiMethod {
  readonly httpMethod: string;
  readonly resourceId: string;
  readonly resourcePath: string;
  readonly authorizer: ApiAuthorizer | undefined;
  readonly integration: ApiIntegration;
}

export interface ApiResource {
  readonly id: string;
  readonly path: string;
  readonly pathPart: string;
  readonly children: ApiResource[];
  readonly methods: Map<string, ApiMethod>;
}

export interface GatewayResponseDefinition {
  readonly statusCode: number | undefined;
  /** Header name → parameter value as written in the template (`'literal'` or `method.request.header.X`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Content type → template. */
  readonly templates: Readonly<Record<string, string>>;
}

export interface RestApiModel {
  readonly id: string;
  readonly name: string;
  readonly stage: string;
  readonly binaryMediaTypes: readonly string[];
  readonly root: ApiResource;
  readonly gatewayResponses: ReadonlyMap<string, GatewayResponseDefinition>;
  /** Integrations the local runtime cannot run, to be reported at start-up. */
  readonly unsupported: readonly string[];
}

type Props = Record<string, unknown>;

/** The function ARN inside an API Gateway Lambda integration URI (`.../functions/<arn>/invocations`). */
export function functionArnFromUri(uri: string): string | undefined {
  return /\/functions\/(arn:[^/]+)\/invocations$/.exec(uri)?.[1];
}

export const literalParameter = (value: string): string | undefined => /^'(.*)'$/s.exec(value)?.[1];

export function readRestApis(resolver: TemplateResolver): RestApiModel[] {
  const resolved = (stackName: string, properties: unknown): Props =>
    (resolver.resolve(stackName, properties) ?? {}) as Props;
  const forApi = (type: string, apiId: string) =>
    resourcesOfType(resolver.stacks, type)
      .map((ref) => ({ ...ref, properties: resolved(ref.stackName, ref.resource.Properties) }))
      .filter(({ properties }) => properties['RestApiId'] === apiId);

  return resourcesOfType(resolver.stacks, 'AWS::ApiGateway::RestApi').map(
    ({ stackName, logicalId, resource }) => {
      const properties = resolved(stackName, resource.Properties);
      const id = resolver.ref(stackName, logicalId) as string;
      const rootId = resolver.getAtt(stackName, logicalId, 'RootResourceId') as string;
      const unsupported: string[] = [];

      const authorizers = new Map<string, ApiAuthorizer>();
      for (const authorizer of forApi('AWS::ApiGateway::Authorizer', id)) {
        const authorizerId = resolver.ref(authorizer.stackName, authorizer.logicalId) as string;
        const uri = asText(authorizer.properties['AuthorizerUri']);
        const functionArn = functionArnFromUri(uri);
        const type = authorizer.properties['Type'];
        if (!functionArn || (type !== 'REQUEST' && type !== 'TOKEN')) {
          unsupported.push(`${authorizer.logicalId}: ${String(type)} authorizer`);
          continue;
        }
        const ttl = authorizer.properties['AuthorizerResultTtlInSeconds'];
        authorizers.set(authorizerId, {
          id: authorizerId,
          name: asText(authorizer.properties['Name'], authorizer.logicalId),
          type,
          functionArn,
          identitySources: asText(authorizer.properties['IdentitySource'])
            .split(',')
            .map((source) => source.trim())
            .filter(Boolean),
          ttlSeconds: ttl === undefined ? DEFAULT_AUTHORIZER_TTL_SECONDS : Number(ttl),
        });
      }

      const root: ApiResource = { id: rootId, path: '/', pathPart: '', children: [], methods: new Map() };
      const byId = new Map<string, ApiResource>([[rootId, root]]);
      const pending = forApi('AWS::ApiGateway::Resource', id).map(
        ({ stackName: stack, logicalId: resourceLogicalId, properties: p }) => ({
          id: resolver.ref(stack, resourceLogicalId) as string,
          parentId: String(p['ParentId']),
          pathPart: String(p['PathPart']),
        }),
      );
      // Parents may be declared after their children: attach in rounds until nothing is left.
      while (pending.length > 0) {
        const index = pending.findIndex((item) => byId.has(item.parentId));
        if (index < 0)
          throw new TemplateError(
            `RestApi ${logicalId}: resources with unknown parents: ${JSON.stringify(pending)}`,
          );
        const [item] = pending.splice(index, 1);
        if (!item) break;
        const parent = byId.get(item.parentId);
        if (!parent) break;
        const node: ApiResource = {
          id: item.id,
          path: `${parent.path === '/' ? '' : parent.path}/${item.pathPart}`,
          pathPart: item.pathPart,
          children: [],
          methods: new Map(),
        };
        parent.children.push(node);
        byId.set(item.id, node);
      }

      for (const method of forApi('AWS::ApiGateway::Method', id)) {
        const p = method.properties;
        const node = byId.get(String(p['ResourceId']));
        if (!node)
          throw new TemplateError(`${method.logicalId}: unknown resource ${String(p['ResourceId'])}`);
        const httpMethod = String(p['HttpMethod']).toUpperCase();
        const authorizationType = asText(p['AuthorizationType'], 'NONE');
        let authorizer: ApiAuthorizer | undefined;
        if (authorizationType === 'CUSTOM') {
          authorizer = authorizers.get(String(p['AuthorizerId']));
          if (!authorizer)
            throw new TemplateError(`${method.logicalId}: unknown authorizer ${String(p['AuthorizerId'])}`);
        } else if (authorizationType !== 'NONE') {
          unsupported.push(
            `${httpMethod} ${node.path}: ${authorizationType} authorization (the route is open locally)`,
          );
        }
        const integration = readIntegration((p['Integration'] ?? {}) as Props);
        if (integration.kind === 'unsupported')
          unsupported.push(`${httpMethod} ${node.path}: ${integration.description}`);
        node.methods.set(httpMethod, {
          httpMethod,
          resourceId: node.id,
          resourcePath: node.path,
          authorizer,
          integration,
        });
      }

      const gatewayResponses = new Map<string, GatewayResponseDefinition>();
      for (const response of forApi('AWS::ApiGateway::GatewayResponse', id)) {
        const p = response.properties;
        const headers: Record<string, string> = {};
        for (const [key, value] of Object.entries((p['ResponseParameters'] ?? {}) as Props)) {
          const header = /^gatewayresponse\.header\.(.+)$/.exec(key)?.[1];
          if (header) headers[header] = String(value);
        }
        gatewayResponses.set(String(p['ResponseType']), {
          statusCode: p['StatusCode'] === undefined ? undefined : Number(p['StatusCode']),
          headers,
          templates: (p['ResponseTemplates'] ?? {}) as Record<string, string>,
        });
      }

      return {
        id,
        name: asText(properties['Name'], logicalId),
        stage: readStage(forApi, id),
        binaryMediaTypes: ((properties['BinaryMediaTypes'] ?? []) as string[]).map((type) =>
          type.replaceAll('~1', '/'),
        ),
        root,
        gatewayResponses,
        unsupported,
      };
    },
  );
}

function readIntegration(integration: Props): ApiIntegration {
  const type = asText(integration['Type']);
  if (type === 'AWS_PROXY') {
    const functionArn = functionArnFromUri(asText(integration['Uri']));
    if (functionArn) return { kind: 'lambda-proxy', functionArn };
  }
  if (type === 'MOCK') {
    const [first] = (integration['IntegrationResponses'] ?? []) as Props[];
    const responseParameters: Record<string, string> = {};
    for (const [key, value] of Object.entries((first?.['ResponseParameters'] ?? {}) as Props)) {
      const header = /^method\.response\.header\.(.+)$/.exec(key)?.[1];
      const literal = literalParameter(String(value));
      if (header && literal !== undefined) responseParameters[header] = literal;
    }
    return { kind: 'mock', statusCode: Number(first?.['StatusCode'] ?? 200), responseParameters };
  }
  return {
    kind: 'unsupported',
    description: `${type || 'no'} integration ${asText(integration['Uri'])}`.trim(),
  };
}

function readStage(forApi: (type: string, apiId: string) => { properties: Props }[], apiId: string): string {
  const stage = forApi('AWS::ApiGateway::Stage', apiId)[0]?.properties['StageName'];
  const deploymentStage = forApi('AWS::ApiGateway::Deployment', apiId).find((d) => d.properties['StageName'])
    ?.properties['StageName'];
  return asText(stage ?? deploymentStage, DEFAULT_STAGE);
}
