/** Checks a Lambda proxy result as API Gateway does and turns it into status, headers and body. */

export type ProxyResponse =
  | { readonly status: number; readonly headers: Map<string, string[]>; readonly body: Buffer }
  | { readonly malformed: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isScalar = (value: unknown): value is string | number | boolean =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

export function proxyResponse(result: unknown): ProxyResponse {
  if (!isRecord(result)) return { malformed: 'not an object' };
  const { statusCode, headers = {}, multiValueHeaders = {}, body, isBase64Encoded = false } = result;
  const status = typeof statusCode === 'string' && /^\d+$/.test(statusCode) ? Number(statusCode) : statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    return { malformed: `statusCode ${JSON.stringify(statusCode)}` };
  }
  if (body !== undefined && body !== null && typeof body !== 'string')
    return { malformed: 'body is not a string' };
  if (typeof isBase64Encoded !== 'boolean') return { malformed: 'isBase64Encoded is not a boolean' };
  if (!isRecord(headers) || !Object.values(headers).every((value) => isScalar(value) || value === null)) {
    return { malformed: 'headers are not a map of strings' };
  }
  if (
    !isRecord(multiValueHeaders) ||
    !Object.values(multiValueHeaders).every((values) => Array.isArray(values) && values.every(isScalar))
  ) {
    return { malformed: 'multiValueHeaders are not a map of string lists' };
  }
  const merged = new Map<string, string[]>();
  const put = (name: string, values: string[]): void => {
    const existing = [...merged.keys()].find((key) => key.toLowerCase() === name.toLowerCase());
    merged.set(existing ?? name, [...(existing ? (merged.get(existing) ?? []) : []), ...values]);
  };
  for (const [name, values] of Object.entries(multiValueHeaders as Record<string, unknown[]>))
    put(name, values.map(String));
  // As in API Gateway, a header named in both maps keeps only its multiValueHeaders values.
  for (const [name, value] of Object.entries(headers as Record<string, string | number | boolean | null>)) {
    if (value === null || [...merged.keys()].some((key) => key.toLowerCase() === name.toLowerCase()))
      continue;
    put(name, [String(value)]);
  }
  // API Gateway answers JSON when the function names no content type.
  if (![...merged.keys()].some((key) => key.toLowerCase() === 'content-type'))
    merged.set('Content-Type', ['application/json']);
  const text = typeof body === 'string' ? body : '';
  return { status, headers: merged, body: isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text) };
}
