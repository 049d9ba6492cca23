/**
 * Sets a key that came with the data on a record (a CSV column, a Parquet field, an attribute, a mapping's output).
 * A key `__proto__` must become an ordinary property, never the object's prototype, so it is defined rather than
 * assigned.
 */
export function setOwn(node: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    node[key] = value;
  }
}
