import { describe, expect, it } from 'vitest';
import { safeReason } from '../../../lambdas/handlers/authorizer';
import { presentedKeyOf } from '../../../lambdas/http/request';

describe('presentedKeyOf', () => {
  it('reads a Bearer token first, then x-api-key', () => {
    // Assess
    expect(presentedKeyOf({ authorization: 'Bearer trb_a', 'x-api-key': 'trb_b' })).toBe('trb_a');
    expect(presentedKeyOf({ authorization: 'bearer   trb_a  ' })).toBe('trb_a');
    expect(presentedKeyOf({ authorization: 'Basic dXNlcg==', 'x-api-key': ' trb_b ' })).toBe('trb_b');
    expect(presentedKeyOf({ 'x-api-key': '' })).toBeUndefined();
    expect(presentedKeyOf({})).toBeUndefined();
  });
});

describe('safeReason', () => {
  it('keeps readable reasons and drops what would break the JSON template', () => {
    // Assess
    expect(safeReason("the key belongs to sandbox 'dev', not 'prod'")).toBe(
      "the key belongs to sandbox 'dev', not 'prod'",
    );
    expect(safeReason('bad "quoted" \\ value\n')).toBe('bad quoted  value');
  });
});
