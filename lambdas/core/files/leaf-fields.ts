/**
 * Experience Platform refuses rows with more than 10,000 fields. A field is a leaf of the record: a value that is
 * not an object or array, or an empty object or array. Counting stops just past the limit, so a huge record costs
 * no more than the limit; it walks with its own stack, so a deeply nested record cannot overflow the call stack.
 */
/** Fields a row may have unless configured otherwise (a batch's guardrails may set another limit). */
export const DEFAULT_MAX_FIELDS_PER_ROW = 10_000;

export function leafFieldCount(record: object, limit: number): number {
  let count = 0;
  const pending: object[] = [];
  let node: object | undefined = record;
  const visit = (child: unknown) => {
    if (typeof child === 'object' && child !== null) pending.push(child);
    else count += 1;
  };
  while (node !== undefined) {
    let children = 0;
    if (Array.isArray(node)) {
      for (const child of node as unknown[]) {
        children += 1;
        visit(child);
      }
    } else {
      for (const key in node) {
        children += 1;
        visit((node as Record<string, unknown>)[key]);
      }
    }
    if (children === 0 && node !== record) count += 1;
    if (count > limit) return count;
    node = pending.pop();
  }
  return count;
}

export function tooManyFieldsMessage(limit: number): string {
  return `The row has more than ${limit} fields`;
}
