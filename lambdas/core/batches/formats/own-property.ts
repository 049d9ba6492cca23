/**
 * Sets a key read from a file on a record. A key `__proto__` (a CSV column, a Parquet field) must become an ordinary
 * property, never the object's prototype, so it is defined rather than assigned.
 */
export function setOwn(node: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    node[key] = value;
  }
}
