/**
 * The sources of a link or a member, kept so that reverting a batch takes away exactly what only that batch made:
 * a bounded list of file batches plus one flag for everything a batch revert never takes away (docs/identity-graph.md,
 * "Sources").
 */
import type { SourceSet, StoredLink, StoredMember } from './graph-store';
import type { LinkSource } from './profile-ports';

/**
 * Batches a link or member remembers. A further batch only sets `elsewhere`, so the entry survives reverting any of
 * them: reverting more than this many batches that all made the same link is rare, whereas each entry costs ~40 bytes
 * in a graph item holding up to a few thousand links and members.
 */
export const MAX_SOURCE_BATCHES = 4;

interface Sources {
  readonly batches: readonly string[];
  readonly elsewhere: boolean;
}

/**
 * A streamed record carries the message id (and the streaming window's batch, which is never reverted); a file
 * batch's record carries only its batch.
 */
const revertibleBatch = (source: LinkSource): string | undefined =>
  source.messageId === undefined ? source.batchId : undefined;

/** A member stored before sources were kept: unknown, so no revert removes it. */
export function memberSources(member: StoredMember): Sources {
  return member.batches === undefined
    ? { batches: [], elsewhere: true }
    : { batches: member.batches, elsewhere: member.elsewhere === true };
}

/** A link stored before sources were kept has its one source. */
export function linkSources(link: StoredLink): Sources {
  if (link.batches !== undefined) return { batches: link.batches, elsewhere: link.elsewhere === true };
  const batch = revertibleBatch(link.source);
  return batch === undefined ? { batches: [], elsewhere: true } : { batches: [batch], elsewhere: false };
}

export const sourcesOf = (source: LinkSource | undefined): Sources => {
  if (!source) return { batches: [], elsewhere: false };
  const batch = revertibleBatch(source);
  return batch === undefined ? { batches: [], elsewhere: true } : { batches: [batch], elsewhere: false };
};

export const hasSources = (sources: Sources): boolean => sources.elsewhere || sources.batches.length > 0;

/** The stored form: `elsewhere` only when set, so entries stay small. */
export const storedSources = (sources: Sources): SourceSet => ({
  batches: sources.batches,
  ...(sources.elsewhere ? { elsewhere: true } : {}),
});

/** The sources with one more; the same object when it adds nothing (so the caller writes nothing). */
export function withSource(current: Sources, added: Sources): Sources {
  let batches = current.batches;
  let elsewhere = current.elsewhere || added.elsewhere;
  for (const batch of added.batches) {
    if (batches.includes(batch) || elsewhere) continue;
    if (batches.length < MAX_SOURCE_BATCHES) batches = [...batches, batch];
    else elsewhere = true;
  }
  return batches === current.batches && elsewhere === current.elsewhere ? current : { batches, elsewhere };
}

/** The sources without a reverted batch; the same object when the batch was not among them. */
export function withoutBatch(current: Sources, batchId: string): Sources {
  return current.batches.includes(batchId)
    ? { batches: current.batches.filter((batch) => batch !== batchId), elsewhere: current.elsewhere }
    : current;
}
