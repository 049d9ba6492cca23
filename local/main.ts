/**
 * `npm start`: the whole platform in this process, on the emulators, from the synthesized CDK app.
 * TRIBUTARY_PORT (default 4100), TRIBUTARY_DATA_DIR (default .tributary), TRIBUTARY_ADMIN_KEY,
 * TRIBUTARY_PREVIOUS_ADMIN_KEY_VALID_UNTIL (a rotation's end for the earlier admin key), TRIBUTARY_SCHEDULE_TICK_MS
 * (replaces the period of every rate schedule), TRIBUTARY_SOURCES (the buckets S3 connections may read at all:
 * `tributary:sources`' JSON). CDK context as `cdk deploy` takes it: `npm start -- -c hashedNamespaces=Email`.
 */
import './polyfills';
import { PREVIOUS_KEY_END_VARIABLE, rotationEndOf } from '../lambdas/core/api-keys/api-keys';
import { ADMIN_KEY_FILE } from './admin-key';
import { contextFromArguments } from './command-line-context';
import { DataDirInUseError } from './data-dir-lock';
import type { SourceAccess } from '../lib/constructs/source-access';
import { parseSourceAccess } from '../lib/tributary-app';
import { DEFAULT_DATA_DIR, DEFAULT_PORT, PortInUseError, startRuntime, type RunningRuntime } from './runtime';

function portFromEnvironment(): number {
  const text = process.env['TRIBUTARY_PORT'];
  if (text === undefined || text === '') return DEFAULT_PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`TRIBUTARY_PORT must be a port number, not '${text}'`);
    process.exit(1);
  }
  return port;
}

/** The buckets S3 connections may read at all: the deployment's `tributary:sources` JSON. */
function sourcesFromEnvironment(): SourceAccess | undefined {
  const text = process.env['TRIBUTARY_SOURCES'];
  if (text === undefined || text === '') return undefined;
  try {
    return parseSourceAccess(text, 'TRIBUTARY_SOURCES');
  } catch (error) {
    console.error(
      `TRIBUTARY_SOURCES must be JSON like {"bucketNames": ["partner-drop"]}: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  }
}

function scheduleTickFromEnvironment(): number | undefined {
  const text = process.env['TRIBUTARY_SCHEDULE_TICK_MS'];
  if (text === undefined || text === '') return undefined;
  const tickMs = Number(text);
  if (!Number.isInteger(tickMs) || tickMs <= 0) {
    console.error(
      `TRIBUTARY_SCHEDULE_TICK_MS must be a positive whole number of milliseconds, not '${text}'`,
    );
    process.exit(1);
  }
  return tickMs;
}

/** The end of the previous admin key after a rotation, when TRIBUTARY_PREVIOUS_ADMIN_KEY_VALID_UNTIL gives one. */
function rotationFromEnvironment(): { previousAdminKeyValidUntil?: Date } {
  try {
    const end = rotationEndOf(process.env[PREVIOUS_KEY_END_VARIABLE]);
    return end ? { previousAdminKeyValidUntil: end } : {};
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}

function contextFromCommandLine(): Record<string, string> {
  try {
    return contextFromArguments(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const port = portFromEnvironment();
  const scheduleTickMs = scheduleTickFromEnvironment();
  const sources = sourcesFromEnvironment();
  const context = contextFromCommandLine();
  const dataDir = process.env['TRIBUTARY_DATA_DIR'] || DEFAULT_DATA_DIR;
  let runtime: RunningRuntime;
  try {
    runtime = await startRuntime({
      port,
      dataDir,
      adminKey: process.env['TRIBUTARY_ADMIN_KEY'] || undefined,
      ...rotationFromEnvironment(),
      scheduleTickMs,
      ...(sources ? { sources } : {}),
      context,
    });
  } catch (error) {
    if (error instanceof PortInUseError) {
      console.error(
        `Port ${error.port} is already in use: stop what is using it, or choose another with TRIBUTARY_PORT.`,
      );
    } else if (error instanceof DataDirInUseError) {
      console.error(
        `The data folder ${error.dataDir} is in use by another Tributary runtime (process ${error.pid}): stop it, or choose another folder with TRIBUTARY_DATA_DIR.`,
      );
    } else {
      console.error(`Tributary could not start: ${error instanceof Error ? error.message : String(error)}`);
    }
    process.exit(1);
  }

  console.log(`Tributary API listening on ${runtime.url}`);
  switch (runtime.adminKeySource) {
    case 'generated':
      console.log(`Admin key (generated, saved in ${dataDir}/${ADMIN_KEY_FILE}): ${runtime.adminKey}`);
      break;
    case 'data-dir':
      console.log(`Admin key: the one saved in ${dataDir}/${ADMIN_KEY_FILE}`);
      break;
    case 'environment':
      console.log('Admin key: the one given in TRIBUTARY_ADMIN_KEY');
  }
  console.log('Ctrl-C stops.');

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping (finishing in-flight work)...`);
    runtime.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('Tributary did not stop cleanly:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

await main();
