/** The messages between the function host and a function's worker thread (structured-cloned). */
export interface InvocationRequest {
  readonly id: number;
  /** The event as JSON, as Lambda passes it. */
  readonly payload: string;
  /** Epoch milliseconds at which the invocation times out (the context's getRemainingTimeInMillis). */
  readonly deadline: number;
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** The error's own enumerable properties (e.g. an AWS SDK error's `$metadata`), as JSON. */
  readonly properties: Record<string, unknown>;
}

export type InvocationReply =
  | { readonly id: number; readonly ok: true; readonly payload?: string }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };

/** Sent once the handler module is loaded (or failed to load): the end of the environment's init phase. */
export interface InitializedMessage {
  readonly initialized: true;
}

export type WorkerMessage = InvocationReply | InitializedMessage;
