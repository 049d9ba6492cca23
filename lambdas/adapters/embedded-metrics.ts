/**
 * CloudWatch's embedded metric format: attributes to add to a structured log line that make CloudWatch Logs record
 * the values as metrics (no API call, no extra dependency). Locally the same line is in the runtime's output.
 */
import { METRICS, type MetricName } from '../config/metric-names';

export function embeddedMetrics(
  values: Partial<Record<MetricName, number>>,
  now: Date = new Date(),
): Record<string, unknown> {
  const names = Object.keys(values) as MetricName[];
  return {
    _aws: {
      Timestamp: now.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: METRICS.namespace,
          Dimensions: [[]],
          Metrics: names.map((name) => ({ Name: name, Unit: 'Count' })),
        },
      ],
    },
    ...values,
  };
}
