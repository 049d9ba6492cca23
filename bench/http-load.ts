/**
 * A closed-loop HTTP load generator: `connections` keep-alive connections, each sending the same POST again as soon as
 * its answer is read, until `maxRequests` are answered or `maxSeconds` have passed. It runs in a process of its own
 * (`measureLoad` spawns it), so that the servers under test do not share its event loop, and the same generator
 * loads the baseline and the runtime: what differs between the two rows is the server alone.
 */
import { execFile } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isEntryPoint } from './bench-summary';

export interface LoadPlan {
  readonly url: string;
  readonly body: string;
  readonly connections: number;
  readonly maxRequests: number;
  readonly maxSeconds: number;
}

export interface LoadResult {
  readonly requests: number;
  /** Answers outside 2xx: counted, and the run is refused by the caller when there are any. */
  readonly failures: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function post(agent: Agent, url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (answer) => {
        answer.resume();
        answer.on('end', () => resolve(answer.statusCode ?? 0));
        answer.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: plan.connections });
  const url = new URL(plan.url);
  const latencies: number[] = [];
  let failures = 0;
  let sent = 0;
  const started = performance.now();
  const deadline = started + plan.maxSeconds * 1000;
  const connection = async () => {
    while (sent < plan.maxRequests && performance.now() < deadline) {
      sent += 1;
      const at = performance.now();
      const status = await post(agent, url, plan.body);
      latencies.push(performance.now() - at);
      if (status < 200 || status >= 300) failures += 1;
    }
  };
  await Promise.all(Array.from({ length: plan.connections }, connection));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    failures,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

/** Runs the plan in a child process and answers what it measured. */
export async function measureLoad(plan: LoadPlan): Promise<LoadResult> {
  const script = fileURLToPath(import.meta.url);
  const { stdout } = await promisify(execFile)(process.execPath, [
    ...process.execArgv,
    script,
    JSON.stringify(plan),
  ]);
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as LoadResult;
}

if (isEntryPoint(import.meta.url)) {
  console.log(JSON.stringify(await runLoad(JSON.parse(process.argv[2]!) as LoadPlan)));
}
