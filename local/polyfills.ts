/**
 * aws-local-stepfunctions declares Node >= 22 and calls Promise.withResolvers; on Node 20 every Task would fail
 * (and a Catch would hide it). Loaded before anything else in the local runtime and the tests.
 */
interface PromiseWithResolversResult<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const promiseConstructor = Promise as PromiseConstructor & {
  withResolvers?: <T>() => PromiseWithResolversResult<T>;
};

if (typeof promiseConstructor.withResolvers !== 'function') {
  promiseConstructor.withResolvers = <T>(): PromiseWithResolversResult<T> => {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
