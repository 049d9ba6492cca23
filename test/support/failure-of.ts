/** The error a call failed with (undefined when it succeeded), so several calls can be started before any is assessed. */
export const failureOf = (call: Promise<unknown>): Promise<unknown> =>
  call.then(
    () => undefined,
    (error: unknown) => error,
  );
