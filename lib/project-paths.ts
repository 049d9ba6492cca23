import { fileURLToPath } from 'node:url';

/**
 * The project root, resolved from this file rather than the working directory, so that `cdk synth`, the tests and
 * the local runtime (which synthesizes the app in-process from wherever it was started) all find the same files.
 */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
