/** A setting from its variable, else the default; a value that is not a positive integer stops the start-up. */
export function positiveIntegerEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    throw new Error(`${name} must be a positive integer, not '${value}'`);
  }
  return parsed;
}
