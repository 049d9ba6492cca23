/**
 * A looked-up identity, made into the one the write side stored: the namespace's canonical code (codes are
 * case-insensitive, so `email` finds `Email`), then the same normaliser (and keyed hash) the writes go through.
 */
import { invalid } from '../errors/domain-error';
import type { IdentityNamespace } from '../catalog/standard-namespaces';
import type { IdentityNormalizer } from './identity-normalizer';
import type { IdentityRef } from './profile-ports';
import type { EntityRef, IdentityLookup } from './profile-read-service';

export class NormalizingIdentityLookup implements IdentityLookup {
  constructor(
    private readonly deps: {
      readonly namespaces: { find(sandbox: string, code: string): Promise<IdentityNamespace | undefined> };
      /** Async: the hashing key may come from a secret store. */
      readonly normalizer: () => Promise<IdentityNormalizer>;
    },
  ) {}

  async identityOf(sandbox: string, entity: EntityRef): Promise<IdentityRef> {
    const namespace = await this.deps.namespaces.find(sandbox, entity.entityIdNS);
    if (!namespace) {
      const message = `identity namespace '${entity.entityIdNS}' does not exist in sandbox '${sandbox}'`;
      throw invalid('unknown-namespace', message, [{ pointer: '/entityIdNS', keyword: 'exists', message }]);
    }
    const result = (await this.deps.normalizer()).normalize(namespace.code, entity.entityId);
    if (!result.ok) {
      const message = `entityId is not a valid ${namespace.code} identity: ${result.reason}`;
      throw invalid('invalid-identity', message, [{ pointer: '/entityId', keyword: 'format', message }]);
    }
    return result.identity;
  }
}
