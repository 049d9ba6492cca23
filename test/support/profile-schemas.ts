/** The schema summaries the profile pipeline tests and benchmark apply records with. */
import type { ApplyInput } from '../../lambdas/core/profiles/apply-to-profiles';

/** A profile schema whose primary identity is `/email` (Email), with one more, secondary identity field. */
export function emailProfileSchema(secondary: { path: string; namespace: string }): ApplyInput['schema'] {
  return {
    class: 'profile',
    identities: [
      { path: '/email', namespace: 'Email', primary: true },
      { ...secondary, primary: false },
    ],
    hasIdentityMap: false,
    primaryIdentity: { path: '/email', namespace: 'Email' },
  };
}

/** An event schema whose identities come from `identityMap` only. */
export const EVENT_SCHEMA: ApplyInput['schema'] = {
  class: 'event',
  identities: [],
  hasIdentityMap: true,
  primaryIdentity: { path: 'identityMap' },
};
