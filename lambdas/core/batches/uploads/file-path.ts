/**
 * The file path of an upload (`{filePath+}`, folders allowed), checked before it becomes part of an S3 key and of
 * table keys: a path that could escape its folder, name nothing, or not survive being a key is refused.
 */
import { invalid } from '../../errors/domain-error';

/** S3 keys hold at most 1,024 bytes; a path longer than that could never be stored. */
const MAX_FILE_PATH_BYTES = 1024;

/** Ranged parts are stored beside their file as `{path}.parts/…`, so no folder of a path may be named that way. */
export const PARTS_FOLDER_SUFFIX = '.parts';

// C0 controls, DEL and C1 controls: invisible in listings and refused or mangled by tools that handle keys.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
// A lone surrogate is not Unicode text: it cannot be URI-encoded into a table key.
const LONE_SURROGATE = /\p{Cs}/u;

export const invalidFilePath = (reason: string) => {
  const message = `the file path ${reason}`;
  return invalid('invalid-file-path', message, [{ pointer: '/filePath', keyword: 'format', message }]);
};

function problemOf(raw: string): string | undefined {
  if (raw === '') return 'must not be empty';
  if (raw.startsWith('/')) return "must not start with '/'";
  if (raw.includes('\\')) return 'must not contain backslashes';
  if (CONTROL_CHARACTER.test(raw)) return 'must not contain control characters';
  if (LONE_SURROGATE.test(raw)) return 'must be well-formed Unicode';
  if (Buffer.byteLength(raw, 'utf8') > MAX_FILE_PATH_BYTES) {
    return `must be at most ${MAX_FILE_PATH_BYTES} bytes (UTF-8)`;
  }
  const segments = raw.split('/');
  if (segments.some((segment) => segment === '')) return 'must not contain empty segments';
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    return "must not contain '.' or '..' segments";
  }
  if (segments.slice(0, -1).some((folder) => folder.endsWith(PARTS_FOLDER_SUFFIX))) {
    return `must not have a folder ending in '${PARTS_FOLDER_SUFFIX}' (reserved for ranged uploads)`;
  }
  return undefined;
}

/** The path as given (API Gateway has already percent-decoded it), or an `invalid` error, `invalid-file-path`. */
export function parseFilePath(raw: string): string {
  const problem = problemOf(raw);
  if (problem) throw invalidFilePath(problem);
  return raw;
}
