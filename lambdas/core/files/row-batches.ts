/**
 * Readers produce rows in batches (one per piece of the stream) and `readChunk` hands them out one at a time through
 * a plain async iterator: an async-generator hop per row costs more than parsing a CSV row.
 */
export function oneByOne<T>(batches: AsyncGenerator<T[]>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () => {
      let batch: T[] = [];
      let index = 0;
      return {
        next: async (): Promise<IteratorResult<T>> => {
          while (index >= batch.length) {
            const result = await batches.next();
            if (result.done === true) return { done: true, value: undefined };
            batch = result.value;
            index = 0;
          }
          const value = batch[index]!;
          index += 1;
          return { done: false, value };
        },
        return: async (): Promise<IteratorResult<T>> => {
          await batches.return([]);
          return { done: true, value: undefined };
        },
      };
    },
  };
}
