/**
 * CloudWatch's embedded metric format: attributes to add to a structured log line that make CloudWatch Logs record
 * the values as metrics (no API call, no extra dependency). Locally the same line is in the runtime's output. Every
 * metric carries the deployment's stage as its one dimension, the dimension the app's alarms and dashboard name.
 */
import { ENV } from '../config/env-names';
import { METRICS, type MetricName, STAGE_DIMENSION } from '../config/metric-names';

type Environment = Readonly<Record<string, string | undefined>>;

export type EmbeddedMetrics = (
  values: Partial<Record<MetricName, number>>,
  now?: Date,
) => Record<string, unknown>;

/**
 * The metric attributes of this function's deployment stage. Called when the handler module loads: a function
 * without `DEPLOYMENT_STAGE` fails to start rather than emit metrics no alarm watches.
 */
export function embeddedMetricsOf(env: Environment = process.env): EmbeddedMetrics {
  const stage = env[ENV.deploymentStage];
  if (!stage)
    throw new Error(`${ENV.deploymentStage} is not set: the custom metrics need their stage dimension`);
  return (values, now = new Date()) => {
    const names = Object.keys(values) as MetricName[];
    return {
      _aws: {
        Timestamp: now.getTime(),
        CloudWatchMetrics: [
          {
            Namespace: METRICS.namespace,
            Dimensions: [[STAGE_DIMENSION]],
            Metrics: names.map((name) => ({ Name: name, Unit: 'Count' })),
          },
        ],
      },
      [STAGE_DIMENSION]: stage,
      ...values,
    };
  };
}
