/**
 * The custom CloudWatch metrics the functions emit (as embedded metric format log lines) and the CDK app alarms on:
 * one namespace, names said once for both sides.
 */
export const METRICS = {
  namespace: 'Tributary',
  /** Consumer invocations that left records for the retry (a partial batch response). */
  partialBatchFailures: 'ConsumerPartialBatchFailures',
  /** Records those invocations left for the retry. */
  recordsLeftForRetry: 'ConsumerRecordsLeftForRetry',
  /** Objects written to the consumer's on-failure destination (batches Lambda gave up on). */
  onFailureObjects: 'ConsumerOnFailureObjects',
  /** Records in those objects. */
  onFailureRecords: 'ConsumerOnFailureRecords',
} as const;

export type MetricName = Exclude<(typeof METRICS)[keyof typeof METRICS], typeof METRICS.namespace>;

/**
 * The one dimension of every custom metric: the deployment's stage (`DEPLOYMENT_STAGE`, `default` without one), so
 * two deployments in one account emit distinct metrics and each one's alarms and dashboard watch only its own.
 */
export const STAGE_DIMENSION = 'Stage';
