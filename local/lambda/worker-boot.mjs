// The entry of a function's worker thread. Plain JavaScript because a worker's entry is loaded before any loader:
// it registers tsx (as `npm start` and vitest both transpile the TypeScript sources) and then loads the runner.
// tsx keeps its transpile cache under the TMPDIR it sees when registered: the runtime's own temporary directory, not
// the function's /tmp (which a cold start empties and EphemeralStorage bounds, and which in Lambda holds no code).
import { register } from 'tsx/esm/api';
import process from 'node:process';
import { workerData } from 'node:worker_threads';

const functionTmpDir = process.env.TMPDIR;
process.env.TMPDIR = workerData.transpileCacheDir;
register();
process.env.TMPDIR = functionTmpDir;
await import(workerData.runnerUrl);
