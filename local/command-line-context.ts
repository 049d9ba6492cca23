/**
 * CDK context from `npm start`'s command line, as the CDK command line takes it (`-c name=value`, repeatable): the
 * local runtime then synthesizes the app as `cdk deploy` with the same flags would (e.g. `-c hashedNamespaces=Email`).
 */
import { parseArgs } from 'node:util';

/** `-c name=value` or `--context name=value`, repeatable; values are strings, as the CDK command line passes them. */
export function contextFromArguments(args: readonly string[]): Record<string, string> {
  const { values } = parseArgs({
    args: [...args],
    options: { context: { type: 'string', short: 'c', multiple: true } },
  });
  return Object.fromEntries(
    (values.context ?? []).map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new Error(`-c takes name=value, not '${pair}'`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}
