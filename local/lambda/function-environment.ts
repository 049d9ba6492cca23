/**
 * The one place that builds what a function's execution environment sees in `process.env`: the variables its
 * template resource sets, Lambda's own reserved variables, and the local endpoints and credentials the runtime
 * points the AWS SDK at. Nothing of the runtime's own process leaks in, so a variable the template does not set is
 * missing locally as it is in AWS.
 */
import { basename, extname } from 'node:path';
import { functionCredentialsEnvironment } from '../iam/function-credentials';
import type { LocalFunction } from './local-function';

/** The Node.js runtime Lambda runs the functions on (the CDK app's `Runtime.NODEJS_20_X`). */
const EXECUTION_ENV = 'AWS_Lambda_nodejs20.x';
/** Lambda runs every function in UTC. */
const LAMBDA_TZ = ':UTC';

/** What every function of this runtime shares: region and the local endpoints (`AWS_ENDPOINT_URL_*`). */
export type SharedEnvironment = Readonly<Record<string, string>>;

export interface ExecutionEnvironmentPaths {
  /** Where the handler modules live: Lambda's LAMBDA_TASK_ROOT. */
  readonly taskRoot: string;
  /** This function's own writable directory (Lambda's `/tmp`). */
  readonly tmpDir: string;
}

export function functionEnvironment(
  fn: LocalFunction,
  shared: SharedEnvironment,
  paths: ExecutionEnvironmentPaths,
): Record<string, string> {
  const region = shared['AWS_REGION'];
  const handlerFile = basename(fn.entry, extname(fn.entry));
  return {
    ...fn.environment,
    ...shared,
    // Lambda's own: the role's session credentials, by which the local endpoints tell the function apart.
    ...functionCredentialsEnvironment(fn.stackName, fn.logicalId),
    ...(region ? { AWS_DEFAULT_REGION: region } : {}),
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_EXECUTION_ENV: EXECUTION_ENV,
    LAMBDA_TASK_ROOT: paths.taskRoot,
    _HANDLER: `${handlerFile}.${fn.exportName}`,
    TZ: LAMBDA_TZ,
    TMPDIR: paths.tmpDir,
    ...(process.env['PATH'] ? { PATH: process.env['PATH'] } : {}),
  };
}
