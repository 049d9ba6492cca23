/** The runtime's own log lines (not the handlers', which log through Powertools): info can be silenced. */
export interface RuntimeLog {
  info(message: string): void;
  error(message: string, error?: unknown): void;
}

export function createRuntimeLog(quiet: boolean): RuntimeLog {
  return {
    info(message) {
      if (!quiet) console.log(`[tributary] ${message}`);
    },
    error(message, error) {
      if (quiet) return;
      const detail =
        error instanceof Error
          ? (error.stack ?? error.message)
          : error === undefined
            ? ''
            : JSON.stringify(error);
      console.error(`[tributary] ${message}${detail ? `\n${detail}` : ''}`);
    },
  };
}
