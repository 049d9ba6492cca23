/**
 * Makes the file system read-only outside the function's own TMPDIR, as Lambda's is outside `/tmp`: every `fs`
 * entry point that creates, changes or removes a path (callback, Sync and promise forms) refuses a path outside it
 * with `EROFS: read-only file system`, as the kernel answers in Lambda. Runs inside a function's worker thread,
 * whose built-in modules are its own, before the handler module is imported, so the handler's `fs` imports (named
 * ones included, once the caller syncs the ES module exports) see the guarded functions. Write streams are covered because they
 * open through `fs.open`. Not covered: native addons, child processes, and writes through an fd opened before.
 */
import fs from 'node:fs';
import { constants } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { guardEntryPoint, pathOf } from './fs-entry-points';

/** Which arguments of an entry point name paths it writes, and the system call Node names in its error. */
interface WriteEntry {
  readonly paths: readonly number[];
  readonly syscall: string;
  /** For entry points that write only in some modes (`open`'s flags, `access`'s W_OK): whether this call does. */
  readonly writes?: (args: readonly unknown[]) => boolean;
  /** The entry point acts on a symbolic link itself (removes, renames or creates it) rather than on its target. */
  readonly onLink?: boolean;
}

const WRITABLE_OPEN_FLAGS =
  fs.constants.O_WRONLY |
  fs.constants.O_RDWR |
  fs.constants.O_CREAT |
  fs.constants.O_TRUNC |
  fs.constants.O_APPEND;

/** `open` writes when its flags (default `r`) ask for writing, appending or creating. */
function opensForWriting(args: readonly unknown[]): boolean {
  const flags = args[1];
  if (typeof flags === 'number') return (flags & WRITABLE_OPEN_FLAGS) !== 0;
  return typeof flags === 'string' && /[wax+]/.test(flags);
}

const ENTRIES: Readonly<Record<string, WriteEntry>> = {
  open: { paths: [0], syscall: 'open', writes: opensForWriting },
  access: {
    paths: [0],
    syscall: 'access',
    writes: (args) => typeof args[1] === 'number' && (args[1] & fs.constants.W_OK) !== 0,
  },
  writeFile: { paths: [0], syscall: 'open' },
  appendFile: { paths: [0], syscall: 'open' },
  truncate: { paths: [0], syscall: 'open' },
  mkdir: { paths: [0], syscall: 'mkdir' },
  mkdtemp: { paths: [0], syscall: 'mkdtemp' },
  rmdir: { paths: [0], syscall: 'rmdir', onLink: true },
  rm: { paths: [0], syscall: 'rm', onLink: true },
  unlink: { paths: [0], syscall: 'unlink', onLink: true },
  chmod: { paths: [0], syscall: 'chmod' },
  lchmod: { paths: [0], syscall: 'lchmod', onLink: true },
  chown: { paths: [0], syscall: 'chown' },
  lchown: { paths: [0], syscall: 'lchown', onLink: true },
  utimes: { paths: [0], syscall: 'utime' },
  lutimes: { paths: [0], syscall: 'lutime', onLink: true },
  rename: { paths: [0, 1], syscall: 'rename', onLink: true },
  copyFile: { paths: [1], syscall: 'copyfile' },
  cp: { paths: [1], syscall: 'cp' },
  symlink: { paths: [1], syscall: 'symlink', onLink: true },
  link: { paths: [1], syscall: 'link', onLink: true },
};

/**
 * Where the path really is: symbolic links in its existing part resolved, as the kernel would follow them (all but
 * the last component when the entry point acts on a link itself).
 */
function realLocation(path: string, onLink = false): string {
  if (onLink) return join(realLocation(dirname(resolve(path))), basename(path));
  let existing = resolve(path);
  const rest: string[] = [];
  for (;;) {
    try {
      return join(fs.realpathSync.native(existing), ...rest);
    } catch {
      const parent = dirname(existing);
      if (parent === existing) return resolve(path);
      rest.unshift(basename(existing));
      existing = parent;
    }
  }
}

function readOnlyError(syscall: string, paths: readonly string[]): NodeJS.ErrnoException {
  const [path, dest] = paths;
  const shown = dest === undefined ? `'${path}'` : `'${path}' -> '${dest}'`;
  return Object.assign(new Error(`EROFS: read-only file system, ${syscall} ${shown}`), {
    errno: -constants.errno.EROFS,
    code: 'EROFS',
    syscall,
    path,
    ...(dest === undefined ? {} : { dest }),
  });
}

export function restrictWritesTo(writableDir: string): void {
  const root = realLocation(writableDir);
  const allowed = (path: string, onLink: boolean | undefined): boolean => {
    const location = realLocation(path, onLink);
    return location === root || location.startsWith(root + sep);
  };
  const refusal = (entry: WriteEntry, args: readonly unknown[]): NodeJS.ErrnoException | undefined => {
    if (entry.writes && !entry.writes(args)) return undefined;
    const paths = entry.paths.map((index) => pathOf(args[index]));
    if (paths.every((path) => path === undefined || allowed(path, entry.onLink))) return undefined;
    return readOnlyError(
      entry.syscall,
      entry.paths.map((index) => String(pathOf(args[index]) ?? args[index])),
    );
  };
  const callbacks = fs as unknown as Record<string, unknown>;
  const promises = fs.promises as unknown as Record<string, unknown>;
  for (const [name, entry] of Object.entries(ENTRIES)) {
    const refuse = (args: readonly unknown[]): NodeJS.ErrnoException | undefined => refusal(entry, args);
    guardEntryPoint(callbacks, name, 'callback', refuse);
    guardEntryPoint(callbacks, `${name}Sync`, 'sync', refuse);
    guardEntryPoint(promises, name, 'promise', refuse);
  }
}
