/**
 * JSON stored gzipped in a binary attribute. DynamoDB's own types would refuse what JSON allows — numbers beyond
 * 38 digits or its range (1e200), maps nested deeper than 32 levels — and bill every byte uncompressed; one
 * compressed attribute holds any JSON document and is far smaller than the same data as a DynamoDB map.
 */
import { gunzipSync, gzipSync } from 'node:zlib';

export const gzipJson = (value: unknown): Buffer => gzipSync(JSON.stringify(value));

export const gunzipJson = <T>(bytes: Uint8Array): T =>
  JSON.parse(gunzipSync(Buffer.from(bytes)).toString('utf8')) as T;
