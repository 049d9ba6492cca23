/**
 * EventBridge Scheduler's schedule expressions: `rate(value unit)` runs locally; `cron(...)` and `at(...)` are
 * recognised so the runtime can say it does not run them; anything else is not a schedule expression at all.
 */
const UNIT_MS: Readonly<Record<string, number>> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

export type ScheduleExpression =
  | { readonly kind: 'rate'; readonly periodMs: number }
  | { readonly kind: 'cron' | 'at' }
  | { readonly kind: 'invalid'; readonly reason: string };

export function parseScheduleExpression(expression: string): ScheduleExpression {
  const rate = /^rate\(\s*(\d+)\s+([a-z]+)\s*\)$/.exec(expression.trim());
  if (rate) {
    const value = Number(rate[1]);
    const unitMs = UNIT_MS[rate[2] ?? ''];
    if (unitMs === undefined)
      return { kind: 'invalid', reason: `the unit must be one of ${Object.keys(UNIT_MS).join(', ')}` };
    if (value < 1) return { kind: 'invalid', reason: 'the value must be a positive whole number' };
    return { kind: 'rate', periodMs: value * unitMs };
  }
  if (/^cron\(.*\)$/.test(expression.trim())) return { kind: 'cron' };
  if (/^at\(.*\)$/.test(expression.trim())) return { kind: 'at' };
  return { kind: 'invalid', reason: 'expected rate(value unit), cron(...) or at(...)' };
}
