import type { APIGatewayProxyResult } from 'aws-lambda';
import type { ApiResult } from './api-types';
import type { HttpProblem } from './problem';
import { PROBLEM_CONTENT_TYPE } from './problem';

export const JSON_CONTENT_TYPE = 'application/json';

export function jsonResponse(result: ApiResult): APIGatewayProxyResult {
  const hasBody = result.body !== undefined;
  return {
    statusCode: result.status,
    headers: { ...(hasBody ? { 'content-type': JSON_CONTENT_TYPE } : {}), ...result.headers },
    body: hasBody ? JSON.stringify(result.body) : '',
  };
}

export function problemResponse(problem: HttpProblem, instance: string | undefined): APIGatewayProxyResult {
  return {
    statusCode: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...problem.headers },
    body: JSON.stringify(problem.toBody(instance)),
  };
}
