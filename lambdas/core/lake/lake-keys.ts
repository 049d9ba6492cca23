/**
 * Where both pipelines put a chunk's records: valid ones in the lake (Parquet, partitioned by dataset, receive day
 * and batch), failed ones in the quarantine (JSON Lines). A chunk's name makes its key, so a retry of the same
 * records overwrites its own objects instead of adding to them.
 */

/**
 * The day (UTC) a record was received. A streaming batch's window never straddles midnight (15 minutes divide a
 * day), so all of a streaming batch's records share one date partition.
 */
const receiveDay = (receivedAt: string) => new Date(receivedAt).toISOString().slice(0, 10);

export const lakeKey = (
  sandbox: string,
  datasetId: string,
  batchId: string,
  receivedAt: string,
  chunk: string,
) => `lake/${sandbox}/${datasetId}/date=${receiveDay(receivedAt)}/batch=${batchId}/part-${chunk}.parquet`;

export const quarantineKey = (sandbox: string, datasetId: string, batchId: string, chunk: string) =>
  `quarantine/${sandbox}/${datasetId}/batch=${batchId}/part-${chunk}.jsonl`;
