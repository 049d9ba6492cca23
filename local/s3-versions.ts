/**
 * Object versions for s3rver, which keeps none: a bucket whose versioning is enabled (`PutBucketVersioning`, as the
 * runtime does for every template bucket with `VersioningConfiguration` Enabled) keeps every write of a key as a
 * version of its own, as S3 does. A write answers `x-amz-version-id`, and its notification carries the version and
 * the ETag; a read with `versionId` answers that version (ranges included) whatever was written since; a read
 * without it answers the current version, and a delete leaves a delete marker while the versions stay readable.
 *
 * Writes of one key are serialized and each is copied once it is complete, because s3rver writes objects in place
 * (a second write of a key truncates the file the first one is still being read from). What is not emulated is
 * refused, as S3 features the project does not use: `Suspended` versioning and deletes of one version answer
 * `NotImplemented`, and s3rver itself refuses `ListObjectVersions`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Event } from 'aws-lambda';
import type S3rver from 's3rver';
import type { S3Context, S3Middleware } from 's3rver';
import { escapeXml } from './xml-text';

/** One version of a key: an object's bytes and headers, or a delete marker. */
interface VersionRecord {
  readonly versionId: string;
  readonly deleteMarker?: true;
  /** The headers a read answers: ETag, Content-Type, Last-Modified, x-amz-meta-*. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly size?: number;
}

/** s3rver may flush an object's last bytes after it reported the write: waits this long at most for them. */
const FLUSH_WAIT_MS = 2_000;
const FLUSH_POLL_MS = 5;

/**
 * Query parameters that leave a request a plain object read or write (the SDK names its operation in `x-id`; a
 * presigned URL carries its signature as `X-Amz-*` parameters).
 */
const PLAIN_QUERY = new Set(['x-id', 'versionId']);
const isPlainQuery = (name: string) => PLAIN_QUERY.has(name) || name.startsWith('X-Amz-');

/** Headers of s3rver's metadata that describe the object itself, not the request that wrote it. */
const OBJECT_HEADERS = [
  'content-type',
  'content-encoding',
  'content-disposition',
  'content-language',
  'cache-control',
  'expires',
];

const xmlError = (code: string, message: string, extra: Record<string, string> = {}) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>${Object.entries(
    extra,
  )
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('')}</Error>`;

export function answerError(ctx: S3Context, status: number, code: string, message: string, extra = {}): void {
  ctx.status = status;
  if (ctx.method === 'HEAD') return;
  ctx.type = 'application/xml';
  ctx.body = xmlError(code, message, extra);
}

/** A new version id: time-ordered, then random, URL-safe as S3's are. */
const newVersionId = () => `${Date.now().toString(36).padStart(9, '0')}${randomBytes(12).toString('hex')}`;

/** The bytes a `Range` header asks of an object of `size` bytes: inclusive ends, or undefined when unsatisfiable. */
function rangeOf(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'all' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header ?? '');
  if (!match) return 'all';
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return 'all';
  const start = first === '' ? Math.max(0, size - Number(last)) : Number(first);
  const end = first === '' || last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return start <= end && start < size ? { start, end } : undefined;
}

export interface ObjectVersions {
  /** Waits for the writes under way. */
  drain(): Promise<void>;
}

/** Keeps object versions for s3rver's versioned buckets, under `dir` (kept across restarts when it is). */
export function keepObjectVersions(s3Server: S3rver, dir: string): ObjectVersions {
  const statePath = join(dir, 'versioning.json');
  // One state object, loaded once and changed in place; its saves are chained so that none overtakes another.
  let versioning: Promise<Record<string, 'Enabled'>> | undefined;
  let saved = Promise.resolve();
  const histories = new Map<string, VersionRecord[]>();
  const writes = new Map<string, Promise<void>>();

  const versioningOf = (): Promise<Record<string, 'Enabled'>> => {
    versioning ??= readFile(statePath, 'utf8')
      .catch(() => '{}')
      .then((text) => JSON.parse(text) as Record<string, 'Enabled'>);
    return versioning;
  };
  const saveVersioning = async (change: (state: Record<string, 'Enabled'>) => void) => {
    const state = await versioningOf();
    change(state);
    const save = saved.then(async () => {
      await mkdir(dir, { recursive: true });
      await writeFile(`${statePath}.tmp`, JSON.stringify(state));
      await rename(`${statePath}.tmp`, statePath);
    });
    saved = save.catch(() => undefined);
    await save;
  };
  const keyDir = (bucket: string, key: string) =>
    join(dir, 'buckets', bucket, createHash('sha256').update(key).digest('hex'));
  const historyOf = async (bucket: string, key: string): Promise<VersionRecord[]> => {
    const id = `${bucket}/${key}`;
    let history = histories.get(id);
    if (!history) {
      const text = await readFile(join(keyDir(bucket, key), 'history.json'), 'utf8').catch(() => '[]');
      history = JSON.parse(text) as VersionRecord[];
      histories.set(id, history);
    }
    return history;
  };
  const record = async (bucket: string, key: string, version: VersionRecord) => {
    const history = [...(await historyOf(bucket, key)), version];
    const path = join(keyDir(bucket, key), 'history.json');
    await writeFile(`${path}.tmp`, JSON.stringify(history));
    await rename(`${path}.tmp`, path);
    histories.set(`${bucket}/${key}`, history);
  };

  /** Runs the write of one key after the writes of that key before it. */
  const serialized = async (bucket: string, key: string, write: () => Promise<void>) => {
    const id = `${bucket}/${key}`;
    const previous = writes.get(id) ?? Promise.resolve();
    const done = previous.then(write, write);
    const settled = done.catch(() => undefined);
    writes.set(id, settled);
    try {
      await done;
    } finally {
      if (writes.get(id) === settled) writes.delete(id);
    }
  };

  /** Runs s3rver's handling of the request with its notifications held back, and answers them. */
  const heldEvents = async (ctx: S3Context, next: () => Promise<void>): Promise<S3Event[]> => {
    const events: S3Event[] = [];
    const app = ctx.app;
    ctx.app = Object.create(app, {
      emit: {
        value: (name: string, ...args: unknown[]) =>
          name === 'event' ? events.push(args[0] as S3Event) > 0 : app.emit(name, ...args),
      },
    }) as typeof app;
    try {
      await next();
    } finally {
      ctx.app = app;
    }
    return events;
  };

  /** Copies the object s3rver just stored as a new version, once all `size` bytes of it are on disk. */
  const snapshot = async (bucket: string, key: string, size: number | undefined): Promise<VersionRecord> => {
    const source = s3Server.store.getResourcePath(bucket, key, 'object');
    const deadline = Date.now() + FLUSH_WAIT_MS;
    while (size !== undefined && (await stat(source)).size !== size && Date.now() < deadline) {
      await sleep(FLUSH_POLL_MS);
    }
    const metadata = await s3Server.store.getMetadata(bucket, key);
    const versionId = newVersionId();
    await mkdir(keyDir(bucket, key), { recursive: true });
    await copyFile(source, join(keyDir(bucket, key), versionId));
    const headers: Record<string, string> = {
      etag: String(metadata['etag']),
      'last-modified': String(metadata['last-modified']),
    };
    for (const [name, value] of Object.entries(metadata)) {
      if (OBJECT_HEADERS.includes(name) || name.startsWith('x-amz-meta-')) headers[name] = String(value);
    }
    return { versionId, headers, size: Number(metadata['content-length']) };
  };

  const write = (ctx: S3Context, next: () => Promise<void>, bucket: string, key: string) =>
    serialized(bucket, key, async () => {
      const condition = ctx.get('if-none-match');
      if (condition !== '' && condition !== '*') {
        ctx.req.resume();
        answerError(ctx, 501, 'NotImplemented', 'a conditional write takes only If-None-Match: *');
        return;
      }
      if (condition === '*' && (await currentObjectExists(bucket, key))) {
        ctx.req.resume();
        answerError(
          ctx,
          412,
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
          {
            Condition: 'If-None-Match',
          },
        );
        return;
      }
      const events = await heldEvents(ctx, next);
      if (ctx.status < 300 && events.length > 0) {
        const size = events[0]?.Records[0]?.s3.object.size;
        const version = await snapshot(bucket, key, size);
        await record(bucket, key, version);
        ctx.set('x-amz-version-id', version.versionId);
        const eTag = (version.headers?.['etag'] ?? '').replaceAll('"', '');
        for (const event of events) {
          for (const notified of event.Records) {
            notified.s3.object.versionId = version.versionId;
            notified.s3.object.eTag ??= eTag;
          }
        }
      }
      for (const event of events) s3Server.emit('event', event);
    });

  const remove = (ctx: S3Context, next: () => Promise<void>, bucket: string, key: string) =>
    serialized(bucket, key, async () => {
      const events = await heldEvents(ctx, next);
      const current = (await historyOf(bucket, key)).at(-1);
      if (ctx.status < 300 && current && !current.deleteMarker) {
        const marker: VersionRecord = { versionId: newVersionId(), deleteMarker: true };
        await mkdir(keyDir(bucket, key), { recursive: true });
        await record(bucket, key, marker);
        ctx.set('x-amz-delete-marker', 'true');
        ctx.set('x-amz-version-id', marker.versionId);
        for (const event of events) {
          for (const notified of event.Records) {
            notified.eventName = 'ObjectRemoved:DeleteMarkerCreated';
            notified.s3.object.versionId = marker.versionId;
          }
        }
      }
      for (const event of events) s3Server.emit('event', event);
    });

  /** S3's conditional write (`If-None-Match: *`) holds while the key's current version is none or a delete marker. */
  const currentObjectExists = async (bucket: string, key: string): Promise<boolean> => {
    const current = (await historyOf(bucket, key)).at(-1);
    if (current) return !current.deleteMarker;
    // Written before its bucket kept versions: s3rver's own file is the object.
    return stat(s3Server.store.getResourcePath(bucket, key, 'object')).then(
      () => true,
      () => false,
    );
  };

  const read = async (ctx: S3Context, next: () => Promise<void>, bucket: string, key: string) => {
    await writes.get(`${bucket}/${key}`);
    const history = await historyOf(bucket, key);
    const asked = ctx.query['versionId'];
    const version = asked === undefined ? history.at(-1) : history.find((found) => found.versionId === asked);
    if (asked !== undefined && !version) {
      answerError(ctx, 404, 'NoSuchVersion', 'The specified version does not exist.', {
        Key: key,
        VersionId: asked,
      });
      return;
    }
    // Written before its bucket kept versions: s3rver has it (or answers that it does not).
    if (!version) return next();
    if (version.deleteMarker) {
      ctx.set('x-amz-delete-marker', 'true');
      ctx.set('x-amz-version-id', version.versionId);
      if (asked === undefined)
        answerError(ctx, 404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
      else
        answerError(
          ctx,
          405,
          'MethodNotAllowed',
          'The specified method is not allowed against this resource.',
        );
      return;
    }
    const size = version.size ?? 0;
    const range = rangeOf(ctx.get('range'), size);
    if (range === undefined) {
      answerError(ctx, 416, 'InvalidRange', 'The requested range is not satisfiable');
      return;
    }
    for (const [name, value] of Object.entries(version.headers ?? {})) ctx.set(name, value);
    ctx.set('accept-ranges', 'bytes');
    ctx.set('x-amz-version-id', version.versionId);
    const bytes = range === 'all' ? { start: 0, end: size - 1 } : range;
    if (range !== 'all') {
      ctx.set('content-range', `bytes ${range.start}-${range.end}/${size}`);
      ctx.status = 206;
    } else {
      ctx.status = 200;
    }
    ctx.length = size === 0 ? 0 : bytes.end - bytes.start + 1;
    if (ctx.method === 'HEAD' || size === 0) return;
    ctx.body = createReadStream(join(keyDir(bucket, key), version.versionId), bytes);
  };

  /** `PutBucketVersioning` and `GetBucketVersioning`, which s3rver does not implement. */
  const bucketVersioning = async (ctx: S3Context, bucket: string) => {
    const state = await versioningOf();
    if (ctx.method === 'GET') {
      ctx.type = 'application/xml';
      ctx.body =
        '<?xml version="1.0" encoding="UTF-8"?>\n<VersioningConfiguration>' +
        (state[bucket] ? `<Status>${state[bucket]}</Status>` : '') +
        '</VersioningConfiguration>';
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(Buffer.from(chunk as Uint8Array));
    const status = /<Status>\s*(\w+)\s*<\/Status>/.exec(Buffer.concat(chunks).toString('utf8'))?.[1];
    if (status !== 'Enabled') {
      answerError(
        ctx,
        501,
        'NotImplemented',
        `versioning status ${status ?? '(none)'} is not emulated locally`,
      );
      return;
    }
    await saveVersioning((current) => {
      current[bucket] = 'Enabled';
    });
    ctx.status = 200;
    ctx.body = '';
  };

  const middleware: S3Middleware = async (ctx, next) => {
    const [bucketPart, ...keyParts] = ctx.path.slice(1).split('/');
    if (!bucketPart) return next();
    const bucket = decodeURIComponent(bucketPart);
    const key = keyParts.map((part) => decodeURIComponent(part)).join('/');
    const query = Object.keys(ctx.query);
    if (key === '') {
      if (query.includes('versioning') && (ctx.method === 'GET' || ctx.method === 'PUT')) {
        return bucketVersioning(ctx, bucket);
      }
      await next();
      if (ctx.method === 'DELETE' && ctx.status === 204 && (await versioningOf())[bucket]) {
        await saveVersioning((current) => {
          delete current[bucket];
        });
        await rm(join(dir, 'buckets', bucket), { recursive: true, force: true });
      }
      return;
    }
    if (!(await versioningOf())[bucket]) {
      if (ctx.method === 'PUT' && ctx.get('if-none-match') !== '') {
        answerError(ctx, 501, 'NotImplemented', 'conditional writes are emulated only in versioned buckets');
        return;
      }
      return next();
    }
    const plain = query.every(isPlainQuery);
    if ((ctx.method === 'GET' || ctx.method === 'HEAD') && plain) return read(ctx, next, bucket, key);
    if (ctx.method === 'PUT' && plain && ctx.query['versionId'] === undefined)
      return write(ctx, next, bucket, key);
    if (ctx.method === 'POST' && query.includes('uploadId')) return write(ctx, next, bucket, key);
    if (ctx.method === 'DELETE' && plain) {
      if (ctx.query['versionId'] !== undefined) {
        answerError(ctx, 501, 'NotImplemented', 'deleting one version of an object is not emulated locally');
        return;
      }
      return remove(ctx, next, bucket, key);
    }
    return next();
  };
  // Just before s3rver's router: after its request logging, XML encoding and virtual-host handling.
  s3Server.middleware.splice(s3Server.middleware.length - 1, 0, middleware);
  return {
    async drain() {
      await Promise.all([...writes.values()]);
    },
  };
}
