/**
 * Data Prep's URL functions. A text that is not a URL gives a missing result, as Experience Platform documents
 * ("if the input is invalid, it returns null"); only an argument of the wrong type is a warning.
 */
import { setOwn } from '../../own-property';
import {
  booleanArg,
  defineFunction,
  expressionError,
  requiredText,
  textArg,
  type MappingFunction,
} from './function-types';

/** Ports of the schemes whose URLs usually leave them out (Experience Platform answers 22 for `sftp://`). */
const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  ftp: 21,
  sftp: 22,
  ssh: 22,
  http: 80,
  ws: 80,
  https: 443,
  wss: 443,
};

function urlArg(fn: string, args: readonly unknown[]): URL | undefined {
  const text = textArg(fn, args, 0, 'url');
  if (text === undefined) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

const schemeOf = (url: URL) => url.protocol.slice(0, -1);

const getUrlProtocol = defineFunction('get_url_protocol', 1, 1, true, (args) => {
  const url = urlArg('get_url_protocol', args);
  return url === undefined ? undefined : schemeOf(url);
});

const getUrlHost = defineFunction('get_url_host', 1, 1, true, (args) => {
  const host = urlArg('get_url_host', args)?.hostname;
  return host === '' ? undefined : host;
});

const getUrlPort = defineFunction('get_url_port', 1, 1, true, (args) => {
  const url = urlArg('get_url_port', args);
  if (url === undefined) return undefined;
  return url.port === '' ? DEFAULT_PORTS[schemeOf(url)] : Number(url.port);
});

const getUrlPath = defineFunction('get_url_path', 1, 2, true, (args) => {
  const url = urlArg('get_url_path', args);
  if (url === undefined) return undefined;
  const fullPath = booleanArg('get_url_path', args, 1, 'full path') ?? true;
  return fullPath ? url.pathname : url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
});

const ANCHOR_MODES = ['retain', 'remove', 'append'];

function decodeQueryPart(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return text;
  }
}

/**
 * The query as an object of names and values (the first of a repeated name wins). The anchor (`#nose`) stays on
 * the last value (`retain`), is dropped (`remove`) or becomes the field `_anchor_` (`append`).
 */
const getUrlQueryStr = defineFunction('get_url_query_str', 2, 2, false, (args) => {
  const url = urlArg('get_url_query_str', args);
  const mode = requiredText('get_url_query_str', args, 1, 'anchor').toLowerCase();
  if (!ANCHOR_MODES.includes(mode)) {
    throw expressionError('get_url_query_str: argument 2 (anchor) must be "retain", "remove" or "append"');
  }
  if (url === undefined) return undefined;
  const anchor = url.hash.slice(1);
  const query: Record<string, unknown> = {};
  let lastName: string | undefined;
  for (const pair of url.search.slice(1).split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decodeQueryPart(equals < 0 ? pair : pair.slice(0, equals));
    if (Object.hasOwn(query, name)) continue;
    setOwn(query, name, equals < 0 ? '' : decodeQueryPart(pair.slice(equals + 1)));
    lastName = name;
  }
  if (anchor !== '' && mode === 'retain' && lastName !== undefined)
    setOwn(query, lastName, `${String(query[lastName])}#${anchor}`);
  if (anchor !== '' && mode === 'append') query._anchor_ = anchor;
  return Object.keys(query).length === 0 ? undefined : query;
});

/** Every character but letters, digits, `-`, `_` and `.` is percent-encoded (Experience Platform's table). */
const getUrlEncoded = defineFunction('get_url_encoded', 1, 1, true, (args) =>
  textArg('get_url_encoded', args, 0, 'url')
    ?.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/[^A-Za-z0-9\-_.]+/g, (run) =>
      encodeURIComponent(run).replace(
        /[!'()*~]/g,
        (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    ),
);

const getUrlDecoded = defineFunction('get_url_decoded', 1, 1, true, (args) => {
  const text = textArg('get_url_decoded', args, 0, 'url');
  if (text === undefined) return undefined;
  try {
    return decodeURIComponent(text);
  } catch {
    throw expressionError('get_url_decoded: argument 1 (url) holds a malformed percent-encoding');
  }
});

export const URL_FUNCTIONS: readonly MappingFunction[] = [
  getUrlProtocol,
  getUrlHost,
  getUrlPort,
  getUrlPath,
  getUrlQueryStr,
  getUrlEncoded,
  getUrlDecoded,
];
