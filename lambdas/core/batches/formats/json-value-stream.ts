/**
 * A streaming JSON parser (@streamparser/json: pure JS, no dependencies, typed, emits each element of a top-level
 * array as it completes and forgets it) that reports a syntax error with the byte offset where it was found.
 */
import { JSONParser, TokenizerError } from '@streamparser/json';

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

export class JsonValueStream {
  private readonly parser: JSONParser;
  private bytesWritten = 0;
  private lastTokenOffset: number | undefined;
  private lastTokenValue: unknown;

  constructor(options: JsonValueStreamOptions, onValue: (value: unknown) => void) {
    this.parser = new JSONParser({ ...options, keepStack: false });
    this.parser.onValue = ({ value }) => onValue(value);
    this.parser.onToken = ({ offset, value }) => {
      this.lastTokenOffset = offset;
      this.lastTokenValue = value;
    };
  }

  get isEnded(): boolean {
    return this.parser.isEnded;
  }

  write(bytes: Uint8Array): void {
    this.guard(() => this.parser.write(bytes));
    this.bytesWritten += bytes.length;
  }

  end(): void {
    if (!this.parser.isEnded) this.guard(() => this.parser.end());
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
