import { join } from 'node:path';
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ENV } from '../lambdas/config/env-names';
import { DEFAULT_BATCH_GUARDRAILS } from '../lambdas/core/batches/batch-guardrails';
import type { BatchStack } from './batch-stack';
import { acknowledgeGrantWildcards } from './constructs/grant-wildcards';
import { createTaskWorkflow } from './constructs/task-workflow';
import { CONNECTION_SECRET_PREFIX } from './deployment-stage';
import { SourceReader, type SourceAccess } from './constructs/source-access';
import { TributaryFunction } from './constructs/tributary-function';
import { PROJECT_ROOT } from './project-paths';
import type { TributaryStorage } from './storage-stack';

/** The dataflow-run definition, as the local runtime also runs it (DESIGN §7). */
export const DATAFLOW_RUN_DEFINITION = join(PROJECT_ROOT, 'lib/workflows/dataflow-run.asl.json');

/** Where the unstaged deployment's connection secrets live (lib/deployment-stage.ts). */
export { CONNECTION_SECRET_PREFIX } from './deployment-stage';

/** A pull slice copies objects or pages for minutes at most; within Lambda's 15, with room for a slow source. */
export const DATAFLOW_WORKER_TIMEOUT = Duration.minutes(15);
/** Copies stream through; 1 GB buys a full vCPU share for gzip and JSON work without holding files in memory. */
export const DATAFLOW_WORKER_MEMORY_MB = 1024;

/**
 * Dataflow schedules have minute granularity (Experience Platform's finest frequency), so the dispatcher that starts
 * due runs ticks every minute: one schedule for the deployment instead of one per dataflow keeps AWS and the local
 * runtime on the same code path, and leaves no per-flow resources to drift from the catalog.
 */
export const SCHEDULER_RATE = Duration.minutes(1);

/** Flow-run notifications go to the account's default bus, where rules of the team's choosing pick them up. */
export const DATAFLOW_EVENT_BUS = 'default';

export interface DataflowStackProps extends StackProps {
  readonly storage: TributaryStorage;
  /** The batch stack: a run feeds its pull into a file batch and starts the ingest-batch state machine. */
  readonly batch: Pick<BatchStack, 'ingestBatch'>;
  /** Which buckets S3 connections may read, and which roles they may assume. @default no bucket of this account */
  readonly sources?: SourceAccess;
  /** Where connection secrets are created: one prefix per deployment (lib/deployment-stage.ts). @default CONNECTION_SECRET_PREFIX */
  readonly connectionSecretPrefix?: string;
}

/**
 * Dataflows: the dataflow-run state machine and its worker (pull from S3 or HTTP into a batch, wait for it, advance
 * the watermark, notify), and the scheduler function EventBridge Scheduler invokes every minute to start due runs.
 */
export class DataflowStack extends Stack {
  readonly worker: TributaryFunction;
  readonly scheduler: TributaryFunction;
  readonly dataflowRun: StateMachine;
  /** The identity S3 sources are read as; the functions that read them assume it per sandbox. */
  readonly sourceReader: SourceReader;
  /** The Secrets Manager name prefix of this deployment's connection secrets. */
  readonly connectionSecretPrefix: string;

  constructor(scope: Construct, id: string, props: DataflowStackProps) {
    super(scope, id, props);
    const { storage } = props;
    this.connectionSecretPrefix = props.connectionSecretPrefix ?? CONNECTION_SECRET_PREFIX;
    this.sourceReader = new SourceReader(this, 'SourceReader', {
      access: props.sources ?? {},
      platformBuckets: [
        storage.landingBucket,
        storage.lakeBucket,
        storage.quarantineBucket,
        storage.accessLogsBucket,
      ],
      deploymentStack: Stack.of(storage.landingBucket),
    });

    const workflow = createTaskWorkflow(this, {
      name: 'dataflow-run',
      comment: 'Pulls a dataflow source into a file batch, follows the batch and records the run',
      definitionPath: DATAFLOW_RUN_DEFINITION,
      workerArnSubstitution: 'DataflowWorkerFunctionArn',
      ids: { worker: 'DataflowWorker', machine: 'DataflowRun', logs: 'DataflowRunLogs' },
      worker: {
        handlerPath: 'lambdas/handlers/dataflow-worker.ts',
        description: 'Tributary dataflow-run steps: pull sources into a batch, follow it, finish and notify',
        memorySize: DATAFLOW_WORKER_MEMORY_MB,
        timeout: DATAFLOW_WORKER_TIMEOUT,
      },
      logKey: storage.dataKey,
    });
    this.worker = workflow.worker
      // Dataflows carry their watermark and active run: written at the end of every run.
      .bindTable(storage.catalogTable, 'readWrite', ENV.catalogTable)
      .bindTable(storage.batchesTable, 'readWrite', ENV.batchesTable)
      // Write only: the worker copies into its batches and reads nothing there (another sandbox's uploads included).
      .bindBucket(storage.landingBucket, 'write', ENV.landingBucket)
      .bindStateMachine(props.batch.ingestBatch, ENV.ingestBatchStateMachine)
      .bindSecrets(this.connectionSecretPrefix, storage.dataKey, 'read');
    this.worker.addEnvironment(ENV.batchMaxFiles, String(DEFAULT_BATCH_GUARDRAILS.maxFilesPerBatch));
    this.worker.addEnvironment(ENV.batchMaxBytes, String(DEFAULT_BATCH_GUARDRAILS.maxBytesPerBatch));
    this.sourceReader.grantReading(this.worker);
    const bus = EventBus.fromEventBusName(this, 'DefaultBus', DATAFLOW_EVENT_BUS);
    bus.grantPutEventsTo(this.worker);
    this.worker.addEnvironment(ENV.dataflowEventBus, DATAFLOW_EVENT_BUS);
    this.dataflowRun = workflow.machine;

    this.scheduler = new TributaryFunction(this, 'DataflowScheduler', {
      handlerPath: 'lambdas/handlers/dataflow-scheduler.ts',
      description: 'Starts the dataflow runs whose schedule is due',
      logKey: storage.dataKey,
    })
      .bindTable(storage.catalogTable, 'readWrite', ENV.catalogTable)
      .bindTable(storage.batchesTable, 'readWrite', ENV.batchesTable)
      .bindStateMachine(this.dataflowRun, ENV.dataflowRunStateMachine)
      .acknowledgeNoDeadLetterQueue(
        'A tick carries nothing but the time: a lost tick is covered by the next one a minute later, since due ' +
          'slots coalesce, so a queue of lost ticks would hold nothing to redo. Errors raise SchedulerErrors.',
      );
    new Schedule(this, 'SchedulerTick', {
      description: 'Every minute: start the dataflow runs that are due',
      schedule: ScheduleExpression.rate(SCHEDULER_RATE),
      // A missed tick is covered by the next one: due slots coalesce, so retrying an old tick adds nothing.
      target: new LambdaInvoke(this.scheduler, {
        input: ScheduleTargetInput.fromObject({ source: 'tributary.scheduler' }),
        retryAttempts: 0,
      }),
    });
    // The schedule's role (created by the target) holds CDK's invoke grant on the scheduler function.
    const tickRole = this.node.children.find((child) => child.node.id.startsWith('SchedulerRoleForTarget'));
    if (tickRole) {
      acknowledgeGrantWildcards(tickRole, {
        resources: [{ arn: this.scheduler.functionArn, suffix: ':*' }],
        reason:
          "CDK's invoke grant for the schedule on this one function: <function ARN>:* names its versions and " +
          'aliases only.',
      });
    }

    new Alarm(this, 'DataflowRunFailures', {
      alarmDescription: 'dataflow-run executions failed (a step failed beyond its retries and its catch)',
      metric: this.dataflowRun.metricFailed({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    new Alarm(this, 'SchedulerErrors', {
      alarmDescription: 'the dataflow scheduler failed: scheduled runs are not being started',
      metric: this.scheduler.metricErrors({ period: Duration.minutes(5) }),
      threshold: 3,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
