/**
 * Where dropped files go: an object written under `landing/{sandbox}/{datasetId}/` in the landing bucket becomes a
 * file batch of its own. Shared with the CDK app, which filters the bucket's notifications by this prefix.
 */
export const FILE_DROP_PREFIX = 'landing/';

export interface DroppedFile {
  readonly sandbox: string;
  readonly datasetId: string;
  /** The file's path below the dataset's folder (folders kept). */
  readonly path: string;
}

/** The sandbox, dataset and path a landing key names, or undefined when it names none (a folder marker, say). */
export function droppedFileOf(key: string): DroppedFile | undefined {
  if (!key.startsWith(FILE_DROP_PREFIX)) return undefined;
  const [sandbox, datasetId, ...rest] = key.slice(FILE_DROP_PREFIX.length).split('/');
  const path = rest.join('/');
  if (!sandbox || !datasetId || path === '' || path.endsWith('/')) return undefined;
  return { sandbox, datasetId, path };
}
