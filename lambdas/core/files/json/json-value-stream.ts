/**
 * A streaming JSON parser (@streamparser/json: pure JS, no dependencies, typed, emits each element of a top-level
 * array as it completes and forgets it) that reports a syntax error with the byte offset where it was found, and
 * leaves an `InexactNumber` where a number literal would not be held exactly (core/exact-json.ts), so the reader
 * can refuse the row instead of storing a changed value.
 */
import { TokenParser, Tokenizer, TokenizerError, type TokenizerOptions } from '@streamparser/json';
import { InexactNumber, isExactNumberLiteral } from '../../exact-json';

/** A tokenizer that keeps a literal a JavaScript number would change as an `InexactNumber`, and counts them. */
class ExactNumberTokenizer extends Tokenizer {
  inexact = 0;

  constructor(options: TokenizerOptions) {
    super(options);
  }

  protected override parseNumber(literal: string): number {
    if (isExactNumberLiteral(literal)) return Number(literal);
    this.inexact += 1;
    // The token parser places the value as given; the reader finds it with inexactNumbersOf.
    return new InexactNumber(literal) as unknown as number;
  }
}

export class JsonSyntaxError extends Error {
  constructor(
    readonly position: number,
    readonly reason: string,
  ) {
    super(`Malformed JSON at byte ${position}: ${reason}`);
    this.name = 'JsonSyntaxError';
  }
}

export interface JsonValueStreamOptions {
  /** `$.*`: each element of the top-level array; `$`: each top-level value. */
  readonly paths: string[];
  /** `''` accepts several top-level values one after the other; undefined accepts one. */
  readonly separator?: string;
}

const TOKENIZER_POSITION = /absolute position "(\d+)"/;
const UNEXPECTED_CHARACTER = /^Unexpected "(.*)" at chunk/s;

/** A value as parsed, and whether it holds an `InexactNumber` (only then is it worth searching). */
export type ParsedValue = (value: unknown, holdsInexactNumber: boolean) => void;

export class JsonValueStream {
  private readonly tokenizer: ExactNumberTokenizer;
  private readonly tokens: TokenParser;
  private bytesWritten = 0;
  private lastTokenOffset: number | undefined;
  private lastTokenValue: unknown;

  constructor(options: JsonValueStreamOptions, onValue: ParsedValue) {
    // Wired as @streamparser/json's JSONParser wires its own tokenizer and token parser.
    this.tokenizer = new ExactNumberTokenizer(options);
    this.tokens = new TokenParser({ ...options, keepStack: false });
    this.tokenizer.onToken = (token) => {
      this.lastTokenOffset = token.offset;
      this.lastTokenValue = token.value;
      this.tokens.write(token);
    };
    this.tokenizer.onEnd = () => {
      if (!this.tokens.isEnded) this.tokens.end();
    };
    this.tokens.onError = this.tokenizer.error.bind(this.tokenizer);
    this.tokens.onEnd = () => {
      if (!this.tokenizer.isEnded) this.tokenizer.end();
    };
    this.tokens.onValue = ({ value }) => {
      onValue(value, this.tokenizer.inexact > 0);
      this.tokenizer.inexact = 0;
    };
  }

  get isEnded(): boolean {
    return this.tokenizer.isEnded && this.tokens.isEnded;
  }

  write(bytes: Uint8Array): void {
    this.guard(() => this.tokenizer.write(bytes));
    this.bytesWritten += bytes.length;
  }

  end(): void {
    if (!this.isEnded) this.guard(() => this.tokenizer.end());
  }

  private guard(step: () => void): void {
    try {
      step();
    } catch (error) {
      throw this.describe(error);
    }
  }

  private describe(error: unknown): unknown {
    if (!(error instanceof Error)) return error;
    const message = error.message;
    if (message.includes('ended in'))
      return new JsonSyntaxError(this.bytesWritten, 'unexpected end of input');
    if (error instanceof TokenizerError) {
      const position = TOKENIZER_POSITION.exec(message)?.[1];
      const character = UNEXPECTED_CHARACTER.exec(message)?.[1];
      return new JsonSyntaxError(
        position === undefined ? this.bytesWritten : Number(position),
        character === undefined ? message : `unexpected ${JSON.stringify(character)}`,
      );
    }
    // The token parser rejects a token at the position of the last one the tokenizer produced.
    return new JsonSyntaxError(
      this.lastTokenOffset ?? this.bytesWritten,
      `unexpected ${JSON.stringify(this.lastTokenValue ?? null)}`,
    );
  }
}

/** Why `text` is not one JSON value, said with the byte offset of the fault. */
export function describeJsonSyntaxError(text: string, fallback: string): string {
  const stream = new JsonValueStream({ paths: ['$'] }, () => undefined);
  try {
    stream.write(Buffer.from(text, 'utf8'));
    stream.end();
  } catch (error) {
    if (error instanceof JsonSyntaxError) return error.message;
  }
  return `Malformed JSON: ${fallback.slice(0, 200)}`;
}
