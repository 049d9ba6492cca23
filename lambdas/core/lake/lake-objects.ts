/**
 * The lake and quarantine buckets as both pipelines write them and the batches API reads the quarantine
 * (implemented by adapters/s3-objects.ts).
 */
export interface ObjectWriter {
  /** Writes (or overwrites) the object at `key`. */
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** Removes the object at `key`; a missing object is not an error. */
  delete(key: string): Promise<void>;
}

export interface ObjectReader {
  /** The object's text, or undefined when there is none. */
  getText(key: string): Promise<string | undefined>;
}
