import { describe, expect, it } from 'vitest';
import { embeddedMetricsOf } from '../../../lambdas/adapters/embedded-metrics';
import { ENV } from '../../../lambdas/config/env-names';
import { METRICS, STAGE_DIMENSION } from '../../../lambdas/config/metric-names';

describe('embedded metric format', () => {
  it("emits every metric with the deployment's stage as its one dimension", () => {
    // Prepare
    const metrics = embeddedMetricsOf({ [ENV.deploymentStage]: 'dev' });
    const now = new Date('2026-01-02T03:04:05.000Z');

    // Act
    const line = metrics({ [METRICS.partialBatchFailures]: 1, [METRICS.recordsLeftForRetry]: 7 }, now);

    // Assess
    expect(line).toEqual({
      _aws: {
        Timestamp: now.getTime(),
        CloudWatchMetrics: [
          {
            Namespace: METRICS.namespace,
            Dimensions: [[STAGE_DIMENSION]],
            Metrics: [
              { Name: METRICS.partialBatchFailures, Unit: 'Count' },
              { Name: METRICS.recordsLeftForRetry, Unit: 'Count' },
            ],
          },
        ],
      },
      [STAGE_DIMENSION]: 'dev',
      [METRICS.partialBatchFailures]: 1,
      [METRICS.recordsLeftForRetry]: 7,
    });
  });

  it('refuses to start a function without its stage rather than emit metrics no alarm watches', () => {
    // Act
    const start = () => embeddedMetricsOf({});

    // Assess
    expect(start).toThrow(ENV.deploymentStage);
  });
});
