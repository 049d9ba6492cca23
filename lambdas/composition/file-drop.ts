/** The file-drop function's composition root: the same file batch parts as the batches API. */
import type { FileDropDeps } from '../core/batches/file-drop';
import { fileBatchPartsFromEnvironment } from './file-batches';

export function fileDropFromEnvironment(): FileDropDeps {
  const { fileBatches, files, landing } = fileBatchPartsFromEnvironment();
  return { fileBatches, files, sources: landing };
}
