/**
 * The local runtime as its own process (`node --import tsx local/main.ts`, what `npm start` runs), for the tests
 * that must end it the hard way: SIGKILL leaves no cleanup, no flushed checkpoint and a lock file naming a dead
 * process, as a crash or a power cut would. It also lets a load test sample the runtime's memory alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** A bound on the start (synthesis and emulators take about 4 s here), not an assertion on speed. */
const START_DEADLINE_MS = 60_000;
/** A bound on a graceful stop (in-flight work drains first). */
const STOP_DEADLINE_MS = 60_000;
const LISTENING = /Tributary API listening on (http:\/\/\S+)/;
/** Output kept for the message of a failed start. */
const OUTPUT_TAIL_CHARS = 4_000;

export interface ChildRuntimeOptions {
  readonly dataDir: string;
  readonly adminKey: string;
  /** Node's heap cap, as `npm start` sets it. @default 384 */
  readonly maxOldSpaceMb?: number;
}

export interface ChildRuntime {
  readonly url: string;
  readonly pid: number;
  readonly adminKey: string;
  /** Resident set size of the runtime process now, in bytes (Linux /proc). */
  rssBytes(): number;
  /** SIGKILL, then waits until the process is gone (reaped, so its pid no longer answers). */
  kill(): Promise<void>;
  /** SIGTERM (the runtime drains and stops), then waits for the exit. */
  stop(): Promise<void>;
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kilobytes = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  if (kilobytes === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kilobytes) * 1024;
}

export async function startChildRuntime(options: ChildRuntimeOptions): Promise<ChildRuntime> {
  // A clean environment: nothing of the test process (an in-process runtime's AWS endpoints, say) leaks in.
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      NODE_OPTIONS: `--openssl-legacy-provider --max-old-space-size=${options.maxOldSpaceMb ?? 384}`,
      TRIBUTARY_PORT: '0',
      TRIBUTARY_DATA_DIR: options.dataDir,
      TRIBUTARY_ADMIN_KEY: options.adminKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    },
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stderr?.on('data', keep);
  const url = await within(
    new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        keep(chunk);
        const found = LISTENING.exec(output)?.[1];
        if (found) resolve(found);
      });
      child.once('exit', (code, signal) =>
        reject(new Error(`the runtime exited (${signal ?? code}) before listening:\n${output}`)),
      );
    }),
    START_DEADLINE_MS,
    'the runtime start',
  ).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    await exited(child);
    throw error;
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('the runtime process has no pid');
  return {
    url,
    pid,
    adminKey: options.adminKey,
    rssBytes: () => residentBytes(pid),
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
    },
    async stop() {
      child.kill('SIGTERM');
      await within(exited(child), STOP_DEADLINE_MS, 'the runtime stop');
    },
  };
}
