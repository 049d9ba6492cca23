/**
 * The collect service behind `POST /collection/{inletId}` and `POST /collection/batch/{inletId}`: finds the inlet,
 * checks the key of an authenticated inlet, reads each message (envelope or raw), maps a raw message with the
 * inlet's mapping set, checks it against its dataset (and, on request, the dataset's schema), and writes the
 * accepted ones to the ingest stream. A message is acknowledged only when the stream stored it; each message of a
 * batch succeeds or fails on its own.
 */
import { randomBytes } from 'node:crypto';
import {
  DomainError,
  forbidden,
  invalid,
  notFound,
  unauthenticated,
  type Violation,
} from '../errors/domain-error';
import type { ApiKeyStore } from '../api-keys/api-key';
import { accessDenial } from '../api-keys/access';
import { authenticate } from '../api-keys/api-keys';
import type { Dataset, DatasetStore } from '../catalog/datasets';
import {
  INEXACT_NUMBER,
  inexactNumbersProblem,
  inexactNumberViolations,
  type InexactNumberAt,
} from '../exact-json';
import type { Inlet, InletStore } from '../catalog/inlets';
import type {
  CompiledMappingSet,
  MappedRow,
  MappingSetLoader,
  MappingWarning,
} from '../mapping/mapping-types';
import { warningViolations } from '../mapping-sets/mapping-warnings';
import { typeMappedRecord, type RecordTyping } from '../mapping-sets/typed-record';
import { RecordCoercion } from '../files/field-coercion';
import { MappingBudget, ROW_MAPPING_LIMITS } from '../mapping/mapping-budget';
import {
  jsonBytes,
  PROCESSING_BUDGET_EXCEEDED,
  ProcessingBudget,
  type MonotonicClock,
} from '../processing-budget';
import type { FieldTypes } from '../files/file-format-types';
import type { IdentityNormalizer } from '../profiles/identity-normalizer';
import type { ProfileGuardrails } from '../profiles/profile-ports';
import type { IdentitySchema } from '../profiles/record-identities';
import type { RecordValidator } from '../schemas/schema-registry';
import {
  isMessageError,
  isObject,
  messageError,
  operationError,
  parseMessage,
  type MessageError,
} from './collect-messages';
import { partitionKeyOf } from './collect-partition-key';
import {
  entryBytes,
  MAX_STREAM_RECORD_BYTES,
  type StreamEntry,
  type StreamPutOutcome,
  type StreamWriter,
} from './collect-stream';
import type { StreamMessage } from './stream-message';
import { operationRefusal, presentFieldViolations } from './upsert-operations';

/**
 * At most this many messages per batch request. Experience Platform bounds a request only by its 1 MB size; a
 * count keeps one request's work (two PutRecords calls of 500) well inside the function's timeout even for tiny
 * messages.
 */
export const MAX_BATCH_MESSAGES = 1_000;

/** Random hex digits in an id, enough that two requests of the same millisecond never share one. */
const ID_RANDOM_BYTES = 6;

/** How long a producer should wait before retrying messages the stream refused (Experience Platform's advice: back off). */
export const STREAM_RETRY_AFTER_SECONDS = 1;

export interface CollectSchemas {
  get(sandbox: string, schemaId: string, version?: number): Promise<IdentitySchema & { readonly id: string }>;
  validatorFor(sandbox: string, schemaId: string, version?: number): Promise<RecordValidator>;
  /** The JSON types of the schema's fields, to convert what a mapping made to them. */
  fieldTypesFor(sandbox: string, schemaId: string, version?: number): Promise<FieldTypes>;
}

export interface CollectDeps {
  readonly inlets: Pick<InletStore, 'findById'>;
  readonly datasets: Pick<DatasetStore, 'get'>;
  readonly schemas: CollectSchemas;
  readonly keys: ApiKeyStore;
  /** Async: the identity hashing key may come from a secret store, read on first use. */
  readonly normalizer: () => Promise<IdentityNormalizer>;
  readonly guardrails: Pick<ProfileGuardrails, 'maxIdentitiesPerRecord'>;
  readonly stream: StreamWriter;
  /** Inlets' mapping sets, compiled once per version. */
  readonly mappings: MappingSetLoader;
  readonly now?: () => Date;
  readonly randomId?: () => string;
  /** Times each message's mapping and validation against `RECORD_PROCESSING_BUDGET_MS`. */
  readonly processingClock?: MonotonicClock;
}

export interface CollectRequest {
  readonly inletId: string;
  /** The `x-sandbox-name` of the request: where the inlet is looked up first. */
  readonly sandboxHint: string;
  readonly presentedKey: string | undefined;
  readonly syncValidation: boolean;
  readonly body: unknown;
  /** Numbers of the body a JavaScript number would change: the messages holding one are refused. */
  readonly inexactNumbers?: readonly InexactNumberAt[];
}

export interface SingleAnswer {
  readonly inletId: string;
  readonly xactionId: string;
  readonly receivedTimeMs: number;
  readonly syncValidation: { readonly skipped: true } | { readonly status: 'pass' };
  /** Fields the inlet's mapping could not produce (left out of the record); absent when there were none. */
  readonly warnings?: readonly MappingWarning[];
}

export type BatchEntryAnswer =
  { readonly xactionId: string; readonly warnings?: readonly MappingWarning[] } | MessageError;

export interface BatchAnswer {
  readonly inletId: string;
  readonly batchId: string;
  readonly receivedTimeMs: number;
  readonly responses: BatchEntryAnswer[];
}

/** A dataset as one request uses it, looked up once however many of its messages the request carries. */
interface DatasetContext {
  readonly dataset: Dataset;
  readonly schema: IdentitySchema & { readonly id: string };
  /** Under syncValidation or for mapped messages; compiled (or taken from the registry's cache) once per request. */
  readonly validator?: RecordValidator;
  /** On a mapped inlet: how a mapped record is converted to the schema's types and validated. */
  readonly typing?: RecordTyping;
}

/** Everything one request needs once: the inlet, the clock, and its datasets and validators as they are met. */
interface RequestScope {
  readonly inlet: Inlet;
  readonly receivedAt: string;
  readonly syncValidation: boolean;
  readonly normalizer: IdentityNormalizer;
  readonly datasets: Map<string, Promise<DatasetContext | undefined>>;
  /** The inlet's mapping, loaded when the request's first raw message needs it. */
  mapping?: Promise<CompiledMappingSet>;
}

type Prepared = { readonly entry: StreamEntry; readonly warnings: readonly MappingWarning[] } | MessageError;

const withWarnings = (warnings: readonly MappingWarning[]) => (warnings.length > 0 ? { warnings } : {});

const withPrefix = (prefix: string, violations: readonly Violation[]): Violation[] =>
  violations.map((violation) => ({ ...violation, pointer: prefix + violation.pointer }));

export const throttledProblem = (detail: string): DomainError =>
  new DomainError('throttled', 'stream-throttled', detail, { retryAfterSeconds: STREAM_RETRY_AFTER_SECONDS });

/** A single message's own error, as the request's. */
const problemOfMessage = (error: MessageError): DomainError =>
  new DomainError(error.kind, error.code, error.message, { violations: error.violations });

export class CollectService {
  constructor(private readonly deps: CollectDeps) {}

  async collectOne(request: CollectRequest): Promise<SingleAnswer> {
    const scope = await this.open(request);
    const received = new Date(scope.receivedAt).getTime();
    const xactionId = `${received}:${this.randomId()}`;
    if (request.body === undefined) throw invalid('missing-body', 'the request has no message');
    if (request.inexactNumbers?.length) throw inexactNumbersProblem(request.inexactNumbers);
    const prepared = await this.prepare(scope, request.body, { messageId: xactionId, pointer: '', index: 0 });
    if (isMessageError(prepared)) throw problemOfMessage(prepared);
    const [outcome] = await this.deps.stream.put([prepared.entry]);
    if (!outcome?.ok) throw this.refusal(scope.inlet, outcome);
    return {
      inletId: scope.inlet.inletId,
      xactionId,
      receivedTimeMs: received,
      syncValidation: request.syncValidation ? { status: 'pass' } : { skipped: true },
      ...withWarnings(prepared.warnings),
    };
  }

  async collectBatch(request: CollectRequest): Promise<BatchAnswer> {
    const scope = await this.open(request);
    const messages = batchMessagesOf(request.body);
    const inexact = inexactNumbersByMessage(request.inexactNumbers ?? []);
    const received = new Date(scope.receivedAt).getTime();
    const batchId = `${received}:${this.randomId()}`;
    const prepared = await Promise.all(
      messages.map(async (message, index): Promise<Prepared> => {
        const numbers = inexact.get(index);
        if (numbers) return inexactMessage(scope.inlet, numbers);
        const pointer = `/messages/${index}`;
        return this.prepare(scope, message, { messageId: `${batchId}:${index}`, pointer, index });
      }),
    );
    const toWrite = prepared.flatMap((item, index) =>
      isMessageError(item) ? [] : [{ index, entry: item.entry }],
    );
    const outcomes = toWrite.length > 0 ? await this.deps.stream.put(toWrite.map((item) => item.entry)) : [];
    const responses: BatchEntryAnswer[] = prepared.map((item, index) =>
      isMessageError(item) ? item : { xactionId: `${batchId}:${index}`, ...withWarnings(item.warnings) },
    );
    toWrite.forEach((item, position) => {
      const outcome = outcomes[position];
      if (!outcome?.ok) responses[item.index] = this.streamError(scope.inlet, outcome);
    });
    // Only when the stream refused every message for throttling is the request as a whole throttled; otherwise
    // the 207 says which messages to send again.
    const allThrottled =
      toWrite.length === messages.length && outcomes.every((outcome) => !outcome.ok && outcome.throttled);
    if (allThrottled)
      throw throttledProblem('the ingest stream is throttling writes; retry after the indicated delay');
    return { inletId: scope.inlet.inletId, batchId, receivedTimeMs: received, responses };
  }

  private randomId(): string {
    return this.deps.randomId?.() ?? randomBytes(ID_RANDOM_BYTES).toString('hex');
  }

  /** The inlet (`not-found` when unknown), its key check (`unauthenticated` / `forbidden` for authenticated inlets), and the request's scope. */
  private async open(request: CollectRequest): Promise<RequestScope> {
    const inlet = await this.deps.inlets.findById(request.inletId, request.sandboxHint);
    if (!inlet) throw notFound('inlet', request.inletId);
    if (inlet.authenticated) {
      const key = request.presentedKey ? await authenticate(this.deps.keys, request.presentedKey) : undefined;
      if (!key)
        throw unauthenticated('this inlet is authenticated: an API key with the ingest scope is required');
      const denial = accessDenial({ keySandbox: key.sandbox, scopes: key.scopes }, 'ingest', inlet.sandbox);
      if (denial) throw forbidden(denial);
    }
    return {
      inlet,
      receivedAt: (this.deps.now?.() ?? new Date()).toISOString(),
      syncValidation: request.syncValidation,
      normalizer: await this.deps.normalizer(),
      datasets: new Map(),
    };
  }

  private datasetContext(scope: RequestScope, datasetId: string): Promise<DatasetContext | undefined> {
    let found = scope.datasets.get(datasetId);
    if (!found) {
      found = this.deps.datasets.get(scope.inlet.sandbox, datasetId).then(async (dataset) => {
        if (!dataset) return undefined;
        const { sandbox, schemaId, schemaVersion } = dataset;
        // A mapped record is typed with Data Prep's implicit conversions, and dates among them are recognised by
        // the validator's verdict: a mapped inlet validates every raw message, whether or not it was asked to.
        const mapped = scope.inlet.mapping !== undefined;
        const [schema, validator, fieldTypes] = await Promise.all([
          this.deps.schemas.get(sandbox, schemaId, schemaVersion),
          scope.syncValidation || mapped
            ? this.deps.schemas.validatorFor(sandbox, schemaId, schemaVersion)
            : undefined,
          mapped ? this.deps.schemas.fieldTypesFor(sandbox, schemaId, schemaVersion) : undefined,
        ]);
        const typing =
          validator && fieldTypes
            ? { coercion: new RecordCoercion(fieldTypes), validate: validator }
            : undefined;
        return { dataset, schema, ...(validator ? { validator } : {}), ...(typing ? { typing } : {}) };
      });
      scope.datasets.set(datasetId, found);
    }
    return found;
  }

  /** A raw message mapped with the inlet's mapping set; undefined when there is nothing to map. */
  private async mapped(
    scope: RequestScope,
    record: Record<string, unknown>,
    budget: ProcessingBudget,
  ): Promise<MappedRow | undefined> {
    const { mapping } = scope.inlet;
    if (!mapping) return undefined;
    scope.mapping ??= this.deps.mappings.compiled(scope.inlet.sandbox, mapping).then((compiled) => {
      // The set was checked when the inlet was created and versions are never deleted: the catalog is damaged.
      if (!compiled) {
        throw new DomainError(
          'internal',
          'mapping-set-missing',
          `version ${mapping.version} of mapping set '${mapping.mappingSetId}', which this inlet maps with, is missing`,
        );
      }
      return compiled;
    });
    const compiled = await scope.mapping;
    return compiled.apply(record, {
      now: () => new Date(scope.receivedAt),
      budget: new MappingBudget(ROW_MAPPING_LIMITS, budget),
    });
  }

  /**
   * One message checked and turned into its stream entry, or the reason it is refused. `pointer` is where the
   * message sits in the request body, `index` its place in the request.
   */
  private async prepare(
    scope: RequestScope,
    body: unknown,
    { messageId, pointer, index }: { messageId: string; pointer: string; index: number },
  ): Promise<Prepared> {
    const { inlet } = scope;
    const parsed = parseMessage(inlet, body);
    if (isMessageError(parsed)) {
      return parsed.violations ? { ...parsed, violations: withPrefix(pointer, parsed.violations) } : parsed;
    }
    if (inlet.datasetId !== undefined && parsed.datasetId !== inlet.datasetId) {
      return messageError(
        inlet,
        'invalid',
        'dataset-mismatch',
        `datasetId '${parsed.datasetId}' is not this inlet's dataset`,
        [
          {
            pointer: `${pointer}/header/datasetId`,
            keyword: 'const',
            message: `must be '${inlet.datasetId}'`,
          },
        ],
      );
    }
    const context = await this.datasetContext(scope, parsed.datasetId);
    if (!context) {
      return messageError(
        inlet,
        'invalid',
        'unknown-dataset',
        `dataset '${parsed.datasetId}' does not exist`,
        [
          {
            pointer: `${pointer}/header/datasetId`,
            keyword: 'exists',
            message: 'no such dataset in the inlet sandbox',
          },
        ],
      );
    }
    const { dataset, schema } = context;
    const refusal = operationRefusal(dataset, parsed.operation);
    if (refusal) return operationError(inlet, refusal, pointer);
    const budget = new ProcessingBudget(this.deps.processingClock, undefined, () => jsonBytes(parsed.record));
    const mapped = parsed.raw ? await this.mapped(scope, parsed.record, budget) : undefined;
    // A message the mapping could not finish within its bounds is refused, naming the rule.
    if (mapped?.failure) {
      return messageError(inlet, 'invalid', mapped.failure.code, mapped.failure.message, [
        ...withPrefix(pointer, warningViolations([mapped.failure])),
      ]);
    }
    const typed = mapped && context.typing ? typeMappedRecord(mapped.record, context.typing) : undefined;
    const record = typed?.record ?? mapped?.record ?? parsed.record;
    const warnings = mapped?.warnings ?? [];
    if (parsed.schemaId !== undefined && parsed.schemaId !== dataset.schemaId) {
      return messageError(
        inlet,
        'invalid',
        'schema-mismatch',
        `header.schemaRef.id '${parsed.schemaId}' is not the schema of dataset '${dataset.id}' ('${dataset.schemaId}')`,
        [
          {
            pointer: `${pointer}/header/schemaRef/id`,
            keyword: 'const',
            message: `must be '${dataset.schemaId}'`,
          },
        ],
      );
    }
    if (scope.syncValidation && context.validator) {
      const violations =
        typed?.violations ?? presentFieldViolations(context.validator(record), parsed.operation);
      if (violations.length > 0) {
        // A mapped record's pointers are into the record the mapping made; its warnings say which fields it left out.
        return messageError(
          inlet,
          'invalid',
          'validation-failed',
          `Message is invalid: ${violations.length} schema violation(s) found`,
          [
            ...withPrefix(pointer + parsed.recordPointer, violations),
            ...withPrefix(pointer, warningViolations(warnings)),
          ],
        );
      }
    }
    const overrun = budget.overrun('validation');
    if (overrun.length > 0)
      return messageError(inlet, 'invalid', PROCESSING_BUDGET_EXCEEDED, overrun[0]!.message, overrun);
    const message: StreamMessage = {
      v: 1,
      sandbox: dataset.sandbox,
      inletId: inlet.inletId,
      datasetId: dataset.id,
      schemaId: dataset.schemaId,
      ...(parsed.producerMessageId === undefined ? {} : { producerMessageId: parsed.producerMessageId }),
      messageId,
      receivedAt: scope.receivedAt,
      origin: 'collection',
      record,
      requestIndex: index,
      ...(parsed.operation ? { operation: parsed.operation } : {}),
    };
    const entry: StreamEntry = {
      partitionKey: partitionKeyOf(schema, record, messageId, scope.normalizer, this.deps.guardrails),
      data: Buffer.from(JSON.stringify(message), 'utf8'),
    };
    if (entryBytes(entry) > MAX_STREAM_RECORD_BYTES) {
      return messageError(
        inlet,
        'too-large',
        'message-too-large',
        `the message takes ${entryBytes(entry)} bytes on the stream; at most ${MAX_STREAM_RECORD_BYTES} are accepted`,
        [
          {
            pointer: pointer + parsed.recordPointer,
            keyword: 'maxBytes',
            message: 'the record is too large',
          },
        ],
      );
    }
    return { entry, warnings };
  }

  private streamError(inlet: Inlet, outcome: StreamPutOutcome | undefined): MessageError {
    const throttled = outcome !== undefined && !outcome.ok && outcome.throttled;
    return messageError(
      inlet,
      'unavailable',
      'stream-unavailable',
      `the ingest stream did not store the message${throttled ? ' (throttled)' : ''}; send it again after a back-off`,
    );
  }

  private refusal(inlet: Inlet, outcome: StreamPutOutcome | undefined): DomainError {
    if (outcome !== undefined && !outcome.ok && outcome.throttled) {
      return throttledProblem('the ingest stream is throttling writes; retry after the indicated delay');
    }
    const error = this.streamError(inlet, outcome);
    return new DomainError('unavailable', error.code, error.message, {
      retryAfterSeconds: STREAM_RETRY_AFTER_SECONDS,
    });
  }
}

const MESSAGE_POINTER = /^\/messages\/(\d+)(?:\/|$)/;

/** A batch body's inexact numbers by the index of the message holding them (the body is `{messages}` only). */
function inexactNumbersByMessage(found: readonly InexactNumberAt[]): Map<number, InexactNumberAt[]> {
  const byMessage = new Map<number, InexactNumberAt[]>();
  for (const number of found) {
    const index = MESSAGE_POINTER.exec(number.pointer)?.[1];
    if (index === undefined) throw inexactNumbersProblem([number]);
    byMessage.set(Number(index), [...(byMessage.get(Number(index)) ?? []), number]);
  }
  return byMessage;
}

/** A message of a batch refused for its numbers; the pointers are into the request body. */
const inexactMessage = (inlet: Inlet, numbers: readonly InexactNumberAt[]): MessageError =>
  messageError(
    inlet,
    'invalid',
    INEXACT_NUMBER,
    `Message holds ${numbers.length} number(s) that would change: ${inexactNumberViolations(numbers)[0]?.message ?? ''}`,
    inexactNumberViolations(numbers),
  );

/** `{messages: [...]}` with 1 to MAX_BATCH_MESSAGES messages, or an `invalid` error naming what is wrong. */
function batchMessagesOf(body: unknown): unknown[] {
  const fail = (pointer: string, keyword: string, message: string) =>
    invalid('invalid-batch', message, [{ pointer, keyword, message }]);
  if (!isObject(body)) throw fail('', 'type', 'the body must be an object {messages: [...]}');
  const extra = Object.keys(body).find((name) => name !== 'messages');
  if (extra !== undefined) throw fail(`/${extra}`, 'additionalProperties', `unknown field '${extra}'`);
  const { messages } = body;
  if (!Array.isArray(messages)) throw fail('/messages', 'type', 'messages must be an array of messages');
  if (messages.length === 0) throw fail('/messages', 'minItems', 'messages must hold at least one message');
  if (messages.length > MAX_BATCH_MESSAGES) {
    throw fail(
      '/messages',
      'maxItems',
      `messages holds ${messages.length} messages; at most ${MAX_BATCH_MESSAGES} are accepted`,
    );
  }
  return messages;
}
