/**
 * A local STS endpoint (the AWS Query protocol of the real STSClient: a form-encoded POST, an XML answer) for the
 * calls the functions make: AssumeRole, which RoleAccess decides and whose session it then holds to the role and the
 * session policy. Point clients at it with AWS_ENDPOINT_URL_STS.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { signingAccessKeyId } from './function-credentials';
import { policyDocumentStatements } from './policy-document';
import { AccessDeniedError, type RoleAccess } from './role-access';
import { serveOnLoopback, type LoopbackServer } from '../loopback-server';
import { escapeXml } from '../xml-text';

const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
/** STS's bounds on a session: 15 minutes to 12 hours (a chained session at most 1 hour), names of 2–64 characters. */
const MIN_DURATION_SECONDS = 900;
const MAX_DURATION_SECONDS = 43_200;
const DEFAULT_DURATION_SECONDS = 3600;
/** A role's session assuming another role (role chaining; a function's own credentials are a session) gets 1 hour. */
const MAX_CHAINED_DURATION_SECONDS = 3600;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** STS refuses an inline session policy over 2,048 characters (its packed size is checked too, not here). */
const MAX_SESSION_POLICY_LENGTH = 2048;

class StsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

function answer(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': randomUUID() });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
}

function assumeRole(access: RoleAccess, caller: string | undefined, form: URLSearchParams): string {
  const roleArn = form.get('RoleArn') ?? '';
  const sessionName = form.get('RoleSessionName') ?? '';
  if (!/^arn:[^:]+:iam::\d{12}:role\/.+$/.test(roleArn))
    throw new StsError('ValidationError', `RoleArn ${roleArn} is not a role ARN`);
  if (!SESSION_NAME.test(sessionName))
    throw new StsError(
      'ValidationError',
      `RoleSessionName '${sessionName}' does not satisfy [\\w+=,.@-]{2,64}`,
    );
  const duration = Number(form.get('DurationSeconds') ?? DEFAULT_DURATION_SECONDS);
  if (!Number.isInteger(duration) || duration < MIN_DURATION_SECONDS || duration > MAX_DURATION_SECONDS)
    throw new StsError(
      'ValidationError',
      `DurationSeconds ${duration} is outside ${MIN_DURATION_SECONDS}–${MAX_DURATION_SECONDS}`,
    );
  if (
    caller !== undefined &&
    access.secretOf(caller) !== undefined &&
    duration > MAX_CHAINED_DURATION_SECONDS
  )
    throw new StsError(
      'ValidationError',
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
  const policyText = form.get('Policy');
  let sessionPolicy;
  if (policyText !== null) {
    if (policyText.length > MAX_SESSION_POLICY_LENGTH)
      throw new StsError('PackedPolicyTooLarge', 'the session policy is over 2048 characters');
    try {
      sessionPolicy = policyDocumentStatements(JSON.parse(policyText), 'session policy');
    } catch (error) {
      throw new StsError(
        'MalformedPolicyDocument',
        `the session policy is not valid: ${(error as Error).message}`,
      );
    }
  }
  const externalId = form.get('ExternalId');
  const session = access.assumeRole(caller, {
    roleArn,
    sessionName,
    durationSeconds: duration,
    ...(sessionPolicy ? { sessionPolicy } : {}),
    ...(externalId === null ? {} : { externalId }),
  });
  return `<AssumeRoleResponse xmlns="${NAMESPACE}"><AssumeRoleResult><Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId><SecretAccessKey>${escapeXml(session.secretAccessKey)}</SecretAccessKey><SessionToken>${escapeXml(session.sessionToken)}</SessionToken><Expiration>${new Date(session.expiresAt).toISOString()}</Expiration></Credentials><AssumedRoleUser><Arn>${escapeXml(session.assumedRoleArn)}</Arn><AssumedRoleId>AROALOCAL:${escapeXml(sessionName)}</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`;
}

export type RunningSecurityTokenService = LoopbackServer;

export async function startSecurityTokenService(options: {
  readonly access: RoleAccess;
  /** Listen on this port (0 or absent: a free one), so a restart keeps the endpoint clients already hold. */
  readonly port?: number;
}): Promise<RunningSecurityTokenService> {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const caller = signingAccessKeyId(req.headers.authorization, req.url);
    try {
      switch (form.get('Action')) {
        case 'AssumeRole':
          return answer(res, 200, assumeRole(options.access, caller, form));
        default:
          throw new StsError('InvalidAction', `the action ${form.get('Action') ?? ''} is not served locally`);
      }
    } catch (error) {
      const failure =
        error instanceof StsError
          ? error
          : error instanceof AccessDeniedError
            ? new StsError('AccessDenied', error.message, 403)
            : new StsError('InternalFailure', 'the local STS failed', 500);
      answer(
        res,
        failure.status,
        `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>Sender</Type><Code>${failure.code}</Code><Message>${escapeXml(failure.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
    }
  }
  return serveOnLoopback(handle, options.port);
}
