/**
 * S3 event notifications to functions, as the template configures them (CDK's Custom::S3BucketNotifications, or a
 * bucket's own NotificationConfiguration), fed by the S3 emulator's events. Invocations are asynchronous like
 * Lambda's (see async-invocation.ts): failures are logged and retried a bounded number of times.
 */
import type { S3Event, S3EventRecord } from 'aws-lambda';
import type S3rver from 's3rver';
import { invokeAsynchronously } from './lambda/async-invocation';
import type { FunctionHost } from './lambda/function-host';
import type { RuntimeLog } from './runtime-log';
import { resourcesOfType } from './template/cloudformation';
import type { TemplateResolver } from './template/intrinsics';
import { wildcardMatches } from './http/authorizer';

/** Lambda retries a failed asynchronous invocation twice by default. */
export const ASYNC_RETRY_ATTEMPTS = 2;
/** Lambda waits a minute and more between those retries; locally a short pause shows the retry without the wait. */
export const ASYNC_RETRY_DELAY_MS = 200;

export interface NotificationTarget {
  readonly bucket: string;
  readonly functionArn: string;
  /** `s3:ObjectCreated:*`, `s3:ObjectRemoved:Delete`, ... */
  readonly events: readonly string[];
  readonly prefix: string;
  readonly suffix: string;
}

type Props = Record<string, unknown>;

function filterValue(rules: unknown, name: string): string {
  const rule = ((rules ?? []) as Props[]).find(
    (candidate) => String(candidate['Name']).toLowerCase() === name,
  );
  return rule === undefined ? '' : String(rule['Value']);
}

export function readNotificationTargets(resolver: TemplateResolver): NotificationTarget[] {
  const fromCustomResource = resourcesOfType(resolver.stacks, 'Custom::S3BucketNotifications').flatMap(
    ({ stackName, resource }) => {
      const p = (resolver.resolve(stackName, resource.Properties) ?? {}) as Props;
      const configurations = ((p['NotificationConfiguration'] as Props | undefined)?.[
        'LambdaFunctionConfigurations'
      ] ?? []) as Props[];
      return configurations.map((configuration) => {
        const rules = ((configuration['Filter'] as Props | undefined)?.['Key'] as Props | undefined)?.[
          'FilterRules'
        ];
        return {
          bucket: String(p['BucketName']),
          functionArn: String(configuration['LambdaFunctionArn']),
          events: (configuration['Events'] ?? []) as string[],
          prefix: filterValue(rules, 'prefix'),
          suffix: filterValue(rules, 'suffix'),
        };
      });
    },
  );
  const fromBuckets = resourcesOfType(resolver.stacks, 'AWS::S3::Bucket').flatMap(
    ({ stackName, logicalId, resource }) => {
      const configuration = resolver.resolve(
        stackName,
        resource.Properties?.['NotificationConfiguration'],
      ) as Props | undefined;
      return ((configuration?.['LambdaConfigurations'] ?? []) as Props[]).map((lambda) => {
        const rules = ((lambda['Filter'] as Props | undefined)?.['S3Key'] as Props | undefined)?.['Rules'];
        return {
          bucket: resolver.physicalName(stackName, logicalId),
          functionArn: String(lambda['Function']),
          events: [String(lambda['Event'])],
          prefix: filterValue(rules, 'prefix'),
          suffix: filterValue(rules, 'suffix'),
        };
      });
    },
  );
  return [...fromCustomResource, ...fromBuckets];
}

/** Keys in S3 notifications are URL-encoded, with spaces as '+' and slashes kept. */
export function encodeNotificationKey(key: string): string {
  return encodeURIComponent(key).replaceAll('%20', '+').replaceAll('%2F', '/');
}

export function targetMatches(
  target: NotificationTarget,
  bucket: string,
  eventName: string,
  key: string,
): boolean {
  return (
    target.bucket === bucket &&
    target.events.some((pattern) => wildcardMatches(pattern, `s3:${eventName}`)) &&
    key.startsWith(target.prefix) &&
    key.endsWith(target.suffix)
  );
}

export interface NotificationOptions {
  readonly resolver: TemplateResolver;
  readonly host: FunctionHost;
  readonly s3Server: S3rver;
  readonly log: RuntimeLog;
}

export interface RunningNotifications {
  stop(): Promise<void>;
}

export function startS3Notifications(options: NotificationOptions): RunningNotifications {
  const { host, s3Server, log } = options;
  const targets = readNotificationTargets(options.resolver);
  const inFlight = new Set<Promise<void>>();
  const abort = new AbortController();

  function deliver(functionArn: string, event: S3Event): Promise<void> {
    const fn = host.find(functionArn);
    if (!fn) {
      log.error(`S3 notification for ${functionArn}: no such local function`);
      return Promise.resolve();
    }
    return invokeAsynchronously({
      host,
      fn,
      event: () => event,
      attempts: ASYNC_RETRY_ATTEMPTS + 1,
      retryDelayMs: ASYNC_RETRY_DELAY_MS,
      signal: abort.signal,
      log,
      source: 'S3 notification',
    });
  }

  const onEvent = (emulatorEvent: S3Event): void => {
    for (const record of emulatorEvent.Records) {
      const eventName =
        record.eventName === 'ObjectCreated:Post'
          ? 'ObjectCreated:CompleteMultipartUpload'
          : record.eventName;
      const key = record.s3.object.key;
      for (const target of targets.filter((candidate) =>
        targetMatches(candidate, record.s3.bucket.name, eventName, key),
      )) {
        const lambdaRecord: S3EventRecord = {
          ...record,
          eventName,
          eventTime: record.eventTime,
          s3: {
            ...record.s3,
            configurationId: `${target.bucket}-${target.prefix}-${target.suffix}`,
            bucket: { ...record.s3.bucket, arn: `arn:aws:s3:::${record.s3.bucket.name}` },
            object: { ...record.s3.object, key: encodeNotificationKey(key) },
          },
        };
        const delivery = deliver(target.functionArn, { Records: [lambdaRecord] }).finally(() =>
          inFlight.delete(delivery),
        );
        inFlight.add(delivery);
      }
    }
  };
  if (targets.length > 0) s3Server.on('event', onEvent);
  return {
    async stop() {
      s3Server.off('event', onEvent);
      abort.abort();
      await Promise.allSettled([...inFlight]);
    },
  };
}
