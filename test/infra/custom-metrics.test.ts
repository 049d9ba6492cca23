import type { Stack } from 'aws-cdk-lib';
import { afterEach, describe, expect, it } from 'vitest';
import { embeddedMetricsOf } from '../../lambdas/adapters/embedded-metrics';
import { ENV } from '../../lambdas/config/env-names';
import { METRICS, type MetricName } from '../../lambdas/config/metric-names';
import { deployedFunction, functionsOf, handlerImports, templateOf } from './deployed-functions';
import { synthesizeTributary, type SynthesizedTributary } from './synthesized-app';

/** The module every function that emits custom metrics emits them through. */
const METRICS_MODULE = 'lambdas/adapters/embedded-metrics.ts';

interface AlarmProperties {
  readonly Namespace?: string;
  readonly MetricName?: string;
  readonly Dimensions?: { Name: string; Value: unknown }[];
}

/**
 * The dimensions a metric line carries as CloudWatch reads it: each name of the EMF dimension set with the line's
 * value of that name, as an alarm's `Dimensions` names them.
 */
function emittedDimensions(line: Record<string, unknown>): { Name: string; Value: unknown }[] {
  const [directive] = (line['_aws'] as { CloudWatchMetrics: { Dimensions: string[][] }[] }).CloudWatchMetrics;
  return (directive?.Dimensions[0] ?? []).map((name) => ({ Name: name, Value: line[name] }));
}

/**
 * The custom metrics of the dashboard's body as `[namespace, name, dimension, value, …]` arrays. The body is a
 * `Fn::Join` of JSON text and references (function names, inside quoted strings), replaced here by a placeholder.
 */
function dashboardCustomMetrics(stack: Stack): unknown[][] {
  const dashboard = Object.values(templateOf(stack)).find(
    (resource) => resource.Type === 'AWS::CloudWatch::Dashboard',
  );
  const [, parts] = (dashboard?.Properties['DashboardBody'] as { 'Fn::Join': [string, unknown[]] })[
    'Fn::Join'
  ];
  const body = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'ref')).join('')) as {
    widgets: { properties: { metrics?: unknown[][] } }[];
  };
  return body.widgets
    .flatMap((widget) => widget.properties.metrics ?? [])
    .filter((metric) => metric[0] === METRICS.namespace);
}

describe.each([
  ['a staged deployment', { stage: 'test' }],
  ['the unstaged deployment', {}],
])('custom metrics of %s', (_, context) => {
  let tributary: SynthesizedTributary | undefined;
  afterEach(() => tributary?.dispose());

  it('are emitted with the dimensions every alarm and dashboard graph on them names', async () => {
    // Prepare
    tributary = synthesizeTributary({ nag: false, context });
    const functions = functionsOf(tributary);

    // Act: what each emitting function's code writes, given the environment its template sets
    const emitters = [];
    for (const fn of functions)
      if (await handlerImports(fn.handlerPath, METRICS_MODULE)) emitters.push(deployedFunction(fn).variables);
    const emitted = emitters.map((variables) =>
      emittedDimensions(
        embeddedMetricsOf({ [ENV.deploymentStage]: variables[ENV.deploymentStage] as string })({
          [METRICS.partialBatchFailures]: 1,
        }),
      ),
    );
    const alarms = [tributary.streaming, tributary.batch, tributary.api, tributary.monitoring]
      .flatMap((stack) => Object.values(templateOf(stack)))
      .filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm')
      .map((resource) => resource.Properties as AlarmProperties)
      .filter((alarm) => alarm.Namespace === METRICS.namespace);
    const graphs = dashboardCustomMetrics(tributary.monitoring);

    // Assess
    const stage = tributary.stage.label;
    expect(emitters).toHaveLength(2);
    for (const dimensions of emitted) expect(dimensions).toEqual([{ Name: 'Stage', Value: stage }]);
    expect(alarms.map((alarm) => alarm.MetricName).sort()).toEqual(
      [METRICS.onFailureObjects, METRICS.partialBatchFailures].sort(),
    );
    for (const alarm of alarms) expect(alarm.Dimensions).toEqual(emitted[0]);
    expect(graphs.map((metric) => metric[1] as MetricName).sort()).toEqual(
      [METRICS.onFailureRecords, METRICS.partialBatchFailures, METRICS.recordsLeftForRetry].sort(),
    );
    for (const metric of graphs) expect(metric.slice(2, 4)).toEqual(['Stage', stage]);
  });
});
