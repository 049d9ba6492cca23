/**
 * The in-memory fragment and event store of the pipeline entry point's tests, able to revert a batch: removals
 * with the DynamoDB adapter's condition (the stored source must be the batch), so a test can apply and revert on
 * one store.
 */
import type { EventRemovals } from '../../../lambdas/core/profiles/events';
import type { FragmentRemovals } from '../../../lambdas/core/profiles/fragments';
import { identityKeyOf, type IdentityRef } from '../../../lambdas/core/profiles/profile-ports';
import { eventKey, fragmentKey, MemoryProfileData } from '../../support/profile-apply-fakes';

export class RevertableProfileData extends MemoryProfileData implements FragmentRemovals, EventRemovals {
  /** Removals attempted, answered true or false: each is one conditional delete in DynamoDB. */
  removals = 0;

  async removeFragmentOfBatch(sandbox: string, datasetId: string, identity: IdentityRef, batchId: string) {
    return this.removeIfOfBatch(this.fragments, fragmentKey(sandbox, datasetId, identity), identity, batchId);
  }

  async removeEventOfBatch(
    sandbox: string,
    datasetId: string,
    identity: IdentityRef,
    eventId: string,
    batchId: string,
  ) {
    return this.removeIfOfBatch(
      this.events,
      eventKey(sandbox, datasetId, identity, eventId),
      identity,
      batchId,
    );
  }

  private removeIfOfBatch(
    items: Map<string, { readonly source: { readonly batchId?: string } }>,
    key: string,
    identity: IdentityRef,
    batchId: string,
  ): boolean {
    if (this.failOn === identityKeyOf(identity)) throw new Error('store unavailable');
    this.removals += 1;
    if (items.get(key)?.source.batchId !== batchId) return false;
    items.delete(key);
    return true;
  }
}
