/**
 * The bodies of the connection routes: an S3 source's params (Experience Platform's naming rules for the folder),
 * an HTTP source's params (URL, records path, pagination, incremental column) and the secret auth header. Messages
 * never quote the value they refuse, so a misplaced secret is not echoed back.
 */
import picomatch from 'picomatch';
import { z } from 'zod';
import { InputFormatInput } from './input-format';
import { displayText } from '../core/input';

/** S3 keys are at most 1,024 bytes; a prefix or pattern longer than that can match nothing. */
const MAX_KEY_LENGTH = 1024;
/** Experience Platform's limit on each component of a source path. */
const MAX_PATH_COMPONENT_LENGTH = 255;
/** Long enough for any API's URL with its query; URLs beyond this are refused by many servers anyway. */
const MAX_URL_LENGTH = 2048;
/** Bearer tokens and signed JWTs run to a few KB; Secrets Manager takes 64 KB. */
const MAX_AUTH_VALUE_LENGTH = 8192;
const MAX_DOT_PATH_LENGTH = 256;
const MAX_PARAM_NAME_LENGTH = 128;
/** Pages larger than this are refused by most APIs and would risk MAX_PAGE_BYTES. */
const MAX_PAGE_SIZE = 10_000;

/** Characters Experience Platform refuses in a source path (besides `/`, the separator). */
const FORBIDDEN_PATH_CHARACTERS = /["\\:|<>*?]/;
const TAB = 0x09;
const LATIN_1_MAX = 0xff;
const isControl = (code: number) => code < 0x20 || code === 0x7f;
const hasControl = (value: string, allowTab = false) =>
  [...value].some((character) => {
    const code = character.charCodeAt(0);
    return isControl(code) && !(allowTab && code === TAB);
  });
/** Names Experience Platform refuses for a path component (Windows device names, `.` and `..`). */
const RESERVED_NAMES = /^(LPT[1-9]|COM[1-9]|PRN|AUX|NUL|CON|CLOCK\$|\.|\.\.)$/i;

/** S3's bucket naming rules (general purpose buckets). */
export const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the HTTP client sets itself; sending them from a connection would break or smuggle requests. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'accept']);

const dotPath = z
  .string()
  .min(1)
  .max(MAX_DOT_PATH_LENGTH)
  .regex(/^[^.]+(\.[^.]+)*$/, 'must be field names joined by dots');
const paramName = z.string().trim().min(1).max(MAX_PARAM_NAME_LENGTH);

/** An S3 folder as Experience Platform names source paths; a trailing `/` is dropped. */
export const S3PrefixInput = z
  .string()
  .max(MAX_KEY_LENGTH)
  .refine((value) => !value.startsWith('/'), 'must not start with /')
  .refine(
    (value) => !FORBIDDEN_PATH_CHARACTERS.test(value) && !hasControl(value),
    'must not hold " \\ : | < > * ? or control characters',
  )
  .transform((value) => value.replace(/\/+$/, ''))
  .refine(
    (value) =>
      value === '' ||
      value
        .split('/')
        .every(
          (component) =>
            component !== '' &&
            component.length <= MAX_PATH_COMPONENT_LENGTH &&
            !RESERVED_NAMES.test(component),
        ),
    `each folder must be 1 to ${MAX_PATH_COMPONENT_LENGTH} characters and not a reserved name (CON, NUL, ., ..)`,
  );

const filePattern = z
  .string()
  .min(1)
  .max(MAX_KEY_LENGTH)
  .refine((value) => {
    try {
      picomatch.makeRe(value);
      return true;
    } catch {
      return false;
    }
  }, 'must be a glob pattern');

export const S3ParamsInput = z.strictObject({
  bucket: z.string().regex(BUCKET_NAME, 'must be an S3 bucket name'),
  prefix: S3PrefixInput.optional(),
  filePattern: filePattern.optional(),
  recursive: z.boolean().optional(),
  inputFormat: InputFormatInput,
  roleArn: z.string().regex(ROLE_ARN, 'must be the ARN of an IAM role').optional(),
  region: z.string().regex(REGION, 'must be an AWS region name such as eu-west-1').optional(),
});

const sourceUrl = z
  .string()
  .max(MAX_URL_LENGTH)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be an absolute http or https URL')
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.username === '' && url.password === '';
    } catch {
      return true;
    }
  }, 'must not hold credentials: send them with auth, which is kept secret');

const Pagination = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('cursor'), cursorPath: dotPath, cursorParam: paramName }),
  z
    .strictObject({
      type: z.literal('page'),
      pageParam: paramName,
      sizeParam: paramName.optional(),
      size: z.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
    })
    .refine((page) => (page.sizeParam === undefined) === (page.size === undefined), {
      message: 'sizeParam and size go together',
      path: ['size'],
    }),
  z.strictObject({ type: z.literal('link') }),
]);

export const HttpParamsInput = z.strictObject({
  url: sourceUrl,
  recordsPath: dotPath.optional(),
  pagination: Pagination,
  incremental: z.strictObject({ deltaColumn: dotPath, deltaParam: paramName.optional() }).optional(),
});

export const AuthInput = z.strictObject({
  type: z.literal('header'),
  name: z
    .string()
    .max(MAX_PARAM_NAME_LENGTH)
    .regex(HEADER_NAME, 'must be an HTTP header name')
    .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), 'is a header the platform sets itself'),
  value: z
    .string()
    .min(1, 'must not be empty')
    .max(MAX_AUTH_VALUE_LENGTH)
    // A line break would end the header and start another (request smuggling); other controls are invalid.
    .refine((value) => !hasControl(value, true), 'must not hold control characters')
    // Header values are bytes: characters beyond Latin-1 cannot be sent.
    .refine(
      (value) => [...value].every((character) => character.charCodeAt(0) <= LATIN_1_MAX),
      'must be Latin-1 text',
    ),
});

const common = { name: displayText(256), description: z.string().max(4096).optional() };

export const NewConnectionBody = z.discriminatedUnion('type', [
  z.strictObject({ ...common, type: z.literal('s3'), params: S3ParamsInput }),
  z.strictObject({ ...common, type: z.literal('http'), params: HttpParamsInput, auth: AuthInput.optional() }),
]);

/** `params` is checked against the connection's type once the connection is read. */
export const ConnectionPatchBody = z
  .strictObject({
    name: displayText(256).optional(),
    description: z.string().max(4096).optional(),
    params: z.unknown().optional(),
    auth: AuthInput.nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'give at least one field to change');
