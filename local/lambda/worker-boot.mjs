// The entry of a function's worker thread. Plain JavaScript because a worker's entry is loaded before any loader:
// it registers tsx (as `npm start` and vitest both transpile the TypeScript sources) and then loads the runner.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.runnerUrl);
