/**
 * One message sent to an inlet, read the way Experience Platform's collection service reads it: an XDM envelope
 * (`header` + `body`), or — on an inlet bound to a dataset — a raw JSON object that is itself the record. Problems
 * are a kind, a `code`, a `message` and violations per message; the collection route answers the kind as
 * Experience Platform's per-message `statusCode`.
 */
import type { ErrorKind, Violation } from '../errors/domain-error';
import type { Inlet } from '../catalog/inlets';
import type { UpsertOperation } from '../profiles/fragments';
import { operationOf, UNSUPPORTED_OPERATION, type OperationRefusal } from './upsert-operations';

/** Why one message was not accepted: the body of a single message's problem, or one entry of a batch's 207. */
export interface MessageError {
  readonly kind: Extract<ErrorKind, 'invalid' | 'too-large' | 'unavailable'>;
  readonly code: string;
  readonly message: string;
  readonly violations?: readonly Violation[];
}

/** A message that names its dataset and record, before the dataset and schema are checked. */
export interface ParsedMessage {
  readonly datasetId: string;
  /** `header.schemaRef.id` of an envelope; raw messages name no schema. */
  readonly schemaId?: string;
  readonly record: Record<string, unknown>;
  /** Where the record sits in the message, so violations point into what the producer sent. */
  readonly recordPointer: string;
  /** An envelope's `header.msgId`: the producer's id of the message, which de-duplicates its resends. */
  readonly producerMessageId?: string;
  /** The message is the record itself (no envelope): what an inlet's mapping applies to. */
  readonly raw: boolean;
  /** `header.operations.data` of an envelope; absent for a create. */
  readonly operation?: UpsertOperation;
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Experience Platform prefixes every message error with the inlet, so a producer's log line says where it went. */
export function messageError(
  inlet: Pick<Inlet, 'inletId'>,
  kind: MessageError['kind'],
  code: string,
  text: string,
  violations?: readonly Violation[],
): MessageError {
  return {
    kind,
    code,
    message: `inletId: [${inlet.inletId}] ${text}`,
    ...(violations && violations.length > 0 ? { violations } : {}),
  };
}

/** A refused `header.operations`, its pointer placed under `prefix` (where the message sits in the request). */
export const operationError = (inlet: Inlet, { refusal }: OperationRefusal, prefix = ''): MessageError =>
  messageError(inlet, 'invalid', UNSUPPORTED_OPERATION, refusal.message, [
    { ...refusal, pointer: prefix + refusal.pointer },
  ]);

const badMessage = (inlet: Inlet, code: string, text: string, pointer: string, keyword: string) =>
  messageError(inlet, 'invalid', code, text, [{ pointer, keyword, message: text }]);

/** An envelope is an object with both `header` and `body`; anything else is raw data. */
export const looksLikeEnvelope = (message: Record<string, unknown>): boolean =>
  'header' in message && 'body' in message;

const schemaRefIdOf = (holder: unknown): unknown =>
  isObject(holder) && isObject(holder.schemaRef) ? holder.schemaRef.id : undefined;

/** Reads the envelope's header and body; the dataset and schema are checked against the catalog afterwards. */
function parseEnvelope(inlet: Inlet, message: Record<string, unknown>): ParsedMessage | MessageError {
  const { header, body } = message;
  if (!isObject(header))
    return badMessage(inlet, 'unknown-xdm-format', 'Message has unknown xdm format', '/header', 'type');
  const schemaId = schemaRefIdOf(header);
  if (typeof schemaId !== 'string' || schemaId === '') {
    return badMessage(
      inlet,
      'unknown-xdm-format',
      'Message has unknown xdm format: header.schemaRef.id is required',
      '/header/schemaRef/id',
      'required',
    );
  }
  if (header.imsOrgId !== undefined && typeof header.imsOrgId !== 'string') {
    return badMessage(
      inlet,
      'wrong-ims-org',
      'Message has an absent or wrong ims org in the header',
      '/header/imsOrgId',
      'type',
    );
  }
  if (header.source !== undefined && !(isObject(header.source) && typeof header.source.name === 'string')) {
    return badMessage(
      inlet,
      'missing-source-name',
      'Payload header is missing Source Name',
      '/header/source/name',
      'required',
    );
  }
  const datasetId = header.datasetId ?? inlet.datasetId;
  if (typeof datasetId !== 'string' || datasetId === '') {
    return badMessage(
      inlet,
      'missing-dataset-id',
      'Message has no header.datasetId and the inlet is bound to no dataset',
      '/header/datasetId',
      'required',
    );
  }
  if (!isObject(body))
    return badMessage(inlet, 'unknown-xdm-format', 'Message has unknown xdm format', '/body', 'type');
  const metaSchemaId = schemaRefIdOf(body.xdmMeta);
  if (metaSchemaId !== undefined && metaSchemaId !== schemaId) {
    return badMessage(
      inlet,
      'schema-mismatch',
      `body.xdmMeta.schemaRef.id ${JSON.stringify(metaSchemaId)} differs from header.schemaRef.id '${schemaId}'`,
      '/body/xdmMeta/schemaRef/id',
      'const',
    );
  }
  if (!isObject(body.xdmEntity)) {
    return badMessage(
      inlet,
      'missing-xdm-entity',
      'Payload body is missing xdmEntity',
      '/body/xdmEntity',
      'required',
    );
  }
  const operation = operationOf(header);
  if ('refusal' in operation) return operationError(inlet, operation);
  return {
    datasetId,
    schemaId,
    record: body.xdmEntity,
    recordPointer: '/body/xdmEntity',
    raw: false,
    ...operation,
  };
}

export function parseMessage(inlet: Inlet, message: unknown): ParsedMessage | MessageError {
  if (!isObject(message)) {
    return badMessage(
      inlet,
      'unknown-xdm-format',
      'Message has unknown xdm format: a message is a JSON object',
      '',
      'type',
    );
  }
  if (looksLikeEnvelope(message)) return withProducerMessageId(inlet, message, parseEnvelope(inlet, message));
  if (inlet.datasetId === undefined) {
    return badMessage(
      inlet,
      'unknown-xdm-format',
      'Message has unknown xdm format: this inlet has no dataset, so a message must be an XDM envelope (header and body)',
      '',
      'required',
    );
  }
  return { datasetId: inlet.datasetId, record: message, recordPointer: '', raw: true };
}

export const isMessageError = (value: object): value is MessageError => 'kind' in value;

/** Longest `header.msgId` kept: it becomes part of a de-duplication key (DynamoDB keys take at most 2 KB). */
export const MAX_PRODUCER_MESSAGE_ID_LENGTH = 512;

/** The envelope's `header.msgId` carried on a parsed envelope, or the reason it is refused (never ignored). */
function withProducerMessageId(
  inlet: Inlet,
  envelope: Record<string, unknown>,
  parsed: ParsedMessage | MessageError,
): ParsedMessage | MessageError {
  const msgId = isObject(envelope.header) ? envelope.header.msgId : undefined;
  if (isMessageError(parsed) || msgId === undefined) return parsed;
  if (typeof msgId !== 'string' || msgId === '' || msgId.length > MAX_PRODUCER_MESSAGE_ID_LENGTH) {
    return badMessage(
      inlet,
      'invalid-msg-id',
      `header.msgId must be a string of 1 to ${MAX_PRODUCER_MESSAGE_ID_LENGTH} characters`,
      '/header/msgId',
      'type',
    );
  }
  return { ...parsed, producerMessageId: msgId };
}
