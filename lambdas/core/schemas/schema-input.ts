/** The bodies of `POST /schemas` (a new schema) and `PUT /schemas/{schemaId}` (its next version). */
import { z } from 'zod';
import { displayText, parseInput } from '../input';
import {
  SCHEMA_CLASSES,
  UNKNOWN_KEYWORD_MODES,
  type SchemaClass,
  type UnknownKeywordMode,
} from './schema-types';

/** Titles show in lists and consoles; longer text belongs in `description`. */
const MAX_TITLE_LENGTH = 256;
const MAX_DESCRIPTION_LENGTH = 4096;
/** A namespace code or an identity path longer than this is a mistake, not a field. */
const MAX_IDENTITY_TEXT_LENGTH = 1024;
/** An identity per field is plenty: the profile keeps at most 20 identities per record anyway. */
const MAX_IDENTITIES = 20;

const identity = z.strictObject({
  path: z.string().min(1).max(MAX_IDENTITY_TEXT_LENGTH),
  namespace: z.string().min(1).max(MAX_IDENTITY_TEXT_LENGTH),
  primary: z.boolean().optional(),
});

/** The schema object itself, not a copy: a copy would turn a `__proto__` property into a prototype. */
const jsonSchema = z.custom<Record<string, unknown>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  'must be a JSON Schema object',
);

const definition = {
  description: z.string().max(MAX_DESCRIPTION_LENGTH).optional(),
  schema: jsonSchema,
  identities: z.array(identity).max(MAX_IDENTITIES).optional(),
  unknownKeywords: z.enum(UNKNOWN_KEYWORD_MODES).optional(),
};

const registrationBody = z.strictObject({
  title: displayText(MAX_TITLE_LENGTH),
  class: z.enum(SCHEMA_CLASSES),
  ...definition,
});

/** A new version may leave out title and class: they carry over. */
const evolutionBody = z.strictObject({
  title: displayText(MAX_TITLE_LENGTH).optional(),
  class: z.enum(SCHEMA_CLASSES).optional(),
  ...definition,
});

export interface SchemaDefinition {
  readonly title: string;
  readonly class: SchemaClass;
  readonly description?: string;
  readonly schema: Record<string, unknown>;
  readonly identities: { path: string; namespace: string; primary: boolean }[];
  readonly unknownKeywords: UnknownKeywordMode;
}

type DefinitionFields = z.output<z.ZodObject<typeof definition>>;

function completed(
  fields: DefinitionFields,
  title: string,
  schemaClass: SchemaClass,
  description?: string,
): SchemaDefinition {
  const resolvedDescription = fields.description ?? description;
  return {
    title,
    class: schemaClass,
    ...(resolvedDescription === undefined ? {} : { description: resolvedDescription }),
    schema: fields.schema,
    identities: (fields.identities ?? []).map((entry) => ({ ...entry, primary: entry.primary ?? false })),
    unknownKeywords: fields.unknownKeywords ?? 'reject',
  };
}

export function parseRegistration(input: unknown): SchemaDefinition {
  const body = parseInput(registrationBody, input);
  return completed(body, body.title, body.class);
}

export function parseEvolution(
  input: unknown,
  current: { title: string; class: SchemaClass; description?: string },
): SchemaDefinition {
  const body = parseInput(evolutionBody, input);
  return completed(body, body.title ?? current.title, body.class ?? current.class, current.description);
}
