/** The schedule dispatcher's composition root: the flow and run stores and the dataflow-run state machine. */
import { ENV } from '../config/env-names';
import { dynamoDocumentClient, requiredEnv, stepFunctions } from '../adapters/aws-clients';
import { DynamoDataflowStore } from '../adapters/dynamo-dataflows';
import { DynamoFlowRunStore } from '../adapters/dynamo-flow-runs';
import { DynamoItems } from '../adapters/dynamo-items';
import { SfnDataflowRuns } from '../adapters/sfn-dataflow-runs';
import type { RunStartDeps } from '../core/dataflows/run-start';

export function dataflowSchedulerFromEnvironment(): RunStartDeps {
  const client = dynamoDocumentClient();
  return {
    flows: new DynamoDataflowStore(new DynamoItems(client, requiredEnv(ENV.catalogTable))),
    runs: new DynamoFlowRunStore(new DynamoItems(client, requiredEnv(ENV.batchesTable))),
    workflow: new SfnDataflowRuns(stepFunctions(), requiredEnv(ENV.dataflowRunStateMachine)),
    now: () => new Date(),
  };
}
