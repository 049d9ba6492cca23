/**
 * The template's EventBridge Scheduler schedules (AWS::Scheduler::Schedule) that run locally: enabled, with a
 * `rate(...)` expression. The others are named in the runtime log and left out; a schedule AWS would refuse fails
 * start-up, as its deployment would.
 */
import type { RuntimeLog } from '../runtime-log';
import { asText, resourcesOfType } from '../template/cloudformation';
import { TemplateError, type TemplateResolver } from '../template/intrinsics';
import { parseScheduleExpression } from './schedule-expression';

/** Scheduler retries a failed invocation up to 185 times (over a day) unless the RetryPolicy says otherwise... */
const SCHEDULER_DEFAULT_RETRY_ATTEMPTS = 185;
/** ...locally retries are about seeing the retry, not about waiting out an outage: at most this many. */
export const LOCAL_MAX_RETRY_ATTEMPTS = 2;

export interface LocalSchedule {
  readonly name: string;
  readonly arn: string;
  readonly expression: string;
  /** The rate's period; the runtime's tick override replaces it. */
  readonly periodMs: number;
  readonly targetArn: string;
  /** The target's Input as written (context attributes such as `<aws.scheduler.scheduled-time>` unreplaced). */
  readonly input: string | undefined;
  /** Retries after a failed invocation: the RetryPolicy's MaximumRetryAttempts, capped locally. */
  readonly maxRetries: number;
}

type Props = Record<string, unknown>;

function isJsonText(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
}

export function readSchedules(resolver: TemplateResolver, log: RuntimeLog): LocalSchedule[] {
  return resourcesOfType(resolver.stacks, 'AWS::Scheduler::Schedule').flatMap(
    ({ stackName, logicalId, resource }): LocalSchedule[] => {
      const name = resolver.physicalName(stackName, logicalId);
      const where = `${stackName}/${logicalId}`;
      const properties = (resolver.resolve(stackName, resource.Properties) ?? {}) as Props;
      const expression = asText(properties['ScheduleExpression']);
      const parsed = parseScheduleExpression(expression);
      if (parsed.kind === 'invalid')
        throw new TemplateError(`${where}: invalid ScheduleExpression '${expression}': ${parsed.reason}`);
      if (properties['State'] === 'DISABLED') {
        log.info(`schedule ${name} is DISABLED: not run`);
        return [];
      }
      if (parsed.kind !== 'rate') {
        log.info(`not emulated: ${name} (${expression})`);
        return [];
      }
      const target = (properties['Target'] ?? {}) as Props;
      const input = target['Input'];
      if (input !== undefined && !isJsonText(input))
        throw new TemplateError(`${where}: the target's Input is not JSON`);
      const retries = (target['RetryPolicy'] as Props | undefined)?.['MaximumRetryAttempts'];
      return [
        {
          name,
          arn: resolver.getAtt(stackName, logicalId, 'Arn') as string,
          expression,
          periodMs: parsed.periodMs,
          targetArn: asText(target['Arn']),
          input,
          maxRetries: Math.min(
            retries === undefined ? SCHEDULER_DEFAULT_RETRY_ATTEMPTS : Number(retries),
            LOCAL_MAX_RETRY_ATTEMPTS,
          ),
        },
      ];
    },
  );
}
