/**
 * Each function's own access key, as Lambda gives each function its role's session credentials: the local
 * endpoints read the key id from a request's SigV4 signature to tell which function calls, and so which role's
 * policies apply. Derived from the function's stack and logical id, so they are stable across restarts and need no
 * store; they guard nothing (the emulators listen on loopback only) and only identify.
 */
import { createHash } from 'node:crypto';

/** AWS access key ids are 20 upper-case characters; `LOCAL` marks the local runtime's, the rest is the hash. */
const ACCESS_KEY_ID_PREFIX = 'LOCAL';
const ACCESS_KEY_ID_LENGTH = 20;
/** AWS secret access keys are 40 characters. */
const SECRET_ACCESS_KEY_LENGTH = 40;

const digest = (text: string, encoding: 'hex' | 'base64url') =>
  createHash('sha256').update(text, 'utf8').digest(encoding);

export interface FunctionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export function functionCredentials(stackName: string, logicalId: string): FunctionCredentials {
  const identity = `${stackName}/${logicalId}`;
  return {
    accessKeyId: (
      ACCESS_KEY_ID_PREFIX +
      digest(`key:${identity}`, 'hex').slice(0, ACCESS_KEY_ID_LENGTH - ACCESS_KEY_ID_PREFIX.length)
    ).toUpperCase(),
    secretAccessKey: digest(`secret:${identity}`, 'base64url').slice(0, SECRET_ACCESS_KEY_LENGTH),
  };
}

/** The variables through which the function's SDK clients pick up its credentials (the default provider chain). */
export function functionCredentialsEnvironment(stackName: string, logicalId: string): Record<string, string> {
  const { accessKeyId, secretAccessKey } = functionCredentials(stackName, logicalId);
  return { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey };
}

/**
 * The access key id that signed a request: from the `Authorization` header (`Credential=<key id>/<scope>`) or a
 * presigned URL's `X-Amz-Credential` query parameter; undefined for an unsigned request.
 */
export function signingAccessKeyId(
  authorization: string | undefined,
  url: string | undefined,
): string | undefined {
  const fromHeader = /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];
  if (fromHeader) return fromHeader;
  const query = (url ?? '').split('?')[1];
  const credential = query ? new URLSearchParams(query).get('X-Amz-Credential') : null;
  return credential?.split('/')[0] || undefined;
}
