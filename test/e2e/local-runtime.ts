/** Starts the real local runtime (the Tributary CDK app, its handlers, the emulators) on a free port for a test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SourceAccess } from '../../lib/constructs/source-access';
import { App } from 'aws-cdk-lib';
import { TributaryFunction } from '../../lib/constructs/tributary-function';
import { createTributaryApp } from '../../lib/tributary-app';
import { startRuntime, type RunningRuntime } from '../../local/runtime';

export interface RuntimeUnderTest {
  readonly runtime: RunningRuntime;
  /** The folder the runtime's data folder sits in (`<workDir>/.tributary`), as a user's project folder would. */
  readonly workDir: string;
  stop(): Promise<void>;
}

export interface RuntimeUnderTestOptions {
  /** Replaces the period of every rate schedule (see RuntimeOptions.scheduleTickMs). */
  readonly scheduleTickMs?: number;
  /** The buckets S3 connections may read at all (see RuntimeOptions.sources). */
  readonly sources?: SourceAccess;
  /** CDK context the Tributary app is built with, as `cdk deploy -c name=value` would set it. */
  readonly context?: Readonly<Record<string, unknown>>;
  /**
   * Variables added to every function of the app, as a deployment that configures them would set them (each
   * function sees only its template's environment).
   */
  readonly functionEnvironment?: Readonly<Record<string, string>>;
  /** Modules each function's environment imports before its handler (see RuntimeOptions.functionPreload). */
  readonly functionPreload?: readonly string[];
}

export async function startRuntimeUnderTest(
  options: RuntimeUnderTestOptions = {},
): Promise<RuntimeUnderTest> {
  const workDir = mkdtempSync(join(tmpdir(), 'tributary-e2e-'));
  const { context, functionEnvironment, ...runtimeOptions } = options;
  const runtime = await startRuntime({
    port: 0,
    dataDir: join(workDir, '.tributary'),
    quiet: true,
    // Context alone goes in as `npm start -- -c` passes it; added variables need the app built here.
    ...(context && !functionEnvironment ? { context } : {}),
    ...(functionEnvironment
      ? {
          appFactory: (props) => {
            const { app } = createTributaryApp({
              app: new App({ ...props, context: { ...props.context, ...context } }),
              nag: false,
            });
            for (const fn of app.node.findAll().filter((node) => node instanceof TributaryFunction))
              for (const [name, value] of Object.entries(functionEnvironment ?? {}))
                fn.addEnvironment(name, value);
            return app;
          },
        }
      : {}),
    ...runtimeOptions,
  });
  return {
    runtime,
    workDir,
    async stop() {
      await runtime.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
}

export async function call(
  url: string,
  init: { method?: string; key?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: the raw text is the answer
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body };
}
