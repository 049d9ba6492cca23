/**
 * Bounds a function's TMPDIR by its EphemeralStorage size, as Lambda's `/tmp` is: a write that would take the sum
 * of the file sizes under TMPDIR past it fails with `ENOSPC: no space left on device`, and writes nothing. Runs
 * inside a function's worker thread next to read-only-filesystem.ts (which keeps every write inside TMPDIR) and
 * wraps the entry points that add bytes: `write`/`writev` on a file descriptor (write streams go through them),
 * `writeFile`/`appendFile` of a string or buffer, `copyFile`/`cp`, and the same on a promises FileHandle.
 * A write without an explicit position counts as growth even where it overwrites (the descriptor's offset is not
 * known), so the bound errs on the side of refusing; `writeFile` of a stream or an iterable is not counted.
 */
import fs from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { guardEntryPoint, pathOf, type Form } from './fs-entry-points';

/** The sum of the sizes of the regular files under `path` (a file's own size when it is one; 0 when absent). */
function bytesUnder(path: string): number {
  let stats: fs.Stats;
  try {
    stats = fs.lstatSync(path);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.isFile() ? stats.size : 0;
  return fs.readdirSync(path).reduce((sum, entry) => sum + bytesUnder(join(path, entry)), 0);
}

function byteLengthOf(data: unknown, encoding?: unknown): number | undefined {
  if (typeof data === 'string')
    return Buffer.byteLength(data, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (ArrayBuffer.isView(data)) return data.byteLength;
  return undefined;
}

function encodingOf(options: unknown): unknown {
  return typeof options === 'string' ? options : (options as { encoding?: unknown } | undefined)?.encoding;
}

/** A write's bytes and position: `write(fd, buffer, offset, length, position)`, `(fd, buffer, {…})`, `(fd, string, position, encoding)`. */
function fdWrite(data: unknown, rest: readonly unknown[]): { bytes: number; position: unknown } {
  if (typeof data === 'string') return { bytes: byteLengthOf(data, rest[1]) ?? 0, position: rest[0] };
  const view = data as ArrayBufferView;
  if (rest[0] !== null && typeof rest[0] === 'object') {
    const {
      offset = 0,
      length,
      position,
    } = rest[0] as { offset?: number; length?: number; position?: unknown };
    return { bytes: length ?? view.byteLength - offset, position };
  }
  const offset = typeof rest[0] === 'number' ? rest[0] : 0;
  return { bytes: typeof rest[1] === 'number' ? rest[1] : view.byteLength - offset, position: rest[2] };
}

/** The standard streams (0 to 2) are not in /tmp, whatever they are redirected to. */
const LAST_STANDARD_STREAM_FD = 2;

function sizeOfDescriptor(fd: unknown): number {
  try {
    return typeof fd === 'number' ? fs.fstatSync(fd).size : 0;
  } catch {
    return 0;
  }
}

/** How much a write of `bytes` at `position` of the open file grows it; a write without position appends. */
function growthAt(fd: unknown, bytes: number, position: unknown): number {
  if (typeof fd === 'number' && fd <= LAST_STANDARD_STREAM_FD) return 0;
  if (typeof position !== 'number' && typeof position !== 'bigint') return bytes;
  const size = sizeOfDescriptor(fd);
  return Math.max(0, Number(position) + bytes - size);
}

/** How many bytes a call would add under TMPDIR (0 when it adds none or cannot be measured). */
type Growth = (args: readonly unknown[], self: unknown) => number;

/** Bytes a path-named write adds: the data, less what it replaces of an existing file when it truncates. */
const pathWrite =
  (appends: boolean): Growth =>
  ([path, data, options]) => {
    const bytes = byteLengthOf(data, encodingOf(options)) ?? 0;
    if (typeof path === 'number' || appends) return bytes;
    const flag = (options as { flag?: unknown } | undefined)?.flag;
    if (typeof flag === 'string' && flag.startsWith('a')) return bytes;
    const target = pathOf(path);
    return target === undefined ? bytes : bytes - bytesUnder(target);
  };

const copy: Growth = ([source, destination]) => {
  const [from, to] = [pathOf(source), pathOf(destination)];
  return from === undefined || to === undefined ? 0 : bytesUnder(from) - bytesUnder(to);
};

const MODULE_ENTRIES: Readonly<Record<string, Growth>> = {
  write: ([fd, data, ...rest]) => {
    const { bytes, position } = fdWrite(data, rest);
    return growthAt(fd, bytes, position);
  },
  writev: ([fd, buffers, position]) =>
    growthAt(
      fd,
      (buffers as ArrayBufferView[]).reduce((sum, buffer) => sum + buffer.byteLength, 0),
      position,
    ),
  writeFile: pathWrite(false),
  appendFile: pathWrite(true),
  copyFile: copy,
  cp: copy,
};

const HANDLE_ENTRIES: Readonly<Record<string, Growth>> = {
  write: ([data, ...rest], handle) => {
    const { bytes, position } = fdWrite(data, rest);
    return growthAt((handle as fs.promises.FileHandle).fd, bytes, position);
  },
  writev: ([buffers, position], handle) =>
    growthAt(
      (handle as fs.promises.FileHandle).fd,
      (buffers as ArrayBufferView[]).reduce((sum, buffer) => sum + buffer.byteLength, 0),
      position,
    ),
  writeFile: ([data, options]) => byteLengthOf(data, encodingOf(options)) ?? 0,
  appendFile: ([data, options]) => byteLengthOf(data, encodingOf(options)) ?? 0,
};

function noSpaceError(syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOSPC: no space left on device, ${syscall}`), {
    errno: -constants.errno.ENOSPC,
    code: 'ENOSPC',
    syscall,
  });
}

/**
 * Wraps the writing entry points of `fs`, `fs/promises` and FileHandle so that TMPDIR holds at most
 * `capacityBytes`; the caller syncs the ES module exports afterwards.
 */
export async function limitTmpStorage(root: string, capacityBytes: number): Promise<void> {
  const guard = (
    target: Record<string, unknown>,
    name: string,
    growth: Growth,
    form: Form,
    syscall: string,
  ): void =>
    guardEntryPoint(target, name, form, (args, self) => {
      const adds = growth(args, self);
      return adds > 0 && bytesUnder(root) + adds > capacityBytes ? noSpaceError(syscall) : undefined;
    });
  const callbacks = fs as unknown as Record<string, unknown>;
  const promises = fs.promises as unknown as Record<string, unknown>;
  for (const [name, growth] of Object.entries(MODULE_ENTRIES)) {
    const syscall = name.startsWith('write') || name.startsWith('append') ? 'write' : 'copyfile';
    guard(callbacks, name, growth, 'callback', syscall);
    guard(callbacks, `${name}Sync`, growth, 'sync', syscall);
    guard(promises, name, growth, 'promise', syscall);
  }
  const handle = await fs.promises.open(root, 'r');
  const handlePrototype = Object.getPrototypeOf(handle) as Record<string, unknown>;
  await handle.close();
  for (const [name, growth] of Object.entries(HANDLE_ENTRIES))
    guard(handlePrototype, name, growth, 'promise', 'write');
}
