/** The file readers as one object, the shape the ingest workflow's ports take (`FileReader` in ingest/ingest-ports). */
import { planFile } from './plan-file';
import { readChunk } from './read-chunk';

export const fileReader = { plan: planFile, read: readChunk };
