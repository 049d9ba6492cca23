/**
 * The dataflows API function's composition root: connections (their secrets in Secrets Manager), dataflows and
 * flow runs (started on the dataflow-run state machine). Handlers call `dataflowRoutesFromEnvironment` once per
 * container.
 */
import { ENV } from '../config/env-names';
import { requiredEnv, stepFunctions } from '../adapters/aws-clients';
import { DynamoDatasetStore } from '../adapters/dynamo-catalog-datasets';
import { DynamoMappingSetStore } from '../adapters/dynamo-mapping-sets';
import { SfnExecutions } from '../adapters/sfn-executions';
import type { RunInput } from '../core/dataflows/dataflow-types';
import { DataflowService } from '../core/dataflows/dataflows';
import { FlowRunService } from '../core/dataflows/flow-runs';
import { MappingSetService } from '../core/mapping-sets/mapping-sets';
import type { RouteMap } from '../http/api-handler';
import { connectionRoutes } from '../http/routes/connection-routes';
import { dataflowRoutes } from '../http/routes/dataflow-routes';
import { dataflowPartsFromEnvironment } from './dataflow-parts';

export function dataflowRoutesFromEnvironment(): RouteMap {
  const parts = dataflowPartsFromEnvironment();
  const workflow = new SfnExecutions<RunInput>(stepFunctions(), requiredEnv(ENV.dataflowRunStateMachine));
  const dataflows = new DataflowService({
    flows: parts.flows,
    runs: parts.runs,
    workflow,
    connections: parts.connectionStore,
    datasets: new DynamoDatasetStore(parts.catalog),
    mappingSets: new MappingSetService({ store: new DynamoMappingSetStore(parts.catalog) }),
    secrets: parts.secrets,
    secretPrefix: parts.secretPrefix,
    allowPlainHttpWebhooks: parts.allowPlainHttpWebhooks,
    now: parts.now,
  });
  const runs = new FlowRunService({ flows: parts.flows, runs: parts.runs, workflow, now: parts.now });
  return {
    ...connectionRoutes({ connections: parts.connections }),
    ...dataflowRoutes({ dataflows, runs }),
  };
}
