import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateAuthorizerResult } from '../../local/http/authorizer';
import { renderGatewayResponse } from '../../local/http/gateway-responses';
import { readRestApis, type ApiResource, type RestApiModel } from '../../local/http/rest-api';
import { matchRoute } from '../../local/http/route-matcher';
import { TemplateResolver } from '../../local/template/intrinsics';
import { synthesizeTemplates } from '../../local/template/synthesize';
import { createFixtureApp } from '../fixtures/fixture-app';

function routes(node: ApiResource): string[] {
  return [
    ...[...node.methods.values()].map(
      (method) => `${method.httpMethod} ${method.resourcePath}${method.authorizer ? ' (custom)' : ''}`,
    ),
    ...node.children.flatMap(routes),
  ];
}

describe('the route table read from the synthesized fixture template', () => {
  let api: RestApiModel;

  beforeAll(() => {
    [api] = readRestApis(new TemplateResolver(synthesizeTemplates(createFixtureApp))) as [RestApiModel];
  });

  it('has one route per API Gateway method, with its authorizer, stage and binary media types', () => {
    // Assess
    expect(routes(api.root).sort()).toEqual(
      [
        'GET /health',
        'GET /items (custom)',
        'POST /items',
        'GET /items/{itemId}',
        'GET /items/{itemId}/special',
        'GET /echo/{name}',
        'ANY /files/{proxy+}',
        'GET /fail',
        'GET /malformed',
        'POST /binary',
      ].sort(),
    );
    expect(api.stage).toBe('v1');
    expect(api.binaryMediaTypes).toEqual(['application/octet-stream', 'image/*']);
    expect(api.id).toMatch(/^[a-z0-9]{10}$/);
    expect(api.unsupported).toEqual([]);
    expect(api.gatewayResponses.get('UNAUTHORIZED')?.statusCode).toBe(401);
  });

  it('matches literal parts before parameters and parameters before greedy proxies', () => {
    // Act
    const literal = matchRoute([api], 'GET', '/items/x/special');
    const param = matchRoute([api], 'GET', '/items/x%2Fy');
    const greedy = matchRoute([api], 'PATCH', '/files/a/b');
    const trailingSlash = matchRoute([api], 'GET', '/health/');

    // Assess
    expect(literal?.method.resourcePath).toBe('/items/{itemId}/special');
    expect(param?.pathParameters).toEqual({ itemId: 'x%2Fy' });
    expect(greedy?.pathParameters).toEqual({ proxy: 'a/b' });
    expect(trailingSlash?.method.resourcePath).toBe('/health');
    expect(matchRoute([api], 'PUT', '/items')).toBeUndefined();
    expect(matchRoute([api], 'GET', '/files')).toBeUndefined();
  });

  it('renders gateway responses from the template and API Gateway defaults otherwise', () => {
    // Prepare
    const context = {
      requestId: 'r-1',
      httpMethod: 'GET',
      path: '/items',
      resourcePath: '/items',
      stage: 'v1',
      apiId: api.id,
      sourceIp: '127.0.0.1',
      requestHeaders: {},
    };

    // Act
    const unauthorized = renderGatewayResponse(api, 'UNAUTHORIZED', context);
    const denied = renderGatewayResponse(api, 'ACCESS_DENIED', {
      ...context,
      authorizer: { reason: 'revoked' },
    });
    const missing = renderGatewayResponse(api, 'MISSING_AUTHENTICATION_TOKEN', context);

    // Assess
    expect(unauthorized).toEqual({
      status: 401,
      headers: { 'Content-Type': 'application/problem+json' },
      body: '{"status":401,"code":"unauthorized","detail":"Unauthorized","instance":"r-1"}',
    });
    expect(JSON.parse(denied.body)).toMatchObject({ detail: 'revoked' });
    expect(missing).toEqual({
      status: 403,
      headers: { 'Content-Type': 'application/json' },
      body: '{"message":"Missing Authentication Token"}',
    });
  });
});

describe('authorizer policy evaluation', () => {
  const arn = 'arn:aws:execute-api:us-east-1:000000000000:abc/v1/GET/items';
  const result = (Effect: string, Resource: unknown, context = {}) => ({
    principalId: 'p',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Effect, Action: 'execute-api:Invoke', Resource }],
    },
    context,
  });

  it('allows on a matching Allow, with * wildcards', () => {
    expect(evaluateAuthorizerResult(result('Allow', 'arn:aws:execute-api:*:*:abc/*'), arn)).toEqual({
      kind: 'allow',
      principalId: 'p',
      context: {},
    });
    expect(
      evaluateAuthorizerResult(result('Allow', ['arn:aws:execute-api:*:*:abc/v1/*/items']), arn).kind,
    ).toBe('allow');
  });

  it('denies on an explicit Deny and on an Allow that does not match', () => {
    expect(evaluateAuthorizerResult(result('Deny', '*', { reason: 'x' }), arn)).toEqual({
      kind: 'denied',
      explicit: true,
      context: { reason: 'x' },
    });
    expect(
      evaluateAuthorizerResult(result('Allow', 'arn:aws:execute-api:*:*:abc/v1/POST/*'), arn),
    ).toMatchObject({ kind: 'denied', explicit: false });
  });

  it('fails on a result without principal, policy or with a nested context', () => {
    expect(evaluateAuthorizerResult({}, arn).kind).toBe('failure');
    expect(evaluateAuthorizerResult({ principalId: 'p' }, arn).kind).toBe('failure');
    expect(evaluateAuthorizerResult(result('Allow', '*', { nested: {} }), arn).kind).toBe('failure');
  });
});
