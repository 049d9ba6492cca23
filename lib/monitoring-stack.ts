import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IMetric,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { METRICS } from '../lambdas/config/metric-names';
import type { ApiStack } from './api-stack';
import type { BatchStack } from './batch-stack';
import type { DataflowStack } from './dataflow-stack';
import type { TributaryStorage } from './storage-stack';
import type { StreamingStack } from './streaming-stack';

/** Five-minute points: the alarms' own period (and the custom metrics' in streaming-stack.ts). */
export const DASHBOARD_PERIOD = Duration.minutes(5);
/** Half the 24-column grid: two graphs a row, readable on a laptop screen. */
const HALF_WIDTH = 12;
const GRAPH_HEIGHT = 6;

export interface MonitoringStackProps extends StackProps {
  readonly storage: TributaryStorage;
  readonly api: ApiStack;
  readonly streaming: StreamingStack;
  readonly batch: BatchStack;
  readonly dataflows: DataflowStack;
}

/**
 * The pipeline on one CloudWatch dashboard, from the metrics that exist today: intake (API, stream), the stream
 * consumer, file batches, dataflows, the errors of every function, and the state of every alarm. Deployed last: it
 * reads names from every other stack, and nothing reads from it.
 */
export class MonitoringStack extends Stack {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { storage, api, streaming, batch, dataflows } = props;
    const functions: Array<[string, IFunction]> = [
      ['authorizer', api.authorizerFunction],
      ['control plane', api.controlPlaneFunction],
      ['profiles', api.profilesFunction],
      ['collect', api.collectFunction],
      ['batches API', api.batchesFunction],
      ['dataflows API', api.dataflowsFunction],
      ['stream consumer', streaming.consumer],
      ['on-failure recorder', streaming.recorder],
      ['batch worker', batch.worker],
      ['file drop', batch.fileDrop],
      ['dataflow worker', dataflows.worker],
      ['dataflow scheduler', dataflows.scheduler],
    ];
    const stream = storage.ingestStream;
    const alarms = scope.node.findAll().filter((construct): construct is Alarm => construct instanceof Alarm);

    this.dashboard = new Dashboard(this, 'Pipeline', {
      dashboardName: `${this.stackName}-pipeline`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# ${this.stackName.replace(/-Monitoring$/, '')}: intake → stream → lake, batches, dataflows`,
        width: 24,
        height: 1,
      }),
    );
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 3 }));
    this.dashboard.addWidgets(
      graph('API requests and errors', [
        api.api.metricCount(period()),
        api.api.metricClientError(period()),
        api.api.metricServerError(period()),
      ]),
      graph('API latency (p99, ms)', [api.api.metricLatency({ ...period(), statistic: 'p99' })]),
      graph('Stream intake (records)', [
        stream.metricIncomingRecords({ ...period(), statistic: 'Sum' }),
        stream.metricWriteProvisionedThroughputExceeded({ ...period(), statistic: 'Sum' }),
      ]),
      graph('Stream intake (bytes)', [stream.metricIncomingBytes({ ...period(), statistic: 'Sum' })]),
      graph('Stream consumer', [
        streaming.consumer.metricInvocations(period()),
        streaming.consumer.metricErrors(period()),
        streaming.customMetric(METRICS.partialBatchFailures),
        streaming.customMetric(METRICS.recordsLeftForRetry),
        streaming.customMetric(METRICS.onFailureRecords),
      ]),
      graph('Stream consumer lag (iterator age, ms)', [
        streaming.consumer.metric('IteratorAge', { ...period(), statistic: 'Maximum' }),
      ]),
      graph('File batches (ingest-batch executions)', executions(batch.ingestBatch)),
      graph('Dataflow runs (dataflow-run executions)', executions(dataflows.dataflowRun)),
      graph(
        'Function errors',
        functions.map(([label, fn]) => fn.metricErrors({ ...period(), label })),
      ),
      graph(
        'Function throttles',
        functions.map(([label, fn]) => fn.metricThrottles({ ...period(), label })),
      ),
    );
  }
}

const period = (): { period: Duration } => ({ period: DASHBOARD_PERIOD });

const graph = (title: string, left: IMetric[]): GraphWidget =>
  new GraphWidget({ title, left, width: HALF_WIDTH, height: GRAPH_HEIGHT });

const executions = (machine: BatchStack['ingestBatch']): IMetric[] => [
  machine.metricStarted(period()),
  machine.metricSucceeded(period()),
  machine.metricFailed(period()),
  machine.metricTimedOut(period()),
];
