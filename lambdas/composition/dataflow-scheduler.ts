/** The schedule dispatcher's composition root: the flow and run stores and the dataflow-run state machine. */
import { ENV } from '../config/env-names';
import { dynamoDocumentClient, requiredEnv, stepFunctions } from '../adapters/aws-clients';
import { DynamoDataflowStore } from '../adapters/dynamo-dataflows';
import { DynamoFlowRunStore } from '../adapters/dynamo-flow-runs';
import { DynamoItems } from '../adapters/dynamo-items';
import { SfnExecutions } from '../adapters/sfn-executions';
import type { RunInput } from '../core/dataflows/dataflow-types';
import type { RunStartDeps } from '../core/dataflows/run-start';

export function dataflowSchedulerFromEnvironment(): RunStartDeps {
  const client = dynamoDocumentClient();
  return {
    flows: new DynamoDataflowStore(new DynamoItems(client, requiredEnv(ENV.catalogTable))),
    runs: new DynamoFlowRunStore(new DynamoItems(client, requiredEnv(ENV.batchesTable))),
    workflow: new SfnExecutions<RunInput>(stepFunctions(), requiredEnv(ENV.dataflowRunStateMachine)),
    now: () => new Date(),
  };
}
