/** The name of a table, bucket or stream the template gives the local runtime's functions (behind the API). */
import type { RunningRuntime } from '../../local/runtime';

export function resourceName(runtime: Pick<RunningRuntime, 'resourceVariable'>, variable: string): string {
  const value = runtime.resourceVariable(variable);
  if (!value) throw new Error(`no function of the running template sets ${variable}`);
  return value;
}
