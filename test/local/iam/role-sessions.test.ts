import { describe, expect, it } from 'vitest';
import { RoleAccess } from '../../../local/iam/role-access';
import type { TemplateRole } from '../../../local/iam/role-policies';

const ROLE: TemplateRole = {
  arn: 'arn:aws:iam::000000000000:role/reader',
  name: 'reader',
  statements: [{ effect: 'Allow', actions: ['s3:GetObject'], resources: ['*'] }],
  trust: [],
  tags: {},
};
const SILENT = { info: () => undefined, error: () => undefined };

describe('role sessions of the local STS', () => {
  it("refuses a session once it has expired, never falling back to the runtime's unrestricted access", () => {
    // Prepare
    let now = 0;
    const access = new RoleAccess(new Map(), new Map([[ROLE.arn, ROLE]]), SILENT, () => now);
    const request = { roleArn: ROLE.arn, sessionName: 'tributary-prod', durationSeconds: 900 };
    const first = access.assumeRole(undefined, request);
    const read = [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }];

    // Act
    const whileValid = access.denial(first.accessKeyId, read);
    now = 900_000;
    const afterExpiry = access.denial(first.accessKeyId, read);

    // Assess
    expect(whileValid).toBeUndefined();
    expect(afterExpiry?.message).toContain('the session has expired');
  });
});
