/**
 * Names of the environment variables that carry resource names into the functions.
 * The CDK app sets them and the handlers' composition roots read them; each name says which resource it names,
 * so the local runtime can merge the environments of all functions into one process without a clash.
 */
export const ENV = {
  catalogTable: 'CATALOG_TABLE_NAME',
  apiKeysTable: 'API_KEYS_TABLE_NAME',
  profilesTable: 'PROFILES_TABLE_NAME',
  batchesTable: 'BATCHES_TABLE_NAME',
  /** Guardrails of the profile store (optional; defaults in core/profiles/profile-ports.ts). */
  profileMaxIdentitiesPerGraph: 'PROFILE_MAX_IDENTITIES_PER_GRAPH',
  profileMaxIdentitiesPerRecord: 'PROFILE_MAX_IDENTITIES_PER_RECORD',
  /** Namespaces whose values are stored as keyed hashes (comma-separated codes), and where the key comes from. */
  identityHashedNamespaces: 'IDENTITY_HASHED_NAMESPACES',
  identityHashSecretArn: 'IDENTITY_HASH_SECRET_ARN',
  identityHashSecret: 'IDENTITY_HASH_SECRET',
  landingBucket: 'LANDING_BUCKET_NAME',
  lakeBucket: 'LAKE_BUCKET_NAME',
  quarantineBucket: 'QUARANTINE_BUCKET_NAME',
  ingestStream: 'INGEST_STREAM_NAME',
  /** Guardrails of file batches (optional; defaults in core/batches/batch-guardrails.ts). */
  batchMaxFiles: 'BATCH_MAX_FILES',
  batchMaxBytes: 'BATCH_MAX_BYTES',
  batchMaxFieldsPerRow: 'BATCH_MAX_FIELDS_PER_ROW',
  /** Bytes of a line-format file read by one chunk of the ingest-batch workflow (optional). */
  batchChunkBytes: 'BATCH_CHUNK_BYTES',
  /** The ingest-batch state machine that COMPLETE and REVERT start. */
  ingestBatchStateMachine: 'INGEST_BATCH_STATE_MACHINE_ARN',
  /** The dataflow-run state machine that run-now, re-trigger and the schedule dispatcher start. */
  dataflowRunStateMachine: 'DATAFLOW_RUN_STATE_MACHINE_ARN',
  /** Connection secrets: the name prefix their Secrets Manager secrets are created under, and the key encrypting them. */
  connectionSecretPrefix: 'CONNECTION_SECRET_PREFIX',
  connectionSecretKey: 'CONNECTION_SECRET_KMS_KEY_ARN',
  /** The EventBridge bus flow-run success and failure events are put on. */
  dataflowEventBus: 'DATAFLOW_EVENT_BUS_NAME',
  /**
   * `true` lets HTTP sources and webhooks reach loopback and private addresses (the local runtime sets it; in AWS
   * they are refused so a connection cannot probe the VPC or the instance metadata endpoint).
   */
  httpSourceAllowPrivateHosts: 'HTTP_SOURCE_ALLOW_PRIVATE_HOSTS',
  /**
   * `true` lets webhooks be plain http (the local runtime sets it: its receivers run on the developer's machine; in
   * AWS a webhook must be https, so a run's outcome and its signature do not cross the network in the clear).
   */
  webhookAllowPlainHttp: 'WEBHOOK_ALLOW_PLAIN_HTTP',
  /**
   * Source access (core/connections/source-access.ts): the role S3 sources are read as, the deployment's source
   * buckets and the platform's own buckets (comma-separated names), the name prefix of the roles connections may
   * assume, and the deployment's id (half of every ExternalId).
   */
  sourceReaderRole: 'SOURCE_READER_ROLE_ARN',
  sourceBucketNames: 'SOURCE_BUCKET_NAMES',
  platformBucketNames: 'PLATFORM_BUCKET_NAMES',
  sourceRoleNamePrefix: 'SOURCE_ROLE_NAME_PREFIX',
  deploymentId: 'DEPLOYMENT_ID',
  /** The deployment's stage (`default` without one): the Stage dimension of the custom metrics a function emits. */
  deploymentStage: 'DEPLOYMENT_STAGE',
  /** Set only by the local runtime: the S3 emulator needs path-style addressing. */
  s3ForcePathStyle: 'S3_FORCE_PATH_STYLE',
} as const;

/** Key attributes of the catalog table (single-table: sandboxes, schemas, namespaces, datasets, inlets). */
export const CATALOG_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  gsi1: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
} as const;

/** Key attributes of the API key table: one item per key, found by the id derived from the key's hash. */
export const API_KEYS_KEYS = {
  partitionKey: 'keyId',
  bySandbox: { name: 'by-sandbox', partitionKey: 'sandbox', sortKey: 'createdAt' },
} as const;

/** When a key was last used: the one attribute the authorizer writes (hourly at most), on a key that exists. */
export const API_KEY_LAST_USED = 'lastUsedAt';
/**
 * Every attribute the authorizer's write names (the key it conditions on, the time it sets): its IAM grant allows
 * UpdateItem on exactly these, so the grant and the code are written from one list.
 */
export const API_KEY_USE_ATTRIBUTES = [API_KEYS_KEYS.partitionKey, API_KEY_LAST_USED] as const;

/**
 * Key attributes of the profiles table: identity pointers, graphs, fragments and events (see
 * core/profiles/profile-ports.ts), with a local secondary index that orders an identity's events by time.
 */
export const PROFILES_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  byTime: { name: 'by-time', sortKey: 'eventTime' },
} as const;

/**
 * Key attributes of the batches table: batch state, the per-chunk counts a batch's metrics are summed from, and the
 * de-duplication markers of streamed messages; GSI `gsi1` lists a dataset's batches newest first.
 */
export const BATCHES_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  gsi1: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** Time-to-live attribute (epoch seconds): de-duplication markers and chunk manifests expire. */
  timeToLive: 'expiresAt',
} as const;
