/**
 * Attacks on S3 connections through cross-account roles. A connection names a role (`roleArn`) that the platform
 * assumes for it, so a sandbox could name a role the platform granted to another sandbox and read that partner's
 * bucket as the confused deputy. The platform refuses a role the sandbox was not granted (over HTTP, on the local
 * runtime), and in AWS assumes a granted one only from the sandbox's own reader session, always with the sandbox's
 * ExternalId, which the role's owner puts in its trust policy (the STS calls, with aws-sdk-client-mock).
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sourceS3 } from '../../lambdas/adapters/aws-clients';
import type { S3SourceParams } from '../../lambdas/core/connections/connection-types';
import { SourceAccessRefused } from '../../lambdas/core/connections/source-access';
import { BatchApi, type FileAnswer } from '../support/batch-api';
import { DataflowApi } from '../support/dataflow-api';
import { sourceAccessOf, TEST_DEPLOYMENT_ID, TEST_READER_ROLE } from '../support/memory-source-access';
import { startRuntimeUnderTest, type RuntimeUnderTest } from '../e2e/local-runtime';

/** acme's partner trusts acme's ExternalId; prod's partner prod's. */
const ACME_ROLE = 'arn:aws:iam::111122223333:role/tributary-source-acme';
const PROD_ROLE = 'arn:aws:iam::777788889999:role/tributary-source-prod';

const problemOf = (answer: FileAnswer) => answer.body as { code: string; violations?: { pointer: string }[] };

describe('a sandbox names only the cross-account roles granted to it (over HTTP)', () => {
  let subject: RuntimeUnderTest;
  let platform: BatchApi;
  let acmeKey: string;

  const asSandbox = (sandbox: string, key: string) =>
    new (class extends BatchApi {
      override send(path: string, init: Parameters<BatchApi['send']>[1] = {}): Promise<FileAnswer> {
        return super.send(path, { ...init, headers: { 'x-sandbox-name': sandbox, ...init.headers } });
      }
    })(subject.runtime.url, key);

  const roleConnection = (roleArn: string) => ({
    name: 'partner via role',
    type: 's3',
    params: { bucket: 'partner-bucket', roleArn, inputFormat: { format: 'json' } },
  });

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
    platform = new BatchApi(subject.runtime.url, subject.runtime.adminKey);
    await platform.send('/sandboxes', { method: 'POST', json: { name: 'acme' } });
    const created = await platform.send('/api-keys', {
      method: 'POST',
      json: { name: 'acme admin', scopes: ['admin'], sandbox: 'acme' },
    });
    acmeKey = (created.body as { key: string }).key;
    const flows = new DataflowApi(platform);
    await flows.grantSources('acme', { locations: [], roleArns: [ACME_ROLE] });
    await flows.grantSources('prod', { locations: [], roleArns: [PROD_ROLE] });
  });
  afterAll(async () => {
    await subject.stop();
  });

  it("refuses a role ARN granted only to another sandbox, or to none, and takes the sandbox's own", async () => {
    // Act
    const acme = asSandbox('acme', acmeKey);
    const othersRole = await acme.send('/connections', { method: 'POST', json: roleConnection(PROD_ROLE) });
    const nobodysRole = await acme.send('/connections', {
      method: 'POST',
      json: roleConnection('arn:aws:iam::111122223333:role/tributary-source-other'),
    });
    const ownRole = await acme.send('/connections', { method: 'POST', json: roleConnection(ACME_ROLE) });

    // Assess
    for (const refused of [othersRole, nobodysRole]) {
      expect(refused.status, JSON.stringify(refused.body)).toBe(400);
      expect(problemOf(refused)).toMatchObject({
        code: 'role-not-allowed',
        violations: [{ pointer: '/params/roleArn' }],
      });
    }
    expect(ownRole.status, JSON.stringify(ownRole.body)).toBe(201);
  });

  it("refuses granting a role outside the deployment's role name prefix", async () => {
    // Act
    const answer = await platform.send('/sandboxes/acme/source-access', {
      method: 'PUT',
      json: { locations: [], roleArns: [ACME_ROLE, 'arn:aws:iam::111122223333:role/OrganizationAdmin'] },
    });

    // Assess
    expect(answer.status).toBe(400);
    expect(problemOf(answer).violations?.map((violation) => violation.pointer)).toEqual(['/roleArns/1']);
  });

  it("shows each sandbox's admins its own ExternalId and the principal to trust", async () => {
    // Act
    const acme = await asSandbox('acme', acmeKey).send('/sandboxes/acme/source-access');
    const prod = await platform.send('/sandboxes/prod/source-access');

    // Assess
    const acmeView = acme.body as { externalId: string; readerRoleArn: string; roleArns: string[] };
    const prodView = prod.body as { externalId: string };
    expect(acmeView.roleArns).toEqual([ACME_ROLE]);
    expect(acmeView.externalId).toMatch(/^tributary:[0-9a-z]+:acme$/);
    expect(prodView.externalId).toBe(acmeView.externalId.replace(/:acme$/, ':prod'));
    expect(acmeView.readerRoleArn).toMatch(/^arn:aws:iam::\d{12}:role\//);
  });
});

describe('in AWS, a granted role is assumed from the sandbox session with its ExternalId (STS calls)', () => {
  const sts = mockClient(STSClient);
  const { service } = sourceAccessOf({
    acme: { locations: [], roleArns: [ACME_ROLE] },
    prod: { locations: [], roleArns: [PROD_ROLE] },
  });
  /** A region per test: each gets clients of its own rather than those an earlier test cached. */
  const params = (roleArn: string, region: string): S3SourceParams => ({
    bucket: 'partner-bucket',
    roleArn,
    region,
    inputFormat: { format: 'json' },
  });
  const credentials = (id: string) => ({
    Credentials: {
      AccessKeyId: id,
      SecretAccessKey: 'secret',
      SessionToken: `token-${id}`,
      Expiration: new Date(Date.now() + 3_600_000),
    },
  });

  beforeAll(() => {
    vi.stubEnv('AWS_ENDPOINT_URL_S3', undefined);
    vi.stubEnv('SOURCE_READER_ROLE_ARN', TEST_READER_ROLE);
  });
  afterEach(() => sts.reset());
  afterAll(() => vi.unstubAllEnvs());

  it("assumes the connection's role with the sandbox's ExternalId, from a reader session limited to the sandbox's roles", async () => {
    // Prepare
    sts.on(AssumeRoleCommand, { RoleArn: TEST_READER_ROLE }).resolves(credentials('READER'));
    sts.on(AssumeRoleCommand, { RoleArn: ACME_ROLE }).resolves(credentials('PARTNER'));

    // Act
    const client = sourceS3(await service.grantFor('acme', params(ACME_ROLE, 'eu-west-1')));
    const read = await client.config.credentials();
    const [partnerCall] = sts.commandCalls(AssumeRoleCommand);
    // The partner role is assumed by a client whose own credentials are the reader's session.
    const chained = await (partnerCall?.thisValue as STSClient).config.credentials();
    const readerCall = sts.commandCalls(AssumeRoleCommand)[1];

    // Assess
    expect(read).toMatchObject({ accessKeyId: 'PARTNER' });
    expect(chained).toMatchObject({ accessKeyId: 'READER' });
    expect(partnerCall?.args[0].input).toMatchObject({
      RoleArn: ACME_ROLE,
      ExternalId: `tributary:${TEST_DEPLOYMENT_ID}:acme`,
      RoleSessionName: 'tributary-acme',
    });
    expect(readerCall?.args[0].input).toMatchObject({ RoleArn: TEST_READER_ROLE });
    const policy = readerCall?.args[0].input.Policy ?? '';
    expect(JSON.parse(policy)).toMatchObject({
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [ACME_ROLE] }],
    });
    expect(policy).not.toContain(PROD_ROLE);
  });

  it("sends each sandbox's own ExternalId, so a role trusting one sandbox cannot be assumed for another", async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(credentials('ANY'));

    // Act
    await sourceS3(await service.grantFor('prod', params(PROD_ROLE, 'eu-west-2'))).config.credentials();
    await sourceS3(await service.grantFor('acme', params(ACME_ROLE, 'eu-west-2'))).config.credentials();

    // Assess
    expect(
      sts
        .commandCalls(AssumeRoleCommand)
        .map((call) => [call.args[0].input.RoleArn, call.args[0].input.ExternalId]),
    ).toEqual([
      [PROD_ROLE, `tributary:${TEST_DEPLOYMENT_ID}:prod`],
      [ACME_ROLE, `tributary:${TEST_DEPLOYMENT_ID}:acme`],
    ]);
  });

  it('refuses a role granted to another sandbox before any call to STS', async () => {
    // Act
    const refused = await service
      .grantFor('acme', params(PROD_ROLE, 'eu-west-3'))
      .catch((error: unknown) => error);

    // Assess
    expect(refused).toBeInstanceOf(SourceAccessRefused);
    expect(refused).toMatchObject({ code: 'role-not-allowed', field: 'roleArn' });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });
});
